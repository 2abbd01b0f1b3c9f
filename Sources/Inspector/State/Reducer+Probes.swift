import Reasoning

extension InspectorState {
    /// `tokens` index of the token a probe point follows (the last token read before it).
    func tokenIndex(ofProbe p: Probe) -> Int? {
        let i = probesBase + p.tokenIndex - 1
        return tokens.indices.contains(i) ? i : nil
    }

    /// The probes' thinking-token count at `tokens` index `i` of the latest run (for the chart's x).
    func thinkingCount(atToken i: Int) -> Int? {
        guard i >= probesBase, i < tokens.count else { return nil }
        var n = 0
        for t in tokens[probesBase...i] where t.phase == .thinking && t.glyphCount > 0 { n += 1 }
        return n
    }

    /// Moves the token cursor to the previous or next probe point of the latest run.
    mutating func moveToProbe(_ direction: Int) {
        let points = probes.compactMap { tokenIndex(ofProbe: $0) }
        guard !points.isEmpty else {
            return say(showProbes ? "no probe points yet" : "no probe points (p shows the probe chart)")
        }
        let target: Int?
        if let c = cursor {
            target = direction > 0 ? points.first { $0 > c } : points.last { $0 < c }
        } else {
            target = direction > 0 ? points.first : points.last
        }
        guard let t = target else { return say(direction > 0 ? "last probe point" : "first probe point") }
        focus = .thinking
        cursor = t
        if let p = probes.first(where: { tokenIndex(ofProbe: $0) == t }) {
            let conf = p.finalAnswerProbability.map { String(format: "P(final) %.2f", $0) }
                ?? String(format: "confidence %.2f", ProbeChart.confidence(p))
            say("stopped after \(p.thinkingTokens) thinking tokens: \(DisplayText.sanitize(p.answer ?? "no answer")) (\(conf))")
        }
        revealCursor()
    }

    /// Recounts the hesitation and switch words of the latest turn's thinking when the probe panel
    /// shows them and the thinking grew (at most every half second, or at once when `force`).
    mutating func recountMarkers(force: Bool = false) {
        guard showProbes, let markers else { return }
        let text = conversation.last?.thinking ?? ""
        let length = text.utf8.count
        guard length != markerCounts.countedLength, force || clock - markerCounts.countedAt >= 0.5 else { return }
        let summary = ThinkingSummary(thinking: text, thinkingTokens: 0, probes: [], markers: markers)
        markerCounts = MarkerCounts(hesitations: summary.hesitations, switches: summary.switches,
                                    countedLength: length, countedAt: clock)
    }

    mutating func applyPivot(_ action: Action) {
        switch action {
        case .pivotFound(let p?, let token):
            pivot = p
            let i = probesBase + p.tokenIndex
            if tokens.indices.contains(i) {
                focus = .thinking
                cursor = i
                revealCursor()
            }
            say("pivot: " + p.summary(token: token), seconds: 15)
        case .pivotFound(nil, _):
            pivot = nil
            say("P(final answer) never rises between the probe points: no pivot", seconds: 8)
        case .pivotFailed(let why):
            say("pivot: " + why, seconds: 8)
        default:
            break
        }
    }
}
