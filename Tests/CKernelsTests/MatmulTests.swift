import CKernels
import Testing

/// Row lengths per type: several block counts (and odd lengths for the float types).
private func lengths(_ t: WType) -> [Int] {
    switch t.blockSize {
    case 1: [1, 15, 16, 17, 33, 100, 257]
    case 32: [32, 64, 96, 160, 256]
    default: [256, 512, 768, 1280]
    }
}

/// Double-precision reference from the dequantized rows: (value, sum of |terms|).
private func reference(_ t: WType, _ w: [UInt8], row: Int, n: Int, _ xq: [UInt8], col: Int,
                       stride: Int) -> (Double, Double) {
    let wr = dequantize(t.id, w, offset: row * t.rowSize(n), n: n)
    let xr = dequantize(t.dotType, xq, offset: col * stride, n: n)
    var s = 0.0, a = 0.0
    for i in 0..<n {
        let p = Double(wr[i]) * Double(xr[i])
        s += p
        a += abs(p)
    }
    if t.dotType == WType.q8_1.id {
        // The min term uses Q8_1's stored s = fp16(d * sum q), not the sum of the dequantized values.
        for b in 0..<n / 32 {
            let wo = row * t.rowSize(n) + b * t.typeSize, xo = col * stride + b * 36
            let m = Double(ck_fp16_to_fp32(UInt16(w[wo + 2]) | UInt16(w[wo + 3]) << 8))
            let sy = Double(ck_fp16_to_fp32(UInt16(xq[xo + 2]) | UInt16(xq[xo + 3]) << 8))
            s += m * (sy - xr[32 * b..<32 * b + 32].reduce(0.0) { $0 + Double($1) })
            a += abs(m * sy)
        }
    }
    return (s, a)
}

