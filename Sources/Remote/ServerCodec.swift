import Foundation
import Tokenizer

/// A token-level server's tokenizer endpoints: what tokenization from the server alone needs
/// (llama-server `/tokenize`, `/detokenize`, `/props`; vLLM and SGLang `/tokenize`, `/detokenize`).
public protocol ServerTokenizer: Sendable {
    var url: URL { get }
    var engine: String { get }
    /// Whether `tokenize` honours `parseSpecial: false` (llama-server), so control tokens can be told
    /// from user-defined ones by asking; Hugging Face tokenizers always parse added tokens, and a
    /// token spelled `<|…|>` or `<｜…｜>` is then taken for a control token (as the tokenizer.json
    /// loader does).
    var tellsControlTokens: Bool { get }
    /// `text` as ids (and each token's bytes, where the server gives them); `addSpecial` lets the
    /// server add its BOS.
    func tokenize(_ text: String, parseSpecial: Bool, addSpecial: Bool) throws -> ServerTokens
    /// The text of `ids`, special tokens rendered.
    func detokenize(_ ids: [Int]) throws -> String
    /// What the server says about its model.
    func modelFacts() throws -> ServedModelFacts
    /// The prompt ids the server's own chat template gives `messages` (with the generation prompt),
    /// or nil when it cannot render it (SGLang has no such endpoint).
    func renderChat(_ messages: [ChatMessage], enableThinking: Bool) throws -> [Int]?
}

extension ServerTokenizer {
    /// The server's tokenization of `text` (special tokens parsed), to check a local tokenizer.
    public func tokenize(_ text: String) throws -> [Int] { try tokenize(text, parseSpecial: true, addSpecial: false).ids }
}

/// A tokenization: the ids, and each one's bytes when the server sends them (llama-server's pieces).
public struct ServerTokens: Sendable, Equatable {
    public var ids: [Int]
    public var pieces: [[UInt8]]?
    public init(ids: [Int], pieces: [[UInt8]]?) {
        self.ids = ids
        self.pieces = pieces
    }
}

/// What a server says about the model it serves.
public struct ServedModelFacts: Sendable, Equatable {
    /// The chat template's text (llama-server's `/props`).
    public var chatTemplate: String?
    public var vocabularySize: Int?
    public var bosText: String?
    public var eosText: String?
    /// The model's path or name.
    public var model: String?
    /// What the server does not publish that a local tokenizer would give (one phrase).
    public var missing: String?
    public init() {}
}

/// Tokenization from the server alone: a `TokenCodec` answered by a server's tokenizer endpoints.
///
/// Made by `connect`, which asks everything the chat format needs while it can still fail with one
/// line: a round trip of a test sentence through `/tokenize` and `/detokenize`, every special token
/// text a known chat format or end of turn uses (one `/tokenize` each, parsed specially: a single id
/// is that token), whether the server adds a BOS, and the model facts (chat template, EOS).
/// Afterwards user text is encoded by `/tokenize` (cached per text), and token bytes come from what
/// the stream sent (`learn`), from `/tokenize`'s pieces, or from `/detokenize` (cached per id; a
/// token whose text alone is not valid UTF-8 is decoded together with its neighbours, see
/// `StreamingDecoder`). A request that fails later cannot throw through `TokenCodec`: it is kept,
/// the call gives what it has, and `ServerModel` raises it as the next segment's error.
public final class ServerCodec: TokenCodec, @unchecked Sendable {
    public let server: any ServerTokenizer
    public let facts: ServedModelFacts
    public var source: String { "server \(server.url.absoluteString)" }
    public let vocabularySize: Int
    public var chatTemplate: String? { facts.chatTemplate }
    public let addBOS: Bool
    public let bosID: TokenID?
    public let endOfGeneration: Set<TokenID>
    /// Special token ids by text (the ones `connect` found).
    public let specials: [String: TokenID]
    /// The ones among them that render only with `renderSpecial` (control tokens).
    public let controls: Set<TokenID>
    private let texts: [TokenID: String]

    private let lock = NSLock()
    /// Exact bytes of tokens.
    private var pieces: [TokenID: [UInt8]] = [:]
    /// Tokens whose text alone is not valid UTF-8 (known only together with their neighbours).
    private var partial: Set<TokenID> = []
    private var encoded: [String: [TokenID]] = [:]
    private var byteTokens: [UInt8: TokenID] = [:]
    private var failure: ServerError?

    /// The sentence whose round trip `connect` checks.
    public static let probe = "ThinkScope checks its tokenizer: 17 + 25 = 42, naïve café, 東京."

    /// Every special token text a known chat format, thinking delimiter or end of turn uses.
    public static var specialTexts: [String] {
        var seen = Set<String>()
        return (ChatFormat.specialTokenTexts + Vocabulary.endOfTurnTexts).filter { seen.insert($0).inserted }
    }

