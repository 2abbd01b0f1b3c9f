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
