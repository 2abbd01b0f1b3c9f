/// How thinking is ended: the Qwen early-stop phrase, or the bare delimiter.
public enum EndStyle: String, Sendable, Codable, CaseIterable {
    /// "\n\nConsidering the limited time by the user, I have to give the solution based on the
    /// thinking directly now.\n</think>\n\n" (Qwen's recipe).
    case qwen
    /// "</think>\n\n".
    case bare

    /// Text before the end delimiter (the chat format adds what opens the answer after it).
    var closingWords: String {
        switch self {
        case .qwen: "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n"
        case .bare: ""
        }
    }
}

/// What the thinking budget knows when it is asked.
public struct ThinkingState: Sendable, Equatable {
    /// Thinking tokens so far (sampled and injected).
    public var tokens = 0
    /// "Wait"s injected so far.
    public var waits = 0
}

/// The model tried to end thinking: what the budget says.
public enum EndAttemptResponse: Sendable, Equatable {
    case accept
    /// Do not end; insert this text and keep thinking (s1 "Wait").
    case injectWait(String)
    /// Do not end; sample something else.
    case suppress
}

/// A thinking-budget policy: when to cut thinking, and what to do when the model ends it early.
/// Each policy is a small value; the live budget slider replaces the limit with `withLimit`.
public protocol BudgetPolicy: Sendable {
    /// The cap in thinking tokens (nil = none).
    var limit: Int? { get }
    func withLimit(_ limit: Int?) -> any BudgetPolicy
    func onEndAttempt(_ s: ThinkingState) -> EndAttemptResponse
}

extension BudgetPolicy {
    /// Thinking must end now (before another token is sampled).
    func mustEnd(_ s: ThinkingState) -> Bool { limit.map { s.tokens >= $0 } ?? false }
}

/// Think as long as the model wants.
public struct Unlimited: BudgetPolicy {
    public init() {}
    public var limit: Int? { nil }
    public func withLimit(_ limit: Int?) -> any BudgetPolicy { limit.map { Cap($0) } ?? self }
    public func onEndAttempt(_ s: ThinkingState) -> EndAttemptResponse { .accept }
}

/// At n thinking tokens, end thinking.
public struct Cap: BudgetPolicy {
    public let n: Int
    public init(_ n: Int) { self.n = n }
    public var limit: Int? { n }
    public func withLimit(_ limit: Int?) -> any BudgetPolicy { limit.map { Cap($0) } ?? Unlimited() }
    public func onEndAttempt(_ s: ThinkingState) -> EndAttemptResponse { .accept }
}

/// s1 budget forcing: while under `minimum`, an attempt to end thinking is suppressed and `wait`
/// is inserted (at most `maxWaits` times, then the end delimiter is simply suppressed); thinking is
/// capped at `cap` if set. `exact(n)` is `Minimum(n, cap: n)`.
public struct Minimum: BudgetPolicy {
    public let minimum: Int
    public let cap: Int?
    public let wait: String
    public let maxWaits: Int

    public init(_ minimum: Int, cap: Int? = nil, wait: String = "Wait", maxWaits: Int = 2) {
        self.minimum = minimum
        self.cap = cap
        self.wait = wait
        self.maxWaits = maxWaits
    }

    public static func exact(_ n: Int, wait: String = "Wait", maxWaits: Int = 2) -> Minimum {
        Minimum(n, cap: n, wait: wait, maxWaits: maxWaits)
    }

    public var limit: Int? { cap }
    public func withLimit(_ limit: Int?) -> any BudgetPolicy {
        Minimum(limit.map { min(minimum, $0) } ?? minimum, cap: limit, wait: wait, maxWaits: maxWaits)
    }

    public func onEndAttempt(_ s: ThinkingState) -> EndAttemptResponse {
        guard s.tokens < minimum else { return .accept }
        return s.waits < maxWaits ? .injectWait(wait) : .suppress
    }
}
