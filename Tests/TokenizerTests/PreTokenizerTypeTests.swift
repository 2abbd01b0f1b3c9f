import Foundation
import GGUF
import Testing
import Tokenizer

/// The other pre-tokenizer types (`llama-bpe`, `smaug-bpe`, `gpt-4o`) on the real Qwen3 vocabulary,
/// against llama.cpp's ids (tools/make_pretokenizer_reference.py): what these types change (the split
/// pattern, `ignore_merges`, the BOS default) does not depend on which vocabulary they run over.
@Suite struct PreTokenizerTypeTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var name: String
            var text: String
            var ids: [String: [Int32]]

            init(from decoder: Decoder) throws {
                let all = try decoder.singleValueContainer().decode([String: Value].self)
                guard case .text(let n)? = all["name"], case .text(let t)? = all["text"] else {
                    throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a case needs name and text"))
                }
                name = n
                text = t
                ids = all.compactMapValues { if case .ids(let i) = $0 { i } else { nil } }
            }
        }

        enum Value: Decodable {
            case text(String), ids([Int32])
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self) { self = .text(s) } else { self = .ids(try c.decode([Int32].self)) }
            }
        }
        var cases: [Case]
    }

    static let reference: Reference = {
        let data = FileManager.default.contents(atPath: Fixtures.directory + "/tokenizer-corpus-pretokenizers.json")!
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    /// The Qwen3 vocabulary with another `tokenizer.ggml.pre`.
    static func tokenizer(pre: String) throws -> BPETokenizer {
        let file = try GGUFFile(path: Fixtures.vocabPath)
        return BPETokenizer(vocabulary: try Vocabulary(
            tokens: file["tokenizer.ggml.tokens"]!.strings!, rawTypes: file["tokenizer.ggml.token_type"]!.ints!,
            merges: file["tokenizer.ggml.merges"]!.strings!, preTokenizer: pre))
    }

    @Test(arguments: ["llama-bpe", "smaug-bpe", "gpt-4o"])
    func idsMatchLlamaCpp(pre: String) throws {
        let t = try Self.tokenizer(pre: pre)
        let cases = Self.reference.cases
        #expect(cases.count > 250)
        var failures = 0
        for c in cases {
            let expected = try #require(c.ids[pre], "\(c.name) has no ids for \(pre)")
            let got = t.encode(c.text, parseSpecial: false)
            if got != expected {
                failures += 1
                if failures <= 5 { Issue.record("\(pre) \(c.name): got \(got.prefix(30)), llama.cpp \(expected.prefix(30))") }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases differ from llama.cpp")
    }

    @Test func digitsGroupInThreesOnlyForLlama3() {
        #expect(PreTokenizer.split("x 1234567 y", pattern: .llama3) == ["x", " ", "123", "456", "7", " y"])
        #expect(PreTokenizer.split("x 1234567 y") == ["x", " ", "1", "2", "3", "4", "5", "6", "7", " y"])
        #expect(PreTokenizer.split("١٢٣٤", pattern: .llama3) == ["١٢٣", "٤"])  // \p{N} is any script's digit
    }

    /// Pieces of llama.cpp's adapted gpt-4o pattern (checked with Python's `regex` module on the pattern
    /// itself): case splits only ASCII letters, a non-ASCII letter in an upper-case run ends the U*L+
    /// alternative, and a one-character prefix can be any non-letter that is not CR or LF.
    @Test func gpt4oPieces() {
        let cases: [(String, [String])] = [
            ("HTTPServer", ["HTTPServer"]), ("ÉCLAIR", ["É", "CLAIR"]), ("helloWorld", ["hello", "World"]),
            ("DON'T", ["DON'T"]), (" a/b\n", [" a", "/b", "\n"]),
            ("iPhone ÀÉÎõü x1Y2", ["i", "Phone", " ÀÉÎõü", " x", "1", "Y", "2"]),
        ]
        for (text, pieces) in cases {
            #expect(PreTokenizer.split(text, pattern: .gpt4o) == pieces, "\(text)")
        }
    }

    @Test func rulesPerPreType() {
        #expect(Vocabulary.PreTokenizerRules("llama-bpe") == .init("llama-bpe"))
        let llama = Vocabulary.PreTokenizerRules("llama-bpe"), smaug = Vocabulary.PreTokenizerRules("smaug-bpe")
        let qwen = Vocabulary.PreTokenizerRules("deepseek-r1-qwen")
        #expect(llama.pattern == .llama3 && llama.ignoreMerges && llama.addsBOSByDefault)
        #expect(smaug.pattern == .llama3 && !smaug.ignoreMerges && !smaug.addsBOSByDefault)
        #expect(qwen.pattern == .qwen2 && !qwen.ignoreMerges && !qwen.addsBOSByDefault)
        #expect(Vocabulary.PreTokenizerRules("gpt-4o").pattern == .gpt4o)
        #expect(llama.cleansSpaces && smaug.cleansSpaces && !qwen.cleansSpaces)
        #expect(!Vocabulary.PreTokenizerRules("qwen2").cleansSpaces && !Vocabulary.PreTokenizerRules("gpt-4o").cleansSpaces)
    }

    /// llama.cpp's detokenizer tidies spaces for the Llama-3 types only (found on the real Llama-3
    /// vocabulary: `detokenize` of " 's" is "'s" there). Each byte here is its own token, so the clean-up
    /// alone makes the difference; `decodeBytes` (the pieces, as streamed) never changes them.
    @Test func detokenizeCleansSpacesForLlama3Types() throws {
        let text = "Hi , there ! ok . why ? it 's I 'm we 're they 've don 't I 'd we 'll a ' b ' ' c 'x ' "
        // what llama.cpp's llama_detokenize gives for these byte tokens on the Llama-3 vocabulary
        let cleaned = "Hi, there! ok. why? it's I'm we're they've don 't I 'd we 'll a'b'' c 'x'"
        for (pre, expected) in [("llama-bpe", cleaned), ("smaug-bpe", cleaned), ("qwen2", text), ("gpt-4o", text)] {
            let v = try Vocabulary(tokens: (0..<256).map { String(ByteLevel.byteToScalar[$0]) }, merges: [],
                                   preTokenizer: pre)
            let t = BPETokenizer(vocabulary: v)
            let ids = t.encode(text, parseSpecial: false)
            #expect(String(decoding: t.detokenize(ids), as: UTF8.self) == expected, "\(pre)")
            #expect(t.decode(ids) == text, "\(pre)")
        }
        let llama = BPETokenizer(vocabulary: try Vocabulary(tokens: (0..<256).map { String(ByteLevel.byteToScalar[$0]) },
                                                            merges: [], preTokenizer: "llama-bpe"))
        #expect(llama.detokenize([]) == [] && llama.detokenize(llama.encode(" ,", parseSpecial: false)) == Array(",".utf8))
    }

    /// `ignore_merges`: a pre-token that is a token comes out whole even where the merge ranks would
    /// build it differently. A tiny vocabulary whose merges cannot build "abc" but that has it as a token.
    @Test func ignoreMergesEmitsWholeTokens() throws {
        let tokens = ["a", "b", "c", "ab", "abc"]
        for (pre, expected) in [("llama-bpe", [Int32(4)]), ("smaug-bpe", [Int32(3), 2])] {
            let v = try Vocabulary(tokens: tokens, merges: ["a b"], preTokenizer: pre)
            #expect(BPETokenizer(vocabulary: v).encode("abc", parseSpecial: false) == expected, "\(pre)")
        }
    }
}
