import Engine
import Tokenizer

/// Settings of one generation.
public struct GenerationSettings: Sendable {
    public var policy: any BudgetPolicy = Unlimited()
    public var endStyle: EndStyle = .qwen
    /// After the budget is reached, up to this many more tokens may be sampled to finish the line.
    public var grace = 0
    /// Generated tokens (sampled and injected) at most.
    public var maxTokens = 4096
    public var sampling: SamplingParameters = .qwenThinking
    /// Answer probes while thinking (nil = none).
    public var probe: ProbeSettings?

    public init() {}
}

/// The generation loop: feeds the prompt, samples token by token, tracks the phase from the
/// model's own think delimiters, applies the thinking budget and live commands, and reports
/// everything as events.
public final class Generator {
    public let model: LanguageModel
    public let chat: ChatFormat
    public var settings: GenerationSettings

    private var tokenizer: any TokenCodec { chat.tokenizer }

    public init(model: LanguageModel, chat: ChatFormat, settings: GenerationSettings) {
        self.model = model
        self.chat = chat
        self.settings = settings
    }

    /// True when `prompt` leaves the model inside open thinking (`ChatFormat.promptOpensThinking`).
    public func promptOpensThinking(_ prompt: [TokenID]) -> Bool { chat.promptOpensThinking(prompt) }

    /// Runs one assistant turn after `prompt` (already rendered by the chat format).
    @discardableResult
    public func run(prompt: [TokenID], control: ReasoningControl = ReasoningControl(),
                    emit: (ReasoningEvent) -> Void) -> FinishReason {
        withoutActuallyEscaping(emit) { emit in
            let run = GenerationRun(generator: self, model: model, control: control, emit: emit)
            if let done = run.start(prompt: prompt) { return done }
            let probing = settings.probe.map { ProbingLoop(trunk: run, settings: $0) }
            while true {
                let done = if let probing { probing.step() } else { run.step() }
                if let done { return done }
            }
        }
    }
}

/// One assistant turn in progress. `start` reads the prompt, each `step` adds one token (sampled,
/// or an injected sequence), and `fork` makes an independent copy — model state, sampler and
/// counters — that continues exactly as this run would (budget sweeps share a thinking prefix).
public final class GenerationRun {
    let g: Generator
    public let model: LanguageModel
    let control: ReasoningControl
    var emit: (ReasoningEvent) -> Void
    public private(set) var policy: any BudgetPolicy
    public internal(set) var stats = GenerationStats()
    public internal(set) var phase = Phase.prompt
    public private(set) var finished: FinishReason?
    var thinking = ThinkingState()
    var decoder: StreamingDecoder
    var sampler: Sampler?
    var pendingSample: SampledToken?
    var index = 0
    var generated = 0
    var endRequested = false
    var graceLeft: Int
    var utf8Extra = 0
    var lastTextEndedLine = true
    /// Inside a message header (harmony's `<|start|>` … `<|message|>`, s1's `<|im_start|>answer\n`):
    /// markup, not text.
    var inHeader = false
    var decodeSeconds = 0.0
    var sampledCount = 0
    var start = monotonicSeconds()
    /// The end of thinking a budget inserts (tokenized once).
    private(set) lazy var forcedEnd: [Int]? = g.chat.forcedEnd(g.settings.endStyle)

    init(generator: Generator, model: LanguageModel, control: ReasoningControl, emit: @escaping (ReasoningEvent) -> Void) {
        g = generator
        self.model = model
        self.control = control
        self.emit = emit
        policy = generator.settings.policy
        graceLeft = generator.settings.grace
        decoder = generator.chat.tokenizer.streamingDecoder()
        stats.budget = policy.limit
    }

    /// Thinking tokens so far (sampled and injected).
    public var thinkingTokens: Int { thinking.tokens }

    /// Replaces the budget policy (as the live slider does).
    public func setPolicy(_ p: any BudgetPolicy) {
        policy = p
        stats.budget = p.limit
    }

    /// A copy that continues independently, reporting to `emit` and reading live commands from
    /// `control` (its own by default).
    /// `sampling` gives the copy a fresh sampler of its own (a greedy probe); by default it
    /// continues this run's sampler.
    public func fork(control: ReasoningControl = ReasoningControl(), sampling: SamplingParameters? = nil,
                     emit: @escaping (ReasoningEvent) -> Void) -> GenerationRun {
        let r = GenerationRun(generator: g, model: model.fork(), control: control, emit: emit)
        r.policy = policy
        r.stats = stats
        r.phase = phase
        r.finished = finished
        r.thinking = thinking
        r.decoder = decoder
        r.sampler = sampling.flatMap { try? Sampler($0, vocabularySize: model.vocabularySize) } ?? sampler?.copy()
        r.pendingSample = pendingSample
        r.index = index
        r.generated = generated
        r.endRequested = endRequested
        r.graceLeft = graceLeft
        r.utf8Extra = utf8Extra
        r.lastTextEndedLine = lastTextEndedLine
        r.inHeader = inHeader
        r.decodeSeconds = decodeSeconds
        r.sampledCount = sampledCount
        r.start = start
        return r
    }

