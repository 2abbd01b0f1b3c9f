/// How many terminal columns text takes: 2 for East Asian wide and fullwidth characters and for
/// emoji shown as emoji, 0 for combining marks and invisible format characters, 1 otherwise.
/// Works on grapheme clusters (Swift `Character`s), so a base letter with its combining accents,
/// a flag, or an emoji ZWJ sequence is measured as one unit.
public enum DisplayWidth {
    public static func of(_ text: String) -> Int {
        var n = 0
        for ch in text { n += of(ch) }
        return n
    }

    public static func of(_ ch: Character) -> Int {
        // Fast path: printable ASCII.
        if let a = ch.asciiValue { return a >= 0x20 && a < 0x7F ? 1 : 0 }
        let scalars = ch.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.index(after: scalars.startIndex) == scalars.endIndex { return of(first) }
        var hasVS16 = false, hasVS15 = false
        for s in scalars.dropFirst() {
            if s.value == 0xFE0F { hasVS16 = true }
            if s.value == 0xFE0E { hasVS15 = true }
        }
        let base = of(first)
        if base == 0 { return 0 }
        let p = first.properties
        if hasVS15 && p.isEmoji { return 1 }
        if hasVS16 && p.isEmoji { return 2 }
        // An emoji modifier or ZWJ sequence whose first part is a pictograph shows as one emoji.
        if scalars.count > 1 && p.isEmojiPresentation { return 2 }
        return base
    }

    /// The width of a single scalar on its own.
    public static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }
        // Common ranges first (character properties are slow to look up).
        if (0x2010...0x2027).contains(v) || (0x2400...0x2426).contains(v) || (0x2500...0x25FC).contains(v) { return 1 }
        if (0x4E00...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v) || (0x3041...0x30FF).contains(v) { return 2 }
        if v == 0x200B || v == 0x200C || v == 0x200D || v == 0x2060 || v == 0xFEFF { return 0 }
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }  // Hangul medial/final jamo
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        case .format where v != 0x00AD && !(0x0600...0x0605).contains(v): return 0
        default: break
        }
        if (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return 0 }  // variation selectors
        if s.properties.isEmojiPresentation { return 2 }
        return isWide(v) ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges, other than emoji.
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x3247, 0x3250...0x4DBF,
        0x4E00...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x16FF0...0x16FF1,
        0x17000...0x18CFF, 0x18D00...0x18D08, 0x1AFF0...0x1B2FF, 0x1F200...0x1F2FF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        var lo = 0, hi = wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = wideRanges[mid]
            if v < r.lowerBound { hi = mid - 1 } else if v > r.upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// The longest prefix of `text` that fits in `columns`.
    public static func prefix(_ text: String, columns: Int) -> String {
        var out = "", used = 0
        for ch in text {
            let w = of(ch)
            if used + w > columns { break }
            out.append(ch)
            used += w
        }
        return out
    }
}
