/// A byte-level BPE vocabulary (`tokenizer.ggml.model = gpt2`): token texts and types, merges, special ids.
///
/// Build it from arrays (tests, tools) or from a GGUF file (`Vocabulary(gguf:)`). All tables the encoder and
/// decoder need are derived once here.
public struct Vocabulary: Sendable {
    /// `tokenizer.ggml.pre` values this tokenizer implements: the Qwen2 pattern (`qwen2`, `deepseek-r1-qwen`,
    /// `kormo`; llama.cpp maps them to the same regex), the Llama-3 pattern (`llama-bpe`, `smaug-bpe`) and
    /// o200k's (`gpt-4o`).
    public static let supportedPreTokenizers = ["qwen2", "deepseek-r1-qwen", "kormo", "llama-bpe", "smaug-bpe", "gpt-4o"]

    /// What a `tokenizer.ggml.pre` value changes, as llama.cpp's vocabulary loader sets it.
    public struct PreTokenizerRules: Sendable, Equatable {
        public var pattern: PreTokenizer.Pattern
        /// A pre-token that is a whole token skips the merges (`llama-bpe` only, not `smaug-bpe`).
        public var ignoreMerges: Bool
        /// A BOS is added when the file has no `add_bos_token` key (`llama-bpe`).
        public var addsBOSByDefault: Bool
        /// Detokenizing a sequence tidies spaces before punctuation and contractions (llama.cpp's
        /// `clean_spaces`, which its loader leaves on for `llama-bpe` and `smaug-bpe` and turns off for the
        /// Qwen2 types and `gpt-4o`). See `BPETokenizer.detokenize`.
        public var cleansSpaces: Bool

        public init(_ pre: String) {
            switch pre {
            case "llama-bpe", "smaug-bpe": pattern = .llama3
            case "gpt-4o": pattern = .gpt4o
            default: pattern = .qwen2
            }
            ignoreMerges = pre == "llama-bpe"
            addsBOSByDefault = pre == "llama-bpe"
            cleansSpaces = pattern == .llama3
        }
    }

    public var preTokenizerRules: PreTokenizerRules { PreTokenizerRules(preTokenizer) }

    /// Where the vocabulary came from (a file path, or `<arrays>`); used in error messages.
    public let source: String
    /// Token texts as stored: NORMAL tokens in the byte-level alphabet, added tokens literally.
    public let tokens: [String]
    public let types: [TokenType]
    public let preTokenizer: String
    public let bosID: TokenID?
    public let eosID: TokenID?
    public let padID: TokenID?
    public let addBOS: Bool
    public let addEOS: Bool
    /// `tokenizer.chat_template`, if the file has one.
    public let chatTemplate: String?
    /// Number of merges that can never apply (a part outside the byte-level alphabet).
    public var inertMergeCount: Int { bpe.inertMerges }

    let bpe: BPEModel
    let pieces: PieceTable
    /// Texts with characters outside the byte-level alphabet (added tokens only); the others are found
    /// through `bpe.symbols`.
    private let otherTextToID: [[UInt8]: TokenID]
    /// CONTROL, USER_DEFINED and UNKNOWN tokens with non-empty text, longest text first (llama.cpp's order for
    /// splitting them out of input text).
    let specialTokens: [TokenID]
    /// UTF-8 text of each entry of `specialTokens`.
    let specialTokenBytes: [[UInt8]]

    public var count: Int { tokens.count }

    /// Builds a vocabulary from arrays. `types` defaults to NORMAL for every token.
    public init(tokens: [String], types: [TokenType]? = nil, merges: [String], preTokenizer: String = "qwen2",
                bosID: TokenID? = nil, eosID: TokenID? = nil, padID: TokenID? = nil,
                addBOS: Bool = false, addEOS: Bool = false, chatTemplate: String? = nil,
                source: String = "<arrays>") throws(VocabularyError) {
        guard !tokens.isEmpty else { throw VocabularyError(source: source, .emptyVocabulary) }
        var types = types ?? [TokenType](repeating: .normal, count: tokens.count)
        guard types.count == tokens.count else {
            throw VocabularyError(source: source,
                                  .lengthMismatch(key: "tokenizer.ggml.token_type", expected: tokens.count, found: types.count))
        }
        guard Self.supportedPreTokenizers.contains(preTokenizer) else {
            throw VocabularyError(source: source, .unsupportedPreTokenizer(preTokenizer))
        }
        for (key, id) in [("tokenizer.ggml.bos_token_id", bosID), ("tokenizer.ggml.eos_token_id", eosID),
                          ("tokenizer.ggml.padding_token_id", padID)] {
            if let id, id < 0 || Int(id) >= tokens.count {
                throw VocabularyError(source: source, .idOutOfRange(key: key, id: Int(id), count: tokens.count))
            }
        }
        TokenTypeOverrides.apply(tokens: tokens, types: &types)
        self.source = source
        self.tokens = tokens
        self.types = types
        self.preTokenizer = preTokenizer
        self.bosID = bosID
        self.eosID = eosID
        self.padID = padID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.chatTemplate = chatTemplate
        // One pass over the tokens: raw bytes for BPE symbols and text lookup, and the rendered pieces.
        var symbols = ByteStringTable(minimumCapacity: tokens.count + 1024)
        var other: [[UInt8]: TokenID] = [:]
        var arena: [UInt8] = []
        arena.reserveCapacity(tokens.count * 8)
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(tokens.count + 1)
        var raw: [UInt8] = []
        for i in tokens.indices {
            var t = tokens[i]
            let inAlphabet = t.withUTF8 { u in
                raw.removeAll(keepingCapacity: true)
                return ByteLevel.decodeUTF8(u, into: &raw)
            }
            if inAlphabet {
                symbols.set(raw, Int32(i))  // the last token with a text wins, like llama.cpp
            } else {
                other[Array(t.utf8)] = Int32(i)
            }
            switch types[i] {
            case .normal:
                if inAlphabet { arena.append(contentsOf: raw) } else { arena.append(contentsOf: ByteLevel.decodeLenient(t)) }
            case .control, .userDefined, .unknown:
                arena.append(contentsOf: t.utf8)
            case .undefined, .unused, .byte:
                break  // llama.cpp renders these as nothing for BPE vocabularies
            }
            offsets.append(Int32(truncatingIfNeeded: arena.count))
        }
        pieces = PieceTable(arena: arena, offsets: offsets)
        otherTextToID = other
        bpe = try BPEModel(vocabularySize: tokens.count, symbols: symbols, merges: merges,
                           ignoreMerges: PreTokenizerRules(preTokenizer).ignoreMerges, source: source)
        specialTokens = tokens.indices
            .filter { types[$0].isSpecialCandidate && !tokens[$0].isEmpty }
            .sorted { a, b in
                let la = tokens[a].utf8.count, lb = tokens[b].utf8.count
                return la != lb ? la > lb : a < b
            }
            .map { TokenID($0) }
        specialTokenBytes = specialTokens.map { Array(tokens[Int($0)].utf8) }
    }

