import Foundation

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
    public var template: ChatFormat.Template = .chatML
    public var description: String {
        "\(source): the vocabulary has no '\(missingToken)' token; the \(template.title) chat format needs it"
    }
}

/// Turns messages into prompt tokens the way the model's chat template does, for the chat conventions
/// this app knows (`Template`, detected from the vocabulary and its template text).
///
/// Control tokens (`<|im_start|>`, `<think>`, `<｜User｜>`, …) are placed by the formatter, by ids looked
/// up from the tokenizer. Everything else, including all message content, is encoded as user text
/// (`TokenCodec.encodeUserText`), so text that spells a control token stays text. `/think` and
/// `/no_think` in user text are ordinary text that the model itself reacts to.
public struct ChatFormat: Sendable {
    /// gpt-oss's reasoning effort: a class-conditional thinking control in s1's sense.
    public enum ReasoningEffort: String, Sendable, CaseIterable { case low, medium, high }

    /// The chat conventions of a model family.
    public enum Template: String, Sendable, Equatable, CaseIterable {
        /// Qwen ChatML with hybrid thinking (Qwen3, Qwen2.5, QwQ):
        ///
        ///     <|im_start|>system\n{system}<|im_end|>\n
        ///     <|im_start|>user\n{text}<|im_end|>\n
        ///     <|im_start|>assistant\n{answer}<|im_end|>\n          earlier turns: thinking dropped
        ///     <|im_start|>assistant\n                              generation prompt
        ///     <think>\n\n</think>\n\n                              ... when thinking is disabled
        case chatML = "chatml"
        /// DeepSeek-R1 and its Qwen and Llama distills:
        ///
        ///     <BOS>{system}<｜User｜>{text}<｜Assistant｜>{answer}<｜end▁of▁sentence｜>…
        ///     <｜Assistant｜><think>\n                           generation prompt: thinking forced open
        ///     <｜Assistant｜><think>\n</think>                   ... when thinking is disabled (as llama.cpp)
        case deepSeekR1 = "deepseek-r1"
        /// SmolLM3: ChatML after a metadata system block whose `Reasoning Mode` is `/think` or `/no_think`
        /// (`/think` and `/no_think` in the system message override the switch).
        case smolLM3 = "smollm3"
        /// OpenAI harmony (gpt-oss): messages `<|start|>{header}<|message|>{content}<|end|>`; thinking is the
        /// `analysis` channel, the answer the `final` channel, `<|return|>` ends the reply:
        ///
        ///     <|start|>system<|message|>…Reasoning: {effort}…<|end|><|start|>user<|message|>{text}<|end|>
        ///     <|start|>assistant<|channel|>analysis<|message|>     generation prompt: analysis opened
        ///     …<|end|><|start|>assistant<|channel|>final<|message|>  the end of thinking
        case harmony
        /// s1 (simplescaling s1/s1.1, Qwen2.5 ChatML without `<think>`): thinking follows
        /// `<|im_start|>think`, the answer `<|im_start|>answer`; the model asks to end thinking by
        /// sampling `<|im_start|>`, and s1's forced end appends `<|im_start|>answer\nFinal Answer:`.
        /// Not detectable from the file (its template is Qwen2.5's): chosen with `--chat-format s1`.
        case s1

        var title: String {
            switch self {
            case .chatML: "Qwen ChatML"
            case .deepSeekR1: "DeepSeek-R1"
            case .smolLM3: "SmolLM3"
            case .harmony: "harmony"
            case .s1: "s1"
            }
        }

        /// Control token texts the template places.
        var controls: [String] {
            switch self {
            case .chatML, .smolLM3, .s1: ["<|im_start|>", "<|im_end|>"]
            case .deepSeekR1: ["<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>"]
            case .harmony: ["<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>"]
            }
        }

