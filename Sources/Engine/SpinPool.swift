import CKernels
import Dispatch
import Foundation
import Synchronization

/// Persistent worker threads for the forward pass's fork-joins. A decode step is a few dozen short
/// fork-joins a few to a few tens of microseconds apart; with Dispatch's pool each first waited for
/// a thread parked on a futex, and the second core bought the demo model's decode 12-14% (the 0.6B's
/// 1.42x; with these workers +42% and 1.96x, docs/PERFORMANCE.md). Workers here spin (with the CPU's
/// pause hint) for a short while after each part, so the next fork-join finds them awake, and sleep
/// on a semaphore only after `spinRounds` idle polls. One fork-join runs at a time: a caller that
/// finds the pool busy (another session on another thread) goes through Dispatch instead.
final class SpinPool: @unchecked Sendable {
    static let shared = SpinPool(workers: max(0, ProcessInfoThreads.available - 1))

    /// Idle polls before a worker sleeps (4,000 pauses took 53 us on the AVX-512 machine of
    /// docs/PERFORMANCE.md).
    static let spinRounds = 4000

    let workers: Int
    private let busy = Atomic<Bool>(false)
    /// Bumped to publish a job; workers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// Workers that have not yet finished with the current job. Every worker checks in for every
    /// job (doing a part or not), so none can still be reading a job when the next is written.
    private let pending = Atomic<Int>(0)
    /// Per worker: whether it is (about to be) asleep on its semaphore and must be signalled.
    private final class Sleeper: Sendable {
        let asleep = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }
    private let sleepers: [Sleeper]
    /// The current job, written before `generation` is bumped (release) and read after it is seen
    /// (acquire).
    private var parts = 0
    private var body: ((Int) -> Void)?

    private init(workers: Int) {
        self.workers = workers
        sleepers = (0..<workers).map { _ in Sleeper() }
        for w in 0..<workers {
            let t = Thread { [unowned self] in self.work(w) }
            t.stackSize = 8 << 20
            t.name = "thinkscope-worker-\(w)"
            t.start()
        }
    }

    /// Runs `body(p)` for p in 0..<parts, part 0 on the calling thread; false (nothing run) when the
    /// pool is busy or has too few workers.
    func run(parts: Int, _ body: (Int) -> Void) -> Bool {
        guard parts >= 2, parts - 1 <= workers, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.parts = parts
            pending.store(workers, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            for s in sleepers where s.asleep.exchange(false, ordering: .sequentiallyConsistent) { s.wake.signal() }
            body(0)
            while pending.load(ordering: .acquiring) > 0 { ck_cpu_relax() }
            self.body = nil
        }
        return true
    }

    private func work(_ w: Int) {
        var seen = 0
        while true {
            var polls = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                polls += 1
                if polls < Self.spinRounds {
                    ck_cpu_relax()
                } else {
                    let me = sleepers[w]
                    me.asleep.store(true, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) == seen {
                        me.wake.wait()
                    } else if !me.asleep.exchange(false, ordering: .sequentiallyConsistent) {
                        me.wake.wait()  // a publisher cleared the flag: take its signal
                    }
                    polls = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if w + 1 < parts, let body { body(w + 1) }
            pending.subtract(1, ordering: .releasing)
        }
    }
}
