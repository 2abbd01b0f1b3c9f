import Reasoning

/// The branch tree (`T`): the latest run and the branches forked from it, one row per node with
/// `├─`/`└─` lanes — fork position, intervention, extracted answer, thinking and answer tokens —
/// and one row per resample group with its answer histogram. Under it, when asked (`d`), where
/// the selected node's thinking departs from its parent's. It covers everything below the title.
enum BranchTreeWidget {
    /// One row: a node, or the head of a resample group; `lead` holds the lanes.
    struct Row: Equatable {
        var node: Int?
        var group: Int?
        var lead: String
    }

    /// The rows in display order (depth first; a group's samples under its head).
    static func rows(_ tree: BranchTree) -> [Row] {
        var rows: [Row] = []
        func visit(_ id: Int, prefix: String, last: Bool, root: Bool) {
            rows.append(Row(node: id, group: nil, lead: root ? "" : prefix + (last ? "└─ " : "├─ ")))
            let inner = root ? "" : prefix + (last ? "   " : "│  ")
            enum Item { case node(Int), group(Int, [Int]) }
            var items: [Item] = []
            for c in tree.children(of: id) {
                if let g = tree[c].group {
                    if g == c { items.append(.group(g, tree.members(ofGroup: g))) }
                } else {
                    items.append(.node(c))
                }
            }
            for (k, item) in items.enumerated() {
                let isLast = k == items.count - 1
                switch item {
                case .node(let c): visit(c, prefix: inner, last: isLast, root: false)
                case .group(let g, let members):
                    rows.append(Row(node: nil, group: g, lead: inner + (isLast ? "└─ " : "├─ ")))
                    let mp = inner + (isLast ? "   " : "│  ")
                    for (j, m) in members.enumerated() { visit(m, prefix: mp, last: j == members.count - 1, root: false) }
                }
            }
        }
        if tree.count > 0 { visit(0, prefix: "", last: true, root: true) }
        return rows
    }

    typealias Line = [(String, Style)]

    static func nodeLine(_ s: InspectorState, _ id: Int) -> Line {
        let n = s.branches.tree[id]
        var line: Line = []
        let shown = s.branches.shown == id ? "● " : ""
        if n.parent == nil {
            line.append((shown + "run", .role(.title, [.bold])))
        } else {
            let label: String
            switch n.intervention {
            case .resample(let seed): label = "resample #\(seed % 10_000)"
            default: label = DisplayText.sanitize(n.intervention.label)
            }
            line.append((shown + "@\(n.at) ", .role(.accent, [.bold])))
            line.append((label, n.intervention.offPolicy ? .role(.warning) : .role(.text)))
        }
        line.append(("  │ ", .role(.muted)))
        if s.branches.running.contains(id) {
            line.append(("running…", .role(.muted, [.italic])))
            return line
        }
        let answer = n.answer.map { DisplayText.sanitize($0) } ?? "—"
        line.append((answer, .role(.answerText, [.bold])))
        line.append(("  │ think \(Format.count(n.thinkingTokens)) · answer \(Format.count(n.answerTokens))", .role(.statusText)))
        if let r = n.reason, r != .endOfTurn { line.append(("  " + r.rawValue, .role(.warning))) }
        return line
    }

    /// A resample group's head: where, how many, and the answers as a histogram.
    static func groupLine(_ s: InspectorState, _ g: Int) -> Line {
        let tree = s.branches.tree
        let members = tree.members(ofGroup: g)
        var line: Line = [("@\(tree[g].at) ", .role(.accent, [.bold])), ("resample ×\(members.count)", .role(.text)), ("  │ ", .role(.muted))]
        let done = members.count { tree[$0].finished && !s.branches.running.contains($0) }
        for (k, (answer, count)) in tree.histogram(group: g).enumerated() {
            if k > 0 { line.append(("  ", .role(.muted))) }
            line.append((DisplayText.sanitize(answer) + " ", .role(.answerText, [.bold])))
            line.append((bar(count, of: members.count), .role(.accent)))
            line.append((" \(count)", .role(.statusText)))
        }
        if done < members.count { line.append(("  \(done)/\(members.count) done…", .role(.muted, [.italic]))) }
        return line
    }

    /// `count` of `total` as a bar of eighth blocks, 8 cells for the whole.
    static func bar(_ count: Int, of total: Int) -> String {
        guard total > 0 else { return "" }
        let eighths = count * 64 / total
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
        return String(repeating: "█", count: eighths / 8) + partial
    }

