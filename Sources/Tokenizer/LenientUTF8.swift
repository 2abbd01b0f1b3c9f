/// Turns arbitrary bytes into the UTF-8 that llama.cpp tokenizes for them (`unicode_cpts_from_utf8` followed
/// by `unicode_cpt_to_utf8`), so byte input matches llama.cpp without ever failing:
///
/// - a lead byte followed by the right number of continuation bytes is decoded without further checks, so
///   overlong forms become the shorter encoding of their value (`C0 AF` -> `/`) and encoded surrogates stay
///   as they are (`ED A0 80`, which is not valid UTF-8; the pre-tokenizer treats it as an "other" character);
/// - any other byte (a stray continuation byte, a truncated sequence's lead, `F8`...`FF`) becomes U+FFFD and
///   decoding resumes at the next byte;
/// - a 4-byte form above U+10FFFF also becomes U+FFFD at its lead byte (llama.cpp aborts the process there).
enum LenientUTF8 {
    static func sanitize(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 8)
        let n = b.count
        var i = 0
        @inline(__always) func cont(_ k: Int) -> Bool { k < n && b[k] & 0xC0 == 0x80 }
        while i < n {
            let c = b[i]
            var cp: UInt32 = 0
            var len = 0
            if c < 0x80 {
                cp = UInt32(c); len = 1
            } else if c & 0x40 == 0 {
                len = 0
            } else if c & 0x20 == 0 {
                if cont(i + 1) { cp = UInt32(c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F); len = 2 }
            } else if c & 0x10 == 0 {
                if cont(i + 1) && cont(i + 2) {
                    cp = UInt32(c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F)
                    len = 3
                }
            } else if c & 0x08 == 0 {
                if cont(i + 1) && cont(i + 2) && cont(i + 3) {
                    cp = UInt32(c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6
                        | UInt32(b[i + 3] & 0x3F)
                    len = cp <= 0x10FFFF ? 4 : 0
                }
            }
            if len == 0 {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD] as [UInt8])
                i += 1
                continue
            }
            append(cp, to: &out)
            i += len
        }
        return out
    }

    /// UTF-8 encoding of a code point (surrogates included, as llama.cpp writes them).
    static func append(_ cp: UInt32, to out: inout [UInt8]) {
        if cp < 0x80 {
            out.append(UInt8(cp))
        } else if cp < 0x800 {
            out.append(UInt8(0xC0 | cp >> 6))
            out.append(UInt8(0x80 | cp & 0x3F))
        } else if cp < 0x10000 {
            out.append(UInt8(0xE0 | cp >> 12))
            out.append(UInt8(0x80 | (cp >> 6) & 0x3F))
            out.append(UInt8(0x80 | cp & 0x3F))
        } else {
            out.append(UInt8(0xF0 | cp >> 18))
            out.append(UInt8(0x80 | (cp >> 12) & 0x3F))
            out.append(UInt8(0x80 | (cp >> 6) & 0x3F))
            out.append(UInt8(0x80 | cp & 0x3F))
        }
    }
}
