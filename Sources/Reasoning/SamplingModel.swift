import Engine
import Tokenizer

/// A model that chooses its own tokens: a server that streams a segment of sampled tokens rather
/// than handing out logits. The generation loop asks it for the next token where it would sample
/// one, and keeps every budget decision — "Wait", the forced end, the live slider — itself.
/// `evaluate` appends to the transcript the model continues; anything other than the token it just
/// gave ends its current segment (an injection, a budget cut), and the next `next` starts a new one.
public protocol SamplingModel: LanguageModel {
    /// The token after everything evaluated so far, sampled with `sampling`, never one of
    /// `suppressed`. `plan` says how far the loop can go before it must decide again.
    func next(_ sampling: SamplingParameters, suppressed: Set<Int>, plan: SegmentPlan) throws -> SampledToken
}

/// How far a streamed segment may run before the generation loop has to decide something.
public struct SegmentPlan: Sendable, Equatable {
    /// Tokens the loop takes at most before it decides again (the thinking budget left, or the
    /// token limit); at least 1.
    public var maxTokens: Int
    /// The segment stops after this id (the end of thinking: the budget decides what follows).
    public var stopAt: Int?

    public init(maxTokens: Int, stopAt: Int?) {
        self.maxTokens = max(1, maxTokens)
        self.stopAt = stopAt
    }
}

extension GenerationRun {
    /// The segment a self-sampling model may stream from here: while thinking (or before the first
    /// token), up to the thinking budget left and stopping at the end of thinking; in the answer, up
    /// to the token limit.
    var segmentPlan: SegmentPlan {
        let left = g.settings.maxTokens - generated
        guard phase == .thinking || phase == .prompt else { return SegmentPlan(maxTokens: left, stopAt: nil) }
        var n = left
        if let limit = policy.limit, !endRequested {
            // The `<think>` that opens thinking is not a thinking token.
            n = min(n, max(1, limit - thinking.tokens + (phase == .prompt ? 1 : 0)))
        }
        return SegmentPlan(maxTokens: n, stopAt: g.chat.thinkEnd.map(Int.init))
    }
}

/// A model that takes the conversation as messages, not ids: a display-only chat API (Ollama,
/// Anthropic, OpenAI-compatible chat). Each run's request is set before the run; the budget goes
/// with it as the engine's own knob, so the loop forces nothing on it and ignores live budget
/// changes (they could not reach the server).
public protocol MessageModel: SamplingModel {
    func prepare(messages: [ChatMessage], thinking: Bool, budget: Int?, maxTokens: Int)
}
