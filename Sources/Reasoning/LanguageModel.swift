import Engine

/// What the generation loop needs from a model: feed tokens, read the next-token logits, fork.
/// The engine's `Session` is one (through `EngineModel`); tests use a scripted fake.
public protocol LanguageModel: AnyObject {
    var vocabularySize: Int { get }
    /// Tokens evaluated so far.
    var position: Int { get }
    /// Feeds tokens at the current position.
    func evaluate(_ tokens: [Int]) throws
    /// Next-token logits after the last `evaluate`.
    var logits: UnsafeBufferPointer<Float> { get }
    /// Routing of the most recently evaluated token, for MoE models (empty otherwise).
    var lastRouting: [LayerRouting] { get }
    /// Where to reach layers × experts counts when the model is MoE: (layers, experts).
    var expertShape: (layers: Int, experts: Int)? { get }
    /// An independent copy that continues exactly as this one would.
    func fork() -> LanguageModel
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

/// The engine behind the `LanguageModel` protocol, with a routing tap that keeps the last token's
/// routing per layer.
public final class EngineModel: LanguageModel {
    public let session: Session
    private let recorder: RoutingRecorder?

    public init(session: Session) {
        self.session = session
        let c = session.config
        if c.isMoE {
            let r = RoutingRecorder(layers: c.layerCount)
            recorder = r
            session.observer = r
        } else {
            recorder = nil
        }
    }

    public var vocabularySize: Int { session.config.vocabSize }
    public var position: Int { session.position }
    public func evaluate(_ tokens: [Int]) throws { try session.evaluate(tokens) }
    public var logits: UnsafeBufferPointer<Float> { session.lastLogits }
    public var lastRouting: [LayerRouting] { recorder?.last ?? [] }
    public var expertShape: (layers: Int, experts: Int)? {
        session.config.isMoE ? (session.config.layerCount, session.config.expertCount) : nil
    }
    public func fork() -> LanguageModel { EngineModel(session: session.fork()) }
}

/// Keeps, per layer, the routing of the latest position the engine evaluated.
final class RoutingRecorder: ForwardObserver {
    var last: [LayerRouting]
    var taps: Set<TapPoint> { [.selectedExperts] }

    init(layers: Int) {
        last = Array(repeating: LayerRouting(experts: [], weights: []), count: layers)
    }

    func routing(_ tap: RoutingTap) {
        guard tap.layer < last.count else { return }
        last[tap.layer] = LayerRouting(experts: tap.experts.map(Int.init), weights: Array(tap.weights))
    }
}
