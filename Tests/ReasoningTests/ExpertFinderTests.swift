import Engine
import Testing
@testable import Reasoning

/// The finder's rankings outside the inspector: around hesitation markers, and correct against
/// wrong runs of a sweep.
@Suite struct ExpertFinderTests {
    static let markers = ThinkingMarkers(hesitations: ["Wait", "Let me double-check"], switches: [])

    @Test func hesitationWindowsCoverTheMarkerAndItsNeighbours() {
        let texts = ["So", " 3", ".", " Wait", ",", " let", " me", " double", "-check", " it", " now", " fine", " Await", "ing", " ok"]
        // "Wait" is token 3; "let me double-check" tokens 5…8; radius 1 adds one token either side.
        // "Await" does not start a word with "Wait".
        let near = HesitationWindows.near(texts, markers: Self.markers, radius: 1)
        #expect(near == [false, false, true, true, true, true, true, true, true, true, false, false, false, false, false])
        let wide = HesitationWindows.near(texts, markers: Self.markers, radius: 0)
        #expect(wide.enumerated().filter(\.element).map(\.offset) == [3, 5, 6, 7, 8])
        #expect(HesitationWindows.near([], markers: Self.markers).isEmpty)
        #expect(HesitationWindows.near(["wait"], markers: Self.markers, radius: 9) == [true])  // case-insensitive, clamped
    }

    static func token(_ i: Int, _ text: String, phase: Phase = .thinking, experts: [[Int]]) -> TokenEvent {
        TokenEvent(index: i, id: i, text: text, phase: phase, origin: .sampled, logProbability: nil, alternatives: [],
                   routing: experts.map { LayerRouting(experts: $0, weights: $0.map { _ in 0.5 }) })
    }

    @Test func expertsAroundWaitRankAboveTheRestOfTheThinking() {
        var tokens: [TokenEvent] = []
        for i in 0..<20 { tokens.append(Self.token(i, " x", experts: [[0, 1], [0, 1]])) }
        // Around the "Wait" (radius 1: tokens 9, 10, 11) layer 1 uses expert 3 instead of 1.
        tokens[10].text = " Wait"
        for i in 9...11 { tokens[i].routing[1] = LayerRouting(experts: [0, 3], weights: [0.5, 0.5]) }
        tokens.append(Self.token(20, " Wait", phase: .answer, experts: [[5, 6], [5, 6]]))  // the answer does not count
        let found = ExpertRanking.aroundHesitations(tokens, markers: Self.markers, layers: 2, experts: 8, radius: 1, top: 3)
        #expect(found == [FoundExpert(layer: 1, expert: 3, riskDifference: 1)])
        #expect(ExpertRanking.maskText(found) == "1:3")
        // No marker: nothing to compare.
        let none = tokens.map { t -> TokenEvent in var t = t; t.text = " x"; return t }
        #expect(ExpertRanking.aroundHesitations(none, markers: Self.markers, layers: 2, experts: 8, top: 3).isEmpty)
    }

    @Test func sweepExpertsRankCorrectAgainstWrongRuns() {
        let tally = SweepExperts(layers: 1, experts: 4)
        func run(_ experts: [[Int]]) -> [TokenEvent] {
            experts.enumerated().map { Self.token($0.offset, "t", experts: [$0.element]) }
        }
        // Correct runs: expert 2 on every token; wrong runs: expert 3 on half of the tokens.
        tally.add(correct: true, tally.counts(run([[0, 2], [1, 2]])))
        tally.add(correct: true, tally.counts(run([[0, 2], [0, 2]])))
        tally.add(correct: false, tally.counts(run([[0, 3], [0, 1], [1, 3], [0, 1]])))
        #expect(tally.correctRuns == 2 && tally.wrongRuns == 1)
        #expect(tally.inCorrectRuns(top: 1) == [FoundExpert(layer: 0, expert: 2, riskDifference: 1)])
        // Expert 3: 2/4 of wrong tokens, 0 of correct; expert 1: 3/4 − 1/4.
        #expect(tally.inWrongRuns(top: 3) == [FoundExpert(layer: 0, expert: 1, riskDifference: 0.5),
                                              FoundExpert(layer: 0, expert: 3, riskDifference: 0.5)])
        let r = tally.report(top: 2, maskTop: 2)
        #expect(r.maskWrong == "0:1,0:3" && r.tokenCounts.correct == 4 && r.tokenCounts.wrong == 4)
        #expect(r.counts.correct == [[3, 1, 4, 0]] && r.counts.wrong == [[3, 3, 0, 2]])
        // Tokens without routing (a dense model) count for nothing.
        #expect(tally.counts([TokenEvent(index: 0, id: 0, text: "", phase: .thinking, origin: .sampled, logProbability: nil,
                                         alternatives: [], routing: [])]).tokens == 0)
    }
}
