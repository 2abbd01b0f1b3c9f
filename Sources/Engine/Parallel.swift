import Dispatch

/// Splits row ranges over a fixed number of threads (fork-join on Dispatch's persistent pool).
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
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = min(count, p * per), hi = min(count, lo + per)
                if lo < hi { box.value(lo..<hi, p) }
            }
        }
    }
}

/// Carries a non-Sendable value into a fork-join region whose threads write disjoint outputs.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
