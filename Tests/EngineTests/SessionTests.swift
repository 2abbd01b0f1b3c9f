import Foundation
import Testing
@testable import Engine
import GGUF
import ModelFactory

func smallModel(_ configure: (inout RandomModelSpec) -> Void = { _ in }) throws -> Model {
    var spec = RandomModelSpec()
    spec.layers = 2; spec.embedding = 64; spec.heads = 4; spec.kvHeads = 2; spec.headDim = 16
    spec.feedForward = 96; spec.vocab = 300
    configure(&spec)
    return try Model(file: GGUFFile(bytes: RandomModel.writer(spec).bytes(), name: "small.gguf"))
}

func moeModel() throws -> Model {
    try smallModel {
        $0.architecture = Qwen3MoE.name; $0.experts = 8; $0.expertsUsed = 3; $0.expertFeedForward = 32
    }
}

@Suite struct SessionTests {
    static let tokens = (0..<40).map { ($0 * 37 + 5) % 297 }

    /// The KV cache carries a prefill across passes: any split into passes of two or more
    /// tokens gives the bits of one pass (each output's sum order does not depend on the split).
    @Test(arguments: [false, true])
    func chunkedPrefillEqualsOnePrefill(moe: Bool) throws {
        let model = moe ? try moeModel() : try smallModel()
        func logits(batch: Int) throws -> [Float] {
            try Session(model: model, context: 64, batchSize: batch).evaluateAll(Self.tokens)
        }
        let whole = try logits(batch: 64)
        for batch in [16, 5, 3, 2] { #expect(try logits(batch: batch).map(\.bitPattern) == whole.map(\.bitPattern)) }
        // 40 tokens in passes of 13 would end in a one-token pass; it is folded into the one before.
        #expect(try logits(batch: 13).map(\.bitPattern) == whole.map(\.bitPattern))
    }

    /// Decoding token by token reads the same cache; it sums in llama.cpp's single-token order,
    /// so logits agree with the prefill's to rounding (as llama.cpp's own decode and prefill do).
    @Test(arguments: [false, true])
    func tokenByTokenMatchesOnePrefill(moe: Bool) throws {
        let model = moe ? try moeModel() : try smallModel()
        let vocab = model.config.vocabSize
        let whole = Session(model: model, context: 64, batchSize: 16)
        let all = try whole.evaluateAll(Self.tokens)
        let stepwise = Session(model: model, context: 64)
        var same = 0
        for (i, t) in Self.tokens.enumerated() {
            let logits = try stepwise.decode(t)
            var maxDiff: Float = 0
            for j in 0..<vocab { maxDiff = max(maxDiff, abs(logits[j] - all[i * vocab + j])) }
            #expect(maxDiff <= 5e-3, "position \(i): max |Δlogit| \(maxDiff)")
            if argmax(logits) == argmax(logitRow(all, i, vocab: vocab)) { same += 1 }
        }
        #expect(same >= Self.tokens.count - 1)
        #expect(stepwise.position == Self.tokens.count)
    }

    @Test(arguments: [false, true])
    func forkContinuesExactlyAsTheOriginal(moe: Bool) throws {
        let model = moe ? try moeModel() : try smallModel()
        let a = Session(model: model, context: 64)
        try a.evaluate(Array(Self.tokens[..<20]))
        let b = a.fork()
        #expect(Array(b.lastLogits) == Array(a.lastLogits))
        for t in Self.tokens[20...] {
            let la = Array(try a.decode(t)), lb = Array(try b.decode(t))
            #expect(la == lb)
        }
        // A fork at an earlier position continues like a fresh run of that prefix.
        let c = a.fork(at: 10)
        let fresh = Session(model: model, context: 64)
        try fresh.evaluate(Array(Self.tokens[..<10]))
        for t in Self.tokens[10..<15] {
            #expect(Array(try c.decode(t)) == Array(try fresh.decode(t)))
        }
    }

    @Test func fullContextIsAnErrorNotACrash() throws {
        let s = Session(model: try smallModel(), context: 8)
        try s.evaluate(Array(Self.tokens[..<8]))
        #expect(throws: EngineError.contextFull(capacity: 8, requested: 9)) { try s.decode(1) }
        #expect(throws: EngineError.tokenOutOfRange(token: 300, vocabSize: 300)) {
            try Session(model: try smallModel(), context: 8).decode(300)
        }
        #expect(throws: EngineError.emptyInput) { try s.evaluate([]) }
    }

    @Test func routingHooksReportEveryLayerAndTokenWithoutChangingLogits() throws {
        let model = try moeModel()
        let plain = Session(model: model, context: 64)
        try plain.evaluate(Self.tokens)
        let hooked = Session(model: model, context: 64)
        let stats = RoutingStatistics(layers: 2, experts: 8)
        final class Checker: ForwardObserver {
            var taps: Set<TapPoint> { Set(TapPoint.allCases) }
            var routings = 0, logitRows = 0, badSums = 0
            func routing(_ tap: RoutingTap) {
                routings += 1
                let s = tap.weights.reduce(0, +), p = tap.probabilities.reduce(0, +)
                if abs(s - 1) > 1e-5 || abs(p - 1) > 1e-4 { badSums += 1 }
                // Selected experts are the most probable, best first.
                let sorted = tap.probabilities.enumerated().sorted { $0.element > $1.element }.prefix(tap.experts.count)
                if sorted.map(\.offset) != tap.experts.map(Int.init) { badSums += 1 }
            }
            func logits(position: Int, _ logits: UnsafeBufferPointer<Float>) { logitRows += 1 }
        }
        let checker = Checker()
        final class Both: ForwardObserver {
            let a: RoutingStatistics, b: Checker
            init(_ a: RoutingStatistics, _ b: Checker) { self.a = a; self.b = b }
            var taps: Set<TapPoint> { Set(TapPoint.allCases) }
            func routing(_ tap: RoutingTap) { a.routing(tap); b.routing(tap) }
            func logits(position: Int, _ l: UnsafeBufferPointer<Float>) { b.logits(position: position, l) }
        }
        hooked.observer = Both(stats, checker)
        try hooked.evaluate(Self.tokens)
        #expect(Array(hooked.lastLogits) == Array(plain.lastLogits))
        #expect(checker.routings == 2 * Self.tokens.count)
        #expect(checker.badSums == 0)
        #expect(checker.logitRows == 1)
        let total = (0..<2).flatMap { l in (0..<8).map { stats.count(layer: l, expert: $0) } }.reduce(0, +)
        #expect(total == 2 * 3 * Self.tokens.count)
    }
}
