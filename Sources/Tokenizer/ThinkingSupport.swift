/// Whether and how a model thinks, decided from its tokens (a vocabulary, or a server's) and its chat template.
public struct ThinkingSupport: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        /// No think tokens, or a template that never opens a think block (e.g. Qwen3-Instruct-2507).
        case unsupported
        /// Qwen3 hybrid thinking: on by default, `enable_thinking = false` prefills an empty think block,
        /// `/think` and `/no_think` switch per turn.
        case hybrid
        /// The generation prompt always opens `<think>\n` (Qwen3-Thinking-2507): output starts inside thinking
        /// and usually contains only `</think>`.
        case alwaysOn
        /// The generation prompt always has the empty think block (Qwen's `qwen3_nonthinking.jinja`).
        case alwaysOff
    }

    public let mode: Mode
    /// `<think>` and `</think>`, looked up by text.
    public let thinkStart: TokenID?
    public let thinkEnd: TokenID?
    public let hasChatTemplate: Bool
    /// The template mentions `<think>`.
    public let templateMentionsThink: Bool
    /// The template reads `enable_thinking`.
    public let templateHasEnableThinking: Bool

    public var supportsThinking: Bool { mode != .unsupported }

    public init(vocabulary: Vocabulary, template kind: ChatFormat.Template = .chatML) {
        self.init(codec: BPETokenizer(vocabulary: vocabulary), template: kind)
    }

    public init(codec: any TokenCodec, template kind: ChatFormat.Template = .chatML) {
        // harmony: thinking is the analysis message, from its <|message|> to its <|end|>; s1: from
        // <|im_start|>think to the next <|im_start|>.
        let delimiters: (String, String) = switch kind {
        case .harmony: ("<|message|>", "<|end|>")
        case .s1: ("<|im_start|>", "<|im_start|>")
        default: ("<think>", "</think>")
        }
        thinkStart = codec.specialToken(delimiters.0)
        thinkEnd = codec.specialToken(delimiters.1)
        let template = codec.chatTemplate
        hasChatTemplate = template != nil
        templateMentionsThink = template?.contains("<think>") ?? false
        templateHasEnableThinking = template?.contains("enable_thinking") ?? false
        mode = Self.decide(hasTokens: thinkStart != nil && thinkEnd != nil, template: template, kind: kind)
    }

    static func decide(hasTokens: Bool, template: String?, kind: ChatFormat.Template = .chatML) -> Mode {
        guard hasTokens else { return .unsupported }
        if kind == .harmony || kind == .s1 { return .alwaysOn }  // the generation prompt opens thinking
        if kind == .deepSeekR1 {
            // The updated R1 templates open `<think>\n` themselves; older ones leave it to the model.
            return template?.contains(#"<｜Assistant｜><think>\n"#) == true ? .alwaysOn : .hybrid
        }
        guard let t = template else { return .hybrid }  // think tokens but no template: original Qwen3 behaviour
        if t.contains("enable_thinking") { return .hybrid }
        // Template string literals spell the newline as the two characters `\n`.
        if t.contains(#"assistant\n<think>\n\n</think>\n\n"#) { return .alwaysOff }
        if t.contains(#"assistant\n<think>\n"#) { return .alwaysOn }
        return .unsupported
    }
}
