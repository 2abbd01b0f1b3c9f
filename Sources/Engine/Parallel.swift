import Dispatch

/// Splits row ranges over a fixed number of threads (fork-join on `SpinPool`'s workers, or
/// Dispatch's pool when they are busy).
public struct Parallel: Sendable {
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// Calls `body(range, part)` with disjoint slices of 0..<count, one per thread (fewer when count
    /// is small); `part` (0..<threads) identifies the slice, e.g. to pick per-thread scratch.
    /// Slices start at multiples of `align` so that threads do not share cache lines of output.
    public func forRanges(_ count: Int, align: Int = 16, _ body: (Range<Int>, Int) -> Void) {
        let parts = min(threads, max(1, count / max(align, 1)))
        if parts <= 1 {
            body(0..<count, 0)
            return
        }
        let per = ((count + parts - 1) / parts + align - 1) / align * align
        run(parts: parts) { p in
            let lo = min(count, p * per), hi = min(count, lo + per)
            if lo < hi { body(lo..<hi, p) }
        }
    }

    /// `body(p)` for p in 0..<parts, concurrently.
    private func run(parts: Int, _ body: (Int) -> Void) {
        if SpinPool.shared.run(parts: parts, body) { return }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in box.value(p) }
        }
    }
}

extension Parallel {
    /// Like `forRanges` over the concatenation of `segments` (segment i holds `rows` rows that cost
    /// `cost` each), with slices of about equal total cost instead of equal row counts. Boundaries
    /// fall on multiples of `align` rows (of the concatenation).
    public func forWeightedRanges(_ segments: [(rows: Int, cost: Int)], align: Int = 16, _ body: (Range<Int>, Int) -> Void) {
        let count = segments.reduce(0) { $0 + $1.rows }
        let parts = min(threads, max(1, count / max(align, 1)))
        if parts <= 1 {
            body(0..<count, 0)
            return
        }
        let total = segments.reduce(0) { $0 + $1.rows * max($1.cost, 1) }
        // bounds[p]: the first row of slice p, where the cost before it first reaches p/parts of the total.
        var bounds = [0], row = 0, spent = 0, segment = 0, segmentStart = 0
        for p in 1..<parts {
            let target = total * p / parts
            while segment < segments.count {
                let cost = max(segments[segment].cost, 1), end = segmentStart + segments[segment].rows
                let need = max(0, (target - spent + cost - 1) / cost)  // rows of this segment that reach it
                if row + need <= end {
                    row += need
                    spent += need * cost
                    break
                }
                spent += (end - row) * cost
                row = end
                segmentStart = end
                segment += 1
            }
            let aligned = min(count, (row + align / 2) / align * align)
            bounds.append(max(bounds[p - 1], aligned))
        }
        bounds.append(count)
        run(parts: parts) { p in
            if bounds[p] < bounds[p + 1] { body(bounds[p]..<bounds[p + 1], p) }
        }
    }
}

/// Carries a non-Sendable value into a fork-join region whose threads write disjoint outputs.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