        /// The template a tokenizer's tokens and template text call for.
        static func detect(_ c: any TokenCodec) -> Template {
            if c.specialToken("<｜User｜>") != nil && c.specialToken("<｜Assistant｜>") != nil { return .deepSeekR1 }
            if c.specialToken("<|channel|>") != nil && c.specialToken("<|message|>") != nil { return .harmony }
            if c.chatTemplate?.contains("Reasoning Mode") == true { return .smolLM3 }
            return .chatML
        }
    }

    public let template: Template
    /// Text to ids and back: a local vocabulary (`BPETokenizer`) or a server's endpoints.
    public let tokenizer: any TokenCodec
    /// The control token that opens a turn (`<|im_start|>`; `<｜Assistant｜>` for DeepSeek-R1; `<|start|>`):
    /// the last one in a prompt starts the reply being generated.
    public let turnStart: TokenID
    /// The control token that closes an assistant reply (`<|im_end|>`; `<｜end▁of▁sentence｜>`; `<|return|>`).
    public let turnEnd: TokenID
    public let thinking: ThinkingSupport
    /// Ids that end a reply (see `Vocabulary.endOfGeneration`).
    public let endOfGeneration: Set<TokenID>
    /// The date templates write (SmolLM3's `Today Date`, harmony's `Current date`); now by default.
    public var date = Date()
    /// gpt-oss's reasoning effort (`low`, `medium`, `high`), written in the harmony system message.
    public var reasoningEffort = ReasoningEffort.medium

    public var thinkStart: TokenID? { thinking.thinkStart }
    public var thinkEnd: TokenID? { thinking.thinkEnd }
    /// Control ids by text, for the template's `controls`.
    let controls: [String: TokenID]

    /// The local vocabulary, when the tokenizer has one.
    public var vocabulary: Vocabulary? { (tokenizer as? BPETokenizer)?.vocabulary }

