import Foundation
import GGUF
import ModelFactory
import Testing
import Tokenizer

/// `random-model --vocab-from`: random weights with a real tokenizer taken from another GGUF file.
@Suite struct RandomModelVocabularyTests {
    static let qwenVocab = CLITests.fixtures.appendingPathComponent("qwen3-vocab.gguf").path
    /// Qwen3's vocabulary size on a tiny shape (one layer, hidden 32), so the model is quick to write.
    static let tinySpec = #"{"vocab":151936,"layers":1,"embedding":32,"heads":1,"kvHeads":1,"headDim":32,"feedForward":32,"weightType":"Q8_0"}"#
    /// What an answer probe prefills with the Qwen end style (EndStyle.qwen, the end delimiter, the answer's opening).
    static let endOfThinking = "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n"

    @Test func aModelWithTheRealQwenVocabularyLoadsAndTokenizesLikeTheFixture() throws {
        let path = CLI.temp("realvocab.gguf"), synthetic = CLI.temp("synthetic.gguf")
        defer { for p in [path, synthetic] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try CLI.run(["random-model", "--spec", Self.tinySpec, "--vocab-from", Self.qwenVocab, "--out", path])
        #expect(r.status == 0, "\(r.stderr)")
        let bench = try CLI.run(["bench", "--model", path, "-p", "8", "-n", "2", "-r", "1", "-t", "1", "--json"])
        #expect(bench.status == 0, "the model loads and runs: \(bench.stderr)")

        let model = try GGUFFile(path: path), source = try GGUFFile(path: Self.qwenVocab)
        let tokenizerKeys = { (f: GGUFFile) in f.metadata.filter { $0.key.hasPrefix("tokenizer.") } }
        #expect(tokenizerKeys(model).map(\.key) == tokenizerKeys(source).map(\.key))
        #expect(zip(tokenizerKeys(model), tokenizerKeys(source)).allSatisfy { $0.value == $1.value }, "every tokenizer.* record copied")
        #expect(model.architecture == "qwen3" && model.tensor(named: "token_embd.weight")?.shape == [32, 151_936])

        let ids = try BPETokenizer(gguf: model).encode(Self.endOfThinking, parseSpecial: true)
        let expected = try BPETokenizer(gguf: source).encode(Self.endOfThinking, parseSpecial: true)
        #expect(ids == expected)
        // The synthetic vocabulary (few merges) makes the same text far longer.
        _ = try CLI.run(["random-model", "--spec", Self.tinySpec, "--out", synthetic])
        let long = try BPETokenizer(gguf: GGUFFile(path: synthetic)).encode(Self.endOfThinking, parseSpecial: true)
        #expect(ids.count < long.count / 2, "real \(ids.count) tokens, synthetic \(long.count)")
    }

    @Test func aVocabularyOfTheWrongSizeIsRefusedNamingFileFieldAndSize() throws {
        let path = CLI.temp("wrongsize.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run(["random-model", "--preset", "r1-distill-llama-8b-4l", "--vocab-from", Self.qwenVocab, "--out", path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--vocab-from \(Self.qwenVocab): tokenizer.ggml.tokens has 151936 entries; preset r1-distill-llama-8b-4l needs 128256"),
                "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
        let s = try CLI.run(["random-model", "--spec", #"{"vocab":600}"#, "--vocab-from", Self.qwenVocab, "--out", path])
        #expect(s.status != 0 && s.stderr.contains("has 151936 entries; the --spec shape needs 600"), "\(s.stderr)")
        #expect(throws: BorrowedVocabularyError.self) { _ = try BorrowedVocabulary(path: Self.qwenVocab, size: 151_935, neededBy: "x") }
    }

    @Test func aFileThatIsNoGGUFOrHasNoTokenizerIsRefusedClearly() throws {
        let text = CLI.temp("notes.txt"), bare = CLI.temp("bare.gguf"), out = CLI.temp("out.gguf")
        defer { for p in [text, bare, out] { try? FileManager.default.removeItem(atPath: p) } }
        try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: text))
        var w = GGUFWriter()
        w.set("general.architecture", "qwen3")
        try w.write(to: bare)
        let missing = CLI.temp("missing.gguf")
        let cases = [(text, "not a GGUF file"), (bare, "has no tokenizer.ggml.tokens"), (missing, "cannot open")]
        for (file, message) in cases {
            let r = try CLI.run(["random-model", "--spec", #"{"vocab":600}"#, "--vocab-from", file, "--out", out])
            #expect(r.status != 0)
            #expect(r.stderr.contains("--vocab-from \(file)") && r.stderr.contains(message), "\(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack"))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