    /// Where the selected node's thinking departs from its parent's: the shared text just before,
    /// then each side's continuation.
    static func diffLines(_ s: InspectorState, width: Int) -> [Line] {
        let tree = s.branches.tree
        let id = s.branches.selected
        guard tree.contains(id), let p = tree[id].parent else { return [[("the run has no parent: select a branch to diff", .role(.muted))]] }
        guard let d = tree.departure(id) else { return [[("same thinking as its parent (#\(p))", .role(.muted))]] }
        let mine = tree.path(id).filter { $0.phase == .thinking }, theirs = tree.path(p).filter { $0.phase == .thinking }
        let common = DisplayText.sanitize(mine.prefix(d).map(\.text).joined())
        let context = String(common.suffix(max(10, width / 2))).replacingOccurrences(of: "\n", with: "↵")
        func side(_ ts: [TokenEvent]) -> String {
            DisplayText.sanitize(ts.dropFirst(d).map(\.text).joined()).replacingOccurrences(of: "\n", with: "↵")
        }
        var lines: [Line] = [[("thinking departs at thinking token \(d) (#\(p) → #\(id))", .role(.title, [.bold]))],
                             [("… " + context, .role(.muted))]]
        for (label, text, style) in [("#\(p) ", side(theirs), Style.role(.thinkingText)), ("#\(id) ", side(mine), Style.role(.answerText))] {
            let wrapped = CompareWidget.wrap(text.isEmpty ? "(thinking ends here)" : text, width: max(1, width - 6))
            for (k, w) in wrapped.prefix(3).enumerated() {
                lines.append([(k == 0 ? label.padding(toLength: 6, withPad: " ", startingAt: 0) : "      ", .role(.accent, [.bold])), (w, style)])
            }
        }
        return lines
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer) {
        guard s.branches.open, s.height >= 3, s.width >= 10 else { return }
        var (view, x) = FullView.open(s, title: " Branches ", into: &b)
        let header = view.header, rest = view.body
        let tree = s.branches.tree
        let summary = "· \(tree.count - 1) branch\(tree.count == 2 ? "" : "es")" + (s.branches.running.isEmpty ? "" : " · \(s.branches.running.count) running")
        x += b.write(summary, x: x, y: header.y, style: .role(.muted, bg: .surface), maxWidth: header.maxX - x)
        var list = rest
        var diffArea = Rect.zero
        if s.branches.diff && rest.height >= 8 { (list, diffArea) = rest.splitTop(rest.height - min(9, rest.height / 2)) }
        let all = rows(tree)
        let selectedRow = all.firstIndex { $0.node == s.branches.selected } ?? 0
        let top = max(0, min(selectedRow - list.height / 2, all.count - list.height))
        for (k, row) in all.dropFirst(top).prefix(list.height).enumerated() {
            let y = list.y + k
            let selected = row.node == s.branches.selected
            if selected { b.fill(Rect(x: list.x, y: y, width: list.width, height: 1), style: .role(.text, bg: .selection)) }
            var cx = list.x + 1
            cx += b.write(row.lead, x: cx, y: y, style: .role(.border, bg: selected ? .selection : .background), maxWidth: list.maxX - cx)
            let line = row.node.map { nodeLine(s, $0) } ?? groupLine(s, row.group!)
            for (text, style) in line where cx < list.maxX {
                cx += b.write(text, x: cx, y: y, style: selected ? style.on(.role(.selection)) : style, maxWidth: list.maxX - cx)
            }
        }
        if !diffArea.isEmpty {
            for rx in diffArea.x..<diffArea.maxX { b.put("─", x: rx, y: diffArea.y, style: .role(.border)) }
            for (k, line) in diffLines(s, width: diffArea.width - 2).prefix(diffArea.height - 1).enumerated() {
                CompareWidget.write(line, x: diffArea.x + 1, y: diffArea.y + 1 + k, maxX: diffArea.maxX - 1, into: &b)
            }
        }
        view.drawFooter(s, keys: [("↑↓", "walk"), ("←→", "parent/child"), ("Enter", "show in panes"), ("d", "diff"), ("T/Esc", "close")]
                            + (s.branches.running.isEmpty ? [] : [("S", "stop")]), into: &b)
    }
}
