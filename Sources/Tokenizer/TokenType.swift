/// A token id, as llama.cpp numbers them (index into `tokenizer.ggml.tokens`).
public typealias TokenID = Int32

/// `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`).
public enum TokenType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case undefined = 0
    /// An ordinary BPE token, written in the byte-level alphabet.
    case normal = 1
    case unknown = 2
    /// A control token such as `<|im_start|>`: rendered only on request, matched in text only when
    /// special parsing is on.
    case control = 3
    /// An added token such as `<think>`: its text is literal, always rendered, and llama.cpp matches it in
    /// input text even without special parsing.
    case userDefined = 4
    case unused = 5
    case byte = 6

    public var description: String {
        switch self {
        case .undefined: return "UNDEFINED"
        case .normal: return "NORMAL"
        case .unknown: return "UNKNOWN"
        case .control: return "CONTROL"
        case .userDefined: return "USER_DEFINED"
        case .unused: return "UNUSED"
        case .byte: return "BYTE"
        }
    }

    /// Tokens llama.cpp splits out of input text before BPE (its "special token cache").
    var isSpecialCandidate: Bool { self == .control || self == .userDefined || self == .unknown }
}
