import GGUF
import Testing
import Tokenizer

@Suite struct VocabularyLoaderTests {
    /// A small valid tokenizer GGUF; `edit` changes it before it is written.
    func file(_ edit: (inout GGUFWriter) -> Void = { _ in }) throws -> GGUFFile {
        var w = GGUFWriter()
        w.set("general.architecture", "qwen3")
        w.set("tokenizer.ggml.model", "gpt2")
        w.set("tokenizer.ggml.pre", "qwen2")
        let tokens = (0..<256).map { String(ByteLevel.byteToScalar[$0]) } + ["ab", "<|im_start|>", "<|im_end|>"]
        w.set("tokenizer.ggml.tokens", strings: tokens)
        w.set("tokenizer.ggml.token_type", int32s: [Int](repeating: 1, count: 257) + [3, 3])
        w.set("tokenizer.ggml.merges", strings: ["a b"])
        w.set("tokenizer.ggml.eos_token_id", uint32: 258)
        w.set("tokenizer.ggml.add_bos_token", .bool(false))
        edit(&w)
        return try GGUFFile(bytes: w.bytes(), name: "test.gguf")
    }

    func loadError(_ edit: (inout GGUFWriter) -> Void) throws -> VocabularyError? {
        do {
            _ = try Vocabulary(gguf: file(edit))
            return nil
        } catch let e as VocabularyError {
            return e
        }
    }

    @Test func loadsAValidFile() throws {
        let v = try Vocabulary(gguf: file())
        #expect(v.count == 259)
        #expect(v.eosID == 258)
        #expect(v.source == "test.gguf")
        let t = BPETokenizer(vocabulary: v)
        #expect(t.encode("ab<|im_start|>", parseSpecial: true) == [256, 257])
    }

    @Test func missingKeys() throws {
        for key in ["tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.merges"] {
            let e = try loadError { $0.remove(key: key) }
            #expect(e?.problem == .missingKey(key))
            #expect(e?.description.contains("test.gguf") == true)
            #expect(e?.description.contains(key) == true)
        }
        // token_type is optional (all NORMAL), as in llama.cpp
        #expect(try loadError { $0.remove(key: "tokenizer.ggml.token_type") } == nil)
    }

    @Test func wrongModelAndPreTokenizer() throws {
        let e = try loadError { $0.set("tokenizer.ggml.model", "llama") }
        #expect(e?.problem == .unsupportedModel("llama"))
        #expect(e?.description.contains("gpt2") == true)
        let p = try loadError { $0.set("tokenizer.ggml.pre", "llama3") }
        #expect(p?.problem == .unsupportedPreTokenizer("llama3"))
        #expect(p?.description.contains("qwen2") == true)
        #expect(try loadError { $0.set("tokenizer.ggml.pre", "deepseek-r1-qwen") } == nil)
    }

    @Test func lengthMismatchAndBadValues() throws {
        let e = try loadError { $0.set("tokenizer.ggml.token_type", int32s: [1, 1, 1]) }
        #expect(e?.problem == .lengthMismatch(key: "tokenizer.ggml.token_type", expected: 259, found: 3))
        let t = try loadError { $0.set("tokenizer.ggml.token_type", int32s: [Int](repeating: 9, count: 259)) }
        #expect(t?.problem == .invalidTokenType(index: 0, value: 9))
        let m = try loadError { $0.set("tokenizer.ggml.merges", strings: ["a b", "nospace"]) }
        #expect(m?.problem == .malformedMerge(index: 1, text: "nospace"))
        let m2 = try loadError { $0.set("tokenizer.ggml.merges", strings: [" a"]) }
        #expect(m2?.problem == .malformedMerge(index: 0, text: " a"))
        let id = try loadError { $0.set("tokenizer.ggml.eos_token_id", uint32: 5000) }
        #expect(id?.problem == .idOutOfRange(key: "tokenizer.ggml.eos_token_id", id: 5000, count: 259))
        let ty = try loadError { $0.set("tokenizer.ggml.tokens", "not an array") }
        #expect(ty?.problem == .wrongType(key: "tokenizer.ggml.tokens", expected: "an array of strings", found: "STRING"))
        let empty = try loadError {
            $0.set("tokenizer.ggml.tokens", strings: [])
            $0.remove(key: "tokenizer.ggml.token_type")
        }
        #expect(empty?.problem == .emptyVocabulary)
    }

    @Test func arraysInitializerValidates() {
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: [], merges: []) }
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: ["a"], types: [.normal, .normal], merges: []) }
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: ["a"], merges: [], preTokenizer: "gpt2") }
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: ["a"], merges: [], eosID: 1) }
    }

    @Test func missingFileIsAGGUFError() {
        #expect(throws: GGUFError.self) { try Vocabulary(contentsOf: Fixtures.directory + "/does-not-exist.gguf") }
    }
}
