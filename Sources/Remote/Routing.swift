import Foundation
import Reasoning

/// What a server's routing payload holds, from the served model's own file: every layer (vLLM
/// and SGLang report all hidden layers, dense ones too), the experts per MoE layer (for the
/// heatmap's width), and the experts each token goes to.
public struct RoutingShape: Sendable, Equatable {
    public var layers: Int
    public var experts: Int
    public var topK: Int
    /// Tokens per segment while routing is on: a server reports routing only when a request ends,
    /// so short segments make the heatmap fill as the model thinks.
    public var segmentLength: Int

    public init(layers: Int, experts: Int, topK: Int, segmentLength: Int = 32) {
        self.layers = layers
        self.experts = experts
        self.topK = topK
        self.segmentLength = max(1, segmentLength)
    }
}

/// The routing a segment reported: row `i` is the token at `firstPosition + i` (the token as the
/// model read it, as the in-process routing tap records it). Rows of unknown routing are empty.
public struct SegmentRouting: Sendable, Equatable {
    public var firstPosition: Int
    public var rows: [[LayerRouting]]

    public init(firstPosition: Int, rows: [[LayerRouting]]) {
        self.firstPosition = firstPosition
        self.rows = rows
    }

    /// A server reports ids only (no gate weights): each chosen expert counts 1/k.
    static func row(_ ids: ArraySlice<Int>, shape: RoutingShape) -> [LayerRouting] {
        var layers: [LayerRouting] = []
        layers.reserveCapacity(shape.layers)
        var i = ids.startIndex
        let w = 1 / Float(shape.topK)
        for _ in 0..<shape.layers {
            let experts = Array(ids[i..<(i + shape.topK)])
            i += shape.topK
            // vLLM marks positions it did not compute (cached) with -1.
            guard experts.allSatisfy({ $0 >= 0 && $0 < shape.experts }) else { return [] }
            layers.append(LayerRouting(experts: experts, weights: Array(repeating: w, count: experts.count)))
        }
        return layers
    }

    /// Places `values` (rows × layers × top-k ids, flat) on positions. The server returns rows
    /// for every token it forwarded (the prompt and all generated tokens but the last) from
    /// `from` on when it honoured the request's start field, from 0 when it did not; the older
    /// vLLM list format returns generated tokens only.
    static func place(_ values: [Int], shape: RoutingShape, promptLength: Int, generated: Int, from: Int,
                      server: String, what: String) throws -> SegmentRouting {
        let width = shape.layers * shape.topK
        guard width > 0, values.count % width == 0 else {
            throw ServerError(server, "\(what): routed experts hold \(values.count) ids, expected a multiple of "
                              + "\(shape.layers) layers × top-\(shape.topK) (the served model's shape from the local GGUF)")
        }
        let n = values.count / width
        let total = promptLength + generated
        let first: Int
        if n == total - 1 - from || (n == 0 && generated <= 1) {
            first = from
        } else if n == total - 1 {
            first = 0
        } else if n == generated || n == generated - 1 {
            first = promptLength
        } else {
            throw ServerError(server, "\(what): routed experts cover \(n) tokens; expected \(total - 1 - from) "
                              + "(positions \(from)..<\(total - 1) of \(promptLength) prompt + \(generated) generated tokens)")
        }
        let rows = (0..<n).map { r in row(values[(r * width)..<((r + 1) * width)], shape: shape) }
        return SegmentRouting(firstPosition: first, rows: rows)
    }
}

/// Decoders for the payloads servers put routed experts in.
enum RoutedExperts {
    /// base64 of raw little-endian int32 (SGLang's `meta_info.routed_experts`).
    static func int32(base64: String, server: String, what: String) throws -> [Int] {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
            throw ServerError(server, "\(what): routed_experts is not base64")
        }
        guard data.count % 4 == 0 else {
            throw ServerError(server, "\(what): routed_experts holds \(data.count) bytes, expected int32 values (a multiple of 4)")
        }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        }
    }

    /// base64 of a `.npy` file (vLLM's `choices[i].routed_experts`): the header's shape and
    /// dtype (uint8 for ≤ 256 experts, uint16 above; any little-endian integer type is read).
    static func npy(base64: String, server: String, what: String) throws -> (shape: [Int], values: [Int]) {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
            throw ServerError(server, "\(what): routed_experts is not base64")
        }
        return try npy(Array(data), server: server, what: what)
    }

    static func npy(_ b: [UInt8], server: String, what: String) throws -> (shape: [Int], values: [Int]) {
        func bad(_ why: String) -> ServerError { ServerError(server, "\(what): routed_experts is not a .npy array (\(why))") }
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { throw bad("no \\x93NUMPY magic") }
        let major = b[6]
        let headerLength: Int
        let start: Int
        if major == 1 {
            headerLength = Int(b[8]) | Int(b[9]) << 8
            start = 10
        } else {
            guard b.count >= 12 else { throw bad("short header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        }
        guard start + headerLength <= b.count else { throw bad("header runs past the data") }
        let header = String(decoding: b[start..<(start + headerLength)], as: UTF8.self)
        func field(_ name: String) -> String? {
            guard let r = header.range(of: "'\(name)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let q = descrField.dropFirst().firstIndex(of: "'") else { throw bad("no descr") }
        let descr = String(descrField[descrField.index(after: descrField.startIndex)..<q])
        if let f = field("fortran_order"), f.hasPrefix("True") { throw bad("Fortran order") }
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
              let close = shapeField.firstIndex(of: ")") else { throw bad("no shape") }
        let shape = shapeField[shapeField.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        guard descr.count >= 3, let width = Int(descr.dropFirst(2)), [1, 2, 4, 8].contains(width) else {
            throw bad("dtype \(descr)")
        }
        let order = descr.first!, kind = descr.dropFirst().first!
        guard order != ">" || width == 1, kind == "u" || kind == "i" else { throw bad("dtype \(descr), expected little-endian integers") }
        let count = shape.reduce(1, *)
        let body = start + headerLength
        guard body + count * width <= b.count else { throw bad("\(count) values of \(width) bytes do not fit in \(b.count - body) bytes") }
        var values: [Int] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            var u: UInt64 = 0
            for k in 0..<width { u |= UInt64(b[body + i * width + k]) << (8 * UInt64(k)) }
            if kind == "i" && width < 8 && u & (1 << (UInt64(width) * 8 - 1)) != 0 { u |= ~0 << (UInt64(width) * 8) }
            values.append(Int(Int64(bitPattern: u)))
        }
        return (shape, values)
    }

    /// Writes a `.npy` file (tests build vLLM's payloads with it).
    static func npyFile(shape: [Int], values: [Int], dtype: String = "|u1") -> [UInt8] {
        let width = Int(dtype.dropFirst(2)) ?? 1
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var b: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        b += Array(header.utf8)
        for v in values {
            let u = UInt64(bitPattern: Int64(v))
            for k in 0..<width { b.append(UInt8((u >> (8 * UInt64(k))) & 0xFF)) }
        }
        return b
    }
}
