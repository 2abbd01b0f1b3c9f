/// What the chat format and the generation loop need from a tokenizer: text to ids and ids to bytes,
/// the texts of tokens, special tokens found by their text, and the facts the chat format is detected
/// from. `BPETokenizer` is one (a local vocabulary: a GGUF or a tokenizer.json); a server that has no
/// local copy of its tokenizer is another (`ServerCodec` in Remote: its `/tokenize` and `/detokenize`).
///
/// Everything here is answered without failing: a codec that can fail (a server) checks its endpoints
/// when it is made, and reports a later failure where it can be raised (see `ServerCodec`).
public protocol TokenCodec: Sendable {
    /// Where the tokens come from (a file path, a server URL), for messages.
    var source: String { get }
    /// Ids run from 0 to `vocabularySize - 1` (0 when the source does not say).
    var vocabularySize: Int { get }
    /// The model's chat template text, when the source has it.
    var chatTemplate: String? { get }
    /// Whether a prompt starts with `bosID`.
    var addBOS: Bool { get }
    var bosID: TokenID? { get }
    /// Ids whose generation ends a reply (the EOS id and the end-of-turn tokens llama.cpp knows).
    var endOfGeneration: Set<TokenID> { get }

    /// The id of the token spelled exactly `text` (`<think>`, `<|im_start|>`), or nil when `text` is not
    /// one token.
    func specialToken(_ text: String) -> TokenID?
    /// The token's text as the vocabulary spells it (control tokens literally).
    func tokenText(_ id: TokenID) -> String?
    /// Plain text as ordinary tokens: never a control or user-defined token (see `BPETokenizer`).
    func encodeUserText(_ text: String) -> [TokenID]
    /// llama.cpp's tokenization (no BOS added); with `parseSpecial` special token texts become their tokens.
    func encode(_ text: String, parseSpecial: Bool) -> [TokenID]
    /// The bytes token `id` renders to (control tokens only with `renderSpecial`), or nil when they are
    /// known only together with the tokens next to it (a server that detokenizes to text, for a token
    /// that ends inside a UTF-8 character): `StreamingDecoder` then decodes the run with `decodeBytes`.
    func piece(_ id: TokenID, renderSpecial: Bool) -> [UInt8]?
    /// The bytes of `ids` together.
    func decodeBytes(_ ids: [TokenID], renderSpecial: Bool) -> [UInt8]
}

extension TokenCodec {
    public func decodeBytes(_ ids: [TokenID]) -> [UInt8] { decodeBytes(ids, renderSpecial: false) }

    /// The text of `ids`, invalid UTF-8 replaced by U+FFFD. Control tokens appear only with `renderSpecial`.
    public func decode(_ ids: [TokenID], renderSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// A streaming decoder over this codec.
    public func streamingDecoder(renderSpecial: Bool = false) -> StreamingDecoder {
        StreamingDecoder(codec: self, renderSpecial: renderSpecial)
    }
}

extension BPETokenizer: TokenCodec {
    public var source: String { vocabulary.source }
    public var vocabularySize: Int { vocabulary.count }
    public var chatTemplate: String? { vocabulary.chatTemplate }
    public var addBOS: Bool { vocabulary.addBOS }
    public var bosID: TokenID? { vocabulary.bosID }
    public var endOfGeneration: Set<TokenID> { vocabulary.endOfGeneration }
    public func specialToken(_ text: String) -> TokenID? { vocabulary.id(forText: text) }
    public func tokenText(_ id: TokenID) -> String? { vocabulary.text(of: id) }

    public func piece(_ id: TokenID, renderSpecial: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        vocabulary.appendPiece(id, renderSpecial: renderSpecial, to: &out)
        return out
    }

    /// The bytes of `ids` (what llama.cpp's detokenizer returns before any UTF-8 handling).
    public func decodeBytes(_ ids: [TokenID], renderSpecial: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { vocabulary.appendPiece(id, renderSpecial: renderSpecial, to: &out) }
        return out
    }
}
