/// A base16 palette (base00 … base0F) and how the interface's roles map onto it.
///
/// base16 convention: base00–base07 run from background to brightest foreground (reversed for light
/// themes), base08–base0F are accents (red, orange, yellow, green, cyan, blue, magenta, brown).
public struct Theme: Sendable, Equatable {
    public enum Variant: String, Sendable { case dark, light }
    /// How many terminal colours the theme is meant for: `.ansi16` themes are drawn with the 16
    /// ANSI colours whatever the terminal supports, so they follow the user's terminal palette.
    public enum ColorSet: String, Sendable { case full, ansi16 }

    public var name: String
    public var variant: Variant
    public var palette: [RGB]
    public var colorSet: ColorSet
    public var heatmap: Colormap.Kind
    /// Leave the background to the terminal (its own default colour) instead of painting base00.
    public var terminalBackground: Bool

    public init(name: String, variant: Variant, palette: [RGB], colorSet: ColorSet = .full,
                heatmap: Colormap.Kind = .magma, terminalBackground: Bool = false) {
        precondition(palette.count == 16, "a base16 palette has 16 colours")
        self.name = name
        self.variant = variant
        self.palette = palette
        self.colorSet = colorSet
        self.heatmap = heatmap
        self.terminalBackground = terminalBackground
    }

    /// Which base colour each role takes.
    public static let roleMap: [Role: Int] = [
        .background: 0x0, .surface: 0x1, .selection: 0x2, .muted: 0x3, .statusText: 0x4, .text: 0x5,
        .brightText: 0x7, .thinkingText: 0x4, .answerText: 0x5, .injectedText: 0x9, .userText: 0xD,
        .escapedText: 0x8, .border: 0x3, .focusBorder: 0xD, .title: 0xD, .accent: 0xE, .keyHint: 0xC,
        .warning: 0xA, .error: 0x8, .success: 0xB, .sliderTrack: 0x3, .sliderFill: 0xB, .sliderMarker: 0xA,
        .phasePrompt: 0xC, .phaseThinking: 0xE, .phaseAnswer: 0xB, .phaseDone: 0x4,
    ]

    public func base(_ role: Role) -> Int { Self.roleMap[role] ?? 0x5 }
    public func color(_ role: Role) -> RGB { palette[base(role)] }

    /// ThinkScope's own dark palette; used when no theme file can be found.
    public static let builtinDark = Theme(
        name: "ThinkScope Dark", variant: .dark,
        palette: ["161821", "1f2230", "2c3042", "5a6078", "9aa3bd", "d4d9e6", "e6eaf2", "f5f7fb",
                  "f0717a", "f5a25d", "f2d072", "8fd18a", "6fd3d8", "7aa9f5", "c79af2", "c28a6b"].map { RGB(hex: $0)! })
}
