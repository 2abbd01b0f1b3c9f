import CKernels
import Testing

/// SIMD level the dispatcher is restricted to (per thread, so parallel tests don't interfere).
enum Level: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case scalar, avx2, avx512, neon

    var mask: UInt32 {
        switch self {
        case .scalar: 0
        case .avx2: UInt32(CK_LEVEL_AVX2_FEATURES)
        case .avx512: UInt32(CK_LEVEL_AVX512_FEATURES)
        case .neon: UInt32(CK_LEVEL_NEON_FEATURES)
        }
    }
    var available: Bool { ck_cpu_features() & mask == mask }
    var testDescription: String { rawValue }

    static let simd: [Level] = [.avx2, .avx512, .neon]
}

/// Runs body with the dispatcher limited to `level` on this thread. The body is synchronous,
/// so it cannot hop threads while the mask is set.
func at<T>(_ level: Level, _ body: () throws -> T) rethrows -> T {
    let old = ck_set_thread_feature_mask(level.mask)
    defer { ck_set_thread_feature_mask(old) }
    return try body()
}

/// Weight types with matvec support.
struct WType: CustomTestStringConvertible, Sendable, Hashable {
    let id: Int32
    let name: String
    var testDescription: String { name }
    var blockSize: Int { Int(ck_block_size(id)) }
    var typeSize: Int { Int(ck_type_size(id)) }
    var dotType: Int32 { ck_vec_dot_type(id) }
    var isQuantized: Bool { blockSize > 1 }
    func rowSize(_ n: Int) -> Int { Int(ck_row_size(id, Int32(n))) }

    static let f32 = WType(id: Int32(CK_TYPE_F32), name: "F32")
    static let f16 = WType(id: Int32(CK_TYPE_F16), name: "F16")
    static let bf16 = WType(id: Int32(CK_TYPE_BF16), name: "BF16")
    static let q8_0 = WType(id: Int32(CK_TYPE_Q8_0), name: "Q8_0")
    static let q4_0 = WType(id: Int32(CK_TYPE_Q4_0), name: "Q4_0")
    static let q4_K = WType(id: Int32(CK_TYPE_Q4_K), name: "Q4_K")
    static let q5_K = WType(id: Int32(CK_TYPE_Q5_K), name: "Q5_K")
    static let q6_K = WType(id: Int32(CK_TYPE_Q6_K), name: "Q6_K")
    static let q8_K = WType(id: Int32(CK_TYPE_Q8_K), name: "Q8_K")
    static let q8_1 = WType(id: Int32(CK_TYPE_Q8_1), name: "Q8_1")
    static let q4_1 = WType(id: Int32(CK_TYPE_Q4_1), name: "Q4_1")
    static let q5_0 = WType(id: Int32(CK_TYPE_Q5_0), name: "Q5_0")
    static let q5_1 = WType(id: Int32(CK_TYPE_Q5_1), name: "Q5_1")
    static let iq4_nl = WType(id: Int32(CK_TYPE_IQ4_NL), name: "IQ4_NL")
    static let mxfp4 = WType(id: Int32(CK_TYPE_MXFP4), name: "MXFP4")
    static let q2_K = WType(id: Int32(CK_TYPE_Q2_K), name: "Q2_K")
    static let q3_K = WType(id: Int32(CK_TYPE_Q3_K), name: "Q3_K")
    static let iq4_xs = WType(id: Int32(CK_TYPE_IQ4_XS), name: "IQ4_XS")
    /// The types of issue 16 and MXFP4.
    static let added: [WType] = [.q4_1, .q5_0, .q5_1, .iq4_nl, .mxfp4, .q2_K, .q3_K, .iq4_xs]
    static let all: [WType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_K, .q5_K, .q6_K] + added
}

/// Deterministic generator (SplitMix64).
struct Rng {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(Double(next() >> 11) * 0x1p-53 * 2 - 1) }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float() * scale } }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

func fp16(_ f: Float) -> UInt16 { ck_fp32_to_fp16(f) }

func putU16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) {
    b[at] = UInt8(v & 0xFF)
    b[at + 1] = UInt8(v >> 8)
}

