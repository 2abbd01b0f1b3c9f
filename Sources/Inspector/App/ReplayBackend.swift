import Dispatch
import Engine
import Foundation
import Reasoning
import Synchronization
import Tokenizer

/// Replays a recorded trace: the events go to the queue at once, or paced.
public final class ReplayBackend: InspectorBackend, @unchecked Sendable {
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    let stopped = Flag()
    private let work = DispatchQueue(label: "thinkscope.replay")
    private let queue: EventQueue
    /// The trace read by its model (`replay --model`), for the pivot search.
    private let prober: TraceProber?
    /// The trace's probes (each point's latest report): the pivot search starts from them.
    private let probes: [Probe]

    /// - Parameters:
    ///   - tokensPerSecond: 0 shows the whole trace at once.
    ///   - prober: the run as its model has read it, when the replay has a model.
    ///   - branches: the trace's branch tree (its nodes after the run), shown once the run is.
    public init(events: [ReasoningEvent], queue: EventQueue, tokensPerSecond: Double = 0, prober: TraceProber? = nil,
                branches: [Branch] = []) {
        self.queue = queue
        self.prober = prober
        probes = events.latestProbes
        guard tokensPerSecond > 0 else {
            for e in events { queue.push(e) }
            if !branches.isEmpty { queue.push(action: .branchesLoaded(branches)) }
            return
        }
        let delay = 1 / tokensPerSecond
        work.async { [stopped] in
            for e in events {
                if stopped.isSet { return }
                if case .token = e { Thread.sleepSeconds(delay) }
                queue.push(e)
            }
            if !branches.isEmpty { queue.push(action: .branchesLoaded(branches)) }
        }
    }

    public func perform(_ effect: Effect) {
        if effect == .stop || effect == .quit { stopped.set() }
        guard effect == .findPivot else { return }
        guard prober != nil else {
            return queue.push(action: .pivotFailed("a replay needs the model for that: thinkscope replay TRACE --model FILE"))
        }
        // The prober (and its model) is used only on the work queue.
        work.async { [self] in
            guard let prober else { return }
            do {
                let pivot = try prober.pivot(probes: probes)
                queue.push(action: .pivotFound(pivot, token: pivot.map { prober.tokens[$0.tokenIndex].text } ?? ""))
            } catch {
                queue.push(action: .pivotFailed("\(error)"))
            }
        }
    }

    public func shutdown() { stopped.set() }
}

extension Thread {
    static func sleepSeconds(_ s: Double) {
        var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
        nanosleep(&ts, nil)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
