import Testing
import Tokenizer

/// The committed corpus (Tests/Fixtures/tokenizer-corpus.json) holds llama.cpp's ids for the real Qwen3
/// vocabulary; ours must be identical.
@Suite struct ParityTests {
    func check(special: Bool) throws {
        let corpus = try Fixtures.corpus()
        #expect(corpus.cases.count > 250)
        corpus.expectSameIDs(try Fixtures.qwen3(), special: special)
    }

    @Test func idsWithoutSpecial() throws { try check(special: false) }
    @Test func idsWithSpecial() throws { try check(special: true) }

    @Test func bytesEntryPointAgreesOnValidText() throws {
        let t = try Fixtures.qwen3()
        for c in try Fixtures.corpus().cases.prefix(80) where c.text != nil {
            #expect(t.encode(bytes: c.bytes, parseSpecial: true) == c.ids_special, "\(c.name)")
        }
    }

    @Test func detokenizationMatchesLlamaCpp() throws {
        try Fixtures.corpus().expectSameDetokenization(try Fixtures.qwen3())
    }

    @Test func roundTripOfValidText() throws {
        let t = try Fixtures.qwen3()
        for c in try Fixtures.corpus().cases {
            guard let text = c.text else { continue }
            #expect(t.decode(t.encode(text, parseSpecial: true), renderSpecial: true) == text, "\(c.name)")
            #expect(t.decode(t.encodeUserText(text)) == text, "\(c.name)")
        }
    }

    @Test func realVocabularyFacts() throws {
        let v = try Fixtures.qwen3().vocabulary
        #expect(v.count == 151_936)
        #expect(v.id(forText: "<|endoftext|>") == 151_643)
        #expect(v.id(forText: "<|im_start|>") == 151_644)
        #expect(v.id(forText: "<|im_end|>") == 151_645)
        #expect(v.id(forText: "<think>") == 151_667)
        #expect(v.id(forText: "</think>") == 151_668)
        #expect(v.type(of: 151_644) == .control)
        #expect(v.type(of: 151_667) == .userDefined)
        #expect(v.type(of: 151_700) == .unused)
        #expect(v.id(forText: "Ċ") == 198)
        #expect(v.eosID == 151_645)
        #expect(v.bosID == 151_643)
        #expect(v.addBOS == false)
        #expect(v.preTokenizer == "qwen2")
        #expect(v.endOfGeneration == [151_643, 151_645, 151_662, 151_663, 151_664])
        #expect(v.inertMergeCount == 0)
    }
}
