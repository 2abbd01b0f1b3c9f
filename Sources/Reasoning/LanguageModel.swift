import Engine
import Foundation

/// What the generation loop needs from a model: feed tokens, read the next-token logits, fork.
/// The engine's `Session` is one (through `EngineModel`); tests use a scripted fake.
public protocol LanguageModel: AnyObject {
    var vocabularySize: Int { get }
    /// Tokens evaluated so far.
    var position: Int { get }
    /// Positions the model's context holds (`Int.max` when unbounded).
    var capacity: Int { get }
    /// Feeds tokens at the current position.
    func evaluate(_ tokens: [Int]) throws
    /// Next-token logits after the last `evaluate`.
    var logits: UnsafeBufferPointer<Float> { get }
    /// Routing of the most recently evaluated token, for MoE models (empty otherwise).
    var lastRouting: [LayerRouting] { get }
    /// Routing of each of the `count` tokens the last `evaluate` fed (empty where unknown).
    func routing(ofLast count: Int) -> [[LayerRouting]]
    /// Where to reach layers × experts counts when the model is MoE: (layers, experts).
    var expertShape: (layers: Int, experts: Int)? { get }
    /// An independent copy that continues exactly as this one would.
    func fork() -> LanguageModel
    /// An independent copy of the first `position` tokens' state (at most `self.position`): it
    /// continues exactly as this model did after reading them.
    func fork(at position: Int) -> LanguageModel
    /// The log-probability of each of `tokens[from...]` given the tokens before it (`from` ≥ 1):
    /// teacher-forced scoring. Feeds `tokens` like `evaluate` except the last, which nothing reads.
    func score(_ tokens: [Int], from: Int) throws -> [Double]
    /// Bytes of state the model holds per position (its KV cache; 0 when negligible).
    var bytesPerPosition: Int { get }
    /// Experts dropped from or forced into routing from the next evaluation on (nil: the router's
    /// own choice). Models without experts keep nil and ignore a set.
    var expertMask: ExpertMask? { get set }
    /// The mask that routed (or will route) the token at `position` (models that keep no history:
    /// the current one).
    func expertMask(at position: Int) -> ExpertMask?
    /// Mean output norm of each expert over every token this model has routed (MoE engine models;
    /// nil otherwise).
    var expertNorms: ExpertNorms? { get }
}

/// Feeds several models their tokens. Engine sessions of one model go through shared forward
/// passes (`Session.evaluate` with a batch), other models one after another. Returns each item's
/// error, nil where the tokens were read.
public func evaluateTogether(_ items: [(model: LanguageModel, tokens: [Int])]) -> [Error?] {
    let engines = items.compactMap { $0.model as? EngineModel }
    if items.count > 1, engines.count == items.count, engines.allSatisfy({ $0.session.model === engines[0].session.model }) {
        for (m, item) in zip(engines, items) { m.recorder?.begin(at: m.session.position, count: item.tokens.count) }
        // A batch is checked whole before any pass runs, so a failed one read nothing: then each
        // item goes alone, to find whose tokens fail.
        if (try? Session.evaluate(zip(engines, items).map { ($0.session, $1.tokens) })) != nil {
            return items.map { _ in nil }
        }
    }
    return items.map { item in
        do { try item.model.evaluate(item.tokens); return nil } catch { return error }
    }
}


extension LanguageModel {
    public var capacity: Int { .max }
    public var expertMask: ExpertMask? {
        get { nil }
        set {}
    }
    public var expertNorms: ExpertNorms? { nil }
    public func expertMask(at position: Int) -> ExpertMask? { expertMask }

    public var bytesPerPosition: Int { 0 }

    /// Scores token by token (the engine overrides this with one prefill).
    public func score(_ tokens: [Int], from: Int) throws -> [Double] {
        let from = max(1, from)
        guard tokens.count > from else { return [] }
        try evaluate(Array(tokens[..<from]))
        var out: [Double] = []
        for (i, t) in tokens.enumerated().dropFirst(from) {
            out.append(Sampler.logProbability(of: t, in: logits))
            if i + 1 < tokens.count { try evaluate([t]) }
        }
        return out
    }

    /// Reads a recorded run's prompt and then `tokens` (its first ones) as the run read them: the
    /// expert mask changes where the run's did (`changes`, from the trace), so that forks of this
    /// model continue as the run did at their point.
    public func reread(prompt: [Int], tokens: [Int], changes: [MaskChange]) throws {
        var pending = prompt, from = 0
        for c in changes where c.tokenIndex >= from && c.tokenIndex <= tokens.count {  // in order, in range
            pending += tokens[from..<c.tokenIndex]
            if !pending.isEmpty { try evaluate(pending) }
            pending = []
            from = c.tokenIndex
            expertMask = c.mask
        }
        pending += tokens[from...]
        if !pending.isEmpty { try evaluate(pending) }
    }

    /// A fork that holds the first `position` tokens and the next-token logits there. A fork
    /// before the end of what this model holds has no logits (only the newest row is kept), so it
    /// is made one token earlier and reads `token` (the one at `position - 1`) again, alone, as
    /// the run read a sampled token.
    public func fork(at position: Int, lastToken token: Int) throws -> LanguageModel {
        guard position < self.position, position > 0 else { return fork(at: position) }
        let m = fork(at: position - 1)
        try m.evaluate([token])
        // A mask that changed exactly at `position` routes what comes next.
        let next = expertMask(at: position)
        if next != m.expertMask { m.expertMask = next }
        return m
    }

    /// Models that only keep the latest token's routing report just that one.
    public func routing(ofLast count: Int) -> [[LayerRouting]] {
        count <= 0 ? [] : Array(repeating: [], count: count - 1) + [lastRouting]
    }
}

