import Foundation
import GGUF
import Testing
import Tokenizer

/// The Llama-3 pre-tokenizers (`llama-bpe`, `smaug-bpe`) on the real Qwen3 vocabulary, against
/// llama.cpp's ids (tools/make_llama3_tokenizer_reference.py): no Llama-3 vocabulary ships on PyPI,
/// and what these pre-types change (digit groups, `ignore_merges`, the BOS default) does not depend
/// on which vocabulary they run over.
@Suite struct Llama3PreTokenizerTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var name: String
            var text: String
            var llama_bpe: [Int32]
            var smaug_bpe: [Int32]
        }
        var cases: [Case]
    }

    static let reference: Reference = {
        let data = FileManager.default.contents(atPath: Fixtures.directory + "/tokenizer-corpus-llama3.json")!
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    /// The Qwen3 vocabulary with another `tokenizer.ggml.pre`.
    static func tokenizer(pre: String) throws -> BPETokenizer {
        let file = try GGUFFile(path: Fixtures.vocabPath)
        return BPETokenizer(vocabulary: try Vocabulary(
            tokens: file["tokenizer.ggml.tokens"]!.strings!, rawTypes: file["tokenizer.ggml.token_type"]!.ints!,
            merges: file["tokenizer.ggml.merges"]!.strings!, preTokenizer: pre))
    }

    @Test(arguments: ["llama-bpe", "smaug-bpe"])
    func idsMatchLlamaCpp(pre: String) throws {
        let t = try Self.tokenizer(pre: pre)
        let cases = Self.reference.cases
        #expect(cases.count > 250)
        var failures = 0
        for c in cases {
            let expected = pre == "llama-bpe" ? c.llama_bpe : c.smaug_bpe
            let got = t.encode(c.text, parseSpecial: false)
            if got != expected {
                failures += 1
                if failures <= 5 { Issue.record("\(pre) \(c.name): got \(got.prefix(30)), llama.cpp \(expected.prefix(30))") }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases differ from llama.cpp")
    }

    @Test func digitsGroupInThreesOnlyForLlama3() {
        #expect(PreTokenizer.split("x 1234567 y", maxDigits: 3) == ["x", " ", "123", "456", "7", " y"])
        #expect(PreTokenizer.split("x 1234567 y") == ["x", " ", "1", "2", "3", "4", "5", "6", "7", " y"])
        #expect(PreTokenizer.split("١٢٣٤", maxDigits: 3) == ["١٢٣", "٤"])  // \p{N} is any script's digit
    }

    @Test func rulesPerPreType() {
        #expect(Vocabulary.PreTokenizerRules("llama-bpe") == .init("llama-bpe"))
        let llama = Vocabulary.PreTokenizerRules("llama-bpe"), smaug = Vocabulary.PreTokenizerRules("smaug-bpe")
        let qwen = Vocabulary.PreTokenizerRules("deepseek-r1-qwen")
        #expect(llama.maxDigits == 3 && llama.ignoreMerges && llama.addsBOSByDefault)
        #expect(smaug.maxDigits == 3 && !smaug.ignoreMerges && !smaug.addsBOSByDefault)
        #expect(qwen.maxDigits == 1 && !qwen.ignoreMerges && !qwen.addsBOSByDefault)
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
