import Engine
import Tokenizer

/// What sharing the thinking prefix buys: a cap sweep timed against independent runs at the same
/// budgets, with a check that every budget's tokens are the independent run's.
public struct SweepTiming: Sendable, Equatable {
    public var problems = 0
    public var budgets = 0
    /// Seconds for the shared-prefix sweeps (`BudgetSweep`).
    public var shared = 0.0
    /// Seconds for one independent run per budget.
    public var independent = 0.0
    /// Seconds of the independent runs at the largest budget (unlimited when present): "one full run".
    public var fullRun = 0.0
    /// (problem, budget) pairs whose shared-prefix tokens equal the independent run's.
    public var identical = 0

    public var sharedOverIndependent: Double { independent > 0 ? shared / independent : 0 }
    public var sharedOverFullRun: Double { fullRun > 0 ? shared / fullRun : 0 }

    /// Runs each task's cap sweep, then each budget on its own, with the sweep's settings.
    public static func measure(_ sweep: Sweep, tasks: [SweepTask]) -> SweepTiming {
        var t = SweepTiming(problems: tasks.count, budgets: sweep.budgets.count)
        let full: Int? = sweep.budgets.contains { $0 == nil } ? nil : sweep.budgets.compactMap { $0 }.max()
        for task in tasks {
            let prompt = sweep.prompt(task)
            let start = monotonicSeconds()
            let outcomes = BudgetSweep.run(sweep.generator(Unlimited(), sample: 0), prompt: prompt, budgets: sweep.budgets)
            t.shared += monotonicSeconds() - start
            for outcome in outcomes {
                let begin = monotonicSeconds()
                let policy: any BudgetPolicy = outcome.budget.map { Cap($0) } ?? Unlimited()
                let tokens = sweep.tokens(prompt, policy: policy, sample: 0)
                let seconds = monotonicSeconds() - begin
                t.independent += seconds
                if outcome.budget == full { t.fullRun += seconds }
                if tokens.map(\.id) == outcome.tokens.map(\.id) && tokens.map(\.phase) == outcome.tokens.map(\.phase) {
                    t.identical += 1
                }
            }
        }
        return t
    }
}
