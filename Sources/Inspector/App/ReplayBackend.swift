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

    /// - Parameter tokensPerSecond: 0 shows the whole trace at once.
    public init(events: [ReasoningEvent], queue: EventQueue, tokensPerSecond: Double = 0) {
        guard tokensPerSecond > 0 else {
            for e in events { queue.push(e) }
            return
        }
        let delay = 1 / tokensPerSecond
        work.async { [stopped] in
            for e in events {
                if stopped.isSet { return }
                if case .token = e { Thread.sleepSeconds(delay) }
                queue.push(e)
            }
        }
    }

    public func perform(_ effect: Effect) {
        if effect == .stop || effect == .quit { stopped.set() }
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
