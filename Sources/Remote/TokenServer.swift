import Engine
import Reasoning
import Foundation

/// A server that continues a transcript of token ids, streaming what it samples: one adapter per
/// serving engine (llama-server's `/completion`, vLLM's `/v1/completions`, SGLang's `/generate`).
/// The budget logic stays in the generation loop; an adapter only turns a segment request into
/// the engine's request and its stream back into tokens (and, where the engine reports it, the
/// experts each token was routed to).
public protocol TokenServer: Sendable {
    /// Where the server is (for messages and the header).
    var url: URL { get }
    /// The engine's name, as `--api` spells it.
    var engine: String { get }
    /// Positions one request may hold (the server's context per slot).
    var contextLength: Int { get }
    /// How routing comes back, when the server reports it (nil: it does not, or it was not asked to).
    var routing: RoutingShape? { get }
    /// The server's tokenization of `text` (special tokens parsed), to check the local tokenizer.
    func tokenize(_ text: String) throws -> [Int]
    /// Starts a segment: continue `request.prompt` for at most `request.plan.maxTokens` tokens,
    /// stopping after `request.plan.stopAt`, never choosing one of `request.banned`.
    func segment(_ request: SegmentRequest) throws -> TokenSegment
}

extension TokenServer {
    public var routing: RoutingShape? { nil }
}

/// One segment the loop asks a server for.
public struct SegmentRequest: Sendable, Equatable {
    /// The whole transcript so far, as ids.
    public var prompt: [Int]
    public var sampling: SamplingParameters
    public var plan: SegmentPlan
    /// The text of `plan.stopAt`, for servers that stop on text (llama-server).
    public var stopText: String?
    public var banned: Set<Int>
    /// The first position whose routing the segment should return (nil: none asked).
    public var routingFrom: Int?

    public init(prompt: [Int], sampling: SamplingParameters, plan: SegmentPlan, stopText: String? = nil,
                banned: Set<Int> = [], routingFrom: Int? = nil) {
        self.prompt = prompt
        self.sampling = sampling
        self.plan = plan
        self.stopText = stopText
        self.banned = banned
        self.routingFrom = routingFrom
    }
}

/// One streamed segment. `next` blocks for the next item; nil after the end (or a cancel).
public protocol TokenSegment: AnyObject {
    func next() throws -> SegmentItem?
    /// Closes the stream; the server stops generating.
    func cancel()
    /// The bytes of tokens the stream has sent since the last call (ids with their pieces), where
    /// the engine streams them; a `ServerCodec` learns them.
    func takePieces() -> [(Int, [UInt8])]
}

extension TokenSegment {
    public func takePieces() -> [(Int, [UInt8])] { [] }
}

public enum SegmentItem: Sendable, Equatable {
    case token(SampledToken)
    case end(SegmentEnd)
}

/// How a segment ended, and what it cost the server (from its timings, where it reports them).
public struct SegmentEnd: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        /// The model ended its turn.
        case endOfTurn = "eos"
        /// The stop id (the end of thinking).
        case stop
        /// The token count the segment asked for.
        case limit
    }

    public var reason: Reason
    /// Prompt tokens the server evaluated for this segment (not found in its cache).
    public var promptEvaluated: Int?
    /// Prompt tokens the server took from its cache.
    public var promptCached: Int?
    /// Tokens the server generated.
    public var generated: Int?
    /// The experts the segment's tokens were routed to (servers that report it).
    public var routing: SegmentRouting?

    public init(reason: Reason, promptEvaluated: Int? = nil, promptCached: Int? = nil, generated: Int? = nil,
                routing: SegmentRouting? = nil) {
        self.reason = reason
        self.promptEvaluated = promptEvaluated
        self.promptCached = promptCached
        self.generated = generated
        self.routing = routing
    }
}