    /// Reads the prompt. Returns the finish reason if the run cannot go on.
    public func start(prompt: [TokenID]) -> FinishReason? {
        emit(.phase(.prompt))
        do {
            sampler = try Sampler(g.settings.sampling, vocabularySize: model.vocabularySize)
        } catch {
            emit(.error("\(error)"))
            return finish(.stopped)
        }
        let ids = prompt.map(Int.init)
        let t0 = monotonicSeconds()
        do {
            try model.evaluate(ids)
        } catch EngineError.contextFull {
            return finish(.contextFull)
        } catch {
            emit(.error("\(error)"))
            return finish(.stopped)
        }
        stats.promptTokens = ids.count
        stats.prefillTokensPerSecond = Double(ids.count) / max(monotonicSeconds() - t0, 1e-9)
        for t in ids { sampler?.accept(t) }
        if g.promptOpensThinking(prompt) { enter(.thinking) }
        emit(.stats(stats))
        return nil
    }

    /// Adds one token (or one injected sequence). Returns the finish reason when the turn is over.
    public func step() -> FinishReason? {
        switch prepare() {
        case .finished(let f): return f
        case .nothing: return nil
        case .feed(let feed):
            do {
                try model.evaluate(feed.tokens)
            } catch {
                return fail(error)
            }
            complete(feed)
            return nil
        }
    }

    /// What one step feeds the model.
    struct Feed {
        var tokens: [Int]
        var origin: TokenOrigin
        /// When the step started (decode speed counts sampling and the forward pass).
        var started: Double
    }

    enum Plan {
        case finished(FinishReason)
        case feed(Feed)
        /// Nothing to feed this time (an injection the token limit cut to nothing).
        case nothing
    }

    /// Context kept for the answer when thinking has to end because the context is filling up.
    static func answerRoom(_ capacity: Int) -> Int { min(256, capacity / 8) }

    /// Decides the next token or injected sequence, or that the turn is over.
    func prepare() -> Plan {
        if let f = finished { return .finished(f) }
        let cmd = control.take()
        if cmd.stop { return .finished(finish(.stopped)) }
        // The live mask: the trace records where it changed (forks look it up by position).
        if let change = cmd.mask.map({ MaskChange(tokenIndex: index, mask: $0) }), change.mask != model.expertMask {
            model.expertMask = change.mask
            emit(.mask(change))
        }
        // A display-only server took its budget with the request: nothing can change it now.
        let forcible = !(model is MessageModel)
        if let budget = cmd.budget, forcible { setPolicy(policy.withLimit(budget)) }
        if cmd.endThinking && phase == .thinking && forcible { endRequested = true }
        if generated >= g.settings.maxTokens { return .finished(finish(.maxTokens)) }
        // A context about to fill up mid-thinking ends thinking while the end and an answer still fit.
        if phase == .thinking, let end = forcedEnd,
           model.capacity - model.position <= end.count + Self.answerRoom(model.capacity) {
            endRequested = true
        }

        let t0 = monotonicSeconds()
        if phase == .thinking, let end = forcedEnd, shouldInjectEnd() {
            endRequested = false
            return injection(end, started: t0)
        }
        var suppressed = Set<Int>()
        var token: Int
        do { token = try sample(suppressed) } catch { return .finished(fail(error)) }
        // Ending thinking (or the turn, from inside thinking) is an attempt the budget may refuse.
        while phase == .thinking, token == g.chat.thinkEnd.map(Int.init) || isEndOfTurn(token) {
            switch policy.onEndAttempt(thinking) {
            case .accept:
                break
            case .injectWait(let text):
                thinking.waits += 1
                return injection(g.chat.tokenizer.encodeUserText(text).map(Int.init), started: t0)
            case .suppress:
                suppressed.insert(token)
                do { token = try sample(suppressed) } catch { return .finished(fail(error)) }
                continue
            }
            break
        }
        if isEndOfTurn(token) { return .finished(finish(.endOfTurn)) }
        return .feed(Feed(tokens: [token], origin: .sampled, started: t0))
    }

    /// An injected sequence, fed in one forward pass (as much of it as the token limit allows).
    private func injection(_ tokens: [Int], started: Double) -> Plan {
        let batch = Array(tokens.prefix(max(0, g.settings.maxTokens - generated)))
        guard !batch.isEmpty else { return .nothing }
        return .feed(Feed(tokens: batch, origin: .injected, started: started))
    }

