/// Turns a stream of token ids into text, one token at a time, emitting only complete UTF-8 characters.
///
/// A token can end in the middle of a multi-byte character (byte-level BPE splits anywhere); those bytes are
/// held until the character is complete. Bytes that cannot become a valid character are emitted as U+FFFD
/// as soon as that is certain (the Unicode "maximal subpart" rule, the same as `String(decoding:as:)`), so
/// at most 3 bytes are ever held. `finish()` flushes a held incomplete character as U+FFFD.
///
/// The concatenation of everything returned equals `String(decoding: allBytes, as: UTF8.self)`.
///
/// A codec that knows a token's text only together with its neighbours (a server that detokenizes to
/// text; `TokenCodec.piece` is nil) has the run from the last character boundary decoded together
/// (`decodeBytes`), held until its text no longer ends in U+FFFD (the character was completed) or 4
/// such tokens are held (no character spans more).
public struct StreamingDecoder: Sendable {
    public let codec: any TokenCodec
    /// The local vocabulary, when there is one: its pieces are appended without a copy.
    private let vocabulary: Vocabulary?
    /// Whether CONTROL tokens render their text (USER_DEFINED tokens always do).
    public var renderSpecial: Bool
    private var pending: [UInt8] = []
    /// Tokens whose bytes are known only as a run (see above), the bytes of the run already
    /// emitted, and how many of the run came after the boundary.
    private var held: [TokenID] = []
    private var heldEmitted = 0
    private var heldAfter = 0
    /// Tokens whose bytes reach into `pending` (since it was last empty), and their byte count.
    private var tail: [TokenID] = []
    private var tailBytes = 0

    public init(codec: any TokenCodec, renderSpecial: Bool = false) {
        self.codec = codec
        vocabulary = (codec as? BPETokenizer)?.vocabulary
        self.renderSpecial = renderSpecial
    }

    public init(vocabulary: Vocabulary, renderSpecial: Bool = false) {
        self.init(codec: BPETokenizer(vocabulary: vocabulary), renderSpecial: renderSpecial)
    }

    /// Bytes held back waiting for the rest of a character (0 to 3).
    public var pendingByteCount: Int { pending.count }

    /// Adds one token; returns the text that is now complete (possibly empty).
    public mutating func append(_ id: TokenID) -> String {
        if let vocabulary {
            vocabulary.appendPiece(id, renderSpecial: renderSpecial, to: &pending)
            return drain()
        }
        if held.isEmpty, let bytes = codec.piece(id, renderSpecial: renderSpecial) {
            pending.append(contentsOf: bytes)
            tail.append(id)
            tailBytes += bytes.count
            let text = drain()
            if pending.isEmpty { (tail, tailBytes) = ([], 0) }
            return text
        }
        if held.isEmpty {
            // The run starts with the tokens whose bytes are still pending: their text was not emitted.
            (held, heldEmitted) = (tail, tailBytes - pending.count)
            pending.removeAll()
            (tail, tailBytes) = ([], 0)
        }
        held.append(id)
        heldAfter += 1
        let bytes = codec.decodeBytes(held, renderSpecial: renderSpecial)
        if heldAfter < 4 && bytes.count >= 3 && bytes.suffix(3).elementsEqual([0xEF, 0xBF, 0xBD]) { return "" }
        pending.append(contentsOf: bytes.dropFirst(heldEmitted))
        (held, heldEmitted, heldAfter) = ([], 0, 0)
        return drain()
    }

    /// Adds raw bytes (for callers that produce bytes themselves); returns the text that is now complete.
    public mutating func append<C: Collection<UInt8>>(bytes: C) -> String {
        pending.append(contentsOf: bytes)
        return drain()
    }

    /// Ends the stream: held tokens are decoded as they are, a held incomplete character becomes U+FFFD.
    public mutating func finish() -> String {
        var text = ""
        if !held.isEmpty {
            pending.append(contentsOf: codec.decodeBytes(held, renderSpecial: renderSpecial).dropFirst(heldEmitted))
            (held, heldEmitted, heldAfter) = ([], 0, 0)
            text = drain()
        }
        (tail, tailBytes) = ([], 0)
        defer { pending.removeAll() }
        return text + (pending.isEmpty ? "" : "\u{FFFD}")
    }

    /// Emits every complete character and every certainly-invalid subsequence; keeps a valid incomplete tail.
    private mutating func drain() -> String {
        let n = pending.count
        guard n > 0 else { return "" }
        let keep = UTF8Tail.incompleteSuffixLength(pending)
        if keep == 0 {
            defer { pending.removeAll(keepingCapacity: true) }
            return String(decoding: pending, as: UTF8.self)
        }
        let text = String(decoding: pending[0..<(n - keep)], as: UTF8.self)
        pending.removeFirst(n - keep)
        return text
    }
}

/// UTF-8 well-formedness of a buffer's end.
enum UTF8Tail {
    /// Length of the trailing bytes that form a valid but incomplete character (0 if the buffer ends at a
    /// character boundary or in bytes that can never complete).
    static func incompleteSuffixLength(_ b: [UInt8]) -> Int {
        let n = b.count
        // the lead byte of an incomplete sequence is at most 3 bytes from the end
        var k = 1
        while k <= min(3, n) {
            let lead = b[n - k]
            if lead & 0xC0 != 0x80 {
                // found a non-continuation byte: is b[n-k..<n] a valid proper prefix?
                return isValidIncompletePrefix(b, from: n - k) ? k : 0
            }
            k += 1
        }
        return 0
    }

    private static func isValidIncompletePrefix(_ b: [UInt8], from s: Int) -> Bool {
        let lead = b[s]
        let have = b.count - s
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0: need = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 3
        case 0xED: need = 3; hi = 0x9F
        case 0xF0: need = 4; lo = 0x90
        case 0xF1...0xF3: need = 4
        case 0xF4: need = 4; hi = 0x8F
        default: return false
        }
        guard have < need else { return false }
        if have >= 2 && !(lo...hi).contains(b[s + 1]) { return false }
        for i in 2..<max(2, have) where b[s + i] & 0xC0 != 0x80 { return false }
        return true
    }
}
