import Synchronization
import Testing
@testable import Engine

/// `Parallel.forWeightedRanges`: the slices cover the rows once, start on aligned rows, and balance
/// cost rather than row counts.
@Suite struct ParallelTests {
    /// The slices one call hands out, sorted by their start.
    private func slices(_ p: Parallel, _ segments: [(rows: Int, cost: Int)], align: Int = 16) -> [Range<Int>] {
        let seen = Mutex<[Range<Int>]>([])
        p.forWeightedRanges(segments, align: align) { r, _ in seen.withLock { $0.append(r) } }
        return seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
    }

    @Test func slicesCoverEveryRowOnceOnAlignedStarts() {
        for threads in 1...4 {
            for segments in [[(256, 3), (256, 3), (128, 1)], [(16, 1)], [(1, 5)], [(2880, 1), (2880, 7), (2880, 2)],
                             [(256, 1), (256, 100), (256, 1), (256, 1)]] {
                let s = slices(Parallel(threads: threads), segments)
                let total = segments.reduce(0) { $0 + $1.0 }
                #expect(s.first?.lowerBound == 0)
                #expect(s.last?.upperBound == total)
                for (a, b) in zip(s, s.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
                for r in s { #expect(r.lowerBound % 16 == 0) }
                #expect(s.count <= threads)
            }
        }
    }

    /// Many fork-joins in a row, from several threads at once (the pool runs one at a time and the
    /// others go through Dispatch): every part runs exactly once each time, and its writes are seen
    /// when the call returns.
    @Test func everyPartRunsOnceUnderConcurrentCallers() async {
        let p = Parallel(threads: ProcessInfoThreads.available)
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<4 {
                group.addTask {
                    var ok = true
                    for round in 0..<2000 {
                        let count = 16 * (1 + (round + caller) % 7)
                        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
                        hits.initialize(repeating: 0)
                        p.forRanges(count) { r, _ in for i in r { hits[i] += 1 } }
                        ok = ok && hits.allSatisfy { $0 == 1 }
                        hits.deallocate()
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test func slicesBalanceCostNotRows() {
        // One expert with 7 tokens and three with 1: equal row counts would give one thread 7/10
        // of the work; cost-weighted slices give each about half.
        let segments = [(rows: 256, cost: 7), (rows: 256, cost: 1), (rows: 256, cost: 1), (rows: 256, cost: 1)]
        let s = slices(Parallel(threads: 2), segments)
        #expect(s.count == 2)
        func cost(_ r: Range<Int>) -> Int {
            var c = 0, start = 0
            for seg in segments {
                c += max(0, min(r.upperBound, start + seg.rows) - max(r.lowerBound, start)) * seg.cost
                start += seg.rows
            }
            return c
        }
        let costs = s.map(cost)
        #expect(abs(costs[0] - costs[1]) <= 16 * 7)
    }
}
