import CKernels
import Testing

private func quantize(_ type: WType, _ x: [Float], level: Level) -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: type.rowSize(x.count))
    at(level) {
        out.withUnsafeMutableBytes { o in
            x.withUnsafeBufferPointer { xp in
                if type.id == WType.q8_0.id {
                    ck_quantize_row_q8_0(xp.baseAddress, o.baseAddress, Int32(x.count))
                } else {
                    ck_quantize_row_q8_K(xp.baseAddress, o.baseAddress, Int32(x.count))
                }
            }
        }
    }
    return out
}

private func qs(_ b: [UInt8], _ range: Range<Int>) -> [Int] { b[range].map { Int(Int8(bitPattern: $0)) } }
private func f32(_ b: [UInt8], _ off: Int) -> Float { b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off, as: Float.self) } }
private func u16(_ b: [UInt8], _ off: Int) -> UInt16 { UInt16(b[off]) | UInt16(b[off + 1]) << 8 }

/// Inputs that stress the rounding rules: random scales, exact ties, zeros, huge/tiny ranges.
private func inputs(_ n: Int, seed: UInt64) -> [[Float]] {
    var rng = Rng(seed)
    var sets: [[Float]] = [rng.floats(n), rng.floats(n, scale: 1e-3), rng.floats(n, scale: 3e4)]
    sets.append([Float](repeating: 0, count: n))
    // amax = 127 makes id = 1 (Q8_0) and a negative max makes iscale = 1 (Q8_K): halves are ties.
    var ties = (0..<n).map { Float(($0 % 50) - 25) + 0.5 }
    ties[0] = -127
    sets.append(ties)
    var posMax = ties
    posMax[0] = 127
    sets.append(posMax)
    sets.append((0..<n).map { i in Float(i % 3 == 0 ? 0 : 1) * rng.float() * 1e-6 })
    sets.append((0..<n).map { i in i % 32 < 16 ? 0 : rng.float() })  // zero half-blocks
    return sets
}

@Suite("Activation quantization")
struct QuantizeTests {
    @Test("SIMD paths are bit-identical to the scalar twin", arguments: [WType.q8_0, .q8_K], [256, 512, 1024])
    func simdMatchesScalar(_ t: WType, _ n: Int) {
        for (k, x) in inputs(n, seed: UInt64(n)).enumerated() {
            let s = quantize(t, x, level: .scalar)
            for level in Level.simd {
                #expect(quantize(t, x, level: level) == s, "\(t.name) \(level) input set \(k)")
            }
        }
    }

    @Test("Q8_0 follows the x86 rule: d = amax/127 as fp16, id = 127/amax, ties to even", arguments: Level.allCases)
    func q8_0Rule(_ level: Level) {
        var x = (0..<32).map { Float($0) - 15.5 }  // ..., -0.5, 0.5, 1.5, ...
        x[31] = 127
        let q = quantize(.q8_0, x, level: level)
        #expect(u16(q, 0) == fp16(1))
        let want = x.map { v -> Int in Int(v.rounded(.toNearestOrEven)) }
        #expect(qs(q, 2..<34) == want)
        #expect(qs(q, 2..<6) == [-16, -14, -14, -12])  // -15.5 -> -16, -14.5 -> -14, -13.5 -> -14

        var rng = Rng(9)
        let r = rng.floats(32, scale: 0.37)
        let qr = quantize(.q8_0, r, level: level)
        let amax = r.map { abs($0) }.max()!
        #expect(u16(qr, 0) == fp16(amax / 127))
        let id = 127 / amax
        #expect(qs(qr, 2..<34) == r.map { Int(($0 * id).rounded(.toNearestOrEven)) })

        let z = quantize(.q8_0, [Float](repeating: 0, count: 32), level: level)
        #expect(z == [UInt8](repeating: 0, count: 34))
    }

    @Test("Q8_K follows the reference rule: signed max, iscale = -127/max, bsums", arguments: Level.allCases)
    func q8KRule(_ level: Level) {
        var x = [Float](repeating: 0.25, count: 256)
        x[3] = 5
        x[10] = -5  // same magnitude later: the first one (positive) wins
        x[20] = 2.5
        let q = quantize(.q8_K, x, level: level)
        let iscale: Float = -127 / 5
        #expect(f32(q, 0) == 1 / iscale)
        #expect(qs(q, 4..<260)[3] == -127 && qs(q, 4..<260)[10] == 127)
        let want = x.map { v -> Int in min(127, Int((iscale * v).rounded(.toNearestOrEven))) }
        #expect(qs(q, 4..<260) == want)
        for g in 0..<16 {
            let bs = Int(Int16(bitPattern: u16(q, 260 + 2 * g)))
            #expect(bs == want[16 * g..<16 * g + 16].reduce(0, +))
        }
        // Ties: max = -127 gives iscale = 1 exactly.
        var t = (0..<256).map { Float($0 % 9) - 4.5 }
        t[100] = -127
        let qt = quantize(.q8_K, t, level: level)
        #expect(f32(qt, 0) == 1)
        #expect(qs(qt, 4..<13) == [-4, -4, -2, -2, 0, 0, 2, 2, 4])
        // All-zero block: d = 0, qs = 0, bsums = 0.
        let z = quantize(.q8_K, [Float](repeating: 0, count: 256), level: level)
        #expect(z == [UInt8](repeating: 0, count: 292))
    }

    @Test("ck_quantize_activation picks the weight's vec_dot format", arguments: WType.all)
    func activationFormat(_ t: WType) {
        var rng = Rng(3)
        let x = rng.floats(256)
        let (a, _) = activations(t, x, m: 1, n: 256)
        let back = dequantize(t.dotType, a, n: 256)
        let tol: Float = switch t.dotType {
        case WType.f32.id: 0
        case WType.f16.id: 1e-3
        case WType.bf16.id: 8e-3
        default: 1.0 / 127
        }
        for i in 0..<256 { #expect(abs(back[i] - x[i]) <= tol) }
    }
}
