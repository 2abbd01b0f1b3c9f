import CKernels
import Foundation
import Testing

/// Golden vectors from llama.cpp's own CPU library (tools/parity/make_vecdot_goldens.py): random
/// rows of the types added for issue 16 and MXFP4, ggml's quantized activation, its dequantized row
/// and its ggml_vec_dot result.
struct VecDotGolden: Decodable, CustomTestStringConvertible, Sendable {
    var type: String
    var n: Int
    var weights: String
    var x: String
    var xq: String
    var dequantized: String
    var dot: String
    var testDescription: String { "\(type) n=\(n)" }

    var wtype: WType { WType.added.first { $0.name == type }! }
    static func bytes(_ s: String) -> [UInt8] { [UInt8](Data(base64Encoded: s)!) }
    static func floats(_ s: String) -> [Float] {
        bytes(s).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Types whose kernels follow ggml_vec_dot's float order (the others follow the order of the
    /// repacked kernels llama.cpp's x86 build runs for them instead: docs/DECISIONS.md).
    static let vecDotOrder: Set<String> = ["Q4_1", "Q5_0", "Q5_1", "Q3_K", "IQ4_XS"]

    static let all: [VecDotGolden] = goldenCases("vecdot-goldens.json")
}

/// The `cases` of a golden fixture in Tests/Fixtures.
private func goldenCases<T: Decodable>(_ name: String) -> [T] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/" + name)
    return try! JSONDecoder().decode(GoldenFile<T>.self, from: Data(contentsOf: url)).cases
}

private struct GoldenFile<T: Decodable>: Decodable { var cases: [T] }

@Suite("llama.cpp golden vectors")
struct LlamaGoldenTests {
    @Test("dequantization equals ggml's to_float bit for bit", arguments: VecDotGolden.all)
    func dequantize(_ g: VecDotGolden) {
        let ours = CKernelsTests.dequantize(g.wtype.id, VecDotGolden.bytes(g.weights), n: g.n)
        #expect(ours.map(bits) == VecDotGolden.floats(g.dequantized).map(bits))
    }

    @Test("activations quantize as ggml's from_float at every level", arguments: VecDotGolden.all, Level.allCases)
    func quantize(_ g: VecDotGolden, _ level: Level) {
        guard level.available else { return }
        let (xq, _) = at(level) { activations(g.wtype, VecDotGolden.floats(g.x), m: 1, n: g.n) }
        let expected = VecDotGolden.bytes(g.xq)
        #expect(Array(xq.prefix(expected.count)) == expected)
    }

    @Test("vec_dot equals ggml's (bit for bit in its order, else within float rounding)",
          arguments: VecDotGolden.all, Level.allCases)
    func vecDot(_ g: VecDotGolden, _ level: Level) {
        guard level.available else { return }
        let t = g.wtype, w = VecDotGolden.bytes(g.weights), xq = VecDotGolden.bytes(g.xq) + [UInt8](repeating: 0, count: 64)
        let ours = at(level) { matvec(t, w, rows: 1, n: g.n, xq, offset: 0)[0] }
        let ref = VecDotGolden.floats(g.dot)[0]
        if VecDotGolden.vecDotOrder.contains(g.type) {
            #expect(bits(ours) == bits(ref), "\(ours) vs ggml \(ref)")
        } else {
            let wd = VecDotGolden.floats(g.dequantized), xd = CKernelsTests.dequantize(t.dotType, xq, n: g.n)
            let mag = zip(wd, xd).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            #expect(close(ours, Double(ref), tol: 1e-6 * mag), "\(ours) vs ggml \(ref)")
        }
    }
}

/// Golden dot products of float rows from llama.cpp's CPU library (tools/parity/make_float_row_goldens.py):
/// ggml_vec_dot_f32 / _f16 on rows whose length leaves a scalar tail after the 64-element steps.
struct FloatRowGolden: Decodable, CustomTestStringConvertible, Sendable {
    var type: String
    var n: Int
    var rows: Int
    var weights: String
    var x: String
    var dots: String
    var testDescription: String { "\(type) n=\(n)" }

    static let all: [FloatRowGolden] = goldenCases("float-row-goldens.json")
}

@Suite("llama.cpp golden float rows")
struct FloatRowGoldenTests {
    @Test("the row-by-row order equals ggml_vec_dot_f32/_f16 bit for bit, tails included", arguments: FloatRowGolden.all, Level.allCases)
    func rowwise(_ g: FloatRowGolden, _ level: Level) {
        guard level.available else { return }
        let t: WType = g.type == "F32" ? .f32 : .f16
        let w = VecDotGolden.bytes(g.weights), x = VecDotGolden.bytes(g.x)
        // Five rows: four go through the kernels' four-row tails, the fifth alone.
        let ours = at(level) {
            matmul(t, w, rows: g.rows, n: g.n, x, stride: x.count, m: 1, order: Int32(CK_ORDER_ROWWISE))
        }
        #expect(ours.map(bits) == VecDotGolden.floats(g.dots).map(bits))
    }
}
