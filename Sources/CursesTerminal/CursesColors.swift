import CNCurses
import Inspector

/// Turns paints into curses colour numbers and (foreground, background) pairs into pair numbers,
/// for the terminal's colour depth: 24-bit values on direct-colour terminals, the nearest of the
/// 256-colour palette, or of the 16 ANSI colours.
struct CursesColors {
    let depth: ColorDepth
    var theme: Theme
    private var pairs: [UInt64: Int32] = [:]
    private var nextPair: Int32 = 1
    let maxPairs: Int32
    /// Set when the pair table was recycled: everything on screen must be redrawn.
    var recycled = false

    init(depth: ColorDepth, theme: Theme) {
        self.depth = depth
        self.theme = theme
        maxPairs = depth == .none ? 0 : Int32(min(ts_color_pairs(), 65_536))
    }

    /// The curses colour number of a paint (-1 = the terminal's default).
    func color(_ p: Paint) -> Int32 {
        switch p {
        case .default: return -1
        case .ansi(let n): return depth == .none ? -1 : Int32(depth == .c16 ? Int(n) % 16 : Int(n))
        case .rgb(let c): return rgb(c, ansiOnly: false)
        case .role(let r):
            if r == .background && theme.terminalBackground { return -1 }
            return rgb(theme.color(r), ansiOnly: theme.colorSet == .ansi16)
        }
    }

    func rgb(_ c: RGB, ansiOnly: Bool) -> Int32 {
        if ansiOnly { return Int32(Palette.nearest16(c)) }
        switch depth {
        case .none: return -1
        // Direct-colour descriptions read values below 8 as the ANSI colours: nudge near-black up.
        case .truecolor: return max(8, Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b))
        case .c256: return Int32(Palette.nearest256(c))
        case .c16: return Int32(Palette.nearest16(c))
        }
    }

    /// The pair for a style (0 when colour is off).
    mutating func pair(_ style: Style) -> Int32 {
        guard maxPairs > 1 else { return 0 }
        let fg = color(style.fg), bg = color(style.bg)
        if fg == -1 && bg == -1 { return 0 }
        let key = UInt64(UInt32(bitPattern: fg)) << 32 | UInt64(UInt32(bitPattern: bg))
        if let p = pairs[key] { return p }
        if nextPair >= maxPairs {
            pairs.removeAll(keepingCapacity: true)
            nextPair = 1
            recycled = true
        }
        let p = nextPair
        nextPair += 1
        init_extended_pair(p, fg, bg)
        pairs[key] = p
        return p
    }

    static func attributes(_ a: Attributes) -> attr_t {
        var out = ts_a_normal()
        if a.contains(.bold) { out |= ts_a_bold() }
        if a.contains(.dim) { out |= ts_a_dim() }
        if a.contains(.italic) { out |= ts_a_italic() }
        if a.contains(.underline) { out |= ts_a_underline() }
        if a.contains(.reverse) { out |= ts_a_reverse() }
        return out
    }
}
