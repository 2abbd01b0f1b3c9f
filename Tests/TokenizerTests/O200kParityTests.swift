import Testing
import Tokenizer

/// gpt-oss's tokenizer (the o200k_harmony vocabulary with llama.cpp's `gpt-4o` pre-tokenizer) against
/// llama.cpp's ids on the real vocabulary (Tests/Fixtures/tokenizer-corpus-o200k.json), through the subset
/// of it the corpus needs (see `VocabularySubset`).
@Suite struct O200kParityTests {
    func check(special: Bool) throws {
        let corpus = try Fixtures.o200kCorpus()
        #expect(corpus.cases.count > 300)
        corpus.expectSameIDs(try Fixtures.o200k(), special: special)
    }

    @Test func idsWithoutSpecial() throws { try check(special: false) }
    @Test func idsWithSpecial() throws { try check(special: true) }

    @Test func detokenizationMatchesLlamaCpp() throws {
        try Fixtures.o200kCorpus().expectSameDetokenization(try Fixtures.o200k())
    }

    @Test func roundTripOfValidText() throws {
        let t = try Fixtures.o200k()
        for c in try Fixtures.o200kCorpus().cases {
            guard let text = c.text else { continue }
            #expect(t.decode(t.encode(text, parseSpecial: true), renderSpecial: true) == text, "\(c.name)")
            #expect(t.decode(t.encodeUserText(text)) == text, "\(c.name)")
        }
    }

    /// Harmony's special tokens at their ids, and the types llama.cpp's loader gives them.
    @Test func harmonyTokens() throws {
        let v = try Fixtures.o200k().vocabulary
        #expect(v.count == 201_088)
        let ids: [String: TokenID] = ["<|startoftext|>": 199_998, "<|endoftext|>": 199_999, "<|return|>": 200_002,
                                      "<|constrain|>": 200_003, "<|channel|>": 200_005, "<|start|>": 200_006,
                                      "<|end|>": 200_007, "<|message|>": 200_008, "<|call|>": 200_012,
                                      "<|reserved_200000|>": 200_000, "<|reserved_201087|>": 201_087]
        for (text, id) in ids { #expect(v.id(forText: text) == id, "\(text)") }
        #expect(v.preTokenizer == "gpt-4o" && v.addBOS == false)
        #expect(v.bosID == 199_998 && v.eosID == 200_002)
        // stored as CONTROL; llama.cpp's loader makes these USER_DEFINED (matched without special parsing)
        for id: TokenID in [200_003, 200_005, 200_006, 200_007, 200_008] { #expect(v.type(of: id) == .userDefined) }
        for id: TokenID in [199_998, 199_999, 200_002, 200_012, 200_000] { #expect(v.type(of: id) == .control) }
    }

    /// `<|end|>` becomes USER_DEFINED only next to `<|return|>` and `<|call|>`; the other four always do.
    @Test func endStaysControlWithoutReturnAndCall() throws {
        let texts = ["<|end|>", "<|start|>", "<|call|>"]
        let v = try tinyVocabulary(merges: [], extra: texts.map { ($0, .control) })
        #expect(v.type(of: v.id(forText: "<|end|>")!) == .control)
        #expect(v.type(of: v.id(forText: "<|start|>")!) == .userDefined)
        let w = try tinyVocabulary(merges: [], extra: (texts + ["<|return|>"]).map { ($0, .control) })
        #expect(w.type(of: w.id(forText: "<|end|>")!) == .userDefined)
        #expect(w.type(of: w.id(forText: "<|return|>")!) == .control)
    }
}