/// The experts one token was routed to in one layer, best first, with their weights.
public struct LayerRouting: Sendable, Equatable, Codable {
    public var experts: [Int]
    public var weights: [Float]

    public init(experts: [Int], weights: [Float]) {
        self.experts = experts
        self.weights = weights
    }
}

/// The engine behind the `LanguageModel` protocol, with a routing tap that keeps, per layer, the
/// routing of the last `evaluate`: every token of one of up to `RoutingRecorder.keepAll` tokens
/// (an injected sequence), only the last token of a longer prompt.
public final class EngineModel: LanguageModel {
    public let session: Session
    let recorder: RoutingRecorder?
    /// The expert mask from each position on, oldest first; the last entry is the current mask. A
    /// fork takes the mask that routed its fork point, so a fork of a run whose live mask changed
    /// mid-run continues as the run did there, not with the mask the run ended with.
    private var masks: [(from: Int, mask: ExpertMask?)]

    public init(session: Session) {
        self.session = session
        masks = [(0, session.expertMask)]
        let c = session.config
        if c.isMoE {
            let r = RoutingRecorder(layers: c.layerCount, experts: c.expertCount)
            recorder = r
            session.observer = r
        } else {
            recorder = nil
        }
    }

    public var vocabularySize: Int { session.config.vocabSize }
    public var position: Int { session.position }
    public var capacity: Int { session.capacity }
    public func evaluate(_ tokens: [Int]) throws {
        recorder?.begin(at: session.position, count: tokens.count)
        try session.evaluate(tokens)
    }
    public var logits: UnsafeBufferPointer<Float> { session.lastLogits }
    public var lastRouting: [LayerRouting] { recorder?.batch.last ?? [] }
    public func routing(ofLast count: Int) -> [[LayerRouting]] {
        let known = Array((recorder?.batch ?? []).suffix(count))
        return Array(repeating: [], count: max(0, count - known.count)) + known
    }
    public var expertShape: (layers: Int, experts: Int)? {
        session.config.isMoE ? (session.config.layerCount, session.config.expertCount) : nil
    }
    /// The mask from the current position on (earlier positions keep the one that routed them).
    public var expertMask: ExpertMask? {
        get { session.expertMask }
        set {
            masks.removeAll { $0.from >= session.position }
            masks.append((session.position, newValue))
            session.expertMask = newValue
        }
    }
    /// The mask that routed (or will route) the token at `position`.
    public func expertMask(at position: Int) -> ExpertMask? {
        guard let entry = masks.last(where: { $0.from <= position }) else { return session.expertMask }
        return entry.mask
    }
    public var expertNorms: ExpertNorms? { recorder?.norms }
    public func fork() -> LanguageModel { fork(at: session.position) }
    /// The fork routes with the mask that routed `position` here (at the end: the current one).
    public func fork(at position: Int) -> LanguageModel {
        let s = session.fork(at: position)
        s.expertMask = expertMask(at: position)
        let m = EngineModel(session: s)
        m.masks = masks.filter { $0.from < s.position } + [(s.position, s.expertMask)]
        return m
    }

    /// Forgets positions from `position` on, and the mask changes made there (the current mask
    /// stays, from `position` on).
    public func rewind(to position: Int) {
        session.rewind(to: position)
        masks.removeAll { $0.from >= session.position }
        masks.append((session.position, session.expertMask))
    }

    public var bytesPerPosition: Int { session.kvCacheBytes / max(session.capacity, 1) }

    public func score(_ tokens: [Int], from: Int) throws -> [Double] {
        let from = max(1, from)
        guard tokens.count > from else { return [] }
        // Rows from - 1 ..< count - 1 predict tokens[from...], the last of which is not read.
        let read = Array(tokens.dropLast()), rows = tokens.count - from
        recorder?.begin(at: session.position, count: read.count)
        let all = try session.evaluateAll(read, lastRows: rows)
        let vocab = vocabularySize
        return all.withUnsafeBufferPointer { logits in
            (0..<rows).map { j in
                Sampler.logProbability(of: tokens[from + j], in: UnsafeBufferPointer(rebasing: logits[(j * vocab)..<((j + 1) * vocab)]))
            }
        }
    }
}

/// Keeps, per token of the latest `evaluate` and per layer, where the token was routed: every
/// token of a short evaluation (an injected sequence), only the last one of a long prompt; and
/// the experts' output norms over everything the model has read (for the super-expert warning).
final class RoutingRecorder: ForwardObserver {
    static let keepAll = 256
    let layers: Int
    private(set) var batch: [[LayerRouting]] = []
    private(set) var norms: ExpertNorms
    private var start = 0
    var taps: Set<TapPoint> { [.selectedExperts, .expertOutputNorms] }

    init(layers: Int, experts: Int) {
        self.layers = layers
        norms = ExpertNorms(layers: layers, experts: experts)
    }

    func expertNorms(_ tap: ExpertNormTap) { norms.add(tap) }

    func begin(at position: Int, count: Int) {
        let kept = count <= Self.keepAll ? count : 1
        start = position + count - kept
        // Every layer taps every token, so the slots are overwritten; reallocate only on a new size
        // (a decode step reuses the last step's).
        if batch.count != kept {
            batch = Array(repeating: Array(repeating: LayerRouting(experts: [], weights: []), count: layers), count: kept)
        }
    }

    func routing(_ tap: RoutingTap) {
        let i = tap.position - start
        guard batch.indices.contains(i), tap.layer < layers else { return }
        batch[i][tap.layer] = LayerRouting(experts: tap.experts.map(Int.init), weights: Array(tap.weights))
    }
}
