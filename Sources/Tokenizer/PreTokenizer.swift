/// The `qwen2` and `llama3` pre-tokenizers: split text into the pieces that BPE then encodes one by one.
///
/// A hand-written scanner equivalent to the pattern
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// with D = 1 for qwen2 (each digit alone) and D = 3 for llama3 (`llama-bpe`, `smaug-bpe`: digits in
/// groups of up to three), matched leftmost-first at each position (the contraction group is ASCII
/// case-insensitive, as llama.cpp expands it to `'[sS]|'[tT]|...`). It works on valid UTF-8 bytes and
/// reports byte ranges.
public enum PreTokenizer {
    /// The split patterns llama.cpp's pre-tokenizer types map to.
    public enum Pattern: Sendable, Equatable {
        /// `qwen2`, `deepseek-r1-qwen`, `kormo`: digits one by one.
        case qwen2
        /// `llama-bpe`, `smaug-bpe`: digits in groups of up to three.
        case llama3
        /// `gpt-4o` (o200k): case-aware letter runs (`splitGPT4o`).
        case gpt4o

        public static let all: [Pattern] = [.qwen2, .llama3, .gpt4o]

        /// The split regex a Hugging Face `tokenizer.json` spells this pattern with (its `Split`
        /// pre-tokenizer's `pattern.Regex`), which is how a file's pre-tokenizer is recognised.
        public var huggingFaceRegex: String {
            let tail = #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            switch self {
            case .qwen2: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + tail
            case .llama3: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"# + tail
            case .gpt4o:
                let upper = #"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]"#, lower = #"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"#
                let prefix = #"[^\r\n\p{L}\p{N}]?"#, contractions = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#
                return prefix + upper + "*" + lower + "+" + contractions + "|" + prefix + upper + "+" + lower + "*"
                    + contractions + #"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            }
        }

        /// The `tokenizer.ggml.pre` name llama.cpp's converter gives this pattern (`ignoreMerges`: the
        /// tokenizer.json model's `ignore_merges`, which tells `llama-bpe` from `smaug-bpe`).
        public func ggmlName(ignoreMerges: Bool) -> String {
            switch self {
            case .qwen2: "qwen2"
            case .llama3: ignoreMerges ? "llama-bpe" : "smaug-bpe"
            case .gpt4o: "gpt-4o"
            }
        }
    }

