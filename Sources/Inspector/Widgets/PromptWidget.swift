/// The prompt line, the example prompts offered when it is empty, and the key-hint row.
enum PromptWidget {
    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let focused = s.focus == .prompt
        b.fill(r, style: .role(.text, bg: .surface))
        let mark = focused ? "› " : "  "
        var x = r.x + b.write(mark, x: r.x, y: r.y, style: .role(.accent, bg: .surface, [.bold]), maxWidth: r.width)
        let room = r.maxX - x - 1
        guard room > 0 else { return }
        if !s.editor.isEmpty {
            let v = s.editor.view(columns: room)
            b.write(v.text, x: x, y: r.y, style: .role(.brightText, bg: .surface), maxWidth: room)
            if focused { b.cursor = Point(x: x + v.cursorColumn, y: r.y) }
            return
        }
        if focused { b.cursor = Point(x: x, y: r.y) }
        let hint: String
        switch s.mode {
        case .replay(let p): hint = "replay of \(TitleBar.lastComponent(p)) — no model · ↑↓ scroll · c token cursor · ? help · q quit"
        case .noModel: hint = "no model — start with: thinkscope tui --model FILE.gguf · q quit"
        case .live:
            if s.isRunning {
                hint = "generating… Esc stops · [ ] budget · x ends thinking now · ? help"
            } else if focused {
                hint = s.conversation.isEmpty ? "Type a prompt and press Enter · ↑↓ examples · ? help · Ctrl-C quits"
                    : "Type a follow-up and press Enter · Ctrl-N new conversation · ? help"
            } else {
                hint = "i or Enter: type a prompt · Tab: next pane · ? help · q quit"
            }
        }
        x += 0
        b.writeTruncated(hint, x: x, y: r.y, style: .role(.muted, bg: .surface, [.italic]), maxWidth: room)
    }

    /// The example prompts, in a box above the prompt line.
    static func drawExamples(_ s: InspectorState, into b: inout ScreenBuffer, above prompt: Rect, within body: Rect) {
        guard s.showsExamples, prompt.width >= 20 else { return }
        let items = s.examples
        let maxText = items.map(DisplayWidth.of).max() ?? 0
        let width = min(body.width, max(40, maxText + 6))
        let height = min(body.height, items.count + 2)
        guard height >= 3 else { return }
        let r = Rect(x: body.x, y: prompt.y - height, width: width, height: height)
        b.fill(r, style: .role(.text, bg: .surface))
        b.box(r, style: Style.role(.accent, bg: .surface), title: "Examples · ↑↓ pick · Enter runs",
              titleStyle: Style.role(.accent, bg: .surface, [.bold]))
        for (i, item) in items.prefix(height - 2).enumerated() {
            let selected = i == s.exampleIndex
            let st = selected ? Style.role(.brightText, bg: .selection, [.bold]) : Style.role(.text, bg: .surface)
            let line = Rect(x: r.x + 1, y: r.y + 1 + i, width: r.width - 2, height: 1)
            if selected { b.fill(line, style: st) }
            b.writeTruncated((selected ? "▸ " : "  ") + item, x: line.x, y: line.y, style: st, maxWidth: line.width)
        }
    }

    static func drawHints(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        if let msg = s.message {
            b.writeTruncated(" " + msg, x: r.x, y: r.y, style: .role(.warning, [.bold]), maxWidth: r.width)
            return
        }
        let pairs: [(String, String)]
        switch s.focus {
        case _ where !s.isLive:
            pairs = [("Tab", "panes"), ("↑↓", "scroll"), ("c", "token cursor"), ("v", "heatmap view"), ("z", "zoom"),
                     ("?", "help"), ("q", "quit")]
        case .prompt:
            pairs = [("Enter", "run"), ("Tab", "panes"), ("Esc", s.isRunning ? "stop" : "leave prompt"), ("Ctrl-N", "new"), ("F1", "help"), ("Ctrl-C", s.isRunning ? "stop" : "quit")]
        case .heatmap:
            pairs = [("v", "view"), ("←→↑↓", "scroll"), ("f", "fit"), ("s", "scale"), ("[ ]", "budget"), ("z", "zoom"), ("i", "prompt"), ("?", "help"), ("q", "quit")]
        default:
            pairs = s.cursor != nil
                ? [("←→↑↓", "move token"), ("c/Esc", "leave cursor"), ("v", "heatmap view"), ("?", "help"), ("q", "quit")]
                : [("i", "prompt"), ("[ ]", "budget"), ("t", "think"), ("m", "cap/exact"), ("e", "end style"), ("x", "end thinking"),
                   ("b", "compare"), ("c", "token cursor"), ("v", "heatmap"), ("z", "zoom"), ("n", "new"), ("?", "help"), ("q", "quit")]
        }
        // On a display-only server the keys that force a run are greyed (pressing one says why).
        let off: Set<String> = s.model.displayOnly == nil ? [] : s.isRunning ? ["[ ]", "m", "e", "x", "b"] : ["m", "e", "x", "b"]
        var x = r.x + 1
        for (k, what) in pairs {
            let w = DisplayWidth.of(k) + 1 + DisplayWidth.of(what) + 2
            if x + w > r.maxX { break }
            x += b.write(k, x: x, y: r.y, style: off.contains(k) ? .role(.muted) : .role(.keyHint, [.bold]))
            x += b.write(" " + what + "  ", x: x, y: r.y, style: .role(.muted))
        }
    }
}
