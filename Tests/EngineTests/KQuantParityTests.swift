import Foundation
import Testing
@testable import Engine
import GGUF

/// llama.cpp-quantized files (tools/parity/make_kquant_fixtures.py): the K-quant and Q4_0 kernels
/// keep their own float order, so parity is measured, against the bounds of the speed issue:
/// mean KL(llama.cpp ‖ ThinkScope) ≤ 5e-3 and top-1 agreement ≥ 98%.
struct KQuantFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible, ReferenceLogits {
        var name: String
        var file: String
        var quantization: String
        var ids: [Int]
        var positions: [Int]
        var logits: [String]
        var argmax: [Int]
        var testDescription: String { name }
    }
    var cases: [Case]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures")
        .standardized
    static let loaded: KQuantFixture = {
        let data = FileManager.default.contents(atPath: directory.appendingPathComponent("kquant-parity.json").path)!
        return try! JSONDecoder().decode(KQuantFixture.self, from: data)
    }()
}

@Suite struct KQuantParityTests {
    @Test(arguments: KQuantFixture.loaded.cases)
    func llamaCppQuantizedFilesMatch(_ c: KQuantFixture.Case) throws {
        let path = KQuantFixture.directory.appendingPathComponent(c.file).path
        let model = try Model(file: GGUFFile(path: path))
        let types = Set(model.file.tensors.map(\.type))
        #expect(types.contains { [.q4_K, .q5_K, .q6_K, .q4_0].contains($0) }, "\(c.name): \(types)")
        let vocab = model.config.vocabSize
        let all = try Session(model: model, context: c.ids.count + 8).evaluateAll(c.ids)
        let kls = c.positions.enumerated().map { klDivergence(reference: c.referenceLogits($0), logitRow(all, $1, vocab: vocab)) }
        let same = argmaxAgreement(all, vocab: vocab, reference: c.argmax)
        let mean = kls.reduce(0, +) / Double(kls.count)
        print("kquant \(c.name): mean KL \(mean), worst \(kls.max()!), top-1 \(same)/\(c.argmax.count)")
        #expect(mean <= 5e-3, "\(c.name): mean KL \(mean)")
        #expect(Double(same) >= 0.98 * Double(c.argmax.count), "\(c.name): top-1 \(same)/\(c.argmax.count)")
    }
}
