#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds GGUF files (version 3, little-endian) for tests and tools. What it writes, `GGUFFile`
/// reads back unchanged; tensors are laid out back to back at `alignment`, as llama.cpp expects.
public struct GGUFWriter {
    public struct Tensor {
        public var name: String
        public var type: GGMLType
        public var shape: [Int]
        public var data: [UInt8]
    }

    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [Tensor] = []
    public var alignment: Int

    public init(alignment: Int = 32) {
        self.alignment = alignment
    }

    /// Sets (or replaces) a metadata value; order of first insertion is kept.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append((key, value))
        }
    }

    public mutating func set(_ key: String, _ value: String) { set(key, .string(value)) }
    public mutating func set(_ key: String, uint32 value: Int) { set(key, .uint32(UInt32(value))) }
    public mutating func set(_ key: String, float32 value: Double) { set(key, .float32(Float(value))) }
    public mutating func set(_ key: String, strings: [String]) {
        set(key, .array(GGUFArray(.string, strings.map { .string($0) })))
    }
    public mutating func set(_ key: String, int32s: [Int]) {
        set(key, .array(GGUFArray(.int32, int32s.map { .int32(Int32($0)) })))
    }

    /// Adds a tensor; `data` must hold exactly the bytes its type and shape need.
    public mutating func addTensor(_ name: String, type: GGMLType, shape: [Int], data: [UInt8]) {
        precondition(type.byteCount(elements: shape.reduce(1, *)) == data.count,
                     "tensor \(name): \(data.count) bytes for \(type.name) \(shape)")
        tensors.append(Tensor(name: name, type: type, shape: shape, data: data))
    }

    /// Removes a metadata key, if present.
    public mutating func remove(key: String) {
        metadata.removeAll { $0.key == key }
    }

    /// Removes a tensor, if present.
    public mutating func removeTensor(_ name: String) {
        tensors.removeAll { $0.name == name }
    }

    /// Replaces a tensor in place (keeping its position), or adds it.
    public mutating func replaceTensor(_ name: String, type: GGMLType, shape: [Int], data: [UInt8]) {
        guard let i = tensors.firstIndex(where: { $0.name == name }) else {
            addTensor(name, type: type, shape: shape, data: data)
            return
        }
        addTensor(name, type: type, shape: shape, data: data)
        tensors.swapAt(i, tensors.count - 1)
        tensors.removeLast()
    }

    /// Adds an F32 tensor.
    public mutating func addTensor(_ name: String, shape: [Int], floats: [Float]) {
        addTensor(name, type: .f32, shape: shape, data: floats.withUnsafeBytes { Array($0) })
    }

    /// The complete file image.
    public func bytes() -> [UInt8] {
        var out = header()
        for t in tensors {
            out.append(contentsOf: t.data)
            out.append(contentsOf: [UInt8](repeating: 0, count: padded(t.data.count) - t.data.count))
        }
        return out
    }

    /// Everything before the tensor data: header, metadata, tensor table and padding.
    private func header() -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: Array("GGUF".utf8))
        append(UInt32(3), to: &out)
        append(UInt64(tensors.count), to: &out)
        var meta = metadata
        if alignment != 32, !meta.contains(where: { $0.key == "general.alignment" }) {
            meta.insert(("general.alignment", .uint32(UInt32(alignment))), at: 0)
        }
        append(UInt64(meta.count), to: &out)
        for (key, value) in meta {
            appendString(key, to: &out)
            append(value.type.rawValue, to: &out)
            appendValue(value, to: &out)
        }
        var offset = 0
        for t in tensors {
            appendString(t.name, to: &out)
            append(UInt32(t.shape.count), to: &out)
            for d in t.shape { append(UInt64(d), to: &out) }
            append(t.type.id, to: &out)
            append(UInt64(offset), to: &out)
            offset += padded(t.data.count)
        }
        if !tensors.isEmpty {
            out.append(contentsOf: [UInt8](repeating: 0, count: padded(out.count) - out.count))
        }
        return out
    }

    /// Writes the file to `path`, tensor by tensor, replacing it atomically (a temporary name,
    /// then rename), so a reader never sees a half-written model.
    public func write(to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard let f = fopen(tmp, "wb") else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        var ok = true
        func put(_ bytes: [UInt8]) {
            if ok { ok = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) } == bytes.count }
        }
        put(header())
        for t in tensors {
            put(t.data)
            put([UInt8](repeating: 0, count: padded(t.data.count) - t.data.count))
        }
        let closed = fclose(f) == 0
        guard ok, closed else {
            unlink(tmp)
            throw WriteError(path: path, reason: "short write")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw WriteError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): cannot write: \(reason)" }
    }

    private func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    private func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    private func appendString(_ s: String, to out: inout [UInt8]) {
        append(UInt64(s.utf8.count), to: &out)
        out.append(contentsOf: Array(s.utf8))
    }

    private func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let s): appendString(s, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .array(let a):
            append(a.elementType.rawValue, to: &out)
            append(UInt64(a.values.count), to: &out)
            for e in a.values { appendValue(e, to: &out) }
        }
    }
}