/// Random but well-formed rows: random quant bytes, finite positive block scales of realistic size.
func randomWeights(_ t: WType, rows: Int, n: Int, rng: inout Rng) -> [UInt8] {
    let rb = t.rowSize(n)
    switch t.id {
    case WType.f32.id:
        return rng.floats(rows * n).withUnsafeBytes { Array($0) }
    case WType.f16.id:
        return rng.floats(rows * n).map { fp16($0) }.withUnsafeBytes { Array($0) }
    case WType.bf16.id:
        return rng.floats(rows * n).map { ck_fp32_to_bf16($0) }.withUnsafeBytes { Array($0) }
    default:
        var b = rng.bytes(rows * rb)
        for blk in 0..<(rows * rb / t.typeSize) {
            let o = blk * t.typeSize
            let d = fp16(0.002 + 0.02 * abs(rng.float())), dmin = fp16(0.01 * abs(rng.float()))
            switch t.id {
            case WType.q6_K.id: putU16(&b, o + 208, d)
            case WType.q4_K.id, WType.q5_K.id, WType.q4_1.id, WType.q5_1.id: putU16(&b, o, d); putU16(&b, o + 2, dmin)
            case WType.q2_K.id: putU16(&b, o + 80, d); putU16(&b, o + 82, dmin)
            case WType.q3_K.id: putU16(&b, o + 108, d)
            case WType.mxfp4.id: b[o] = UInt8(118 + rng.next() % 8)  // 2^-10 .. 2^-3
            default: putU16(&b, o, d)
            }
        }
        return b
    }
}

/// Activation rows converted to the weight's vec_dot format (row stride = rowSize of that format).
func activations(_ t: WType, _ x: [Float], m: Int, n: Int) -> (bytes: [UInt8], stride: Int) {
    let stride = Int(ck_row_size(t.dotType, Int32(n)))
    var out = [UInt8](repeating: 0, count: stride * m + 64)
    out.withUnsafeMutableBytes { o in
        x.withUnsafeBufferPointer { xp in
            for j in 0..<m {
                ck_quantize_activation(t.id, xp.baseAddress! + j * n, o.baseAddress! + j * stride, Int32(n))
            }
        }
    }
    return (out, stride)
}

func dequantize(_ type: Int32, _ bytes: UnsafeRawPointer, n: Int) -> [Float] {
    var y = [Float](repeating: 0, count: n)
    y.withUnsafeMutableBufferPointer { ck_dequantize_row(type, bytes, $0.baseAddress, Int32(n)) }
    return y
}

func dequantize(_ type: Int32, _ bytes: [UInt8], offset: Int = 0, n: Int) -> [Float] {
    bytes.withUnsafeBytes { dequantize(type, $0.baseAddress! + offset, n: n) }
}

/// matmul through the public API: y[j * rows + r].
func matmul(_ t: WType, _ w: [UInt8], rows: Int, n: Int, _ xq: [UInt8], stride: Int, m: Int,
            r0: Int = 0, r1: Int? = nil, order: Int32 = Int32(CK_ORDER_TILED)) -> [Float] {
    var y = [Float](repeating: .nan, count: rows * m)
    w.withUnsafeBytes { wp in
        xq.withUnsafeBytes { xp in
            y.withUnsafeMutableBufferPointer { yp in
                ck_matmul_order(order, t.id, wp.baseAddress, t.rowSize(n), Int32(r0), Int32(r1 ?? rows), Int32(n),
                                xp.baseAddress, stride, Int32(m), yp.baseAddress, rows)
            }
        }
    }
    return y
}

func matvec(_ t: WType, _ w: [UInt8], rows: Int, n: Int, _ xq: [UInt8], offset: Int,
            r0: Int = 0, r1: Int? = nil) -> [Float] {
    var y = [Float](repeating: .nan, count: rows)
    w.withUnsafeBytes { wp in
        xq.withUnsafeBytes { xp in
            y.withUnsafeMutableBufferPointer { yp in
                ck_matvec(t.id, wp.baseAddress, t.rowSize(n), Int32(r0), Int32(r1 ?? rows), Int32(n),
                          xp.baseAddress! + offset, yp.baseAddress)
            }
        }
    }
    return y
}

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.utf8.makeIterator()
    func nib(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
    while let a = it.next(), let b = it.next() { out.append(nib(a) << 4 | nib(b)) }
    return out
}

func bits(_ f: Float) -> UInt32 { f.bitPattern }

/// |a - b| <= tol, printing context on failure.
func close(_ a: Float, _ b: Double, tol: Double) -> Bool { abs(Double(a) - b) <= tol }
