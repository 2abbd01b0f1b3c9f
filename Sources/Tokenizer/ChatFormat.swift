/// One chat message.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String
    /// The assistant's thinking, if kept separately (`reasoning_content`). When nil, thinking is taken from
    /// a `<think>…</think>` prefix of `content`.
    public var reasoning: String?

    public init(_ role: Role, _ content: String, reasoning: String? = nil) {
        self.role = role
        self.content = content
        self.reasoning = reasoning
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(.system, text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(.user, text) }
    public static func assistant(_ text: String, reasoning: String? = nil) -> ChatMessage {
        ChatMessage(.assistant, text, reasoning: reasoning)
    }
}

public struct ChatFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    public var source: String
    public var missingToken: String
    public var description: String {
        "\(source): the vocabulary has no '\(missingToken)' token; the Qwen3 ChatML format needs it"
    }
}

/// Qwen3 ChatML with hybrid thinking (the behaviour of Qwen3's chat template):
///
///     <|im_start|>system\n{system}<|im_end|>\n
///     <|im_start|>user\n{text}<|im_end|>\n
///     <|im_start|>assistant\n{answer}<|im_end|>\n          earlier turns: thinking dropped
///     <|im_start|>assistant\n                              generation prompt
///     <think>\n\n</think>\n\n                              ... when thinking is disabled
///
/// Control tokens (`<|im_start|>`, `<|im_end|>`, `<think>`, `</think>`) are placed by the formatter, by ids
/// looked up from the vocabulary. Everything else, including all message content, is encoded as user text
/// (`BPETokenizer.encodeUserText`), so text that spells a control token stays text. `/think` and `/no_think`
/// are ordinary text that the model itself reacts to.
public struct ChatFormat: Sendable {
    public let tokenizer: BPETokenizer
    public let imStart: TokenID
    public let imEnd: TokenID
    public let thinking: ThinkingSupport
    /// Ids that end a reply (see `Vocabulary.endOfGeneration`).
    public let endOfGeneration: Set<TokenID>

    public var thinkStart: TokenID? { thinking.thinkStart }
    public var thinkEnd: TokenID? { thinking.thinkEnd }

    public init(tokenizer: BPETokenizer) throws(ChatFormatError) {
        let v = tokenizer.vocabulary
        guard let s = v.id(forText: "<|im_start|>") else {
            throw ChatFormatError(source: v.source, missingToken: "<|im_start|>")
        }
        guard let e = v.id(forText: "<|im_end|>") else {
            throw ChatFormatError(source: v.source, missingToken: "<|im_end|>")
        }
        self.tokenizer = tokenizer
        imStart = s
        imEnd = e
        thinking = ThinkingSupport(vocabulary: v)
        endOfGeneration = v.endOfGeneration
    }

    /// A piece of the rendered prompt.
    public enum Segment: Sendable, Equatable {
        case control(TokenID)
        case text(String)
    }

