import CKernels
import Testing

private func h2fRow(_ h: [UInt16], _ level: Level) -> [Float] {
    var y = [Float](repeating: 0, count: h.count)
    at(level) { ck_fp16_to_fp32_row(h, &y, Int32(h.count)) }
    return y
}
private func f2hRow(_ x: [Float], _ level: Level) -> [UInt16] {
    var y = [UInt16](repeating: 0, count: x.count)
    at(level) { ck_fp32_to_fp16_row(x, &y, Int32(x.count)) }
    return y
}
private func b2fRow(_ h: [UInt16], _ level: Level) -> [Float] {
    var y = [Float](repeating: 0, count: h.count)
    at(level) { ck_bf16_to_fp32_row(h, &y, Int32(h.count)) }
    return y
}
private func f2bRow(_ x: [Float], _ level: Level) -> [UInt16] {
    var y = [UInt16](repeating: 0, count: x.count)
    at(level) { ck_fp32_to_bf16_row(x, &y, Int32(x.count)) }
    return y
}

/// Bit patterns that matter: zeros, subnormal boundaries, ties, overflow edges, inf, NaNs.
private let specialFloats: [UInt32] = [
    0x0000_0000, 0x8000_0000, 0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x0080_0000,
    0x3300_0000, 0x3300_0001, 0x32FF_FFFF, 0x3340_0000, 0x33C0_0000, 0x3380_0000,  // 2^-25 .. 2^-24 region
    0x387F_E000, 0x387F_F000, 0x3880_0000, 0x387F_FFFF,  // largest subnormal / smallest normal fp16
    0x3F80_1000, 0x3F80_3000, 0x3F80_0FFF, 0x3F80_1001,  // fp16 ties around 1.0
    0x477F_E000, 0x477F_EFFF, 0x477F_F000, 0x4780_0000, 0x7F7F_FFFF,  // 65504, 65519.99, 65520, 65536, max
    0x7F80_0000, 0xFF80_0000, 0x7F80_0001, 0x7FA0_0000, 0x7FC0_0000, 0xFFC0_0001, 0x7F80_2001, 0x7FFF_FFFF,
    0x3F80_8000, 0x3F81_8000, 0x3F80_8001, 0x0000_8000, 0x0001_8000, 0x7F7F_8000,  // bf16 ties
]

