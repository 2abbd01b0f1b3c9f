import Foundation
import Testing
@testable import Engine

@Suite struct SamplerTests {
    func sample(_ logits: [Float], _ p: SamplingParameters, history: [Int] = [], suppressed: Set<Int> = []) throws -> SampledToken {
        let s = try Sampler(p, vocabularySize: logits.count)
        for t in history { s.accept(t) }
        return logits.withUnsafeBufferPointer { s.sample($0, suppressed: suppressed) }
    }

    @Test func greedyPicksArgmaxAndReportsLogProbability() throws {
        let r = try sample([1, 3, 2, 0], .greedy)
        #expect(r.token == 1)
        // log softmax: 3 - log(e^1 + e^3 + e^2 + e^0)
        let expected = 3 - log(exp(1.0) + exp(3.0) + exp(2.0) + exp(0.0))
        #expect(abs(Double(r.logProbability) - expected) < 1e-6)
        #expect(r.alternatives.map(\.token) == [1, 2, 0, 3])
    }

    @Test func topKOneIsGreedyAtAnyTemperature() throws {
        var p = SamplingParameters(temperature: 5, topK: 1, seed: 9)
        for seed in 0..<20 {
            p.seed = UInt64(seed)
            #expect(try sample([0.5, 0.1, 0.7, 0.2], p).token == 2)
        }
    }

    @Test func topPKeepsTheSmallestNucleus() throws {
        // probabilities ∝ e^logit: 0.6439, 0.2369, 0.0871, 0.0321 → top-p 0.7 keeps tokens 0 and 1.
        let logits: [Float] = [3, 2, 1, 0]
        var seen = Set<Int>()
        for seed in 0..<200 {
            seen.insert(try sample(logits, SamplingParameters(temperature: 1, topP: 0.7, seed: UInt64(seed))).token)
        }
        #expect(seen == [0, 1])
    }

    @Test func minPDropsUnlikelyTokens() throws {
        // p_i / p_max = e^(l_i - 3): token 1 → 0.37, token 2 → 0.135, token 3 → 0.05; min-p 0.1 keeps 0, 1, 2.
        var seen = Set<Int>()
        for seed in 0..<300 {
            seen.insert(try sample([3, 2, 1, 0], SamplingParameters(temperature: 1, minP: 0.1, seed: UInt64(seed))).token)
        }
        #expect(seen == [0, 1, 2])
    }

    @Test func penaltiesFollowLlamaCpp() throws {
        // repetition 2: positive logit 3 → 1.5, negative −1 → −2; then presence 1 subtracts 1 more.
        let p = SamplingParameters(temperature: 0, presencePenalty: 1, repetitionPenalty: 2)
        #expect(try sample([3, 2.4, -1], p, history: [0]).token == 1)
        #expect(try sample([3, 2.6, -1], SamplingParameters(temperature: 0, repetitionPenalty: 2), history: [0]).token == 1)
        #expect(try sample([3, 1.4, -1], SamplingParameters(temperature: 0, repetitionPenalty: 2), history: [0]).token == 0)
    }

    @Test func suppressedTokensAreNeverChosen() throws {
        for seed in 0..<50 {
            let r = try sample([5, 4, 0], SamplingParameters(temperature: 1, seed: UInt64(seed)), suppressed: [0])
            #expect(r.token != 0)
        }
    }

    @Test func sameSeedSameTokensAndTemperatureMatchesDistribution() throws {
        let logits: [Float] = [1, 0.5, 0, -0.5, -1]
        let p = SamplingParameters(temperature: 0.8, seed: 42)
        let a = try Sampler(p, vocabularySize: 5), b = try Sampler(p, vocabularySize: 5)
        let ta = (0..<100).map { _ in logits.withUnsafeBufferPointer { a.sample($0).token } }
        let tb = (0..<100).map { _ in logits.withUnsafeBufferPointer { b.sample($0).token } }
        #expect(ta == tb)
        // Empirical frequency of token 0 ≈ softmax(logits / 0.8)[0] ≈ 0.413.
        let s = try Sampler(SamplingParameters(temperature: 0.8, seed: 7), vocabularySize: 5)
        let n = 20_000
        let hits = (0..<n).filter { _ in logits.withUnsafeBufferPointer { s.sample($0).token } == 0 }.count
        let expected = exp(1.0 / 0.8) / logits.map { exp(Double($0) / 0.8) }.reduce(0, +)
        #expect(abs(Double(hits) / Double(n) - expected) < 0.015)
    }

    @Test(arguments: [
        SamplingParameters(temperature: -1),
        SamplingParameters(temperature: .nan),
        SamplingParameters(temperature: 1, topK: -3),
        SamplingParameters(temperature: 1, topP: 1.5),
        SamplingParameters(temperature: 1, topP: 0),
        SamplingParameters(temperature: 1, minP: 2),
        SamplingParameters(temperature: 1, repetitionPenalty: 0),
        SamplingParameters(temperature: 1, penaltyWindow: -1),
    ])
    func invalidParametersAreRejectedWhenBuilt(_ p: SamplingParameters) {
        #expect(throws: EngineError.self) { try Sampler(p, vocabularySize: 10) }
    }
}
