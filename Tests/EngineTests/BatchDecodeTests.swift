import Foundation
import Testing
@testable import Engine
import GGUF
import ModelFactory

/// The committed llama.cpp reference for multi-sequence batches (tools/parity/make_batch_fixtures.py).
struct BatchParityFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var spec: RandomModelSpec
        var model_fnv1a64: String
        var prompt: [Int]
        /// steps[k][s]: the token sequence s feeds at step k.
        var steps: [[Int]]
        /// logits[k][s]: sequence s's next-token logits after step k (float32, base64).
        var logits: [[String]]
        var testDescription: String { name }

        func reference(step k: Int, sequence s: Int) -> [Float] {
            Data(base64Encoded: logits[k][s])!.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
    }
    var cases: [Case]

    static let loaded: BatchParityFixture = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/batch-parity.json").standardized.path
        return try! JSONDecoder().decode(BatchParityFixture.self, from: FileManager.default.contents(atPath: path)!)
    }()
}

@Suite struct BatchDecodeTests {
    static let tokens = (0..<40).map { ($0 * 37 + 5) % 297 }

    /// A prompt forked into several sequences that decode together in one llama.cpp batch: every
    /// sequence's logits after every step are llama.cpp's, bit for bit.
    @Test(arguments: BatchParityFixture.loaded.cases)
    func batchedLogitsMatchLlamaCpp(_ c: BatchParityFixture.Case) throws {
        let bytes = RandomModel.writer(c.spec).bytes()
        #expect(fnv1a64Words(bytes) == c.model_fnv1a64, "the random-model generator changed; regenerate the fixture")
        let model = try Model(file: GGUFFile(bytes: bytes, name: c.name))
        let root = Session(model: model, context: 64)
        try root.evaluate(c.prompt)
        let sequences = [root] + (1..<c.steps[0].count).map { _ in root.fork() }
        for (k, step) in c.steps.enumerated() {
            try Session.evaluate(zip(sequences, step).map { ($0, [$1]) })
            for (s, session) in sequences.enumerated() {
                #expect(session.lastLogits.map(\.bitPattern) == c.reference(step: k, sequence: s).map(\.bitPattern),
                        "\(c.name): sequence \(s) after step \(k)")
                #expect(session.position == c.prompt.count + k + 1)
            }
        }
    }

    /// A sequence's bits do not depend on which other sequences share its pass, nor on how many
    /// tokens they bring; and they stay within rounding of decoding it alone.
    @Test(arguments: [false, true])
    func sequenceBitsDoNotDependOnCompanions(moe: Bool) throws {
        let model = moe ? try moeModel() : try smallModel()
        let a = Session(model: model, context: 64)
        try a.evaluate(Array(Self.tokens[..<12]))
        let alone = a.fork(), pairB = a.fork(), crowd = a.fork()
        let b = a.fork(at: 5), c = a.fork(at: 8), d = a.fork()
        for (i, t) in Self.tokens[12..<20].enumerated() {
            try Session.evaluate([(pairB, [t]), (b, [Self.tokens[30 + i]])])
            // Companions with several tokens each (one injects a phrase while the others decode).
            try Session.evaluate([(c, [7, 8, 9]), (crowd, [t]), (d, [3])])
            #expect(pairB.lastLogits.map(\.bitPattern) == crowd.lastLogits.map(\.bitPattern), "step \(i)")
            try alone.evaluate([t])
            var maxDiff: Float = 0
            for j in 0..<model.config.vocabSize { maxDiff = max(maxDiff, abs(alone.lastLogits[j] - crowd.lastLogits[j])) }
            #expect(maxDiff <= 5e-3, "step \(i): max |Δlogit| against decoding alone \(maxDiff)")
        }
        #expect(b.position == 13 && c.position == 8 + 3 * 8 && d.position == 20)
    }

    /// More rows than one pass holds: the batch is split over passes, and a sequence longer than a
    /// pass is evaluated alone, with the same results as feeding each sequence by itself.
    @Test func batchesLargerThanAPassAreSplit() throws {
        let model = try smallModel()
        let root = Session(model: model, context: 64, batchSize: 4)
        try root.evaluate(Array(Self.tokens[..<6]))
        let long = root.fork(), x = root.fork(), y = root.fork()
        let refLong = root.fork(), refX = root.fork(), refY = root.fork()
        try Session.evaluate([(long, Array(Self.tokens[6..<16])), (x, [1, 2, 3]), (y, [4, 5])])
        try refLong.evaluate(Array(Self.tokens[6..<16]))
        // 3 + 2 rows exceed a pass of 4, so x and y run in passes of their own.
        try refX.evaluate([1, 2, 3])
        try refY.evaluate([4, 5])
        #expect(long.lastLogits.map(\.bitPattern) == refLong.lastLogits.map(\.bitPattern))
        #expect(x.lastLogits.map(\.bitPattern) == refX.lastLogits.map(\.bitPattern))
        #expect(y.lastLogits.map(\.bitPattern) == refY.lastLogits.map(\.bitPattern))
    }

    @Test func invalidBatchesAreErrorsNotCrashes() throws {
        let model = try smallModel()
        let a = Session(model: model, context: 8), other = Session(model: try smallModel(), context: 8)
        #expect(throws: EngineError.self) { try Session.evaluate([(a, [1]), (a, [2])]) }
        #expect(throws: EngineError.self) { try Session.evaluate([(a, [1]), (other, [2])]) }
        #expect(throws: EngineError.emptyInput) { try Session.evaluate([(a, [])]) }
        #expect(throws: EngineError.contextFull(capacity: 8, requested: 9)) {
            try Session.evaluate([(a, Array(repeating: 1, count: 9))])
        }
        #expect(a.position == 0)
        try Session.evaluate([])
    }
}