    /// The chat format of `tokenizer`'s tokens: `template` when given, else the one its tokens and
    /// template text call for.
    public init(tokenizer: any TokenCodec, template chosen: Template? = nil) throws(ChatFormatError) {
        let template = chosen ?? Template.detect(tokenizer)
        var controls: [String: TokenID] = [:]
        for text in template.controls {
            guard let id = tokenizer.specialToken(text) else {
                throw ChatFormatError(source: tokenizer.source, missingToken: text, template: template)
            }
            controls[text] = id
        }
        self.template = template
        self.tokenizer = tokenizer
        self.controls = controls
        switch template {
        case .chatML, .smolLM3, .s1: (turnStart, turnEnd) = (controls["<|im_start|>"]!, controls["<|im_end|>"]!)
        case .deepSeekR1: (turnStart, turnEnd) = (controls["<｜Assistant｜>"]!, controls["<｜end▁of▁sentence｜>"]!)
        case .harmony: (turnStart, turnEnd) = (controls["<|start|>"]!, controls["<|return|>"]!)
        }
        thinking = ThinkingSupport(codec: tokenizer, template: template)
        var ends = tokenizer.endOfGeneration
        ends.insert(turnEnd)
        if template == .harmony {
            // As llama.cpp: with <|return|> and <|call|> in the vocabulary, <|end|> only ends a message.
            ends.remove(controls["<|end|>"]!)
            if let call = tokenizer.specialToken("<|call|>") { ends.insert(call) }
        }
        endOfGeneration = ends
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
            case .control(let id): s += tokenizer.tokenText(id) ?? ""
            case .text(let t): s += t
            }
        }
        return s
    }

    /// Whether the model's output starts inside a think block (the generation prompt ends with an open
    /// `<think>`, as with Qwen3-Thinking-2507, QwQ and the R1 distills).
    public var generationStartsInsideThinking: Bool {
        thinking.mode == .alwaysOn && thinkStart != nil && thinkEnd != nil
    }

    /// The prompt as segments; adjacent text is merged so it is encoded in one piece.
    public func segments(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                         enableThinking: Bool = true) -> [Segment] {
        var b = SegmentBuilder()
        if tokenizer.addBOS, let bos = tokenizer.bosID { b.control(bos) }
        switch template {
        case .chatML: chatML(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking, &b)
        case .deepSeekR1: deepSeekR1(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking, &b)
        case .smolLM3: smolLM3(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking, &b)
        case .harmony: harmony(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking, &b)
        case .s1: s1(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking, &b)
        }
        return b.segments
    }

    /// What opens thinking: `<think>`, harmony's `<|channel|>analysis<|message|>`, s1's `<|im_start|>think`.
    public var thinkingOpener: [TokenID]? {
        switch template {
        case .harmony: return harmonyHeader(channel: "analysis", role: false)
        case .s1: return [turnStart] + tokenizer.encodeUserText("think")
        default: return thinkStart.map { [$0] }
        }
    }

    /// What a forced end puts after the end-of-thinking token: "\n\n", harmony's answer header
    /// `<|start|>assistant<|channel|>final<|message|>`, or s1's `answer\nFinal Answer:`.
    public var answerOpener: [TokenID] {
        switch template {
        case .harmony: harmonyHeader(channel: "final", role: true)
        case .s1: tokenizer.encodeUserText("answer\nFinal Answer:")
        default: tokenizer.encodeUserText("\n\n")
        }
    }

    /// Whether `id` starts a message header that is markup, not text (harmony's `<|start|>`; s1's
    /// `<|im_start|>` before `answer`), and whether `id` ends it (`<|message|>`; a newline).
    public func opensHeader(_ id: TokenID) -> Bool { (template == .harmony || template == .s1) && id == turnStart }
    public func closesHeader(_ id: TokenID) -> Bool {
        switch template {
        case .harmony: id == controls["<|message|>"]
        case .s1: tokenizer.decodeBytes([id]).contains(0x0A)
        default: true
        }
    }

    /// Whether `prompt` leaves the model inside open thinking: its last turn holds the thinking opener
    /// with no end of thinking after it (Qwen3-Thinking-2507, QwQ and R1 templates, a prefilled
    /// `<think>`, harmony's opened analysis channel).
    public func promptOpensThinking(_ prompt: [TokenID]) -> Bool {
        guard let opener = thinkingOpener, !opener.isEmpty else { return false }
        let lastTurn = prompt.lastIndex(of: turnStart) ?? 0
        let tail = Array(prompt[lastTurn...])
        guard tail.count >= opener.count else { return false }
        guard let open = (0...(tail.count - opener.count)).last(where: { Array(tail[$0..<($0 + opener.count)]) == opener })
        else { return false }
        return thinkEnd.map { !tail[(open + opener.count)...].contains($0) } ?? true
    }

    /// `prompt` with the thinking opener appended unless it already opens thinking (`--prefill-think`:
    /// a model that would not open thinking by itself starts inside it).
    public func openingThinking(_ prompt: [TokenID]) -> [TokenID] {
        guard let opener = thinkingOpener, !promptOpensThinking(prompt) else { return prompt }
        return prompt + opener + (template == .harmony || template == .s1 ? [] : tokenizer.encodeUserText("\n"))
    }

    /// Every special token text a known format places or detects: each template's controls, the think
    /// delimiters and harmony's `<|call|>` (what a tokenizer without a vocabulary list is asked for).
    public static var specialTokenTexts: [String] {
        var seen = Set<String>()
        return (Template.allCases.flatMap(\.controls) + ["<think>", "</think>", "<|call|>"]).filter { seen.insert($0).inserted }
    }

    /// The think delimiters, when the vocabulary has both.
    var thinkTokens: (TokenID, TokenID)? { thinkStart.flatMap { s in thinkEnd.map { (s, $0) } } }

    /// Qwen3's template: see `Template.chatML`.
    private func chatML(_ messages: [ChatMessage], addGenerationPrompt: Bool, enableThinking: Bool,
                        _ b: inout SegmentBuilder) {
        let imStart = controls["<|im_start|>"]!, imEnd = controls["<|im_end|>"]!
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

struct SegmentBuilder {
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
