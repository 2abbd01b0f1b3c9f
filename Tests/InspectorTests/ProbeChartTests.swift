@testable import Inspector
import Reasoning
import Testing

/// The answer-probe panel: state from probe events, the chart, walking probe points, the pivot.
@Suite struct ProbeChartTests {
    static func probe(_ n: Int, _ answer: String, p: Double?, logp: Double = -0.5) -> Probe {
        Probe(thinkingTokens: n, tokenIndex: n + 1, text: "The answer is \(answer).", answer: answer,
              meanLogProbability: logp, answerTokens: 6, finalAnswerProbability: p)
    }

    /// The done scenario (its thinking has about 60 tokens) with probes every 12 tokens whose
    /// answer settles on "3", and a "Wait"-like injected stretch (the forced end).
    static func probedState(_ w: Int, _ h: Int) -> InspectorState {
        var s = Scenario.doneState(w, h)
        s.markers = ThinkingMarkers(hesitations: ["Wait"], switches: ["Alternatively"])
        s.probeEvery = 12
        let answers: [(String, Double)] = [("2", 0.05), ("2", 0.1), ("4", 0.2), ("3", 0.7), ("3", 0.9)]
        for (i, a) in answers.enumerated() {
            _ = reduce(&s, .engine(.probe(probe(12 * (i + 1), a.0, p: nil))))  // live report
            _ = reduce(&s, .engine(.probe(probe(12 * (i + 1), a.0, p: a.1))))  // scored after the run
        }
        _ = reduce(&s, .key(.char("1")))
        _ = reduce(&s, .key(.char("p")))
        return s
    }

    @Test func probeEventsReplaceEarlierReportsOfTheSamePoint() {
        let s = Self.probedState(100, 40)
        #expect(s.probes.count == 5)
        #expect(s.probes.allSatisfy { $0.finalAnswerProbability != nil })
        #expect(s.probes.map(\.thinkingTokens) == [12, 24, 36, 48, 60])
    }

    @Test func chartSnapshots() throws {
        for (w, h) in [(100, 40), (80, 24)] {
            try Snapshot.check(render(Self.probedState(w, h)), "probes-\(w)x\(h)")
        }
    }

    @Test func theChartShowsAnswersTheSettlingPointAndTheSummary() {
        let screen = render(Self.probedState(100, 40)).text
        #expect(screen.contains("Answer if stopped now"))
        #expect(screen.contains("■ 3") && screen.contains("■ 4") && screen.contains("■ 2"))
        #expect(screen.contains("◆"), "the point where the answer last changed")
        #expect(screen.contains("settled at 48"))
        #expect(screen.contains("1 hesitations"), "the scenario's thinking says \"Wait\" once")
        #expect(screen.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots")
        // Toggled off, the panes get the rows back.
        var off = Self.probedState(100, 40)
        _ = reduce(&off, .key(.char("p")))
        #expect(!render(off).text.contains("Answer if stopped now"))
    }

    @Test func commaAndPeriodWalkTheProbePointsWithTheTokenCursor() {
        var s = Self.probedState(100, 40)
        _ = reduce(&s, .key(.char(".")))
        #expect(s.cursor == s.probesBase + 12, "the token before the first probe point")
        #expect(s.message?.contains("stopped after 12 thinking tokens: 2") == true)
        _ = reduce(&s, .key(.char(".")))
        #expect(s.cursor == s.probesBase + 24)
        _ = reduce(&s, .key(.char(",")))
        #expect(s.cursor == s.probesBase + 12)
        // The cursor shows on the chart's axis.
        #expect(render(s).text.contains("▲"))
        _ = reduce(&s, .key(.char(",")))
        #expect(s.message == "first probe point")
    }

    @Test func pivotSearchIsAnEffectAndItsResultMovesTheCursor() {
        var s = Self.probedState(100, 40)
        let effects = reduce(&s, .key(.char("P")))
        #expect(effects == [.findPivot])
        let pivot = Pivot(tokenIndex: 40, before: 0.18, after: 0.81, answer: "3")
        _ = reduce(&s, .pivotFound(pivot, token: " carry"))
        #expect(s.cursor == s.probesBase + 40)
        #expect(s.focus == .thinking)
        #expect(s.message == #"pivot: P(3) .18 → .81 at " carry""#)
        #expect(render(s).text.contains("pivot P(3) .18 → .81"))
        _ = reduce(&s, .pivotFailed("no model"))
        #expect(s.message == "pivot: no model")
    }

    @Test func aNewRunClearsTheProbes() {
        var s = Self.probedState(100, 40)
        _ = reduce(&s, .key(.char("i")))
        for ch in "again" { _ = reduce(&s, .key(.char(ch))) }
        _ = reduce(&s, .key(.enter))
        _ = reduce(&s, .engine(.phase(.prompt)))
        #expect(s.probes.isEmpty && s.pivot == nil)
        #expect(s.probesBase == s.tokens.count)
    }

    @Test func tinyTerminalsAndEmptyChartsDoNotCrash() {
        for (w, h) in [(20, 6), (40, 12), (12, 40), (200, 60)] {
            var s = Self.probedState(w, h)
            _ = render(s)
            s.probes = [Self.probe(5, "", p: nil, logp: -.infinity), Self.probe(5, "x", p: .nan)]
            _ = render(s)
            s.probes = []
            _ = render(s)
        }
    }
}
