import CKernels
import Foundation
import Testing

private let sizes = [1, 7, 16, 31, 64, 100, 1024, 1027]

private func relClose(_ a: Float, _ b: Double, rel: Double, abs absTol: Double = 0) -> Bool {
    Swift.abs(Double(a) - b) <= rel * Swift.abs(b) + absTol
}

@Suite("Forward-pass ops")
struct OpsTests {
    @Test("rmsnorm matches a double reference; SIMD matches scalar", arguments: Level.allCases, sizes)
    func rmsnorm(_ level: Level, _ n: Int) {
        var rng = Rng(UInt64(n))
        let x = rng.floats(n, scale: 3), w = rng.floats(n, scale: 2)
        let eps: Float = 1e-6
        var y = [Float](repeating: 0, count: n), y0 = y, yn = y
        at(level) {
            ck_rmsnorm(x, w, &y, Int32(n), eps)
            ck_rmsnorm(x, nil, &yn, Int32(n), eps)
        }
        at(.scalar) { ck_rmsnorm(x, w, &y0, Int32(n), eps) }
        let ss = x.reduce(0.0) { $0 + Double($1) * Double($1) }
        let scale = 1 / (ss / Double(n) + Double(eps)).squareRoot()
        for i in 0..<n {
            #expect(relClose(y[i], Double(x[i]) * scale * Double(w[i]), rel: 1e-6))
            #expect(relClose(yn[i], Double(x[i]) * scale, rel: 1e-6))
            #expect(relClose(y[i], Double(y0[i]), rel: 3e-7))
        }
        // In place.
        var z = x
        at(level) { z.withUnsafeMutableBufferPointer { ck_rmsnorm($0.baseAddress, w, $0.baseAddress, Int32(n), eps) } }
        #expect(z.map(bits) == y.map(bits))
    }