    /// Like the main initializer, with raw `token_type` integers (validated to 0...6).
    public init(tokens: [String], rawTypes: [Int], merges: [String], preTokenizer: String = "qwen2",
                bosID: TokenID? = nil, eosID: TokenID? = nil, padID: TokenID? = nil,
                addBOS: Bool = false, addEOS: Bool = false, chatTemplate: String? = nil,
                source: String = "<arrays>") throws(VocabularyError) {
        var types: [TokenType] = []
        types.reserveCapacity(rawTypes.count)
        for (i, v) in rawTypes.enumerated() {
            guard let t = Int32(exactly: v).flatMap(TokenType.init(rawValue:)) else {
                throw VocabularyError(source: source, .invalidTokenType(index: i, value: v))
            }
            types.append(t)
        }
        try self.init(tokens: tokens, types: types, merges: merges, preTokenizer: preTokenizer, bosID: bosID,
                      eosID: eosID, padID: padID, addBOS: addBOS, addEOS: addEOS, chatTemplate: chatTemplate,
                      source: source)
    }

    // MARK: Lookup

    /// The id of the token whose stored text is exactly `text` (for added tokens: their literal text).
    public func id(forText text: String) -> TokenID? {
        if !otherTextToID.isEmpty, let id = otherTextToID[Array(text.utf8)] { return id }
        var text = text
        var raw: [UInt8] = []
        guard text.withUTF8({ ByteLevel.decodeUTF8($0, into: &raw) }), let id = bpe.symbols.lookup(raw),
              Int(id) < tokens.count else { return nil }
        return id
    }

    public func type(of id: TokenID) -> TokenType? {
        guard id >= 0 && Int(id) < types.count else { return nil }
        return types[Int(id)]
    }

    public func text(of id: TokenID) -> String? {
        guard id >= 0 && Int(id) < tokens.count else { return nil }
        return tokens[Int(id)]
    }

    /// The bytes token `id` renders to. CONTROL and UNKNOWN tokens render only when `renderSpecial` is set;
    /// USER_DEFINED tokens always render their text; UNUSED/UNDEFINED/BYTE render nothing. Out-of-range ids
    /// render nothing.
    public func piece(_ id: TokenID, renderSpecial: Bool = false) -> [UInt8] {
        guard let t = type(of: id) else { return [] }
        if !renderSpecial && (t == .control || t == .unknown) { return [] }
        return pieces.bytes(Int(id))
    }

    @inline(__always)
    func appendPiece(_ id: TokenID, renderSpecial: Bool, to out: inout [UInt8]) {
        guard id >= 0 && Int(id) < types.count else { return }
        let t = types[Int(id)]
        if !renderSpecial && (t == .control || t == .unknown) { return }
        pieces.withBytes(Int(id)) { out.append(contentsOf: $0) }
    }

    /// `ids` with every non-NORMAL token replaced by the NORMAL tokens of its bytes. BPE can only produce a
    /// special token if some merge spells its text, which no converted Hugging Face vocabulary does; this makes
    /// the user-text guarantee hold for any file.
    func onlyNormalTokens(_ ids: [TokenID]) -> [TokenID] {
        guard ids.contains(where: { types[Int($0)] != .normal }) else { return ids }
        var out: [TokenID] = []
        for id in ids {
            if types[Int(id)] == .normal {
                out.append(id)
                continue
            }
            for byte in ByteLevel.decode(tokens[Int(id)]) ?? pieces.bytes(Int(id)) {
                let b = bpe.byteSymbol[Int(byte)]
                if Int(b) < types.count && types[Int(b)] == .normal { out.append(b) }
            }
        }
        return out
    }

    /// Texts of the tokens that end a reply when the vocabulary has them (control or user-defined).
    public static let endOfTurnTexts = ["<|endoftext|>", "<|im_end|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
                                        "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<EOT>"]

    /// Ids whose generation ends a reply: the EOS id plus tokens found by text (`<|endoftext|>`, `<|im_end|>`,
    /// `<|fim_pad|>`, `<|repo_name|>`, `<|file_sep|>` and the other end-of-turn texts llama.cpp knows).
    public var endOfGeneration: Set<TokenID> {
        var s = Set<TokenID>()
        if let eosID { s.insert(eosID) }
        for t in Self.endOfTurnTexts {
            if let id = id(forText: t), let ty = type(of: id), ty == .control || ty == .userDefined { s.insert(id) }
        }
        return s
    }
}