@Suite("Mat-vec and mat-mat kernels")
struct MatmulTests {
    @Test("every level agrees with the dequantized double reference and the scalar twin",
          arguments: WType.all)
    func agreesWithReference(_ t: WType) {
        var rng = Rng(0xC0FFEE ^ UInt64(t.id))
        for n in lengths(t) {
            for (rows, m) in [(1, 1), (3, 2), (4, 4), (5, 3), (7, 5), (9, 1)] {
                let w = randomWeights(t, rows: rows, n: n, rng: &rng)
                let x = (0..<m).flatMap { j in rng.floats(n, scale: Float(j + 1)) }
                let (xq, stride) = activations(t, x, m: m, n: n)
                let scalar = at(.scalar) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m) }
                for level in Level.allCases {
                    let y = level == .scalar ? scalar : at(level) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m) }
                    for j in 0..<m {
                        for r in 0..<rows {
                            let (ref, mag) = reference(t, w, row: r, n: n, xq, col: j, stride: stride)
                            let v = y[j * rows + r]
                            #expect(close(v, ref, tol: 1e-6 * mag + 1e-30),
                                    "\(t.name) \(level) n=\(n) r=\(r) j=\(j): \(v) vs \(ref)")
                            #expect(close(v, Double(scalar[j * rows + r]), tol: 1e-6 * mag + 1e-30),
                                    "\(t.name) \(level) vs scalar n=\(n) r=\(r) j=\(j)")
                            if t.isQuantized {
                                // Exact integer block sums + a fixed fmaf order: identical bits.
                                #expect(bits(v) == bits(scalar[j * rows + r]), "\(t.name) \(level) bits n=\(n) r=\(r) j=\(j)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("each output depends only on its row, its activation and the order: not on m or the row split",
          arguments: WType.all, Level.allCases)
    func outputsAreIndependentOfBatchingAndSplit(_ t: WType, _ level: Level) {
        var rng = Rng(77 + UInt64(t.id))
        let n = t.blockSize == 1 ? 67 : 2 * max(t.blockSize, 32) * 2
        let rows = 11, m = 7
        let w = randomWeights(t, rows: rows, n: n, rng: &rng)
        let (xq, stride) = activations(t, rng.floats(n * m), m: m, n: n)
        at(level) {
            let tiled = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m)
            let rowwise = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m, order: Int32(CK_ORDER_ROWWISE))
            if t.blockSize > 1 && t != .q3_K && t != .iq4_xs {  // these quantized weights have one order
                #expect(tiled.map(bits) == rowwise.map(bits), "\(t.name) \(level)")
            }
            for j in 0..<m {
                // ROWWISE is what ck_matvec computes, one activation at a time.
                let mv = matvec(t, w, rows: rows, n: n, xq, offset: j * stride)
                #expect(mv.map(bits) == Array(rowwise[j * rows..<(j + 1) * rows]).map(bits), "\(t.name) \(level) j=\(j)")
                // A thread-style split of the rows gives the same bits.
                let a = matvec(t, w, rows: rows, n: n, xq, offset: j * stride, r0: 0, r1: 5)
                let b = matvec(t, w, rows: rows, n: n, xq, offset: j * stride, r0: 5, r1: rows)
                for r in 0..<rows {
                    #expect(bits(r < 5 ? a[r] : b[r]) == bits(mv[r]), "\(t.name) \(level) split r=\(r)")
                }
                // Rows outside [r0, r1) are left untouched.
                #expect(a[5].isNaN && b[0].isNaN)
            }
            // A tiled matmul over a sub-range of rows and of activation counts m = 1...6.
            for mm2 in 1..<m {
                let part = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: mm2, r0: 2, r1: 9)
                for j in 0..<mm2 {
                    for r in 2..<9 { #expect(bits(part[j * rows + r]) == bits(tiled[j * rows + r])) }
                }
            }
        }
    }

    /// The AVX2 repacked matmuls add several groups' vpmaddubsw pair sums in int16 before widening
    /// (as many as each type's largest quant allows); all-maximal quants against activations of
    /// ±127 are where a group too many would saturate.
    @Test("K-quant, IQ4_NL and MXFP4 matmul at the quants' and activations' extremes == scalar, bit for bit",
          arguments: [WType.q4_K, .q5_K, .q6_K, .q2_K, .q3_K, .iq4_xs, .iq4_nl, .mxfp4], [UInt8(0x00), 0x77, 0xFF])
    func kQuantExtremes(_ t: WType, _ fill: UInt8) {
        let rows = 9, n = 256 * 5, m = 18  // past every AVX2 threshold for the repacked matmul
        var w = [UInt8](repeating: fill, count: rows * t.rowSize(n))
        for blk in 0..<(w.count / t.typeSize) {  // every byte at `fill` except finite block scales
            let o = blk * t.typeSize, d = fp16(0.01)
            switch t.id {
            case WType.q6_K.id: putU16(&w, o + 208, d)
            case WType.q4_K.id, WType.q5_K.id: putU16(&w, o, d); putU16(&w, o + 2, d)
            case WType.q2_K.id: putU16(&w, o + 80, d); putU16(&w, o + 82, d)
            case WType.q3_K.id: putU16(&w, o + 108, d)
            case WType.mxfp4.id: w[o] = 120  // 2^-8
            default: putU16(&w, o, d)
            }
        }
        // Constant rows quantize to -127 (x = 1) or +127 (x = -1) in every element.
        var rng = Rng(5)
        let x = (0..<m).flatMap { j -> [Float] in j == m - 1 ? rng.floats(n) : Array(repeating: j % 2 == 0 ? 1 : -1, count: n) }
        let (xq, stride) = activations(t, x, m: m, n: n)
        let scalar = at(.scalar) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m) }
        for level in Level.simd {
            at(level) {
                let mm = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m)
                #expect(mm.map(bits) == scalar.map(bits), "\(t.name) \(level) fill=\(fill)")
            }
        }
    }

    @Test("repacked matmul (many rows, several K chunks) == matvec == scalar, bit for bit",
          arguments: [WType.q8_0, .q4_0, .q4_K, .q5_K, .q6_K] + WType.added)
    func repackedMatmul(_ t: WType) {
        var rng = Rng(99 + UInt64(t.id))
        // Q8_0/Q4_0 chunks are 32 blocks (1024 values), K-quant chunks 4 super-blocks.
        let n = t.blockSize == 32 ? 32 * 70 : 256 * 9
        let rowwise = Int32(CK_ORDER_ROWWISE)
        for (rows, m) in [(31, 4), (32, 5), (47, 9), (16, 6), (3, 13), (19, 17)] {
            let w = randomWeights(t, rows: rows, n: n, rng: &rng)
            let (xq, stride) = activations(t, rng.floats(n * m, scale: 2), m: m, n: n)
            let scalar = at(.scalar) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m) }
            let scalarRowwise = at(.scalar) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m, order: rowwise) }
            for level in Level.simd {
                at(level) {
                    let mm = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m)
                    #expect(mm.map(bits) == scalar.map(bits), "\(t.name) \(level) rows=\(rows) m=\(m)")
                    // Matvec is the row-wise order (the same kernels as the tiled one except Q3_K, IQ4_XS).
                    let mr = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m, order: rowwise)
                    #expect(mr.map(bits) == scalarRowwise.map(bits), "\(t.name) \(level) row-wise rows=\(rows) m=\(m)")
                    for j in [0, m - 1] {
                        let mv = matvec(t, w, rows: rows, n: n, xq, offset: j * stride)
                        #expect(mv.map(bits) == Array(mr[j * rows..<(j + 1) * rows]).map(bits))
                    }
                    // Output rows outside [r0, r1) stay untouched in the matmul path too.
                    let part = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m, r0: 1, r1: rows - 1)
                    for j in 0..<m {
                        #expect(part[j * rows].isNaN && part[j * rows + rows - 1].isNaN)
                        for r in 1..<rows - 1 { #expect(bits(part[j * rows + r]) == bits(mm[j * rows + r])) }
                    }
                }
            }
        }
    }

    @Test("long rows and many activations: the activation chunks (AVX-512 Q8_0 prepares them per chunk) keep the bits",
          arguments: [WType.q8_0, .q4_0, .q4_K])
    func longRowsManyActivations(_ t: WType) {
        var rng = Rng(4242 + UInt64(t.id))
        // 8192 values: the AVX-512 Q8_0 kernel's prepared activations take 32 KiB per row, so 53
        // activation rows span three chunks; 17 weight rows are two 8-row tiles and one single row.
        let n = 8192, rows = 17, m = 53
        let w = randomWeights(t, rows: rows, n: n, rng: &rng)
        let (xq, stride) = activations(t, rng.floats(n * m), m: m, n: n)
        let scalar = at(.scalar) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m) }
        for level in Level.simd {
            let y = at(level) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m) }
            #expect(y.map(bits) == scalar.map(bits), "\(t.name) \(level)")
        }
    }

    @Test("row-by-row float order over 16-row tiles and several activations == scalar, bit for bit",
          arguments: [WType.f32, .f16, .bf16])
    func rowwiseFloatTiles(_ t: WType) {
        var rng = Rng(1616 + UInt64(t.id))
        let rowwise = Int32(CK_ORDER_ROWWISE)
        for n in [16, 64, 100, 128, 256, 1000, 2112] {  // 2112: F16 rows past the AVX2 8-row tile's 2,048
            let rows = 37, m = 6
            let w = randomWeights(t, rows: rows, n: n, rng: &rng)
            let (xq, stride) = activations(t, rng.floats(n * m), m: m, n: n)
            let scalar = at(.scalar) { matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m, order: rowwise) }
            for level in Level.simd where level.available {
                at(level) {
                    for mm in 1...m {
                        let y = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: mm, order: rowwise)
                        #expect(y.map(bits) == Array(scalar[..<(mm * rows)]).map(bits), "\(t.name) \(level) n=\(n) m=\(mm)")
                    }
                    // A range that starts inside a tile's worth of rows.
                    let part = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m, r0: 3, r1: rows, order: rowwise)
                    for j in 0..<m { for r in 3..<rows { #expect(bits(part[j * rows + r]) == bits(scalar[j * rows + r])) } }
                }
            }
        }
    }

    @Test("packed Q8_0 (ck_q8_0_pack) gives the plain layout's bits for ranges on groups of 8 rows")
    func packedQ8_0() {
        let t = WType.q8_0
        var rng = Rng(808)
        guard Level.avx512.available else {  // a CPU or THINKSCOPE_ISA without AVX-512 computes plain
            #expect(ck_packed_type(t.id) == -1)
            return
        }
        for (rows, n, m) in [(8, 32, 1), (19, 128, 5), (40, 1024, 9), (151, 96, 3), (64, 8192, 2)] {
            let w = randomWeights(t, rows: rows, n: n, rng: &rng)
            var packed = [UInt8](repeating: 0, count: w.count)
            w.withUnsafeBytes { src in packed.withUnsafeMutableBytes { ck_q8_0_pack(src.baseAddress, t.rowSize(n), Int32(rows), Int32(n), $0.baseAddress) } }
            // The rows after the last full group stay as they were.
            let tail = rows / 8 * 8 * t.rowSize(n)
            #expect(packed[tail...] == w[tail...])
            #expect(rows < 8 || packed[..<tail] != w[..<tail])
            let (xq, stride) = activations(t, rng.floats(n * m, scale: 2), m: m, n: n)
            at(.avx512) {
                #expect(ck_packed_type(t.id) == Int32(CK_TYPE_Q8_0_PACKED))
                let plain = matmul(t, w, rows: rows, n: n, xq, stride: stride, m: m)
                let p = WType(id: Int32(CK_TYPE_Q8_0_PACKED), name: "Q8_0 packed")
                for (r0, r1) in [(0, rows), (8, rows), (0, rows / 8 * 8), (rows / 8 * 8, rows)] where r0 < r1 {
                    for mm in [1, m] {
                        var y = [Float](repeating: .nan, count: rows * mm)
                        packed.withUnsafeBytes { wp in
                            xq.withUnsafeBytes { xp in
                                y.withUnsafeMutableBufferPointer { yp in
                                    ck_matmul_order(Int32(CK_ORDER_TILED), p.id, wp.baseAddress, t.rowSize(n), Int32(r0), Int32(r1),
                                                    Int32(n), xp.baseAddress, stride, Int32(mm), yp.baseAddress, rows)
                                }
                            }
                        }
                        for j in 0..<mm {
                            for r in 0..<rows {
                                let want = r0..<r1 ~= r ? bits(plain[j * rows + r]) : bits(.nan)
                                #expect(bits(y[j * rows + r]) == want, "rows=\(rows) n=\(n) [\(r0), \(r1)) m=\(mm) r=\(r) j=\(j)")
                            }
                        }
                    }
                }
            }
            // Other levels compute with the plain layout.
            for level in [Level.scalar, .avx2] { at(level) { #expect(ck_packed_type(t.id) == -1) } }
        }
    }

    @Test("ck_vec_dot matches matvec", arguments: WType.all)
    func vecDot(_ t: WType) {
        var rng = Rng(5)
        let n = t.blockSize == 1 ? 99 : 4 * max(t.blockSize, 32)
        let w = randomWeights(t, rows: 3, n: n, rng: &rng)
        let (xq, _) = activations(t, rng.floats(n), m: 1, n: n)
        let mv = matvec(t, w, rows: 3, n: n, xq, offset: 0)
        for r in 0..<3 {
            let d = w.withUnsafeBytes { wp in
                xq.withUnsafeBytes { ck_vec_dot(t.id, wp.baseAddress! + r * t.rowSize(n), $0.baseAddress, Int32(n)) }
            }
            #expect(bits(d) == bits(mv[r]))
        }
    }

    @Test("type table matches ggml", arguments: [
        (WType.f32, 1, 4, WType.f32), (.f16, 1, 2, .f16), (.bf16, 1, 2, .bf16),
        (.q8_0, 32, 34, .q8_0), (.q4_0, 32, 18, .q8_0), (.q4_K, 256, 144, .q8_K),
        (.q5_K, 256, 176, .q8_K), (.q6_K, 256, 210, .q8_K),
        (.q4_1, 32, 20, .q8_1), (.q5_0, 32, 22, .q8_0), (.q5_1, 32, 24, .q8_1), (.iq4_nl, 32, 18, .q8_0),
        (.mxfp4, 32, 17, .q8_0), (.q2_K, 256, 84, .q8_K), (.q3_K, 256, 110, .q8_K), (.iq4_xs, 256, 136, .q8_K),
    ])
    func typeTable(_ t: WType, _ bs: Int, _ size: Int, _ dot: WType) {
        #expect(t.blockSize == bs)
        #expect(t.typeSize == size)
        #expect(t.dotType == dot.id)
        #expect(t.rowSize(1024) == 1024 / bs * size)
        #expect(ck_type_supported(t.id) == 1)
        #expect(ck_type_size(Int32(CK_TYPE_Q8_K)) == 292)
        #expect(ck_type_supported(16) == 0 && ck_block_size(99) == 0)  // IQ2_XXS
    }

    @Test("empty rows give zeros; empty ranges write nothing", arguments: WType.all)
    func degenerate(_ t: WType) {
        var y: [Float] = [.nan, .nan, .nan]
        ck_matvec(t.id, nil, 0, 0, 3, 0, nil, &y)
        #expect(y == [0, 0, 0])
        var z: [Float] = [.nan]
        ck_matvec(t.id, nil, 0, 1, 1, 256, nil, &z)
        #expect(z[0].isNaN)
    }

    @Test("feature masks select the level")
    func dispatchLevels() {
        #expect(at(.scalar) { ck_active_level() } == 0)
        #expect(at(.scalar) { ck_active_features() } == 0)
        if Level.avx2.available { #expect(at(.avx2) { ck_active_level() } == 1) }
        if Level.avx512.available { #expect(at(.avx512) { ck_active_level() } == 2) }
        if Level.neon.available { #expect(at(.neon) { ck_active_level() } == 3) }
    }
}