    @Test("softmax matches a double reference, handles -inf", arguments: Level.allCases, sizes)
    func softmax(_ level: Level, _ n: Int) {
        var rng = Rng(UInt64(n) + 100)
        var x = rng.floats(n, scale: 30)
        if n > 3 { x[1] = -.infinity; x[n - 1] = -.infinity }
        var y = x, y0 = x
        at(level) { ck_softmax(&y, Int32(n)) }
        at(.scalar) { ck_softmax(&y0, Int32(n)) }
        // x - max is rounded to float first (as llama.cpp does); the rest is exact.
        let m = x.max()!
        let e = x.map { Foundation.exp(Double($0 - m)) }
        let s = e.reduce(0, +)
        for i in 0..<n {
            #expect(relClose(y[i], e[i] / s, rel: 1e-6, abs: 1e-37))
            #expect(relClose(y[i], Double(y0[i]), rel: 1e-6, abs: 1e-37))
        }
        if n > 3 { #expect(y[1] == 0 && y[n - 1] == 0) }
        #expect(Swift.abs(y.reduce(0.0) { $0 + Double($1) } - 1) < 1e-5)
    }

    @Test("silu and swiglu match double references", arguments: Level.allCases, sizes)
    func silu(_ level: Level, _ n: Int) {
        var rng = Rng(UInt64(n) + 200)
        var g = rng.floats(n, scale: 12)
        if n > 4 { g[0] = -100; g[1] = 100; g[2] = 0; g[3] = -88 }
        let u = rng.floats(n, scale: 2)
        var s = [Float](repeating: 0, count: n), sw = s, s0 = s
        at(level) {
            ck_silu(g, &s, Int32(n))
            ck_swiglu(g, u, &sw, Int32(n))
        }
        at(.scalar) { ck_silu(g, &s0, Int32(n)) }
        for i in 0..<n {
            let ref = Double(g[i]) / (1 + Foundation.exp(-Double(g[i])))
            #expect(relClose(s[i], ref, rel: 1e-6, abs: 1e-37), "silu(\(g[i])) = \(s[i]) want \(ref)")
            #expect(relClose(sw[i], ref * Double(u[i]), rel: 1.2e-6, abs: 1e-37))
            #expect(relClose(s[i], Double(s0[i]), rel: 1e-6, abs: 1e-37))
        }
        // In place on the gate.
        var gg = g
        at(level) { gg.withUnsafeMutableBufferPointer { ck_swiglu($0.baseAddress, u, $0.baseAddress, Int32(n)) } }
        #expect(gg.map(bits) == sw.map(bits))
    }

    @Test("add, mul, scale, axpy", arguments: Level.allCases, sizes)
    func elementwise(_ level: Level, _ n: Int) {
        var rng = Rng(UInt64(n) + 300)
        let a = rng.floats(n, scale: 5), b = rng.floats(n, scale: 5)
        var add = [Float](repeating: 0, count: n), mul = add, sc = add, ax = b
        at(level) {
            ck_add(a, b, &add, Int32(n))
            ck_mul(a, b, &mul, Int32(n))
            ck_scale(a, 0.37, &sc, Int32(n))
            ck_axpy(&ax, -1.25, a, Int32(n))
        }
        for i in 0..<n {
            #expect(add[i] == a[i] + b[i])
            #expect(mul[i] == a[i] * b[i])
            #expect(sc[i] == a[i] * 0.37)
            // axpy: b + (-1.25 * a) rounded twice (scalar) or once (FMA).
            let twice = b[i] + (-1.25 as Float) * a[i], once = b[i].addingProduct(-1.25, a[i])
            #expect(bits(ax[i]) == bits(twice) || bits(ax[i]) == bits(once))
            if level == .scalar { #expect(bits(ax[i]) == bits(twice)) }
        }
    }

    @Test("rope cache follows llama.cpp's float recurrence")
    func ropeCache() {
        let nDims = 128, base: Float = 1_000_000
        for pos in [0, 1, 7, 100, 4095, 40000] {
            var cs = [Float](repeating: .nan, count: nDims)
            ck_rope_cache(&cs, Int32(nDims), Int32(pos), base, 1, 0, 1, 0, 0)
            let scale = powf(base, -2 / Float(nDims))
            var theta = Float(pos)
            for i in 0..<nDims / 2 {
                #expect(Swift.abs(Double(cs[2 * i]) - Foundation.cos(Double(theta))) <= 2e-7)
                #expect(Swift.abs(Double(cs[2 * i + 1]) - Foundation.sin(Double(theta))) <= 2e-7)
                theta *= scale
            }
            if pos <= 100 {
                // Against the closed form in double: the float recurrence drifts only slightly.
                for i in 0..<nDims / 2 {
                    let th = Double(pos) * Foundation.pow(Double(base), -2 * Double(i) / Double(nDims))
                    #expect(Swift.abs(Double(cs[2 * i]) - Foundation.cos(th)) <= 2e-5)
                    #expect(Swift.abs(Double(cs[2 * i + 1]) - Foundation.sin(th)) <= 2e-5)
                }
            }
        }
        // freq_scale without YaRN: theta = freq_scale * theta_extrap; attn_factor scales cos/sin.
        var a = [Float](repeating: 0, count: 8), b = a
        ck_rope_cache(&a, 8, 10, 10000, 0.5, 0, 2, 0, 0)
        ck_rope_cache(&b, 8, 5, 10000, 1, 0, 1, 0, 0)
        #expect(Swift.abs(a[0] - 2 * b[0]) < 1e-6 && Swift.abs(a[1] - 2 * b[1]) < 1e-6)
        // YaRN with ext_factor = 1: pairs below corr_low keep the extrapolated angle.
        var y = [Float](repeating: 0, count: 8), e = y
        ck_rope_cache(&y, 8, 10, 10000, 0.25, 1, 1, 2, 3)
        ck_rope_cache(&e, 8, 10, 10000, 1, 0, 1, 0, 0)
        let m = 1 + 0.1 * logf(4)
        #expect(Swift.abs(y[0] - e[0] * m) < 1e-5 && Swift.abs(y[3] - e[3] * m) < 1e-5)
    }

    @Test("rope NEOX gives the same bits at every level (fmaf as a call or as an instruction)")
    func ropeLevels() {
        let heads = 4, hd = 128
        var rng = Rng(7)
        let x = rng.floats(heads * hd, scale: 3)
        var cs = [Float](repeating: 0, count: hd)
        ck_rope_cache(&cs, Int32(hd), 1234, 1_000_000, 1, 0, 1, 0, 0)
        func run() -> [Float] {
            var y = x
            ck_rope_neox(&y, Int32(heads), Int32(hd), Int32(hd), cs)
            return y
        }
        let scalar = at(.scalar) { run() }
        for level in Level.simd { #expect(at(level) { run() }.map(bits) == scalar.map(bits), "\(level)") }
    }

    @Test("rope NEOX rotates pairs (i, i + n_dims/2) and leaves the rest")
    func ropeApply() {
        let heads = 3, hd = 16, nDims = 12
        var rng = Rng(1)
        let x = rng.floats(heads * hd)
        var cs = [Float](repeating: 0, count: nDims)
        ck_rope_cache(&cs, Int32(nDims), 37, 10000, 1, 0, 1, 0, 0)
        var y = x
        ck_rope_neox(&y, Int32(heads), Int32(hd), Int32(nDims), cs)
        for h in 0..<heads {
            let o = h * hd
            for i in 0..<nDims / 2 {
                let c = Double(cs[2 * i]), s = Double(cs[2 * i + 1])
                let x0 = Double(x[o + i]), x1 = Double(x[o + i + nDims / 2])
                #expect(relClose(y[o + i], x0 * c - x1 * s, rel: 0, abs: 1e-6))
                #expect(relClose(y[o + i + nDims / 2], x0 * s + x1 * c, rel: 0, abs: 1e-6))
            }
            for i in nDims..<hd { #expect(y[o + i] == x[o + i]) }
        }
    }

    @Test("masked attention: a window and sinks give every level the same bits, and match the definition",
          arguments: [1, 17, 70], [false, true])
    func maskedAttentionHeads(_ nPos: Int, _ rowwise: Bool) {
        let hd = 64, heads = 2, stride = 2 * hd
        var rng = Rng(UInt64(nPos * 7) + (rowwise ? 1 : 0))
        let k = rng.floats(nPos * stride, scale: 1).map(fp16), v = rng.floats(nPos * stride, scale: 2).map(fp16)
        let q = rng.floats(heads * hd, scale: 1)
        let sinks: [Float] = [0.5, -1.5]
        let first = nPos / 3
        func run() -> [Float] {
            var out = [Float](repeating: .nan, count: heads * hd)
            var scratch = [Float](repeating: 0, count: ck_attention_scratch_floats(Int32(nPos), Int32(heads)))
            var q16 = [UInt16](repeating: 0, count: heads * hd)
            ck_attention_heads_masked(q, Int32(heads), Int32(hd), k, v, stride, Int32(nPos), Int32(first), 0.125, sinks,
                                      Int32(rowwise ? CK_ORDER_ROWWISE : CK_ORDER_TILED), &scratch, &q16, &out)
            return out
        }
        let scalar = at(.scalar) { run() }
        for level in Level.simd { #expect(at(level) { run() }.map(bits) == scalar.map(bits), "\(level)") }
        for h in 0..<heads {  // softmax over positions first..<nPos plus the sink logit, in double
            let qd = (0..<hd).map { Double(ck_fp16_to_fp32(fp16(q[h * hd + $0]))) }
            let s = (first..<nPos).map { p in (0..<hd).reduce(0.0) { $0 + qd[$1] * Double(ck_fp16_to_fp32(k[p * stride + $1])) } * 0.125 }
            let m = max(s.max()!, Double(sinks[h]))
            let e = s.map { exp($0 - m) }, z = e.reduce(0, +) + exp(Double(sinks[h]) - m)
            for d in 0..<hd {
                let exact = zip(first..<nPos, e).reduce(0.0) { $0 + $1.1 / z * Double(ck_fp16_to_fp32(v[$1.0 * stride + d])) }
                #expect(abs(Double(scalar[h * hd + d]) - exact) < 1e-2, "head \(h) dim \(d)")
            }
        }
    }

    @Test("attention: every level gives the same bits, close to exact softmax attention",
          arguments: [1, 5, 17, 70, 130], [false, true])
    func attentionHeads(_ nPos: Int, _ rowwise: Bool) {
        for (hd, heads) in [(64, 1), (128, 3), (80, 2), (20, 1), (256, 2)] {  // 80, 20: partial chunks and lanes; 256: two passes
            var rng = Rng(UInt64(nPos * 10 + hd) + (rowwise ? 1 : 0))
            let stride = 2 * hd  // two KV heads per cache row; this group uses the first
            let k = rng.floats(nPos * stride, scale: 1).map(fp16), v = rng.floats(nPos * stride, scale: 2).map(fp16)
            let q = rng.floats(heads * hd, scale: 1)
            func run() -> [Float] {
                var out = [Float](repeating: .nan, count: heads * hd)
                var scratch = [Float](repeating: 0, count: ck_attention_scratch_floats(Int32(nPos), Int32(heads)))
                var q16 = [UInt16](repeating: 0, count: heads * hd)
                ck_attention_heads(q, Int32(heads), Int32(hd), k, v, stride, Int32(nPos), 0.125, Int32(rowwise ? CK_ORDER_ROWWISE : CK_ORDER_TILED),
                                   &scratch, &q16, &out)
                return out
            }
            let scalar = at(.scalar) { run() }
            for level in Level.simd { #expect(at(level) { run() }.map(bits) == scalar.map(bits), "\(level) hd=\(hd)") }
            // Exact attention in double, on the same fp16 inputs, head by head.
            for h in 0..<heads {
                let qd = (0..<hd).map { Double(ck_fp16_to_fp32(fp16(q[h * hd + $0]))) }
                var s = (0..<nPos).map { p in (0..<hd).reduce(0.0) { $0 + qd[$1] * Double(ck_fp16_to_fp32(k[p * stride + $1])) } * 0.125 }
                let m = s.max()!
                s = s.map { exp($0 - m) }
                let z = s.reduce(0, +)
                for d in 0..<hd {
                    let e = (0..<nPos).reduce(0.0) { $0 + s[$1] / z * Double(ck_fp16_to_fp32(v[$1 * stride + d])) }
                    #expect(Swift.abs(Double(scalar[h * hd + d]) - e) <= 4e-3, "h=\(h) d=\(d): \(scalar[h * hd + d]) vs \(e)")
                }
            }
        }
    }
}
