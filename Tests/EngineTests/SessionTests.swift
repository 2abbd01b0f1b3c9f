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

    @Test(arguments: [false, true])
    func tokenByTokenEqualsOnePrefill(moe: Bool) throws {
        let model = moe ? try moeModel() : try smallModel()
        let vocab = model.config.vocabSize
        let whole = Session(model: model, context: 64, batchSize: 16)
        var all = [Float](repeating: 0, count: Self.tokens.count * vocab)
        try all.withUnsafeMutableBufferPointer { try whole.evaluate(Self.tokens, allLogits: $0.baseAddress) }
        let stepwise = Session(model: model, context: 64)
        for (i, t) in Self.tokens.enumerated() {
            let logits = try stepwise.decode(t)
            var maxDiff: Float = 0
            for j in 0..<vocab { maxDiff = max(maxDiff, abs(logits[j] - all[i * vocab + j])) }
            #expect(maxDiff <= 1e-4, "position \(i): max |Δlogit| \(maxDiff)")
        }
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
