import Engine
import Reasoning

/// The live mask's editor (`M`): a box over the panes, like the branch menu.
enum LiveMaskWidget {
    static func lines(_ s: InspectorState, _ m: LiveMaskEditor) -> [(String, Style)] {
        if m.pending != nil {
            return SuperExpertWarning.lines(m.loud).enumerated().map { i, t in
                (t, i < 2 ? .role(.warning, bg: .surface, [.bold]) : .role(.statusText, bg: .surface))
            }
        }
        var out: [(String, Style)] = [
            ("LAYER:EXPERT,… dropped (*:E every layer, +L:E forces); empty clears", .role(.statusText, bg: .surface)),
            ("now: " + (s.expertMask.map { "⊘ " + $0.text } ?? "the router's own choice"), .role(.muted, bg: .surface)),
            ("Tab: the finder's top experts, \(m.finder.title)", .role(.muted, bg: .surface)),
        ]
        out.append(("› " + DisplayText.sanitize(m.editor.text) + "▏", .role(.userText, bg: .surface, [.bold])))
        return out
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer) {
        guard let m = s.liveMask else { return }
        let content = lines(s, m)
        let title = m.pending != nil ? "Mask a super expert?" : s.isRunning ? "Expert mask, from the next token (Enter, Esc)"
            : "Expert mask of the main run (Enter, Esc)"
        guard let inner = Dialog.open(s, name: "expert mask", maxWidth: 76, lines: content.count, title: title,
                                      frame: m.pending != nil ? .warning : .accent, into: &b) else { return }
        for (k, (text, style)) in content.suffix(inner.height).enumerated() {
            b.writeTruncated("  " + text, x: inner.x, y: inner.y + k, style: style, maxWidth: inner.width)
        }
    }
}
