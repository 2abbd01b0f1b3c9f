import Reasoning
import Synchronization

/// What background work sends the UI thread: engine events, and news about the model load.
public final class EventQueue: Sendable {
    private let items = Mutex<[Action]>([])

    public init() {}

    public func push(_ e: ReasoningEvent) { push(action: .engine(e)) }
    public func push(action: Action) { items.withLock { $0.append(action) } }

    /// Takes up to `limit` actions, oldest first.
    public func drain(limit: Int = .max) -> [Action] {
        items.withLock { q in
            if q.count <= limit {
                defer { q.removeAll(keepingCapacity: true) }
                return q
            }
            let head = Array(q.prefix(limit))
            q.removeFirst(limit)
            return head
        }
    }

    public var isEmpty: Bool { items.withLock { $0.isEmpty } }
}
