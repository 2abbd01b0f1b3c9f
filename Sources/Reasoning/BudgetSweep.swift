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

extension Collection where Element == TokenEvent {
    /// Tokens of `phase` the model sampled itself: injected text and `chat`'s think delimiters not
    /// counted (a token that only starts a UTF-8 character counts, though its text is empty).
    public func sampledCount(_ phase: Phase, chat: ChatFormat) -> Int {
        let delimiters = [chat.thinkStart, chat.thinkEnd].compactMap { $0.map(Int.init) }
        return count { $0.phase == phase && $0.origin == .sampled && !delimiters.contains($0.id) }
    }
}

/// Runs one prompt at several thinking caps for the price of about one run: the thinking is
/// generated once, up to the largest cap, and at each smaller cap the run is forked and that
/// branch ends thinking there and answers. Each branch is exactly the run an independent
/// generation with that cap would make (same model state, same sampler state).
public enum BudgetSweep {
    /// - Parameters:
    ///   - budgets: caps in tokens; nil means unlimited.
    ///   - control: `stop()` ends the sweep: the branch or trunk in progress finishes as
    ///     `.stopped`, and so does every budget not finished yet.
    ///   - onOutcome: called with each budget's outcome as soon as that budget is done (once per
    ///     distinct budget, smaller caps first); the same values the result holds.
    /// - Returns: one outcome per entry of `budgets`, in that order.
    @discardableResult
    public static func run(_ generator: Generator, prompt: [TokenID], budgets: [Int?],
                           control: ReasoningControl = ReasoningControl(),
                           onOutcome: (SweepOutcome) -> Void = { _ in }) -> [SweepOutcome] {
        let finite = Array(Set(budgets.compactMap { $0 })).sorted()
        let unlimited = budgets.contains { $0 == nil }
        let trunkCap: Int? = unlimited ? nil : finite.last
        var settings = generator.settings
        settings.policy = trunkCap.map { Cap($0) } ?? Unlimited()
        let trunkGenerator = Generator(model: generator.model, chat: generator.chat, settings: settings)

        var outcomes: [Int?: SweepOutcome] = [:]
        func done(_ b: Int?, _ outcome: SweepOutcome) {
            var o = outcome
            o.budget = b
            o.stats.budget = b
            outcomes[b] = o
            onOutcome(o)
        }

        var trunkTokens: [TokenEvent] = []
        let trunk = GenerationRun(generator: trunkGenerator, model: generator.model, control: control) {
            if case .token(let t) = $0 { trunkTokens.append(t) }
        }
        var pending = finite.filter { $0 != trunkCap }
        var trunkReason = trunk.start(prompt: prompt)
        while trunkReason == nil {
            while let b = pending.first, trunk.phase == .thinking, trunk.thinkingTokens >= b {
                pending.removeFirst()
                var branchTokens: [TokenEvent] = []
                // The branch shares the control, so a stop reaches it too (a stop stays set).
                let branch = trunk.fork(control: control) { if case .token(let t) = $0 { branchTokens.append(t) } }
                branch.setPolicy(Cap(b))
                var reason: FinishReason?
                while reason == nil { reason = branch.step() }
                done(b, SweepOutcome(budget: b, reason: reason!, stats: branch.stats, tokens: trunkTokens + branchTokens))
            }
            trunkReason = trunk.step()
        }
        // Caps the trunk never reached behave exactly like the trunk itself.
        let whole = SweepOutcome(budget: trunkCap, reason: trunkReason!, stats: trunk.stats, tokens: trunkTokens)
        for b in pending { done(b, whole) }
        done(trunkCap, whole)
        return budgets.map { outcomes[$0]! }
    }
}
