import Reasoning

/// The thought-anchor list (`A`): the latest run's thinking sentences, most important first, each
/// with a bar (KL between the answers with the sentence kept and resampled), the shift in the run's
/// answer, and the two answer distributions. Progress while it is computed. Covers everything below
/// the title, like the branch tree.
enum AnchorsWidget {
    static func draw(_ s: InspectorState, into b: inout ScreenBuffer) {
        guard let a = s.anchors, a.open, s.height >= 3, s.width >= 10 else { return }
        var (view, x) = FullView.open(s, title: " Thought anchors ", into: &b)
        let header = view.header, rest = view.body
        let status = a.running ? "· resampling \(a.done)/\(a.total) continuations (K=\(a.samples) per sentence start)…"
                               : "· \(a.results.count) sentences · K=\(a.samples) · KL(kept ‖ resampled) · shift in P(run's answer)"
        x += b.write(status, x: x, y: header.y, style: .role(.muted, bg: .surface), maxWidth: header.maxX - x)
        let ranked = a.ranked
        if ranked.isEmpty {
            b.writeTruncated(a.running ? "the results appear when every continuation has answered" : "no sentences in the thinking",
                             x: rest.x + 1, y: rest.y, style: .role(.muted, [.italic]), maxWidth: rest.width - 2)
        }
        let top = ranked.map(\.kl).max() ?? 0
        // Two rows per sentence: the bar and the sentence, then the answers.
        let perPage = max(1, rest.height / 2)
        let first = max(0, min(a.selected - perPage / 2, ranked.count - perPage))
        for (k, r) in ranked.dropFirst(first).prefix(perPage).enumerated() {
            let y = rest.y + 2 * k
            let selected = first + k == a.selected
            let bg: Paint = selected ? .role(.selection) : .role(.background)
            if selected { b.fill(Rect(x: rest.x, y: y, width: rest.width, height: min(2, rest.maxY - y)), style: .role(.text, bg: .selection)) }
            let bar = BranchTreeWidget.bar(top > 0 ? Int((r.kl / top * 1000).rounded()) : 0, of: 1000)
            var cx = rest.x + 1
            cx += b.write(String("#\(r.sentence.index)".padding(toLength: 4, withPad: " ", startingAt: 0)), x: cx, y: y,
                          style: Style.role(.accent, [.bold]).on(bg), maxWidth: rest.maxX - cx)
            cx += b.write(bar.padding(toLength: 9, withPad: " ", startingAt: 0), x: cx, y: y, style: Style.role(.warning).on(bg), maxWidth: rest.maxX - cx)
            cx += b.write("KL \(Format.kl(r.kl))  shift \(r.shift >= 0 ? "+" : "")\(Format.kl(r.shift))  ", x: cx, y: y,
                          style: Style.role(.statusText).on(bg), maxWidth: rest.maxX - cx)
            let text = DisplayText.sanitize(r.sentence.text).replacingOccurrences(of: "\n", with: "↵").trimmingCharacters(in: .whitespaces)
            b.writeTruncated(text, x: cx, y: y, style: Style.role(.thinkingText).on(bg), maxWidth: rest.maxX - cx - 1)
            guard y + 1 < rest.maxY else { continue }
            let answers = "resampled " + distribution(r.resampled) + "   kept " + distribution(r.kept)
            b.writeTruncated(answers, x: rest.x + 5, y: y + 1, style: Style.role(.muted).on(bg), maxWidth: rest.width - 6)
        }
        view.drawFooter(s, keys: [("↑↓", "select"), ("Enter", "cursor to the sentence"), ("A/Esc", "close")] + (a.running ? [("S", "stop")] : []),
                        into: &b)
    }

    /// Answers with their counts, most frequent first.
    static func distribution(_ d: [String: Int]) -> String {
        if d.isEmpty { return "—" }
        return d.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\(DisplayText.sanitize($0.key))×\($0.value)" }.joined(separator: " ")
    }
}
