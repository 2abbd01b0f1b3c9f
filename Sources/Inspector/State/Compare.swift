import Reasoning
import Tokenizer

/// What to compare: the messages of the last run, thinking on, at several thinking caps.
public struct CompareRequest: Sendable, Equatable {
    /// Tells this comparison's news from an earlier one's.
    public var id: Int
    public var messages: [ChatMessage]
    /// Caps in tokens; nil = unlimited.
    public var budgets: [Int?]
    public var endStyle: EndStyle

    public init(id: Int, messages: [ChatMessage], budgets: [Int?], endStyle: EndStyle) {
        self.id = id
        self.messages = messages
        self.budgets = budgets
        self.endStyle = endStyle
    }
}

/// One budget's result, as the backend reports it.
public struct CompareOutcome: Sendable, Equatable {
    /// The cap (nil = unlimited).
    public var budget: Int?
    public var reason: FinishReason
    /// Thinking tokens the model sampled (an injected end and the think delimiters not counted).
    public var thinkingTokens: Int
    /// Answer tokens the model sampled.
    public var answerTokens: Int
    /// The budget ended thinking (an end sequence was injected).
    public var cut: Bool
    public var answer: String
    /// Seconds from the start of the comparison until this budget was done.
    public var seconds: Double

    public init(budget: Int?, reason: FinishReason, thinkingTokens: Int, answerTokens: Int, cut: Bool,
                answer: String, seconds: Double) {
        self.budget = budget
        self.reason = reason
        self.thinkingTokens = thinkingTokens
        self.answerTokens = answerTokens
        self.cut = cut
        self.answer = answer
        self.seconds = seconds
    }

    /// The summary of a sweep's outcome.
    public init(_ o: SweepOutcome, chat: ChatFormat) {
        self.init(budget: o.budget, reason: o.reason,
                  thinkingTokens: o.tokens.sampledCount(.thinking, chat: chat),
                  answerTokens: o.tokens.sampledCount(.answer, chat: chat),
                  cut: o.stats.injectedTokens > 0, answer: o.answer, seconds: o.stats.elapsed)
    }
}

/// The "compare budgets" view: one prompt at several budgets, side by side.
public struct CompareState: Sendable, Equatable {
    /// The budgets `b` compares: no-think (a cap of 0), 16 … 256, unlimited.
    public static let standardBudgets: [Int?] = [0, 16, 32, 64, 128, 256, nil]

    public var id: Int
    /// The prompt, sanitized for display.
    public var prompt: String
    public var budgets: [Int?]
    /// Per budget, in `budgets` order; nil while pending. Answers are sanitized.
    public var results: [CompareOutcome?]
    public var failure: String?
    public var startedAt: Double
    /// When the comparison finished or failed; nil while it runs.
    public var endedAt: Double?
    /// First visible line of the scrolled content.
    public var scroll = 0

    public init(id: Int, prompt: String, budgets: [Int?], startedAt: Double) {
        self.id = id
        self.prompt = DisplayText.sanitize(prompt)
        self.budgets = budgets
        self.results = Array(repeating: nil, count: budgets.count)
        self.startedAt = startedAt
    }

    public var running: Bool { endedAt == nil }
    public var doneCount: Int { results.count { $0 != nil } }
    public var stopped: Bool { results.contains { $0?.reason == .stopped } }

    public func elapsed(_ clock: Double) -> Double { max(0, (endedAt ?? clock) - startedAt) }

    /// Stores a budget's outcome (trimmed and sanitized for display).
    mutating func record(_ outcome: CompareOutcome) {
        guard let i = budgets.firstIndex(where: { $0 == outcome.budget }) else { return }
        var o = outcome
        let text = o.answer.drop(while: \.isNewline).reversed().drop(while: \.isWhitespace).reversed()
        o.answer = DisplayText.sanitize(String(text))
        results[i] = o
    }

    static func label(_ budget: Int?) -> String {
        guard let b = budget else { return "∞" }
        return b == 0 ? "no-think" : BudgetStep.short(b)
    }
}
