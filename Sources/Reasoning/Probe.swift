import Engine
import Foundation
import Tokenizer

/// "What would the model answer if it stopped thinking here?" at one point of a run: a greedy fork
/// that ends thinking the way the run's budget would (its end style) and answers.
public struct Probe: Sendable, Codable, Equatable {
    /// Thinking tokens before the forced end: the cap this probe stands for.
    public var thinkingTokens: Int
    /// The number of run tokens before the probe point (the index of the next token in the trace).
    public var tokenIndex: Int
    /// The answer the probe decoded (after the end of thinking).
    public var text: String
    /// The answer read from `text` (`ProbeSettings.rule`, or `Probe.extractAnswer`'s defaults).
    public var answer: String?
    /// Mean log-probability of the answer's tokens.
    public var meanLogProbability: Double
    public var answerTokens: Int
    /// P(final answer | thinking stops here), teacher-forced: known once the final answer is.
    public var finalAnswerProbability: Double?

    public init(thinkingTokens: Int, tokenIndex: Int, text: String, answer: String?, meanLogProbability: Double,
                answerTokens: Int, finalAnswerProbability: Double? = nil) {
        self.thinkingTokens = thinkingTokens
        self.tokenIndex = tokenIndex
        self.text = text
        self.answer = answer
        self.meanLogProbability = meanLogProbability
        self.answerTokens = answerTokens
        self.finalAnswerProbability = finalAnswerProbability
    }

    /// The answer in `text`: by `rule` when one is given (a task's), else what follows "The answer
    /// is" (the demo model's form), else the last number, else the last non-empty line.
    public static func extractAnswer(_ text: String, rule: AnswerRule? = nil) -> String? {
        if let rule { return rule.extract(from: text) }
        if let v = AnswerRule.answerIs(in: text), !v.isEmpty { return v }
        if let n = AnswerRule.lastNumberText(in: text) { return n }
        let last = text.split(whereSeparator: \.isNewline).last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return last.map { String($0.trimmingCharacters(in: .whitespaces).prefix(80)) }
    }
}

extension Sequence where Element == ReasoningEvent {
    /// Each probe point's latest report (a later report of a point replaces the earlier), in
    /// token order.
    public var latestProbes: [Probe] {
        var latest: [Int: Probe] = [:]
        for case .probe(let p) in self { latest[p.tokenIndex] = p }
        return latest.values.sorted { $0.tokenIndex < $1.tokenIndex }
    }
}

/// How often and how far the live probes go.
public struct ProbeSettings: Sendable, Equatable {
    /// A probe every this many thinking tokens.
    public var every: Int
    /// Answer tokens a probe decodes at most.
    public var maxAnswerTokens: Int
    /// How answers are read (a task's rule); nil = `Probe.extractAnswer`'s defaults.
    public var rule: AnswerRule?

    public init(every: Int = 32, maxAnswerTokens: Int = 48, rule: AnswerRule? = nil) {
        self.every = max(1, every)
        self.maxAnswerTokens = max(1, maxAnswerTokens)
        self.rule = rule
    }
}

/// One probe in flight: a fork of the model at the probe point that has been given the end of
/// thinking and now answers greedily, one token per step, until the end of the turn or the limit.
/// This is the answer a cap at that point would give (`Cap(n)` with the same end style, greedy).
final class ProbeDecoder {
    let model: LanguageModel
    let thinkingTokens: Int
    let tokenIndex: Int
    let chat: ChatFormat
    let limit: Int
    /// Tokens the next step feeds (the end of thinking first, then each sampled token).
    private(set) var next: [Int]
    private var decoder: StreamingDecoder
    private var text = ""
    /// The answer's tokens so far, each with its log-probability.
    private(set) var answerIDs: [Int] = []
    private(set) var logProbabilities: [Double] = []
    private(set) var done = false

    /// `model` is a fork at the probe point; `end` the end-of-thinking sequence.
    init(model: LanguageModel, thinkingTokens: Int, tokenIndex: Int, end: [Int], chat: ChatFormat, limit: Int) {
        self.model = model
        self.thinkingTokens = thinkingTokens
        self.tokenIndex = tokenIndex
        self.chat = chat
        self.limit = limit
        next = end
        decoder = chat.tokenizer.streamingDecoder()
    }

    /// After the model has read `next`: picks the next token, or ends.
    func advance() {
        let s = Sampler.greedy(model.logits)
        if chat.endOfGeneration.contains(TokenID(s.token)) || logProbabilities.count >= limit {
            done = true
            return
        }
        answerIDs.append(s.token)
        logProbabilities.append(Double(s.logProbability))
        text += decoder.append(TokenID(s.token))
        next = [s.token]
    }

    /// Ends the probe early (the model failed).
    func abandon() { done = true }

    func result(rule: AnswerRule?) -> Probe {
        let full = text + decoder.finish()
        return Probe(thinkingTokens: thinkingTokens, tokenIndex: tokenIndex, text: full,
                     answer: Probe.extractAnswer(full, rule: rule),
                     meanLogProbability: logProbabilities.isEmpty ? 0 : logProbabilities.reduce(0, +) / Double(logProbabilities.count),
                     answerTokens: logProbabilities.count)
    }

    /// Steps every probe that is not done together, in shared forward passes.
    static func stepAll(_ probes: [ProbeDecoder], with extra: [(model: LanguageModel, tokens: [Int])] = []) -> [Error?] {
        let live = probes.filter { !$0.done }
        let errors = evaluateTogether(extra + live.map { ($0.model, $0.next) })
        for (p, e) in zip(live, errors.dropFirst(extra.count)) { if e == nil { p.advance() } else { p.abandon() } }
        return Array(errors.prefix(extra.count))
    }
}

