import Reasoning

/// One position of the budget slider.
public enum BudgetStep: Hashable, Sendable {
    case noThink
    case tokens(Int)
    case unlimited

    /// The thinking-token limit this step sets (nil = none; no-think is 0).
    public var limit: Int? {
        switch self {
        case .noThink: return 0
        case .tokens(let n): return n
        case .unlimited: return nil
        }
    }

    public var label: String {
        switch self {
        case .noThink: return "no-think"
        case .tokens(let n): return Self.short(n)
        case .unlimited: return "∞"
        }
    }

    static func short(_ n: Int) -> String { n >= 1024 && n % 1024 == 0 ? "\(n / 1024)k" : "\(n)" }
}

/// How the budget limit is applied.
public enum BudgetMode: String, Sendable, CaseIterable {
    /// At the budget, end thinking.
    case cap
    /// Think exactly the budget: an early end is replaced by "Wait" (s1), then capped.
    case exact
}

/// The log-scaled budget slider: no-think, 16, 32, 64 … 32k, unlimited.
public struct BudgetSlider: Sendable, Equatable {
    public static let steps: [BudgetStep] = [.noThink] + (4...15).map { .tokens(1 << $0) } + [.unlimited]

    public var index: Int
    /// The step to return to when thinking is switched back on.
    public var lastThinkingIndex: Int
    public var mode: BudgetMode = .cap
    public var endStyle: EndStyle = .qwen

    public init(step: BudgetStep = .unlimited) {
        index = Self.steps.firstIndex(of: step) ?? Self.steps.count - 1
        lastThinkingIndex = index == 0 ? Self.steps.count - 1 : index
    }

    public var step: BudgetStep { Self.steps[index] }
    public var thinking: Bool { step != .noThink }

    /// The step closest to a token limit (nil = unlimited, 0 = no-think), rounding up.
    public static func index(for limit: Int?) -> Int {
        guard let n = limit else { return steps.count - 1 }
        if n <= 0 { return 0 }
        return steps.firstIndex { if case .tokens(let t) = $0 { t >= n } else { false } } ?? steps.count - 1
    }

    public mutating func move(_ delta: Int) {
        index = (index + delta).clamped(0, Self.steps.count - 1)
        if index > 0 { lastThinkingIndex = index }
    }

    public mutating func toggleThinking() {
        if thinking {
            lastThinkingIndex = index
            index = 0
        } else {
            index = lastThinkingIndex
        }
    }

    public mutating func set(index i: Int) {
        index = i.clamped(0, Self.steps.count - 1)
        if index > 0 { lastThinkingIndex = index }
    }
}
