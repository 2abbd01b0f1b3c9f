/// What a cell's foreground or background is painted with. Roles are resolved through the theme
/// by the terminal backend; heatmap cells carry their own colours.
public enum Paint: Hashable, Sendable {
    /// The terminal's own default colour.
    case `default`
    case role(Role)
    case rgb(RGB)
    /// One of the 16 ANSI colours, as the user's terminal palette draws it.
    case ansi(UInt8)
}

public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Attributes(rawValue: 1)
    public static let dim = Attributes(rawValue: 2)
    public static let italic = Attributes(rawValue: 4)
    public static let underline = Attributes(rawValue: 8)
    public static let reverse = Attributes(rawValue: 16)
}

public struct Style: Hashable, Sendable {
    public var fg: Paint
    public var bg: Paint
    public var attributes: Attributes

    public init(fg: Paint = .default, bg: Paint = .default, _ attributes: Attributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    public static let plain = Style()

    public static func role(_ fg: Role, bg: Role? = nil, _ attributes: Attributes = []) -> Style {
        Style(fg: .role(fg), bg: bg.map { .role($0) } ?? .default, attributes)
    }

    public func with(_ extra: Attributes) -> Style {
        var s = self
        s.attributes.formUnion(extra)
        return s
    }

    public func on(_ bg: Paint) -> Style {
        var s = self
        s.bg = bg
        return s
    }

    var snapshotDescription: String {
        func p(_ paint: Paint) -> String {
            switch paint {
            case .default: return "-"
            case .role(let r): return r.rawValue
            case .rgb(let c): return c.description
            case .ansi(let n): return "ansi\(n)"
            }
        }
        var names: [String] = []
        if attributes.contains(.bold) { names.append("bold") }
        if attributes.contains(.dim) { names.append("dim") }
        if attributes.contains(.italic) { names.append("italic") }
        if attributes.contains(.underline) { names.append("underline") }
        if attributes.contains(.reverse) { names.append("reverse") }
        return "fg=\(p(fg)) bg=\(p(bg))" + (names.isEmpty ? "" : " " + names.joined(separator: ","))
    }
}

/// The semantic colours of the interface; a theme maps each to a colour.
public enum Role: String, CaseIterable, Hashable, Sendable {
    case background, surface, selection, muted, statusText, text, brightText
    case thinkingText, answerText, injectedText, userText, escapedText
    case border, focusBorder, title, accent, keyHint
    case warning, error, success
    case sliderTrack, sliderFill, sliderMarker
    case phasePrompt, phaseThinking, phaseAnswer, phaseDone
}

/// A rectangle of cells.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var description: String { "\(x),\(y) \(width)×\(height)" }

    public func inset(_ d: Int) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
    public func row(_ i: Int) -> Rect { Rect(x: x, y: y + i, width: width, height: i < height ? 1 : 0) }

    /// The top `n` rows, and the rest.
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let k = n.clamped(0, height)
        return (Rect(x: x, y: y, width: width, height: k), Rect(x: x, y: y + k, width: width, height: height - k))
    }

    /// The bottom `n` rows, and the rest (above).
    public func splitBottom(_ n: Int) -> (Rect, Rect) {
        let k = n.clamped(0, height)
        return (Rect(x: x, y: maxY - k, width: width, height: k), Rect(x: x, y: y, width: width, height: height - k))
    }

    /// The left `n` columns, and the rest.
    public func splitLeft(_ n: Int) -> (Rect, Rect) {
        let k = n.clamped(0, width)
        return (Rect(x: x, y: y, width: k, height: height), Rect(x: x + k, y: y, width: width - k, height: height))
    }
}
