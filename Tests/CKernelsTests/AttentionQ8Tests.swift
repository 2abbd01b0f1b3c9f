import CKernels
import Foundation
import Testing

/// Attention over a Q8_0 KV cache (attention_q8.c) and the Walsh-Hadamard rotation.
@Suite struct AttentionQ8Tests {
    @Test("Q8_0 attention: every level gives the same bits, close to exact softmax attention",
          arguments: [1, 5, 17, 70, 300])
    func attentionHeadsQ8(_ nPos: Int) {
        for (hd, heads) in [(64, 1), (128, 3), (96, 2)] {
            var rng = Rng(UInt64(nPos * 10 + hd))
            let rowValues = 2 * hd  // two KV heads per cache row; this group uses the second
            let rowBytes = rowValues / 32 * 34
            var kq = [UInt8](repeating: 0, count: nPos * rowBytes), vq = kq
            let kf = rng.floats(nPos * rowValues, scale: 1), vf = rng.floats(nPos * rowValues, scale: 2)
            for p in 0..<nPos {
                kf.withUnsafeBufferPointer { ck_quantize_row_q8_0($0.baseAddress! + p * rowValues, &kq[p * rowBytes], Int32(rowValues)) }
                vf.withUnsafeBufferPointer { ck_quantize_row_q8_0($0.baseAddress! + p * rowValues, &vq[p * rowBytes], Int32(rowValues)) }
            }
            let headBytes = hd / 32 * 34
            let q = rng.floats(heads * hd, scale: 1)
            func run() -> [Float] {
                var out = [Float](repeating: .nan, count: heads * hd)
                var scratch = [Float](repeating: .nan, count: ck_attention_q8_scratch_floats(Int32(nPos), Int32(heads), Int32(hd)))
                var q8 = [UInt8](repeating: 0, count: heads * headBytes)
                kq.withUnsafeBytes { k in
                    vq.withUnsafeBytes { v in
                        ck_attention_heads_q8(q, Int32(heads), Int32(hd), k.baseAddress! + headBytes, v.baseAddress! + headBytes,
                                              rowBytes, Int32(nPos), 0.125, &scratch, &q8, &out)
                    }
                }
                return out
            }
            let scalar = at(.scalar) { run() }
            for level in Level.simd { #expect(at(level) { run() }.map(bits) == scalar.map(bits), "\(level) hd=\(hd)") }
            // Exact attention in double on the dequantized cache (q itself unquantized: Q8_0 error bound).
            func deq(_ b: [UInt8], _ p: Int) -> [Double] {
                var row = [Float](repeating: 0, count: rowValues)
                b.withUnsafeBytes { ck_dequantize_row(Int32(CK_TYPE_Q8_0), $0.baseAddress! + p * rowBytes, &row, Int32(rowValues)) }
                return row[hd..<(2 * hd)].map(Double.init)
            }
            let keys = (0..<nPos).map { deq(kq, $0) }, values = (0..<nPos).map { deq(vq, $0) }
            for h in 0..<heads {
                var s = (0..<nPos).map { p in (0..<hd).reduce(0.0) { $0 + Double(q[h * hd + $1]) * keys[p][$1] } * 0.125 }
                let m = s.max()!
                s = s.map { exp($0 - m) }
                let z = s.reduce(0, +)
                for d in 0..<hd {
                    let e = (0..<nPos).reduce(0.0) { $0 + s[$1] / z * values[$1][d] }
                    #expect(Swift.abs(Double(scalar[h * hd + d]) - e) <= 2e-2, "h=\(h) d=\(d): \(scalar[h * hd + d]) vs \(e)")
                }
            }
        }
    }

    @Test("Walsh-Hadamard rotation: orthonormal, its own inverse, ggml's rounding", arguments: [64, 128, 256])
    func hadamard(_ n: Int) {
        var rng = Rng(UInt64(n))
        let x = rng.floats(3 * n, scale: 4)
        var y = x
        ck_fwht(&y, Int32(n), 3)
        // Against the Sylvester matrix H[i][j] = (-1)^popcount(i & j) / sqrt(n), in double.
        for c in 0..<3 {
            for i in 0..<n {
                var e = 0.0
                for j in 0..<n { e += Double(x[c * n + j]) * ((i & j).nonzeroBitCount % 2 == 0 ? 1 : -1) }
                e /= Double(n).squareRoot()
                #expect(Swift.abs(Double(y[c * n + i]) - e) <= 1e-4 * 4 * Double(n).squareRoot())
            }
        }
        // First step as ggml: every value scaled by 1/sqrtf(n) before the butterflies.
        let scale = 1 / Float(n).squareRoot()
        var z = x.map { $0 * scale }
        for len in sequence(first: 1, next: { $0 * 2 }).prefix(while: { $0 < n }) {
            for c in 0..<3 {
                for i in stride(from: 0, to: n, by: 2 * len) {
                    for j in i..<(i + len) {
                        let u = z[c * n + j], v = z[c * n + j + len]
                        z[c * n + j] = u + v
                        z[c * n + j + len] = u - v
                    }
                }
            }
        }
        #expect(y.map(bits) == z.map(bits))
        ck_fwht(&y, Int32(n), 3)
        for i in 0..<(3 * n) { #expect(Swift.abs(y[i] - x[i]) <= 1e-5 * 4) }
    }
}
