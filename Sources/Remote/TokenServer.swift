import Engine
import Reasoning
import Foundation

/// A server that continues a transcript of token ids, streaming what it samples: one adapter per
/// serving engine (llama-server's `/completion`, …). The budget logic stays in the generation
/// loop; an adapter only turns a segment request into the engine's request and its stream back
/// into tokens.
public protocol TokenServer: Sendable {
    /// Where the server is (for messages and the header).
    var url: URL { get }
    /// The engine's name, as `--api` spells it.
    var engine: String { get }
    /// Positions one request may hold (the server's context per slot).
    var contextLength: Int { get }
    /// Starts a segment: continue `prompt` for at most `plan.maxTokens` tokens, stopping after
    /// `plan.stopAt` (whose text is `stopText`), never choosing one of `banned`.
    func segment(prompt: [Int], sampling: SamplingParameters, plan: SegmentPlan, stopText: String?,
                 banned: Set<Int>) throws -> TokenSegment
}

/// One streamed segment. `next` blocks for the next item; nil after the end (or a cancel).
public protocol TokenSegment: AnyObject {
    func next() throws -> SegmentItem?
    /// Closes the stream; the server stops generating.
    func cancel()
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

    public init(reason: Reason, promptEvaluated: Int? = nil, promptCached: Int? = nil, generated: Int? = nil) {
        self.reason = reason
        self.promptEvaluated = promptEvaluated
        self.promptCached = promptCached
        self.generated = generated
    }
}
