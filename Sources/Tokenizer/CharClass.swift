/// The character classes the Qwen2 pre-tokenizer pattern distinguishes, as bit flags.
///
/// `\p{L}` = general categories Lu Ll Lt Lm Lo; `\p{N}` = Nd Nl No; `\s` = the Unicode White_Space property
/// (which includes CR and LF). Everything else (marks, punctuation, symbols, controls, unassigned) is "other".
///
/// llama.cpp's character table is Unicode 15.1, while the Swift runtime may know a newer version; characters
/// assigned after 15.1 (e.g. Garay, Egyptian Hieroglyphs Extended-A in 16.0) are treated as unassigned so the
/// split matches llama.cpp.
enum CharClass {
    /// The Unicode version of llama.cpp's `unicode-data.cpp` (checked against llama.cpp with the oracle).
    static let unicodeVersion = (major: 15, minor: 1)

    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let space: UInt8 = 4
    /// CR or LF (also has `space`).
    static let newline: UInt8 = 8

    /// Flags for code points below `tableLimit` (covers the BMP and the supplementary planes that hold
    /// emoji and CJK extension B), computed once.
    private static let tableLimit = 0x30000
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: tableLimit)
        for v in 0..<tableLimit {
            if let s = Unicode.Scalar(UInt32(v)) { t[v] = compute(s) }
        }
        return t
    }()

    static func compute(_ s: Unicode.Scalar) -> UInt8 {
        if s == "\r" || s == "\n" { return space | newline }
        let p = s.properties
        let flag: UInt8
        switch p.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control:
            // every White_Space character is in one of these categories
            return p.isWhitespace ? space : 0
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            flag = letter
        case .decimalNumber, .letterNumber, .otherNumber:
            flag = number
        default:
            return 0
        }
        guard let age = p.age,
              age.major < unicodeVersion.major || (age.major == unicodeVersion.major && age.minor <= unicodeVersion.minor)
        else { return 0 }
        return flag
    }

    @inline(__always)
    static func of(_ v: UInt32) -> UInt8 {
        if v < UInt32(tableLimit) { return table.withUnsafeBufferPointer { $0[Int(v)] } }
        guard let s = Unicode.Scalar(v) else { return 0 }
        return compute(s)
    }

    /// Flags for every code point, so the scanner can index without bounds logic.
    static func prepare() { _ = table.count }
}
