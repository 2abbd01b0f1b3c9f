/// The token under the cursor: id, text, log-probability, the sampler's top alternatives and the
/// token's expert routing, in a box over the other pane.
enum TokenInspector {
    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ l: Layout) {
        guard let c = s.cursor, c < s.tokens.count else { return }
        let t = s.tokens[c]
        let other = t.pane == .thinking ? l.answer : l.thinking
        let area = other.isEmpty ? (t.pane == .thinking ? l.thinking : l.answer) : other
        let lines = content(t, s)
        let width = min(area.width, 64)
        let height = min(area.height, lines.count + 2)
        guard width >= 16, height >= 3 else { return }
        let r = Rect(x: area.maxX - width, y: area.maxY - height, width: width, height: height)
        b.fill(r, style: .role(.text, bg: .surface))
        let title = "Token #\(t.index) · \(t.phase.rawValue) · \(t.origin.rawValue)"
        b.box(r, style: .role(.accent, bg: .surface), title: title, titleStyle: .role(.accent, bg: .surface, [.bold]))
        for (i, (label, text)) in lines.prefix(height - 2).enumerated() {
            let y = r.y + 1 + i
            let lw = b.write(label, x: r.x + 2, y: y, style: .role(.statusText, bg: .surface), maxWidth: r.width - 3)
            b.writeTruncated(text, x: r.x + 2 + lw, y: y, style: .role(.brightText, bg: .surface), maxWidth: r.width - 3 - lw)
        }
    }

    static func content(_ t: TokenRecord, _ s: InspectorState) -> [(String, String)] {
        var out: [(String, String)] = []
        out.append(("id ", "\(t.id)   text \(Format.tokenText(t.text))"))
        if let lp = t.logProbability {
            out.append(("log p ", "\(Format.logProb(lp))   p \(Format.percent(lp))"))
        } else {
            out.append(("log p ", t.origin == .injected ? "— (injected, not sampled)" : "—"))
        }
        if t.alternatives.isEmpty {
            out.append(("alternatives ", "—"))
        } else {
            out.append(("alternatives", ""))
            for a in t.alternatives.prefix(5) {
                out.append(("  ", "\(Format.tokenText(a.text))  id \(a.id)  \(Format.logProb(a.logProbability))  \(Format.percent(a.logProbability))"))
            }
        }
        if let r = t.routing {
            out.append(("routing ", "\(r.layers) layers, top \(r.perLayer) experts each (v: heatmap token view)"))
            for l in 0..<min(r.layers, 4) {
                let picks = r.layer(l).map { "e\($0.expert) \(Format.fraction($0.weight))" }.joined(separator: "  ")
                out.append(("  L\(l) ", picks))
            }
            if r.layers > 4 { out.append(("  ", "… \(r.layers - 4) more layers")) }
        } else if s.model.isMoE {
            out.append(("routing ", "—"))
        }
        return out
    }
}