    /// The prompt as token ids.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                       enableThinking: Bool = true) -> [TokenID] {
        var out: [TokenID] = []
        for seg in segments(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking) {
            switch seg {
            case .control(let id): out.append(id)
            case .text(let t): out.append(contentsOf: tokenizer.encodeUserText(t))
            }
        }
        return out
    }

    /// The prompt as text, control tokens spelled out (what a template engine would produce).
    public func renderText(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                           enableThinking: Bool = true) -> String {
        var s = ""
        for seg in segments(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking) {
            switch seg {
            case .control(let id): s += tokenizer.vocabulary.text(of: id) ?? ""
            case .text(let t): s += t
            }
        }
        return s
    }

    /// Whether the model's output starts inside a think block (the generation prompt ends with an open
    /// `<think>`, as with Qwen3-Thinking-2507 templates).
    public var generationStartsInsideThinking: Bool {
        thinking.mode == .alwaysOn && thinkStart != nil && thinkEnd != nil
    }

    /// The prompt as segments; adjacent text is merged so it is encoded in one piece.
    public func segments(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                         enableThinking: Bool = true) -> [Segment] {
        var b = SegmentBuilder()
        let thinkTokens: (TokenID, TokenID)? = thinkStart.flatMap { s in thinkEnd.map { (s, $0) } }

        var rest = messages[...]
        if let first = messages.first, first.role == .system {
            b.control(imStart); b.text("system\n" + first.content); b.control(imEnd); b.text("\n")
            rest = messages.dropFirst()
        }
        // the last real user query; assistant turns at or before it lose their thinking
        var lastQuery = messages.count - 1
        for (i, m) in messages.enumerated().reversed() where m.role == .user && !Self.isToolResponse(m.content) {
            lastQuery = i
            break
        }
        for (i, m) in zip(rest.indices, rest) {
            switch m.role {
            case .user, .system:
                b.control(imStart); b.text(m.role.rawValue + "\n" + m.content); b.control(imEnd); b.text("\n")
            case .assistant:
                var content = m.content
                var reasoning = m.reasoning ?? ""
                if m.reasoning == nil, case let (r, c)? = Self.splitThinking(content) {
                    reasoning = r
                    content = c
                }
                b.control(imStart)
                b.text("assistant\n")
                if case let (ts, te)? = thinkTokens, i > lastQuery, i == messages.count - 1 || !reasoning.isEmpty {
                    b.control(ts)
                    b.text("\n" + Self.trimNewlines(reasoning) + "\n")
                    b.control(te)
                    b.text("\n\n" + Self.dropLeadingNewlines(content))
                } else {
                    b.text(content)
                }
                b.control(imEnd); b.text("\n")
            }
        }
        if addGenerationPrompt {
            b.control(imStart)
            b.text("assistant\n")
            if case let (ts, te)? = thinkTokens {
                switch thinking.mode {
                case .hybrid where !enableThinking, .alwaysOff:
                    b.control(ts); b.text("\n\n"); b.control(te); b.text("\n\n")
                case .alwaysOn:
                    b.control(ts); b.text("\n")
                default:
                    break
                }
            }
        }
        return b.segments
    }

    // MARK: Template string helpers (Python semantics of the Qwen3 template)

    static func isToolResponse(_ s: String) -> Bool {
        s.hasPrefix("<tool_response>") && s.hasSuffix("</tool_response>")
    }

    /// For content with `</think>`: (thinking, answer) as the Qwen3 template splits them: thinking is the text
    /// before the first `</think>` after its last `<think>`, newlines trimmed; the answer is the text after the
    /// last `</think>`, leading newlines dropped.
    static func splitThinking(_ content: String) -> (String, String)? {
        guard content.contains("</think>") else { return nil }
        let parts = content.split(separator: "</think>", omittingEmptySubsequences: false)
        let before = trimTrailingNewlines(String(parts[0]))
        let afterOpen = before.split(separator: "<think>", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return (dropLeadingNewlines(afterOpen), dropLeadingNewlines(String(parts[parts.count - 1])))
    }

    static func dropLeadingNewlines(_ s: String) -> String { String(s.unicodeScalars.drop { $0 == "\n" }) }
    static func trimTrailingNewlines(_ s: String) -> String {
        var u = s.unicodeScalars[...]
        while u.last == "\n" { u = u.dropLast() }
        return String(u)
    }
    static func trimNewlines(_ s: String) -> String { trimTrailingNewlines(dropLeadingNewlines(s)) }
}

private struct SegmentBuilder {
    var segments: [ChatFormat.Segment] = []

    mutating func control(_ id: TokenID) { segments.append(.control(id)) }

    mutating func text(_ t: String) {
        guard !t.isEmpty else { return }
        if case .text(let prev)? = segments.last {
            segments[segments.count - 1] = .text(prev + t)
        } else {
            segments.append(.text(t))
        }
    }
}
