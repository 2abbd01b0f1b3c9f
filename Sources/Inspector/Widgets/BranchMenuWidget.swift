import Engine
import Reasoning

/// The branch menu (`b` on the token cursor): what to change at the token, then which
/// alternative or what text. A box over the panes, like the token inspector.
enum BranchMenuWidget {
    static func lines(_ s: InspectorState, _ menu: BranchMenu) -> [(String, Style, Bool)] {
        switch menu.stage {
        case .choose:
            return BranchMenu.entries.enumerated().map { i, e in
                ("\(e.key)  \(e.label)", e.key == "e" ? .role(.warning, bg: .surface) : .role(.brightText, bg: .surface), i == menu.selection)
            }
        case .alternative:
            return s.branchAlternatives(menu).enumerated().map { i, a in
                ("\(Format.tokenText(a.text))  id \(a.id)  \(Format.logProb(a.logProbability))  \(Format.percent(a.logProbability))",
                 .role(.brightText, bg: .surface), i == menu.selection)
            }
        case .edit(let editor):
            return [("the model did not write this text: effects of edits are off-policy", .role(.warning, bg: .surface), false),
                    ("› " + DisplayText.sanitize(editor.text) + "▏", .role(.userText, bg: .surface, [.bold]), false)]
        case .mask(let editor):
            let found = menu.found
            let source = found.isEmpty ? "this token's top expert per layer (finder: none \(menu.finder.title))"
                : "finder: " + found.map { "L\($0.layer) e\($0.expert) +\(Format.fraction($0.riskDifference))" }.joined(separator: ", ")
                  + " (\(menu.finder.title))"
            return [("LAYER:EXPERT,… dropped from here on (*:E every layer, +L:E forces)", .role(.statusText, bg: .surface), false),
                    ("start: " + source, .role(.muted, bg: .surface), false),
                    ("Tab: the finder's experts \(menu.finder.next.title)", .role(.muted, bg: .surface), false),
                    ("› " + DisplayText.sanitize(editor.text) + "▏", .role(.userText, bg: .surface, [.bold]), false)]
        case .confirmMask(let m, let found, _):
            return [("⊘ " + m.text, .role(.userText, bg: .surface, [.bold]), false)]
                + SuperExpertWarning.lines(found).enumerated().map { i, t in
                    (t, i < 2 ? .role(.warning, bg: .surface, [.bold]) : .role(.statusText, bg: .surface), false)
                }
        }
    }

    static func title(_ s: InspectorState, _ menu: BranchMenu) -> String {
        let path = s.branches.tree.path(menu.node)
        let token = path.indices.contains(menu.at) ? Format.tokenText(path[menu.at].text) : "?"
        let node = menu.node == 0 ? "" : " of #\(menu.node)"
        switch menu.stage {
        case .choose: return "Branch at token #\(menu.at)\(node) \(token)"
        case .alternative: return "Replace \(token) by (↑↓ Enter)"
        case .edit: return "Edit from \(token) (Enter runs, Esc back)"
        case .mask: return "Mask experts from \(token) (Enter runs, Esc back)"
        case .confirmMask: return "Mask a super expert from \(token)?"
        }
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer) {
        guard let menu = s.branches.menu else { return }
        let content = lines(s, menu)
        guard let inner = Dialog.open(s, name: "branch menu", maxWidth: 72, lines: content.count, title: title(s, menu),
                                      frame: .accent, into: &b) else { return }
        let top = max(0, min(menu.selection - inner.height + 1, content.count - inner.height))
        for (k, (text, style, selected)) in content.dropFirst(top).prefix(inner.height).enumerated() {
            let y = inner.y + k
            if selected { b.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: .role(.text, bg: .selection)) }
            b.writeTruncated((selected ? "▸ " : "  ") + text, x: inner.x, y: y,
                             style: selected ? style.on(.role(.selection)) : style, maxWidth: inner.width)
        }
    }
}
