import Tokenizer

/// One budget's outcome in a sweep.
public struct SweepOutcome: Sendable, Equatable {
    /// The cap (nil = unlimited).
    public var budget: Int?
    public var reason: FinishReason
    public var stats: GenerationStats
    /// Every generated token, in order (the shared prefix, then this budget's own tokens).
    public var tokens: [TokenEvent]

    public var answer: String { tokens.filter { $0.phase == .answer }.map(\.text).joined() }
    public var thinking: String { tokens.filter { $0.phase == .thinking }.map(\.text).joined() }
}

/// Runs one prompt at several thinking caps for the price of about one run: the thinking is
/// generated once, up to the largest cap, and at each smaller cap the run is forked and that
/// branch ends thinking there and answers. Each branch is exactly the run an independent
/// generation with that cap would make (same model state, same sampler state).
public enum BudgetSweep {
    /// - Parameters:
    ///   - budgets: caps in tokens; nil means unlimited.
    public static func run(_ generator: Generator, prompt: [TokenID], budgets: [Int?]) -> [SweepOutcome] {
        let finite = Array(Set(budgets.compactMap { $0 })).sorted()
        let unlimited = budgets.contains { $0 == nil }
        let trunkCap: Int? = unlimited ? nil : finite.last
        var settings = generator.settings
        settings.policy = trunkCap.map { Cap($0) } ?? Unlimited()
        let trunkGenerator = Generator(model: generator.model, chat: generator.chat, settings: settings)

        var trunkTokens: [TokenEvent] = []
        let trunk = GenerationRun(generator: trunkGenerator, model: generator.model, control: ReasoningControl()) {
            if case .token(let t) = $0 { trunkTokens.append(t) }
        }
        var outcomes: [Int?: SweepOutcome] = [:]
        var pending = finite.filter { $0 != trunkCap }
        var trunkReason = trunk.start(prompt: prompt)
        while trunkReason == nil {
            while let b = pending.first, trunk.phase == .thinking, trunk.thinkingTokens >= b {
                pending.removeFirst()
                var branchTokens: [TokenEvent] = []
                let branch = trunk.fork { if case .token(let t) = $0 { branchTokens.append(t) } }
                branch.setPolicy(Cap(b))
                var reason: FinishReason?
                while reason == nil { reason = branch.step() }
                outcomes[b] = SweepOutcome(budget: b, reason: reason!, stats: branch.stats, tokens: trunkTokens + branchTokens)
            }
            trunkReason = trunk.step()
        }
        // Caps the trunk never reached behave exactly like the trunk itself.
        let whole = SweepOutcome(budget: trunkCap, reason: trunkReason!, stats: trunk.stats, tokens: trunkTokens)
        for b in pending { outcomes[b] = SweepOutcome(budget: b, reason: whole.reason, stats: whole.stats, tokens: whole.tokens) }
        outcomes[trunkCap] = whole
        return budgets.map { b in
            var o = outcomes[b]!
            o.budget = b
            o.stats.budget = b
            return o
        }
    }
}
