import Testing
import Tokenizer

/// The Llama-3 tokenizer (its real vocabulary with llama.cpp's `llama-bpe` pre-tokenizer, as in Llama-3.x and
/// DeepSeek-R1-Distill-Llama GGUFs) against llama.cpp's ids on the full vocabulary
/// (Tests/Fixtures/tokenizer-corpus-llama3.json, from tools/make_llama3_fixture.py), through the subset of it
/// the corpus needs (see `VocabularySubset`).
@Suite struct Llama3ParityTests {
    func check(special: Bool) throws {
        let corpus = try Fixtures.llama3Corpus()
        #expect(corpus.cases.count > 300)
        corpus.expectSameIDs(try Fixtures.llama3(), special: special)
    }

    @Test func idsWithoutSpecial() throws { try check(special: false) }
    @Test func idsWithSpecial() throws { try check(special: true) }

    @Test func detokenizationMatchesLlamaCpp() throws {
        try Fixtures.llama3Corpus().expectSameDetokenization(try Fixtures.llama3())
    }

    @Test func roundTripOfValidText() throws {
        let t = try Fixtures.llama3()
        for c in try Fixtures.llama3Corpus().cases {
            guard let text = c.text else { continue }
            #expect(t.decode(t.encode(text, parseSpecial: true), renderSpecial: true) == text, "\(c.name)")
            #expect(t.decode(t.encodeUserText(text)) == text, "\(c.name)")
        }
    }

    /// llama.cpp's `tokenize(add_special: true)` puts BOS first, whatever the text starts with (a
    /// `<|begin_of_text|>` in the text makes two); the vocabulary says so through `addBOS`, which is what
    /// the chat formatter reads.
    @Test func bosAsLlamaCppAddsIt() throws {
        let t = try Fixtures.llama3()
        let v = t.vocabulary
        #expect(v.addBOS && v.bosID == 128_000)
        let cases = try Fixtures.llama3Corpus().cases.filter { $0.ids_bos != nil }
        #expect(cases.count >= 10)
        for c in cases {
            let withBOS = (v.addBOS ? [v.bosID!] : []) + t.encode(bytes: c.bytes, parseSpecial: true)
            #expect(withBOS == c.ids_bos, "\(c.name)")
        }
        #expect(cases.contains { $0.ids_bos?.prefix(2) == [128_000, 128_000] }, "the double-BOS case is in the corpus")
    }

    /// The special tokens at their ids, all CONTROL, and the ids the file names.
    @Test func specialTokens() throws {
        let v = try Fixtures.llama3().vocabulary
        #expect(v.count == 128_256)
        #expect(v.preTokenizer == "llama-bpe" && v.preTokenizerRules.ignoreMerges)
        #expect(v.bosID == 128_000 && v.eosID == 128_001 && v.padID == 128_001)
        let ids: [String: TokenID] = ["<|begin_of_text|>": 128_000, "<|end_of_text|>": 128_001,
                                      "<|finetune_right_pad_id|>": 128_004, "<|start_header_id|>": 128_006,
                                      "<|end_header_id|>": 128_007, "<|eom_id|>": 128_008, "<|eot_id|>": 128_009,
                                      "<|python_tag|>": 128_010, "<|reserved_special_token_0|>": 128_002,
                                      "<|reserved_special_token_245|>": 128_255]
        for (text, id) in ids { #expect(v.id(forText: text) == id, "\(text)") }
        for id in TokenID(128_000)..<128_256 { #expect(v.type(of: id) == .control, "\(id)") }
        #expect(v.endOfGeneration.isSuperset(of: [128_001, 128_008, 128_009]))
    }

    /// What `llama-bpe` does on the real vocabulary, spelled out: digits in groups of three, contractions
    /// in any case, a space kept before a word only when one space precedes it.
    @Test func llamaBPESplits() throws {
        let t = try Fixtures.llama3()
        #expect(t.encode("Hello world", parseSpecial: false) == [9906, 1917])
        let digits = t.encode("1234567", parseSpecial: false).map { t.decode([$0]) }
        #expect(digits == ["123", "456", "7"])
        let contraction = t.encode("YOU'RE", parseSpecial: false).map { t.decode([$0]) }
        #expect(contraction.last == "'RE")
    }
}
