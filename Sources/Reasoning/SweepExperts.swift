/// The sweep's expert finder: routing counts of correct runs against wrong ones, ranked by risk
/// difference as SteerMoE ranks experts between two behaviours. Every generated token of a run
/// counts (thinking and answer, sampled and injected: no-think runs count too); a cap sweep's
/// budgets share their thinking, so each budget's run counts its shared prefix again, as a run of
/// its own.
public final class SweepExperts {
    public let layers: Int
    public let experts: Int
    public private(set) var correct: RoutingCounts
    public private(set) var wrong: RoutingCounts
    public private(set) var correctRuns = 0
    public private(set) var wrongRuns = 0

    public init(layers: Int, experts: Int) {
        self.layers = layers
        self.experts = experts
        correct = RoutingCounts(layers: layers, experts: experts)
        wrong = correct
    }

    /// The routing counts of one run's tokens.
    func counts(_ tokens: [TokenEvent]) -> RoutingCounts {
        var c = RoutingCounts(layers: layers, experts: experts)
        for t in tokens where t.phase == .thinking || t.phase == .answer { c.add(t.routing) }
        return c
    }

    func add(correct isCorrect: Bool, _ counts: RoutingCounts) {
        if isCorrect {
            correct.add(counts)
            correctRuns += 1
        } else {
            wrong.add(counts)
            wrongRuns += 1
        }
    }

    /// Experts that fire more often in correct runs than in wrong ones.
    public func inCorrectRuns(top: Int) -> [FoundExpert] { ExpertRanking.riskDifference(correct, over: wrong, top: top) }
    /// Experts that fire more often in wrong runs: the ones to try masking.
    public func inWrongRuns(top: Int) -> [FoundExpert] { ExpertRanking.riskDifference(wrong, over: correct, top: top) }

    /// What `sweep --experts-json` writes.
    public struct Report: Encodable {
        public var layers: Int
        public var experts: Int
        public var tokens = "every generated token of each run (thinking and answer, sampled and injected)"
        public var runs: Split
        public var tokenCounts: Split
        /// Risk difference: share of correct runs' tokens routed to the expert minus share of wrong runs'.
        public var moreInCorrectRuns: [FoundExpert]
        public var moreInWrongRuns: [FoundExpert]
        /// The top experts of wrong runs as a `--mask` (empty when there are none).
        public var maskWrong: String
        /// Tokens routed to each expert, per layer (`[layer][expert]`).
        public var counts: Counts

        public struct Split: Encodable { public var correct: Int; public var wrong: Int }
        public struct Counts: Encodable { public var correct: [[Int]]; public var wrong: [[Int]] }
    }

    public func report(top: Int = 16, maskTop: Int = 4) -> Report {
        func rows(_ c: RoutingCounts) -> [[Int]] { (0..<layers).map { l in (0..<experts).map { c.count(layer: l, expert: $0) } } }
        return Report(layers: layers, experts: experts, runs: .init(correct: correctRuns, wrong: wrongRuns),
                      tokenCounts: .init(correct: correct.tokens, wrong: wrong.tokens),
                      moreInCorrectRuns: inCorrectRuns(top: top), moreInWrongRuns: inWrongRuns(top: top),
                      maskWrong: ExpertRanking.maskText(inWrongRuns(top: maskTop)), counts: .init(correct: rows(correct), wrong: rows(wrong)))
    }
}
