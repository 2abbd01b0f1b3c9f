/// A bordered text pane (thinking or answer): wrapped text that scrolls and follows the newest
/// line, a scroll thumb on the right border, the token cursor, and a placeholder when empty.
enum PaneWidget {
    static func style(_ kind: GlyphKind) -> Style {
        switch kind {
        case .thinking: return .role(.thinkingText, [.italic])
        case .answer: return .role(.answerText)
        case .injected: return .role(.injectedText, [.underline, .bold])
        case .user: return .role(.userText, [.bold])
        case .note: return .role(.muted, [.italic])
        case .escaped: return .role(.escapedText, [.bold])
        case .separator: return .role(.muted)
        }
    }

    static func draw(_ s: InspectorState, _ id: PaneID, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let pane = id == .thinking ? s.thinkingPane : s.answerPane
        let focused = (id == .thinking && s.focus == .thinking) || (id == .answer && s.focus == .answer)
        let bordered = r.width >= 3 && r.height >= 3
        let inner = bordered ? r.inset(1) : r
        let count = id == .thinking ? s.live.thinking : s.live.answer
        var title = (id == .thinking ? "Thinking" : "Answer") + " · \(Format.count(count)) tok"
        if s.branches.shown != 0 {
            title += " · branch #\(s.branches.shown)" + (s.branches.tree[s.branches.shown].intervention.offPolicy ? " (off-policy)" : "")
        }
        let hiddenBelow = pane.text.lineCount - (pane.scroll + inner.height)
        if !pane.follow && hiddenBelow > 0 { title += " · ↓\(hiddenBelow) more" }
        if s.cursor != nil && focused { title += " · cursor" }
        if id == .thinking, let a = s.anchors, a.tree == s.branches.serial {
            title += a.running ? " · anchors \(a.done)/\(a.total)" : (s.branches.shown == 0 ? " · anchors" : "")
        }
        if bordered {
            b.box(r, style: .role(focused ? .focusBorder : .border),
                  title: title, titleStyle: .role(focused ? .focusBorder : .title, [.bold]))
            if focused && r.width > 30 {
                let key = id == .thinking ? "1" : "2"
                b.write("[\(key)]", x: r.maxX - 5, y: r.y, style: .role(.keyHint), maxWidth: 3)
            }
        }
        if pane.text.isEmpty {
            placeholder(s, id, into: &b, inner)
            return
        }
        let cursorToken = s.cursor.map { Int32($0) }
        let lines = pane.text
        for row in 0..<inner.height {
            let li = pane.scroll + row
            guard li < lines.lineCount else { break }
            var x = inner.x
            for gi in lines.line(li) {
                let g = lines.glyphs[gi]
                guard g.width > 0 else { continue }
                var st = style(g.kind)
                if let c = cursorToken, g.token == c { st = Style(fg: .role(.brightText), bg: .role(.selection), [.bold, .reverse]) }
                x += b.put(g.character, x: x, y: inner.y + row, style: st, width: Int(g.width))
                if x >= inner.maxX { break }
            }
            // A token cursor on a token without visible text (a think delimiter) marks the line end.
            if id == .thinking && bordered, let level = anchorLevel(s, line: li) {
                b.put(Self.eighths[level], x: r.x, y: inner.y + row, style: .role(level >= 6 ? .warning : .accent))
            }
        }
        if bordered && lines.lineCount > inner.height {
            let total = lines.lineCount
            let thumb = max(1, inner.height * inner.height / total)
            let top = (inner.height - thumb) * pane.scroll / max(1, total - inner.height)
            for i in 0..<thumb {
                b.put("┃", x: r.maxX - 1, y: inner.y + top + i, style: .role(focused ? .focusBorder : .muted))
            }
        }
    }

    static let eighths: [Character] = ["·", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The thought-anchor gutter level of a thinking-pane line: the highest of the sentences with
    /// text on it (the run shown, anchors known).
    static func anchorLevel(_ s: InspectorState, line: Int) -> Int? {
        guard let a = s.anchors, !a.results.isEmpty, a.tree == s.branches.serial, s.branches.shown == 0,
              let base = s.runBaseline else { return nil }
        let text = s.thinkingPane.text
        var best: Int?, last = -1
        for g in text.line(line) {
            let token = Int(text.glyphs[g].token)
            guard token != last, token >= base.tokenCount else { continue }
            last = token
            if let l = a.level(ofRunToken: token - base.tokenCount) { best = max(best ?? 0, min(8, max(0, l))) }
        }
        return best
    }

    static func placeholder(_ s: InspectorState, _ id: PaneID, into b: inout ScreenBuffer, _ r: Rect) {
        var text: [String]
        switch (s.mode, id) {
        case (.noModel(let why), .answer):
            text = [why]
        case (.noModel, .thinking):
            text = ["No model is loaded."]
        case (.replay, _):
            text = ["(nothing recorded in this pane)"]
        case (.live, .thinking):
            if s.isRunning { text = ["reading the prompt…"] } else {
                text = ["The model's thinking streams here, live.",
                        "",
                        "Text the budget injects (the forced end, \"Wait\") is underlined.",
                        "Move the budget with [ and ] — even while it thinks."]
            }
        case (.live, .answer):
            if s.isRunning { text = ["waiting for the answer…"] } else {
                text = ["The answer streams here.",
                        "",
                        "Type a prompt below and press Enter,",
                        "or pick an example with ↑/↓.",
                        "",
                        "? lists every key."]
            }
        }
        var pt = PaneText(width: max(1, r.width))
        for line in text { pt.append(line + "\n", kind: .note) }
        for row in 0..<min(r.height, pt.lineCount) {
            let str = String(pt.glyphs[pt.line(row)].map(\.character))
            b.write(str, x: r.x, y: r.y + row, style: .role(.muted, [.italic]), maxWidth: r.width)
        }
    }
}
