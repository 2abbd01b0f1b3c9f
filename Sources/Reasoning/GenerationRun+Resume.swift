import Engine
import Tokenizer

extension GenerationRun {
    /// A run that takes over after `prefix`: `model` already holds `prompt` and then `prefix`'s
    /// tokens (a fork of the run that generated them), and the new run's phase, counts, "Wait"
    /// count and text decoder are what that run's were after them. Its sampler is a fresh one
    /// seeded `seed` that has seen the prompt and the prefix (its penalty history): a resumed run
    /// continues exactly as an independent run of the same settings and seed whose first tokens
    /// were forced to be `prefix`.
    public static func resuming(_ generator: Generator, model: LanguageModel, prompt: [Int], prefix: [TokenEvent],
                                seed: UInt64, control: ReasoningControl = ReasoningControl(),
                                emit: @escaping (ReasoningEvent) -> Void) throws -> GenerationRun {
        guard model.position == prompt.count + prefix.count else {
            throw BranchError.modelPosition(expected: prompt.count + prefix.count, found: model.position)
        }
        let r = GenerationRun(generator: generator, model: model, control: control) { _ in }
        var sampling = generator.settings.sampling
        sampling.seed = seed
        r.sampler = try Sampler(sampling, vocabularySize: model.vocabularySize)
        for t in prompt { r.sampler?.accept(t) }
        r.stats.promptTokens = prompt.count
        if generator.promptOpensThinking(prompt.map { TokenID($0) }) { r.phase = .thinking }
        let thinkEnd = generator.chat.thinkEnd.map(Int.init)
        var injectedRun: [TokenEvent] = []
        func closeInjectedRun() {
            // An injected run inside thinking that does not end it is a "Wait" (the end phrase ends it).
            if !injectedRun.isEmpty, injectedRun.allSatisfy({ $0.phase == .thinking && $0.id != thinkEnd }) { r.thinking.waits += 1 }
            injectedRun = []
        }
        for t in prefix {
            if t.origin == .injected { injectedRun.append(t) } else { closeInjectedRun() }
            r.record(t.id, origin: t.origin, routing: t.routing)
        }
        closeInjectedRun()
        r.emit = emit
        return r
    }

    /// Feeds `tokens` as the next step, recorded as injected: a user's intervention (an
    /// alternative token, edited text). An end-of-turn token ends the run instead.
    @discardableResult
    public func force(_ tokens: [Int]) -> FinishReason? {
        if let f = finished { return f }
        guard let first = tokens.first else { return nil }
        if g.chat.endOfGeneration.contains(TokenID(first)) { return finish(.endOfTurn) }
        let t0 = monotonicSeconds()
        do {
            try model.evaluate(tokens)
        } catch {
            return fail(error)
        }
        complete(Feed(tokens: tokens, origin: .injected, started: t0))
        return nil
    }

    /// One step of each run that is not done; the runs that feed tokens go through one forward
    /// pass when their models allow (`evaluateTogether`).
    /// The samplers' passes over the vocabulary (candidates, log-normaliser, alternatives) run on
    /// the model's threads, a sequence per thread, before each run decides its step in turn.
    static func stepTogether(_ runs: [GenerationRun]) {
        var feeds: [(GenerationRun, Feed)] = []
        let live = runs.filter { $0.finished == nil }
        if live.count > 1, let engine = live.first?.model as? EngineModel {
            Sampler.prepareTogether(live.compactMap { r in r.sampler.map { ($0, r.model.logits) } }, on: engine.session.parallel)
        }
        for r in live {
            if case .feed(let f) = r.prepare() { feeds.append((r, f)) }
            r.sampler?.discardPrepared()  // unused when the run injected or ended instead
        }
        let errors = evaluateTogether(feeds.map { ($0.0.model, $0.1.tokens) })
        for ((r, f), e) in zip(feeds, errors) {
            if let e { _ = r.fail(e) } else { r.complete(f) }
        }
    }
}

/// Keeps the tokens a run reports (a branch's, a resample's).
final class TokenCollector {
    var tokens: [TokenEvent] = []
    func take(_ e: ReasoningEvent) { if case .token(let t) = e { tokens.append(t) } }
}

public enum BranchError: Error, Equatable, CustomStringConvertible {
    case modelPosition(expected: Int, found: Int)
    case forkBeyondRun(at: Int, tokens: Int)
    case noExperts
    case badMask(String)

    public var description: String {
        switch self {
        case .modelPosition(let e, let f): return "the model holds \(f) tokens; the branch needs \(e)"
        case .forkBeyondRun(let at, let n): return "fork position \(at) is beyond the run's \(n) tokens"
        case .noExperts: return "the model has no experts to mask"
        case .badMask(let why): return "the expert mask does not fit the model: \(why)"
        }
    }
}
