/// Text -> token ids and back for a byte-level BPE vocabulary with the Qwen2 or Llama-3 pre-tokenizer.
///
/// Two ways to encode, on purpose:
/// - `encode(_:parseSpecial:)` is llama.cpp's `llama_tokenize` exactly (no BOS is added). With
///   `parseSpecial: true` every CONTROL / USER_DEFINED / UNKNOWN token text in the input becomes that token.
///   With `parseSpecial: false` llama.cpp still splits out USER_DEFINED tokens, so typing `</think>` yields the
///   `</think>` token (151668 in Qwen3). This is the parity path (the `tokenize` command, reference tests).
/// - `encodeUserText(_:)` is what the chat formatter uses for message content: the characters are encoded as
///   plain BPE and never become a CONTROL or USER_DEFINED token. A user who types `<|im_start|>` or `</think>`
///   gets the ordinary tokens for those characters, so user text cannot open a turn or end a think block;
///   only the formatter places those tokens.
public struct BPETokenizer: Sendable {
    public let vocabulary: Vocabulary
    /// Whether long inputs share a word -> ids cache within one call (on by default; it never changes the ids).
    public var wordCache = true

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        CharClass.prepare()
    }

    /// Texts longer than this share one word -> ids cache per call.
    static let cacheThreshold = 1024

    // MARK: Encoding

    /// llama.cpp-compatible tokenization (see the type's documentation).
    public func encode(_ text: String, parseSpecial: Bool) -> [TokenID] {
        var text = text
        return text.withUTF8 { buf in
            var session = EncodeSession(useCache: wordCache && buf.count > Self.cacheThreshold)
            var out: [TokenID] = []
            out.reserveCapacity(buf.count / 3 + 4)
            for f in vocabulary.fragments(buf, parseSpecial: parseSpecial) {
                if f.token >= 0 {
                    out.append(f.token)
                } else {
                    encodePlain(buf, f.start..<f.end, into: &out, session: &session)
                }
            }
            return out
        }
    }

    /// Tokenizes raw bytes that may not be valid UTF-8, exactly as llama.cpp does: special tokens are split out
    /// of the raw bytes, then each text run is decoded leniently (see `LenientUTF8`: invalid bytes become
    /// U+FFFD one byte at a time, overlong forms are shortened, encoded surrogates are kept). Never fails.
    public func encode<C: Collection<UInt8>>(bytes: C, parseSpecial: Bool) -> [TokenID] {
        let raw = Array(bytes)
        return raw.withUnsafeBufferPointer { buf in
            var session = EncodeSession(useCache: wordCache && buf.count > Self.cacheThreshold)
            var out: [TokenID] = []
            out.reserveCapacity(buf.count / 3 + 4)
            for f in vocabulary.fragments(buf, parseSpecial: parseSpecial) {
                if f.token >= 0 {
                    out.append(f.token)
                    continue
                }
                let clean = LenientUTF8.sanitize(UnsafeBufferPointer(rebasing: buf[f.start..<f.end]))
                clean.withUnsafeBufferPointer { c in encodePlain(c, 0..<c.count, into: &out, session: &session) }
            }
            return out
        }
    }

    /// Plain BPE of the characters of `text`: never produces CONTROL or USER_DEFINED tokens.
    public func encodeUserText(_ text: String) -> [TokenID] {
        var text = text
        return text.withUTF8 { buf in
            var session = EncodeSession(useCache: wordCache && buf.count > Self.cacheThreshold)
            var out: [TokenID] = []
            out.reserveCapacity(buf.count / 3 + 4)
            encodePlain(buf, 0..<buf.count, into: &out, session: &session)
            return vocabulary.onlyNormalTokens(out)
        }
    }

    /// Pre-tokenize and BPE one run of ordinary text.
    func encodePlain(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [TokenID],
                     session: inout EncodeSession) {
        let bpe = vocabulary.bpe, pattern = vocabulary.preTokenizerRules.pattern
        if session.useCache {
            PreTokenizer.split(buf, range, pattern: pattern) { s, e in
                let word = UnsafeBufferPointer(rebasing: buf[s..<e])
                if e - s > 1, let hit = session.cache.lookup(word) {
                    let (start, count) = session.entries[Int(hit)]
                    for k in 0..<Int(count) { out.append(session.ids[Int(start) + k]) }
                    return
                }
                let before = out.count
                bpe.encode(buf, s, e, into: &out)
                if e - s > 1 { session.remember(word, out[before...]) }
            }
        } else {
            PreTokenizer.split(buf, range, pattern: pattern) { s, e in
                bpe.encode(buf, s, e, into: &out)
            }
        }
    }

    // Decoding: see `TokenCodec` (`decode`, `decodeBytes`, `streamingDecoder`).

    /// llama.cpp's `llama_detokenize(remove_special: false, unparse_special: renderSpecial)`: the pieces of
    /// `decodeBytes`, then, for the pre-tokenizers where llama.cpp cleans spaces (`llama-bpe`, `smaug-bpe`),
    /// its clean-up: a space goes before `?`, `!`, `.`, `,`, before `'s`, `'m`, `'re` and `'ve` (not `'t`,
    /// `'d`, `'ll`), and on both sides of an apostrophe standing between two spaces. Lossy on purpose; for
    /// what llama.cpp's server and `common_detokenize` return, not for streaming.
    public func detokenize(_ ids: [TokenID], renderSpecial: Bool = false) -> [UInt8] {
        let bytes = decodeBytes(ids, renderSpecial: renderSpecial)
        return vocabulary.preTokenizerRules.cleansSpaces ? Self.cleanSpaces(bytes) : bytes
    }

    /// llama.cpp's three clean-up passes over detokenized bytes, each compacting in place; a pass looks at
    /// the bytes as the previous pass left them.
    static func cleanSpaces(_ input: [UInt8]) -> [UInt8] {
        let space = UInt8(ascii: " "), quote = UInt8(ascii: "'")
        var t = input
        // 1: " ?", " !", " .", " ," lose the space.
        var n = dropSpaces(&t, t.count) { t, i in
            t[i] == UInt8(ascii: "?") || t[i] == UInt8(ascii: "!") || t[i] == UInt8(ascii: ".") || t[i] == UInt8(ascii: ",")
        }
        // 2: " ' " becomes "'". The dropped second space is zeroed, so the byte after it does not see a
        // space before it.
        var kept = n > 0 ? 1 : 0
        var i = 1
        while i < n {
            let x = t[i]
            if x == quote && i + 1 < n && t[i - 1] == space && t[i + 1] == space {
                kept -= 1
                i += 1
                t[i] = 0
            }
            t[kept] = x
            kept += 1
            i += 1
        }
        // 3: " 's", " 'm", " 're", " 've" lose the space.
        n = dropSpaces(&t, kept) { t, i in
            guard t[i] == quote, i + 1 < t.count else { return false }
            let x1 = t[i + 1]
            if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") { return true }
            return (x1 == UInt8(ascii: "r") || x1 == UInt8(ascii: "v")) && i + 2 < t.count && t[i + 2] == UInt8(ascii: "e")
        }
        return Array(t[0..<n])
    }

    /// One compacting pass over t[0..<n]: the space before byte i is dropped where `after(bytes, i)`
    /// (the bytes are t[0..<n] as they were before the pass); returns the new length.
    private static func dropSpaces(_ t: inout [UInt8], _ n: Int, after: ([UInt8], Int) -> Bool) -> Int {
        let before = Array(t[0..<n])
        var kept = n > 0 ? 1 : 0
        for i in 1..<max(n, 1) {
            if before[i - 1] == UInt8(ascii: " ") && after(before, i) { kept -= 1 }
            t[kept] = before[i]
            kept += 1
        }
        return kept
    }
}

/// Per-call state of an encoding: the optional word -> ids cache.
struct EncodeSession {
    static let maxCachedWords = 1 << 16
    let useCache: Bool
    var cache = ByteStringTable()
    var entries: [(Int32, Int32)] = []
    var ids: [TokenID] = []

    init(useCache: Bool) {
        self.useCache = useCache
        if useCache { cache = ByteStringTable(minimumCapacity: 4096) }
    }

    mutating func remember(_ word: UnsafeBufferPointer<UInt8>, _ result: ArraySlice<TokenID>) {
        if entries.count >= Self.maxCachedWords {
            cache.removeAll()
            entries.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
        }
        cache.set(word, Int32(entries.count))
        entries.append((Int32(ids.count), Int32(result.count)))
        ids.append(contentsOf: result)
    }
}