@Suite("fp16 / bf16 conversions")
struct ConversionTests {
    @Test("fp16 -> fp32 is exact for all 65536 inputs at every level")
    func halfToFloatExhaustive() {
        let all = (0...0xFFFF).map { UInt16($0) }
        let s = h2fRow(all, .scalar)
        for (i, h) in all.enumerated() {
            let v = s[i]
            #expect(bits(v) == bits(ck_fp16_to_fp32(h)))
            let ref = Float(Float16(bitPattern: h))
            if ref.isNaN {
                // Quiet NaN with the payload shifted up (F16C behaviour).
                #expect(bits(v) == (UInt32(h & 0x8000) << 16 | 0x7FC0_0000 | UInt32(h & 0x3FF) << 13))
            } else {
                #expect(bits(v) == bits(ref), "h=\(h)")
            }
        }
        for level in Level.simd { #expect(h2fRow(all, level).map(bits) == s.map(bits), "\(level)") }
    }

    @Test("fp32 -> fp16 rounds to nearest even, matching Float16 and F16C", arguments: Level.allCases)
    func floatToHalf(_ level: Level) {
        var rng = Rng(42)
        var xs = specialFloats.map { Float(bitPattern: $0) }
        // Random bit patterns concentrated on the fp16 range, plus every exponent.
        for _ in 0..<200_000 {
            let e = UInt32(rng.next() % 48) + 94
            xs.append(Float(bitPattern: UInt32(rng.next() & 0x8000_0000) | e << 23 | UInt32(rng.next() & 0x7F_FFFF)))
        }
        for _ in 0..<20_000 { xs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        let got = f2hRow(xs, level)
        for (i, x) in xs.enumerated() {
            if x.isNaN {
                let u = x.bitPattern
                #expect(got[i] == UInt16(u >> 16 & 0x8000) | 0x7E00 | UInt16(u >> 13 & 0x3FF))
            } else {
                #expect(got[i] == Float16(x).bitPattern, "x=\(x) bits=\(String(x.bitPattern, radix: 16))")
            }
        }
        if level == .scalar {
            for (i, x) in xs.enumerated() where i < 5000 { #expect(ck_fp32_to_fp16(x) == got[i]) }
        }
    }

    @Test("fp16 corner cases")
    func halfCorners() {
        #expect(ck_fp32_to_fp16(65504) == 0x7BFF)
        #expect(ck_fp32_to_fp16(65519.996) == 0x7BFF)
        #expect(ck_fp32_to_fp16(65520) == 0x7C00)
        #expect(ck_fp32_to_fp16(-.infinity) == 0xFC00)
        #expect(ck_fp32_to_fp16(0x1p-25) == 0)  // tie between 0 and the smallest subnormal
        #expect(ck_fp32_to_fp16(Float(0x1p-25).nextUp) == 1)
        #expect(ck_fp32_to_fp16(0x1.8p-24) == 2)  // 1.5 ulps: tie to even
        #expect(ck_fp32_to_fp16(0x1.8p-23) == 3)
        #expect(ck_fp32_to_fp16(1 + 0x1p-11) == 0x3C00)  // tie to even (down)
        #expect(ck_fp32_to_fp16(1 + 3 * 0x1p-11) == 0x3C02)  // tie to even (up)
        #expect(ck_fp32_to_fp16(-0.0) == 0x8000)
        #expect(ck_fp32_to_fp16(Float(bitPattern: 0x7FA0_0000)) == 0x7F00)
        #expect(ck_fp16_to_fp32(0x0001) == 0x1p-24)
        #expect(ck_fp16_to_fp32(0x7C00) == .infinity)
        #expect(ck_fp16_to_fp32(0x7C01).bitPattern == 0x7FC0_2000)
    }

    @Test("bf16 conversions: RNE, NaN quieting, row paths agree", arguments: Level.allCases)
    func bf16(_ level: Level) {
        var rng = Rng(7)
        var xs = specialFloats.map { Float(bitPattern: $0) }
        for _ in 0..<100_000 { xs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        xs += rng.floats(1001)
        let got = f2bRow(xs, level)
        for (i, x) in xs.enumerated() {
            let u = x.bitPattern
            let want: UInt16 = x.isNaN ? UInt16(u >> 16) | 64 : UInt16((u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
            #expect(got[i] == want, "bits=\(String(u, radix: 16))")
        }
        let hs = (0...0xFFFF).map { UInt16($0) }
        let back = b2fRow(hs, level)
        for (i, h) in hs.enumerated() { #expect(bits(back[i]) == UInt32(h) << 16) }
    }

    @Test("bf16 corner cases")
    func bf16Corners() {
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, rounds up to even
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0x7F80_0001)) == 0x7FC0)  // sNaN -> quiet
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0xFFC0_0000)) == 0xFFC0)
        #expect(ck_fp32_to_bf16(.infinity) == 0x7F80)
        #expect(ck_fp32_to_bf16(.greatestFiniteMagnitude) == 0x7F80)  // rounds up to inf
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0x0000_8000)) == 0x0000)
        #expect(ck_fp32_to_bf16(Float(bitPattern: 0x0001_8000)) == 0x0002)
        #expect(ck_bf16_to_fp32(0x3F80) == 1)
        #expect(ck_bf16_to_fp32(0xFF80) == -.infinity)
    }

    @Test("row converters handle every tail length", arguments: Level.allCases)
    func tails(_ level: Level) {
        var rng = Rng(11)
        for n in 0..<40 {
            let x = rng.floats(n, scale: 100)
            let h = f2hRow(x, level)
            #expect(h == x.map { Float16($0).bitPattern })
            #expect(h2fRow(h, level).map(bits) == h.map { bits(Float(Float16(bitPattern: $0))) })
            let b = f2bRow(x, level)
            #expect(b == x.map { ck_fp32_to_bf16($0) })
            #expect(b2fRow(b, level).map(bits) == b.map { UInt32($0) << 16 })
        }
    }
}
