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

    @Test(arguments: [1, 3, 7, 20])
    func topKMatchesASortedReference(k: Int) {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let n = Int.random(in: 1...300, using: &rng)
            var x = (0..<n).map { _ in Float(Int.random(in: -20...20, using: &rng)) / 4 }
            for _ in 0..<(n / 10) { x[Int.random(in: 0..<n, using: &rng)] = -.infinity }
            let reference = x.enumerated().filter { $0.element > -.infinity }
                .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }.prefix(k)
            var idx = [Int32](repeating: -1, count: k), val = [Float](repeating: 0, count: k)
            let found = Int(ck_top_k(x, Int32(n), Int32(k), &idx, &val))
            #expect(found == reference.count)
            #expect(Array(idx.prefix(found)).map(Int.init) == reference.map(\.offset))
            #expect(Array(val.prefix(found)) == reference.map(\.element))
        }
    }
}
