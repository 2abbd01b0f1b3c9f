import CKernels
import Foundation
import Testing

@Suite struct SamplingReductionTests {
    @Test func argmaxTakesTheFirstOfTies() {
        let x: [Float] = [1, 5, -.infinity, 5, .nan, 2]
        #expect(ck_argmax(x, Int32(x.count)) == 1)
        let none: [Float] = [-.infinity, .nan]
        #expect(ck_argmax(none, 2) == -1)
    }

    @Test("the largest value and its first index are the same at every level", arguments: Level.allCases)
    func maximumAndArgmaxAtEveryLevel(_ level: Level) {
        var state: UInt64 = 11
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 400) / 10 - 20
        }
        for n in [1, 15, 16, 17, 31, 33, 63, 64, 65, 200, 151_936] {
            var x = (0..<n).map { _ in next() }
            for i in stride(from: 3, to: n, by: 37) { x[i] = i % 2 == 0 ? .nan : -.infinity }
            // The top value twice (the first must win), in turn in the head, the middle and the tail.
            for at in Set([0, n / 2, n - 1]) {
                var y = x
                y[at] = 30
                if at + 5 < n { y[at + 5] = 30 }
                let scalar = CKernelsTests.at(.scalar) { (ck_max_f32(y, Int32(n)), ck_argmax(y, Int32(n))) }
                #expect(scalar.0 == 30 && scalar.1 == Int32(at), "n \(n) at \(at)")
                let got = CKernelsTests.at(level) { (ck_max_f32(y, Int32(n)), ck_argmax(y, Int32(n))) }
                #expect(got.0 == scalar.0 && got.1 == scalar.1, "\(level) n \(n) at \(at)")
            }
        }
        let allNaN: [Float] = [.nan, .nan, .nan]
        #expect(CKernelsTests.at(level) { ck_argmax(allNaN, 3) } == -1)
    }

    @Test func logsumexpIsStable() {
        let x: [Float] = [1000, 1000, -.infinity]
        #expect(abs(ck_logsumexp(x, 3) - (1000 + log(2.0))) < 1e-9)
        // The exponentials are float (softmax's), summed in double: float precision.
        let small: [Float] = [0.5, -1, 2]
        #expect(abs(ck_logsumexp(small, 3) - log(exp(0.5) + exp(-1.0) + exp(2.0))) < 1e-7)
        // A vocabulary-sized row goes through the vector exponentials in groups of 16.
        let row = (0..<151_936).map { Float(($0 * 7919) % 2000) / 100 - 10 }
        let top = Double(row.max()!)
        let reference = top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
        #expect(abs(ck_logsumexp(row, Int32(row.count)) - reference) < 1e-6)
        let none: [Float] = [-.infinity]
        #expect(ck_logsumexp(none, 1) == -.infinity)
        let inf: [Float] = [1, .infinity]
        #expect(ck_logsumexp(inf, 2) == .infinity)
    }

    @Test(arguments: [1, 3, 7, 20], Level.allCases)
    func topKMatchesASortedReference(k: Int, level: Level) {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<50 {
            // Long rows too: blocks of 64 that cannot beat the k-th are skipped by a SIMD test.
            let n = Int.random(in: 1...(round % 2 == 0 ? 300 : 3000), using: &rng)
            var x = (0..<n).map { _ in Float(Int.random(in: -20...20, using: &rng)) / 4 }
            for _ in 0..<(n / 10) { x[Int.random(in: 0..<n, using: &rng)] = -.infinity }
            for _ in 0..<(n / 50) { x[Int.random(in: 0..<n, using: &rng)] = .nan }
            let reference = x.enumerated().filter { $0.element > -.infinity }
                .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }.prefix(k)
            var idx = [Int32](repeating: -1, count: k), val = [Float](repeating: 0, count: k)
            let found = Int(at(level) { ck_top_k(x, Int32(n), Int32(k), &idx, &val) })
            #expect(found == reference.count)
            #expect(Array(idx.prefix(found)).map(Int.init) == reference.map(\.offset))
            #expect(Array(val.prefix(found)) == reference.map(\.element))
        }
    }

    @Test func theLogNormaliserWithAKnownMaximumIsTheSame() {
        var state: UInt64 = 7
        for n in [1, 15, 16, 17, 1000, 151_936] {
            let x: [Float] = (0..<n).map { i in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                if i % 50 == 3 { return i % 100 == 3 ? -.infinity : .nan }
                return Float(Int(state >> 40) % 2000) / 100 - 10
            }
            let max = x.reduce(-Float.infinity) { $1 > $0 ? $1 : $0 }
            #expect(ck_logsumexp_with_max(x, Int32(n), max).bitPattern == ck_logsumexp(x, Int32(n)).bitPattern, "n \(n)")
        }
        let none: [Float] = [-.infinity, -.infinity]
        #expect(ck_logsumexp_with_max(none, 2, -.infinity) == -.infinity)
    }
}
