/// A 24-bit colour.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// "7cafc2" or "#7cafc2" (case-insensitive); nil for anything else.
    public init?(hex: String) {
        var s = Substring(hex.trimmingWhitespace())
        if s.hasPrefix("#") { s = s.dropFirst() }
        guard s.count == 6, s.allSatisfy(\.isHexDigit), let v = UInt32(s, radix: 16) else { return nil }
        self.init(UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }

    public var hex: String {
        let v = (Int(r) << 16) | (Int(g) << 8) | Int(b)
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 6 - s.count) + s
    }

    public var description: String { "#" + hex }

    /// Linear interpolation towards `other` (t in 0…1).
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded().clamped(0, 255)) }
        return RGB(m(r, other.r), m(g, other.g), m(b, other.b))
    }

    /// Relative luminance (0 = black, 1 = white), for choosing readable text over a colour.
    public var luminance: Double {
        func lin(_ c: UInt8) -> Double {
            let v = Double(c) / 255
            return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    func distance2(_ o: RGB) -> Int {
        // Weighted ("redmean") distance: cheap and closer to perception than plain RGB.
        let rm = (Int(r) + Int(o.r)) / 2
        let dr = Int(r) - Int(o.r), dg = Int(g) - Int(o.g), db = Int(b) - Int(o.b)
        return (((512 + rm) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rm) * db * db) >> 8)
    }
}

/// The xterm 256-colour palette and nearest-colour lookups for terminals without truecolor.
public enum Palette {
    /// The 16 ANSI colours as xterm draws them by default.
    public static let ansi16: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The colour of xterm palette entry `index` (0…255).
    public static func xterm(_ index: Int) -> RGB {
        switch index {
        case 0..<16: return ansi16[index]
        case 16..<232:
            let i = index - 16
            return RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
        default:
            let v = UInt8(8 + 10 * (min(index, 255) - 232))
            return RGB(v, v, v)
        }
    }

    /// The nearest entry of the 6×6×6 cube or the grey ramp (16…255). The first 16 entries are
    /// skipped: users redefine them in their terminal themes.
    public static func nearest256(_ c: RGB) -> Int {
        func level(_ v: UInt8) -> Int {
            var best = 0
            for (i, l) in cubeLevels.enumerated() where abs(l - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let cube = 16 + 36 * level(c.r) + 6 * level(c.g) + level(c.b)
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let grey = 232 + max(0, min(23, (avg - 3) / 10))
        return xterm(cube).distance2(c) <= xterm(grey).distance2(c) ? cube : grey
    }

    /// The nearest of the 16 ANSI colours.
    public static func nearest16(_ c: RGB) -> Int {
        var best = 0
        for i in 1..<16 where ansi16[i].distance2(c) < ansi16[best].distance2(c) { best = i }
        return best
    }
}

extension Comparable {
    func clamped(_ lo: Self, _ hi: Self) -> Self { min(max(self, lo), hi) }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
