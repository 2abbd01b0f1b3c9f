import Engine

/// Where generation is: the prompt is being read, the model is thinking, answering, or done.
public enum Phase: String, Sendable, Codable, Equatable {
    case prompt, thinking, answer, done
}

/// How a token got into the sequence.
public enum TokenOrigin: String, Sendable, Codable, Equatable {
    /// Chosen by the sampler.
    case sampled
    /// Inserted by a budget policy or a live command (the end phrase, "Wait").
    case injected
}

/// One generated or injected token, as the UI and traces see it.
public struct TokenEvent: Sendable, Codable, Equatable {
    public var index: Int
    public var id: Int
    /// The text this token completes (may be empty while a UTF-8 character is incomplete).
    public var text: String
    public var phase: Phase
    public var origin: TokenOrigin
    /// log p(token) under the model (nil for injected tokens).
    public var logProbability: Float?
    public var alternatives: [Alternative]
    /// Per layer, for MoE models.
    public var routing: [LayerRouting]

    public struct Alternative: Sendable, Codable, Equatable {
        public var id: Int
        public var text: String
        public var logProbability: Float
    }
}

/// Live counts and speeds.
public struct GenerationStats: Sendable, Codable, Equatable {
    public var promptTokens = 0
    /// Tokens inside the think block (sampled and injected; delimiters excluded).
    public var thinkingTokens = 0
    /// Tokens after the think block (sampled and injected; end-of-turn excluded).
    public var answerTokens = 0
    public var injectedTokens = 0
    /// Thinking budget in force (nil = unlimited).
    public var budget: Int?
    public var prefillTokensPerSecond = 0.0
    public var decodeTokensPerSecond = 0.0
    /// Seconds from start to the first answer token (nil until there is one).
    public var timeToFirstAnswerToken: Double?
    public var elapsed = 0.0

    public init() {}
}

public enum FinishReason: String, Sendable, Codable, Equatable {
    /// The model ended its turn (`<|im_end|>` or another end-of-generation token).
    case endOfTurn
    case maxTokens
    case stopped
    case contextFull
}

public enum ReasoningEvent: Sendable, Equatable {
    case phase(Phase)
    case token(TokenEvent)
    case stats(GenerationStats)
    case finished(FinishReason, GenerationStats)
    case error(String)
    /// An answer probe's result; reported again, with the final answer's probability, once the
    /// run has answered (the later report of a probe point replaces the earlier).
    case probe(Probe)
    /// The expert mask changed while the model ran (the inspector's live mask).
    case mask(MaskChange)
}

/// From the token at `tokenIndex` on, the model routes with `mask` (nil: the router's own choice).
public struct MaskChange: Sendable, Equatable, Codable {
    public var tokenIndex: Int
    public var mask: ExpertMask?

    public init(tokenIndex: Int, mask: ExpertMask?) {
        self.tokenIndex = tokenIndex
        self.mask = mask?.isEmpty == false ? mask : nil
    }
}
