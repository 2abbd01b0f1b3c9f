/// GPT-2 style byte-level alphabet: every byte maps to one printable Unicode scalar, so a
/// vocabulary of strings can represent arbitrary bytes (space is `Ġ`, newline is `Ċ`).
public enum ByteLevel {
    /// `scalar(for: byte)` for all 256 bytes.
    public static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// Inverse of `byteToScalar`, indexed by scalar value (0..<324); -1 where no byte maps.
    public static let scalarToByte: [Int16] = {
        var inverse = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { inverse[Int(s.value)] = Int16(b) }
        return inverse
    }()
}

extension ByteLevel {
    /// The byte-level spelling of raw bytes (e.g. `" hi"` -> `"Ġhi"`).
    public static func encode<C: Collection<UInt8>>(_ bytes: C) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// The raw bytes of a byte-level string, or nil if it has a character outside the alphabet.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var out: [UInt8] = []
        return decode(text, into: &out) ? out : nil
    }

    /// Replaces `out` with the raw bytes of `text`; false if a character is outside the alphabet.
    static func decode<S: StringProtocol>(_ text: S, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        for s in text.unicodeScalars {
            let v = Int(s.value)
            guard v < scalarToByte.count else { return false }
            let b = scalarToByte[v]
            guard b >= 0 else { return false }
            out.append(UInt8(b))
        }
        return true
    }

    /// Bytes of a token's text for rendering: alphabet characters become their bytes; any other character
    /// (which a well-formed NORMAL token never has) is kept as its own UTF-8.
    static func decodeLenient(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for s in text.unicodeScalars {
            let v = Int(s.value)
            if v < scalarToByte.count, scalarToByte[v] >= 0 {
                out.append(UInt8(scalarToByte[v]))
            } else {
                out.append(contentsOf: String(s).utf8)
            }
        }
        return out
    }
}

extension ByteLevel {
    /// Appends the raw bytes of the byte-level string whose (valid) UTF-8 is `p`; false if a character is
    /// outside the alphabet (then `out` holds a partial result).
    static func decodeUTF8(_ p: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var i = 0
        let n = p.count
        return scalarToByte.withUnsafeBufferPointer { table in
            while i < n {
                let (v, len) = PreTokenizer.scalar(p, i)
                guard v < UInt32(table.count) else { return false }
                let b = table[Int(v)]
                guard b >= 0 else { return false }
                out.append(UInt8(b))
                i += len
            }
            return true
        }
    }
}