    /// Records what the model has just read.
    func complete(_ feed: Feed) {
        guard feed.origin == .sampled else {
            let routing = model.routing(ofLast: feed.tokens.count)
            for (i, t) in feed.tokens.enumerated() { record(t, origin: .injected, routing: i < routing.count ? routing[i] : []) }
            return
        }
        record(feed.tokens[0], origin: .sampled, routing: model.lastRouting)
        decodeSeconds += monotonicSeconds() - feed.started
        sampledCount += 1
        stats.decodeTokensPerSecond = Double(sampledCount) / max(decodeSeconds, 1e-9)
        if sampledCount % 8 == 0 { emitStats() }
    }

    /// Ends the run on a model error (a full context is a finish reason, anything else is reported).
    func fail(_ error: Error) -> FinishReason {
        if case EngineError.contextFull = error { return finish(.contextFull) }
        emit(.error("\(error)"))
        return finish(.stopped)
    }

    /// Whether the end sequence goes in now: the budget is spent (after the grace window, and
    /// never in the middle of a UTF-8 character) or the user asked.
    private func shouldInjectEnd() -> Bool {
        guard endRequested || policy.mustEnd(thinking) else { return false }
        if decoder.pendingByteCount > 0 && utf8Extra < 4 {
            utf8Extra += 1
            return false
        }
        if !endRequested && graceLeft > 0 && !lastTextEndedLine {
            graceLeft -= 1
            return false
        }
        return true
    }

    /// The next token: sampled here from the model's logits, or chosen by a model that samples
    /// itself (a server), told how far it may stream.
    private func sample(_ suppressed: Set<Int>) throws -> Int {
        let r = if let m = model as? SamplingModel {
            try m.next(g.settings.sampling, suppressed: suppressed, plan: segmentPlan)
        } else {
            sampler!.sample(model.logits, suppressed: suppressed)
        }
        pendingSample = r
        return r.token
    }

    private func isEndOfTurn(_ token: Int) -> Bool { g.chat.endOfGeneration.contains(TokenID(token)) }

    /// Updates phase and counts for a token the model has just read, and emits its event.
    func record(_ token: Int, origin: TokenOrigin, routing: [LayerRouting]) {
        sampler?.accept(token)
        generated += 1
        let id = TokenID(token)
        var text = ""
        var eventPhase = phase
        if phase == .prompt {
            // The first output token decides: `<think>` opens thinking, anything else answers.
            eventPhase = id == g.chat.thinkStart ? .thinking : .answer
            enter(eventPhase)
        }
        let wasInHeader = inHeader
        if phase != .thinking && g.chat.opensHeader(id) { inHeader = true }
        if id == g.chat.thinkStart || id == g.chat.thinkEnd || inHeader {
            if id == g.chat.thinkEnd, phase == .thinking {
                text = decoder.finish()
                enter(.answer)
                if g.chat.opensHeader(id) { inHeader = true }
            }
            if wasInHeader && g.chat.closesHeader(id) { inHeader = false }
        } else {
            text = decoder.append(id)
            switch phase {
            case .thinking:
                thinking.tokens += 1
                stats.thinkingTokens += 1
            case .answer:
                stats.answerTokens += 1
                if origin == .sampled && stats.timeToFirstAnswerToken == nil {
                    stats.timeToFirstAnswerToken = monotonicSeconds() - start
                }
            default: break
            }
        }
        if origin == .injected { stats.injectedTokens += 1 }
        if !text.isEmpty { lastTextEndedLine = text.hasSuffix("\n") }
        let sampled = origin == .sampled ? pendingSample : nil
        let alternatives = (sampled?.alternatives ?? []).map {
            TokenEvent.Alternative(id: $0.token, text: g.chat.tokenizer.decode([TokenID($0.token)]), logProbability: $0.logProbability)
        }
        emit(.token(TokenEvent(index: index, id: token, text: text, phase: eventPhase, origin: origin,
                               // NaN: a model that does not know it (a display-only server).
                               logProbability: sampled.flatMap { $0.logProbability.isNaN ? nil : $0.logProbability },
                               alternatives: alternatives,
                               routing: routing)))
        index += 1
    }

    private func enter(_ p: Phase) {
        guard p != phase else { return }
        phase = p
        emit(.phase(p))
    }

    private func emitStats() {
        stats.elapsed = monotonicSeconds() - start
        emit(.stats(stats))
    }

    func finish(_ reason: FinishReason) -> FinishReason {
        stats.elapsed = monotonicSeconds() - start
        finished = reason
        phase = .done
        emit(.phase(.done))
        emit(.finished(reason, stats))
        return reason
    }
}
