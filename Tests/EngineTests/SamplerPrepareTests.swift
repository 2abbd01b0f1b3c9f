import CKernels
import Foundation
import Testing
@testable import Engine

/// `Sampler.prepare` (the vocabulary passes done ahead, on several threads) changes no bit of what
/// `sample` returns, and the alternatives taken from the candidates are the raw top k.
@Suite struct SamplerPrepareTests {
    static func logits(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { i in
            // Ties and -inf on purpose: the candidates' order and skips must match ck_top_k's.
            if i % 97 == 0 { return -.infinity }
            return Float(Int(rng.unitDouble() * 400)) / 40
        }
    }

    static let settings: [SamplingParameters] = [
        SamplingParameters(temperature: 0.6, topK: 20, topP: 0.95, seed: 3),
        SamplingParameters(temperature: 0.7, topK: 20, topP: 0.8, presencePenalty: 1.5, seed: 4),
        SamplingParameters(temperature: 1, topK: 3, seed: 5, alternatives: 5),  // alternatives beyond top-k
        SamplingParameters(temperature: 0.8, topK: 0, minP: 0.05, seed: 6),
        SamplingParameters(temperature: 0, seed: 7),
        SamplingParameters(temperature: 0, repetitionPenalty: 1.3, seed: 8),
    ]

    func same(_ a: SampledToken, _ b: SampledToken) -> Bool {
        a.token == b.token && a.logProbability.bitPattern == b.logProbability.bitPattern
            && a.alternatives.map(\.token) == b.alternatives.map(\.token)
            && a.alternatives.map(\.logProbability.bitPattern) == b.alternatives.map(\.logProbability.bitPattern)
    }

    @Test(arguments: settings.indices)
    func preparedSamplesEqualPlainOnes(setting: Int) throws {
        let p = Self.settings[setting]
        let n = 3000
        let plain = try Sampler(p, vocabularySize: n)
        let ahead = (0..<3).map { _ in try! Sampler(p, vocabularySize: n) }
        let parallel = Parallel(threads: 2)
        for step in 0..<40 {
            let rows = (0..<3).map { Self.logits(n, seed: UInt64(step * 3 + $0)) }
            // Three samplers prepared together on two threads; the first compared with a plain one.
            var out: [SampledToken] = []
            rows.withUnsafeBufferPointers { bufs in
                Sampler.prepareTogether(zip(ahead, bufs).map { ($0, $1) }, on: parallel)
                out = zip(ahead, bufs).map { $0.sample($1) }
            }
            let expected = rows[0].withUnsafeBufferPointer { plain.sample($0) }
            #expect(same(out[0], expected), "step \(step)")
            // Suppression after a prepare falls back to the full path.
            let suppressed: Set<Int> = [expected.token]
            let s1 = rows[1].withUnsafeBufferPointer { b -> (SampledToken, SampledToken) in
                let x = try! Sampler(p, vocabularySize: n), y = try! Sampler(p, vocabularySize: n)
                x.prepare(b)
                return (x.sample(b, suppressed: suppressed), y.sample(b, suppressed: suppressed))
            }
            #expect(same(s1.0, s1.1) && s1.0.token != expected.token || rows[1][expected.token] == -.infinity)
            // The alternatives are the raw top k, whatever the candidates were.
            rows[0].withUnsafeBufferPointer { b in
                let k = p.alternatives
                var ids = [Int32](repeating: 0, count: k), vals = [Float](repeating: 0, count: k)
                let found = Int(ck_top_k(b.baseAddress, Int32(n), Int32(k), &ids, &vals))
                #expect(expected.alternatives.map(\.token) == ids.prefix(found).map(Int.init))
                // Log-probabilities against the two-pass log-normaliser, bit for bit.
                let logZ = ck_logsumexp(b.baseAddress, Int32(n))
                #expect(expected.logProbability.bitPattern == Float(Double(b[expected.token]) - logZ).bitPattern)
                #expect(expected.alternatives.map(\.logProbability.bitPattern)
                        == (0..<found).map { Float(Double(vals[$0]) - logZ).bitPattern })
            }
            for (s, t) in zip(ahead, out) { s.accept(t.token) }
            plain.accept(expected.token)
        }
    }

    @Test func aPreparationIsUsedOnceAndOnlyForItsLogits() throws {
        let p = SamplingParameters(temperature: 0.6, topK: 20, seed: 1)
        let a = Self.logits(500, seed: 1), b = Self.logits(500, seed: 2)
        let s = try Sampler(p, vocabularySize: 500), t = try Sampler(p, vocabularySize: 500)
        a.withUnsafeBufferPointer { s.prepare($0) }
        // Other logits: the preparation is not used.
        let got = b.withUnsafeBufferPointer { s.sample($0) }
        let want = b.withUnsafeBufferPointer { t.sample($0) }
        #expect(same(got, want))
        // Discarded: the same buffer with new values is analysed afresh.
        var c = Self.logits(500, seed: 3)  // its own storage: the same address after the change
        c.withUnsafeBufferPointer { s.prepare($0) }
        s.discardPrepared()
        c[0] = 100
        let fresh = c.withUnsafeBufferPointer { s.sample($0) }
        #expect(fresh.alternatives.first?.token == 0)
    }
}

extension Array where Element == [Float] {
    /// Buffers of every row, valid inside `body`.
    func withUnsafeBufferPointers<R>(_ body: ([UnsafeBufferPointer<Float>]) -> R) -> R {
        func go(_ i: Int, _ acc: [UnsafeBufferPointer<Float>]) -> R {
            i == count ? body(acc) : self[i].withUnsafeBufferPointer { go(i + 1, acc + [$0]) }
        }
        return go(0, [])
    }
}