extension ChatFormat {
    /// The end of thinking as a budget inserts it in `style`: the style's closing words, the end token,
    /// and what opens the answer (`answerOpener`).
    func forcedEnd(_ style: EndStyle) -> [Int]? {
        guard let end = thinkEnd else { return nil }
        return tokenizer.encodeUserText(style.closingWords).map(Int.init) + [Int(end)] + answerOpener.map(Int.init)
    }
}

/// A run with answer probes: each time thinking passes a multiple of `every` tokens (at a whole
/// UTF-8 character, where a cap would cut), a greedy fork ends thinking there and answers. The run
/// and its probes step together, so one forward pass reads every weight once for all of them.
/// When the run has answered, the final answer's probability is scored at every probe point and
/// each probe is reported again with it. Probe events go to the run's `emit`.
final class ProbingLoop {
    let trunk: GenerationRun
    let settings: ProbeSettings
    /// The model position where the reply starts (trace token i is at replyStart + i).
    let replyStart: Int
    private let end: [Int]
    private var nextAt: Int
    private var active: [ProbeDecoder] = []
    private(set) var probes: [Probe] = []
    /// Each probe's answer tokens and their log-probabilities (parallel to `probes`).
    private var decoded: [(ids: [Int], logProbabilities: [Double])] = []
    /// Every token of the trunk, in order.
    private(set) var tokens: [TokenEvent] = []

    /// Probes in flight at most: each holds a copy of the KV prefix (about 3 GB at 30K positions
    /// of the 0.6B shape), so a point that comes while this many answer waits for one to end.
    static let maxInFlight = 2
    /// Finished probes' models kept for scoring (by index in `probes`): one that answered otherwise
    /// is scored from its own end of thinking instead of a fork of the run that reads it again.
    /// Kept while their states fit `keptBytesLimit`; the others are scored from the run.
    private var kept: [Int: LanguageModel] = [:]
    private var keptBytes = 0
    static let keptBytesLimit = 256 << 20

    /// `trunk` has read its prompt (`start`) and generated nothing yet.
    init(trunk: GenerationRun, settings: ProbeSettings) {
        self.trunk = trunk
        self.settings = settings
        replyStart = trunk.model.position
        end = trunk.forcedEnd ?? []
        nextAt = settings.every
        emit = trunk.emit
        trunk.emit = { [unowned self] event in
            switch event {
            case .token(let t): tokens.append(t)
            case .finished: held = event; return  // after the probes' last reports
            default: break
            }
            emit(event)
        }
    }

    private let emit: (ReasoningEvent) -> Void
    private var held: ReasoningEvent?

    /// One step of the run and of every probe in flight. Returns the run's finish reason once it
    /// and its probes are done (a stopped run drops its probes in flight).
    func step() -> FinishReason? {
        if trunk.finished == nil, !end.isEmpty, trunk.phase == .thinking, trunk.thinkingTokens >= nextAt,
           trunk.decoder.pendingByteCount == 0, active.count < Self.maxInFlight {
            active.append(ProbeDecoder(model: trunk.model.fork(), thinkingTokens: trunk.thinkingTokens,
                                       tokenIndex: trunk.index, end: end, chat: trunk.g.chat, limit: settings.maxAnswerTokens))
            nextAt = (trunk.thinkingTokens / settings.every + 1) * settings.every
        }
        if trunk.finished == .stopped { active.removeAll() }
        var feed: GenerationRun.Feed?
        if trunk.finished == nil, case .feed(let f) = trunk.prepare() { feed = f }
        let errors = ProbeDecoder.stepAll(active, with: feed.map { [(trunk.model, $0.tokens)] } ?? [])
        if let feed {
            if let e = errors[0] { _ = trunk.fail(e) } else { trunk.complete(feed) }
        }
        for p in active where p.done {
            let bytes = p.model.bytesPerPosition * p.model.position
            if keptBytes + bytes <= Self.keptBytesLimit {
                kept[probes.count] = p.model
                keptBytes += bytes
            }
            probes.append(p.result(rule: settings.rule))
            decoded.append((p.answerIDs, p.logProbabilities))
            trunk.emit(.probe(probes.last!))
        }
        active.removeAll { $0.done }
        guard let reason = trunk.finished, active.isEmpty else { return nil }
        if reason == .endOfTurn { scoreFinalAnswer() }
        if let held { emit(held) }
        held = nil
        return reason
    }

    /// Reports every probe again with P(final answer | thinking stopped there).
    private func scoreFinalAnswer() {
        guard let scorer = AnswerScorer(model: trunk.model, replyStart: replyStart, tokens: tokens, chat: trunk.g.chat,
                                        endStyle: trunk.g.settings.endStyle, rule: settings.rule) else { return }
        for i in probes.indices {
            // A probe that answered with the run's own answer has already read it: no prefill.
            let point = probes[i].tokenIndex
            guard let p = scorer.probability(decoded: decoded[i].ids, logProbabilities: decoded[i].logProbabilities)
                ?? (try? kept[i].map { try scorer.probability(probe: $0, at: point) } ?? scorer.probability(at: point))
            else { continue }
            probes[i].finalAnswerProbability = p
            trunk.emit(.probe(probes[i]))
        }
        kept.removeAll()
    }
}
