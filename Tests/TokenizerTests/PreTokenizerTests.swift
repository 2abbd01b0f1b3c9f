import Testing
import Tokenizer

/// Golden splits from engine-facts.md §5.4 (llama.cpp's `unicode_regex_split` and Python `regex` agree),
/// shown in the byte-level alphabet.
@Suite struct PreTokenizerTests {
    static let golden: [(String, [String])] = [
        ("Hello world", ["Hello", "Ġworld"]),
        ("I'VE got 12345 apples!!\n\n", ["I", "'VE", "Ġgot", "Ġ", "1", "2", "3", "4", "5", "Ġapples", "!!ĊĊ"]),
        ("  leading spaces and   gaps", ["Ġ", "Ġleading", "Ġspaces", "Ġand", "ĠĠ", "Ġgaps"]),
        ("naïve café 你好世界", ["naÃ¯ve", "ĠcafÃ©", "Ġä½łå¥½ä¸ĸçķĮ"]),
        ("x = foo(1,2);\n\treturn", ["x", "Ġ=", "Ġfoo", "(", "1", ",", "2", ");Ċ", "ĉreturn"]),
        ("<think>\n\n</think>\n\n", ["<think", ">ĊĊ", "</", "think", ">ĊĊ"]),
        ("line1\r\nline2", ["line", "1", "čĊ", "line", "2"]),
    ]

    @Test func goldenSplits() {
        for (input, expected) in Self.golden {
            let pieces = PreTokenizer.split(input).map { ByteLevel.encode(Array($0.utf8)) }
            #expect(pieces == expected, "input \(String(reflecting: input))")
        }
    }

    @Test func moreSplits() {
        let cases: [(String, [String])] = [
            ("", []),
            (" ", [" "]),
            ("a  ", ["a", "  "]),                      // trailing whitespace stays together at the end
            ("a \n b", ["a", " \n", " b"]),            // \s*[\r\n]+ then a space-prefixed word
            ("'s'S'll'LL'x", ["'s", "'S", "'ll", "'LL", "'x"]),
            ("don't", ["don", "'t"]),
            (" 's", [" '", "s"]),
            ("?!\n\nA", ["?!\n\n", "A"]),
            ("\t\tfoo", ["\t", "\tfoo"]),
            ("12 ab", ["1", "2", " ab"]),
            ("a\u{3000}b", ["a", "\u{3000}b"]),        // ideographic space is whitespace, prefixes the word
            ("ab\u{301}c", ["ab", "\u{301}c"]),        // a combining mark is not a letter
            ("Ⅻ½", ["Ⅻ", "½"]),                        // Nl and No are numbers, one at a time
            ("😀😀 x", ["😀😀", " x"]),
        ]
        for (input, expected) in cases {
            #expect(PreTokenizer.split(input) == expected, "input \(String(reflecting: input))")
        }
    }

    @Test func piecesCoverTheInput() {
        let s = "Mixed 文本 with\r\n\ttabs,   spaces 123 and émojis 👩‍👩‍👧!!\n\n  "
        #expect(PreTokenizer.split(s).joined() == s)
    }
}

@Suite struct ByteLevelTests {
    @Test func knownMappings() {
        #expect(ByteLevel.byteToScalar[0x20] == "\u{120}")
        #expect(ByteLevel.byteToScalar[0x0A] == "\u{10A}")
        #expect(ByteLevel.byteToScalar[0x09] == "\u{109}")
        #expect(ByteLevel.byteToScalar[0x00] == "\u{100}")
        #expect(ByteLevel.byteToScalar[0x7F] == "\u{121}")
        #expect(ByteLevel.byteToScalar[0x80] == "\u{122}")
        #expect(ByteLevel.byteToScalar[0xA0] == "\u{142}")
        #expect(ByteLevel.byteToScalar[0xAD] == "\u{143}")
        #expect(ByteLevel.byteToScalar[0x41] == "A")
    }

    @Test func roundTripAllBytes() {
        let all = (0...255).map { UInt8($0) }
        let encoded = ByteLevel.encode(all)
        #expect(encoded.unicodeScalars.count == 256)
        #expect(Set(encoded.unicodeScalars).count == 256)
        #expect(ByteLevel.decode(encoded) == all)
    }

    @Test func rejectsCharactersOutsideTheAlphabet() {
        #expect(ByteLevel.decode("a b") == nil)      // a real space is not in the alphabet (Ġ is)
        #expect(ByteLevel.decode("你") == nil)
        #expect(ByteLevel.decode("Ġa") == [0x20, 0x61])
    }
}