    /// Splits `text` and returns the pieces (for tests and tools).
    public static func split(_ text: String, pattern: Pattern = .qwen2) -> [String] {
        var text = text
        return text.withUTF8 { buf in
            var out: [String] = []
            split(buf, 0..<buf.count, pattern: pattern) { s, e in
                out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[s..<e]), as: UTF8.self))
            }
            return out
        }
    }

    /// Decodes the scalar starting at `i` (the buffer must be valid UTF-8); returns (value, byte length).
    @inline(__always)
    static func scalar(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let c0 = UInt32(b[i])
        if c0 < 0x80 { return (c0, 1) }
        if c0 < 0xE0 { return ((c0 & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), 2) }
        if c0 < 0xF0 {
            return ((c0 & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), 3)
        }
        return ((c0 & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6
            | UInt32(b[i + 3] & 0x3F), 4)
    }

    /// Class flags of the scalar at `i` and its length.
    @inline(__always)
    static func classify(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt8, Int) {
        let c = b[i]
        if c < 0x80 { return (asciiClass[Int(c)], 1) }
        let (v, n) = scalar(b, i)
        return (CharClass.of(v), n)
    }

    private static let asciiClass: [UInt8] = (0..<128).map { CharClass.compute(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    private static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c | 0x20 : c }

    /// Length of a contraction (`'s`, `'re`, ... any ASCII case) at `i`, or 0.
    @inline(__always)
    static func contraction(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        guard i + 1 < end else { return 0 }
        let c1 = lower(b[i + 1])
        if c1 == UInt8(ascii: "s") || c1 == UInt8(ascii: "t") || c1 == UInt8(ascii: "m") || c1 == UInt8(ascii: "d") {
            return 2
        }
        guard i + 2 < end else { return 0 }
        let c2 = lower(b[i + 2])
        if (c1 == UInt8(ascii: "r") && c2 == UInt8(ascii: "e")) || (c1 == UInt8(ascii: "v") && c2 == UInt8(ascii: "e"))
            || (c1 == UInt8(ascii: "l") && c2 == UInt8(ascii: "l")) {
            return 3
        }
        return 0
    }

    /// Calls `body(start, end)` for each piece of `b[range]`, in order; the pieces cover the range exactly.
    @inline(__always)
    static func split(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, pattern: Pattern,
                      _ body: (Int, Int) -> Void) {
        switch pattern {
        case .qwen2: splitQwen2(b, range, maxDigits: 1, body)
        case .llama3: splitQwen2(b, range, maxDigits: 3, body)
        case .gpt4o: splitGPT4o(b, range, body)
        }
    }

    /// The qwen2 and llama3 patterns (they differ only in `maxDigits`).
    @inline(__always)
    static func splitQwen2(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, maxDigits: Int,
                           _ body: (Int, Int) -> Void) {
        let letter = CharClass.letter, number = CharClass.number, newline = CharClass.newline
        let end = range.upperBound
        var i = range.lowerBound
        while i < end {
            let start = i
            // 1. contractions
            if b[i] == UInt8(ascii: "'") {
                let n = contraction(b, i, end)
                if n > 0 {
                    body(start, i + n)
                    i += n
                    continue
                }
            }
            let (cls, len) = classify(b, i)
            // 2. [^\r\n\p{L}\p{N}]?\p{L}+
            var lettersFrom = -1
            if cls & letter != 0 {
                lettersFrom = i
            } else if cls & (newline | number) == 0 && i + len < end {
                let (next, _) = classify(b, i + len)
                if next & letter != 0 { lettersFrom = i + len }
            }
            if lettersFrom >= 0 {
                var j = lettersFrom
                while j < end {
                    let (c, n) = classify(b, j)
                    if c & letter == 0 { break }
                    j += n
                }
                body(start, j)
                i = j
                continue
            }
            // 3. \p{N}{1,maxDigits}
            if cls & number != 0 {
                let j = digitsPiece(b, i, end, maxDigits: maxDigits)
                body(start, j)
                i = j
                continue
            }
            // 4. ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            if let j = otherPiece(b, i, end, cls: cls, slashes: false) {
                body(start, j)
                i = j
                continue
            }
            // 5-7: a whitespace run
            let j = whitespacePiece(b, i, end)
            body(start, j)
            i = j
        }
    }

    /// The end of `\p{N}{1,maxDigits}` at `i` (a number character).
    @inline(__always)
    static func digitsPiece(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, maxDigits: Int) -> Int {
        var j = i + classify(b, i).1, digits = 1
        while digits < maxDigits && j < end {
            let (c, n) = classify(b, j)
            if c & CharClass.number == 0 { break }
            j += n
            digits += 1
        }
        return j
    }

    /// The end of ` ?[^\s\p{L}\p{N}]+[\r\n]*` (with `slashes`, `[\r\n/]*`) at `i`, whose class is
    /// `cls`, or nil when it does not match there.
    @inline(__always)
    static func otherPiece(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, cls: UInt8, slashes: Bool) -> Int? {
        var j: Int
        if cls == 0 {
            j = i
        } else if b[i] == UInt8(ascii: " ") && i + 1 < end && classify(b, i + 1).0 == 0 {
            j = i + 1
        } else {
            return nil
        }
        while j < end {
            let (c, n) = classify(b, j)
            if c != 0 { break }
            j += n
        }
        while j < end && (b[j] == 0x0A || b[j] == 0x0D || (slashes && b[j] == UInt8(ascii: "/"))) { j += 1 }
        return j
    }

    /// The end of the whitespace piece starting at `i` (both patterns end with these alternatives):
    /// `\s*[\r\n]+` up to the run's last newline, else `\s+(?!\S)` leaving the run's last space for
    /// the next piece, else `\s+`.
    @inline(__always)
    static func whitespacePiece(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var j = i
        var lastNewlineEnd = -1
        var lastCharStart = i
        while j < end {
            let (c, n) = classify(b, j)
            if c & CharClass.space == 0 { break }
            if c & CharClass.newline != 0 { lastNewlineEnd = j + n }
            lastCharStart = j
            j += n
        }
        if lastNewlineEnd >= 0 { return lastNewlineEnd }
        if j < end && lastCharStart > i { return lastCharStart }
        return j
    }
}