    public static func connect(_ server: any ServerTokenizer) throws -> ServerCodec {
        let url = server.url.absoluteString
        let hint = "tokenization from the server alone needs its /tokenize and /detokenize; pass the served model's GGUF or tokenizer.json as --tokenizer"
        func asking<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as ServerError {
                throw ServerError(e.server, "\(e.message) (\(hint))")
            } catch {
                throw ServerError(url, "\(error) (\(hint))")
            }
        }
        let facts: ServedModelFacts = try asking { try server.modelFacts() }
        let sentence: ServerTokens = try asking { try server.tokenize(Self.probe, parseSpecial: false, addSpecial: false) }
        let back: String = try asking { try server.detokenize(sentence.ids) }
        guard !sentence.ids.isEmpty, back == Self.probe else {
            throw ServerError(url, "/tokenize then /detokenize of a test sentence gave \(back.debugDescription) back "
                              + "(\(sentence.ids.count) tokens); \(hint)")
        }
        var specials: [String: TokenID] = [:], controls = Set<TokenID>()
        var known: [TokenID: [UInt8]] = [:]
        func lookUp(_ text: String) throws -> TokenID? {
            if let id = specials[text] { return id }
            let t: ServerTokens = try asking { try server.tokenize(text, parseSpecial: true, addSpecial: false) }
            guard t.ids.count == 1, let id = TokenID(exactly: t.ids[0]) else { return nil }
            specials[text] = id
            known[id] = Array(text.utf8)
            let control: Bool
            if server.tellsControlTokens {
                let unparsed: ServerTokens = try asking { try server.tokenize(text, parseSpecial: false, addSpecial: false) }
                control = unparsed.ids != t.ids
            } else {
                control = (text.hasPrefix("<|") && text.hasSuffix("|>")) || (text.hasPrefix("<｜") && text.hasSuffix("｜>"))
            }
            if control { controls.insert(id) }
            return id
        }
        for text in specialTexts { _ = try lookUp(text) }
        // A BOS is what `add_special` puts before the ids of the same text.
        let plain: [Int] = try asking { try server.tokenize("a", parseSpecial: false, addSpecial: false).ids }
        let added: [Int] = try asking { try server.tokenize("a", parseSpecial: false, addSpecial: true).ids }
        var bos: TokenID?
        let addBOS = added.count == plain.count + 1 && Array(added.dropFirst()) == plain
        if addBOS { bos = TokenID(exactly: added[0]) } else if let text = facts.bosText, !text.isEmpty { bos = try lookUp(text) }
        if let bos {
            controls.insert(bos)
            if known[bos] == nil, let text = facts.bosText { known[bos] = Array(text.utf8) }
        }
        var ends = Set(Vocabulary.endOfTurnTexts.compactMap { specials[$0] })
        if let text = facts.eosText, !text.isEmpty, let eos = try lookUp(text) {
            ends.insert(eos)
            controls.insert(eos)
        }
        let codec = ServerCodec(server: server, facts: facts, specials: specials, controls: controls, addBOS: addBOS, bos: bos,
                                endOfGeneration: ends)
        codec.pieces = known
        if let p = sentence.pieces { codec.learn(zip(sentence.ids, p).map { (TokenID($0.0), $0.1) }) }
        return codec
    }

    private init(server: any ServerTokenizer, facts: ServedModelFacts, specials: [String: TokenID], controls: Set<TokenID>,
                 addBOS: Bool, bos: TokenID?, endOfGeneration: Set<TokenID>) {
        self.server = server
        self.facts = facts
        self.specials = specials
        self.controls = controls
        self.addBOS = addBOS
        bosID = bos
        self.endOfGeneration = endOfGeneration
        texts = Dictionary(specials.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        vocabularySize = facts.vocabularySize ?? 0
    }

    /// Token bytes the server sent (a stream's pieces); they are exact.
    public func learn(_ learned: [(TokenID, [UInt8])]) {
        guard !learned.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        for (id, bytes) in learned where texts[id] == nil {
            pieces[id] = bytes
            partial.remove(id)
        }
    }

    /// How the server's own chat template compares with a detected format.
    public enum TemplateCheck: Sendable, Equatable {
        case agrees
        /// One line saying where they part.
        case differs(String)
        /// The server cannot render its template (or the request failed).
        case unchecked
    }

    /// Whether the server's own chat template renders a test conversation as `chat` does, thinking
    /// on and off. A server that does not publish its template text has its format detected from
    /// special tokens; this says when that detection is wrong (a template that always opens thinking).
    public func checkTemplate(_ chat: ChatFormat) -> TemplateCheck {
        let messages: [ChatMessage] = [.system("You are brief."), .user("What is 17+25?")]
        for thinking in [true, false] {
            guard let theirs = try? server.renderChat(messages, enableThinking: thinking) else { return .unchecked }
            let ours = chat.render(messages, enableThinking: thinking).map(Int.init)
            if ours == theirs { continue }
            let common = zip(ours, theirs).prefix { $0 == $1 }.count
            func text(_ ids: [Int]) -> String { decode(ids.dropFirst(common).prefix(8).map(TokenID.init), renderSpecial: true).debugDescription }
            return .differs("\(server.engine)'s chat template renders a test conversation (thinking \(thinking ? "on" : "off")) differently "
                + "from the detected \(chat.template.rawValue) format with \(chat.thinking.mode.rawValue) thinking: after \(common) tokens it has "
                + "\(text(theirs)), this client \(text(ours))")
        }
        return .agrees
    }

    /// The first request that failed since the last call (and forgets it).
    public func takeFailure() -> ServerError? {
        lock.lock()
        defer { lock.unlock() }
        defer { failure = nil }
        return failure
    }

    private func failed(_ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil {
            failure = (error as? ServerError) ?? ServerError(server.url.absoluteString, "\(error)")
        }
    }

    private func cached<T>(_ read: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return read()
    }

    // MARK: TokenCodec

    public func specialToken(_ text: String) -> TokenID? { specials[text] }

    public func tokenText(_ id: TokenID) -> String? {
        if let t = texts[id] { return t }
        do { return try server.detokenize([Int(id)]) } catch {
            failed(error)
            return nil
        }
    }

    public func encode(_ text: String, parseSpecial: Bool) -> [TokenID] {
        do {
            let t = try server.tokenize(text, parseSpecial: parseSpecial, addSpecial: false)
            if let p = t.pieces { learn(zip(t.ids, p).map { (TokenID($0.0), $0.1) }) }
            return t.ids.compactMap { TokenID(exactly: $0) }
        } catch {
            failed(error)
            return []
        }
    }

    /// The server's ids for `text`, with every special token it split out (a user-defined token such
    /// as `</think>`, which servers split even without special parsing) replaced by the tokens of its
    /// single bytes, as `BPETokenizer.encodeUserText` does: user text never opens a turn or ends
    /// thinking. Cached per text.
    public func encodeUserText(_ text: String) -> [TokenID] {
        if text.isEmpty { return [] }
        if let ids = cached({ encoded[text] }) { return ids }
        var ids = encode(text, parseSpecial: false)
        if ids.contains(where: { texts[$0] != nil }) {
            ids = ids.flatMap { id -> [TokenID] in
                guard let special = texts[id] else { return [id] }
                return Array(special.utf8).flatMap { byteTokens(for: $0) }
            }
        }
        if cached({ failure == nil }) { cached { encoded[text] = ids } }
        return ids
    }

    /// The token of one byte (ASCII: the character alone is one token in a byte-level vocabulary).
    private func byteTokens(for byte: UInt8) -> [TokenID] {
        if let id = cached({ byteTokens[byte] }) { return [id] }
        guard byte < 0x80 else { return [] }
        let ids = encode(String(UnicodeScalar(byte)), parseSpecial: false)
        if ids.count == 1 { cached { byteTokens[byte] = ids[0] } }
        return ids
    }

    public func piece(_ id: TokenID, renderSpecial: Bool) -> [UInt8]? {
        if controls.contains(id) && !renderSpecial { return [] }
        if let bytes = cached({ pieces[id] }) { return bytes }
        if cached({ partial.contains(id) }) { return nil }
        let text: String
        do { text = try server.detokenize([Int(id)]) } catch {
            failed(error)
            return []
        }
        lock.lock()
        defer { lock.unlock() }
        // A replacement character: the token's bytes end (or start) inside a UTF-8 character.
        if text.unicodeScalars.contains("\u{FFFD}") {
            partial.insert(id)
            return nil
        }
        pieces[id] = Array(text.utf8)
        return pieces[id]
    }

    /// The pieces of `ids` when each is known exactly, else the server's text of them all in one
    /// request (bytes that complete each other across tokens are decoded together).
    public func decodeBytes(_ ids: [TokenID], renderSpecial: Bool) -> [UInt8] {
        let shown = renderSpecial ? ids : ids.filter { !controls.contains($0) }
        var out: [UInt8] = []
        for id in shown {
            guard let bytes = piece(id, renderSpecial: renderSpecial) else {
                do { return Array(try server.detokenize(shown.map(Int.init)).utf8) } catch {
                    failed(error)
                    return out
                }
            }
            out += bytes
        }
        return out
    }
}
