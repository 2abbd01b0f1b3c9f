import ArgumentParser
import Foundation
import Engine
import GGUF
import ModelFactory

struct RandomModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "random-model",
        abstract: "Write a model with random weights and real shapes (for benchmarks and parity tests).",
        discussion: "Presets: \(RandomModelSpec.presetNames.joined(separator: ", ")). Quantize further (Q4_K_M …) with llama.cpp."
    )

    @Option(help: "Shape preset.") var preset: String?
    @Option(help: "A JSON shape spec instead of a preset, e.g. {\"architecture\":\"qwen3moe\",\"experts\":8,...}.") var spec: String?
    @Option(help: "Weight type: f32, f16, bf16 or q8_0 (default q8_0; with --spec, the spec's weightType).") var type: String?
    @Option(help: "Override the number of layers.") var layers: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Take the tokenizer (every tokenizer.* key) from this GGUF file instead of the synthetic vocabulary, e.g. Tests/Fixtures/qwen3-vocab.gguf.",
                               discussion: "Its token count must equal the shape's vocab; the spec's chat is then not used."))
    var vocabFrom: String?
    @Option(help: "Output GGUF file.") var out: String

    func resolvedSpec() throws -> RandomModelSpec {
        var s: RandomModelSpec
        switch (preset, spec) {
        case (let name?, nil):
            guard let p = RandomModelSpec.preset(name) else {
                throw ValidationError("unknown preset '\(name)'; expected one of \(RandomModelSpec.presetNames.joined(separator: ", "))")
            }
            s = p
            s.weightType = "Q8_0"
            s.seed = seed
        case (nil, let json?):
            do {
                s = try JSONDecoder().decode(RandomModelSpec.self, from: Data(json.utf8))
            } catch {
                throw ValidationError("--spec is not a valid JSON shape spec: \(error)")
            }
        default:
            throw ValidationError("give exactly one of --preset and --spec")
        }
        if let t = type { s.weightType = t.uppercased() }
        if let l = layers { s.layers = l }
        if let problem = s.problem { throw ValidationError(problem) }
        return s
    }

    func validate() throws { _ = try resolvedSpec() }

    func run() throws {
        let s = try resolvedSpec()
        var vocabulary: BorrowedVocabulary?
        if let path = vocabFrom {
            let neededBy = preset.map { "preset \($0)" } ?? "the --spec shape"
            do {
                vocabulary = try BorrowedVocabulary(path: path, size: s.vocab, neededBy: neededBy)
            } catch {
                throw CLIError("--vocab-from \(error)")
            }
        }
        try RandomModel.write(s, vocabulary: vocabulary, to: out)
        print(out)
    }
}
