import Foundation
import Engine
import Tokenizer

/// The ways a sweep can limit thinking.
public enum SweepMode: String, CaseIterable, Sendable {
    /// Budget forcing with a cap; all budgets of a problem share one thinking run (`BudgetSweep`).
    case cap
    /// s1's exact(n): minimum and cap n, with "Wait".
    case exact
    case noThink = "no-think"
    /// s1's token-conditional prompt ("Think for up to N tokens."), without forcing.
    case promptToken = "prompt-token"
    /// s1's step-conditional prompt, without forcing.
    case promptStep = "prompt-step"
    /// s1's class-conditional prompts (short, long), without forcing.
    case promptClass = "prompt-class"
    /// gpt-oss's reasoning effort (low, medium, high): a class-conditional control in the system
    /// message, without forcing. Harmony models only.
    case effort
}

/// Accuracy against thinking budget over a set of tasks.
public struct Sweep {
    public var chat: ChatFormat
    /// A fresh model state for each independent run.
    public var makeModel: () -> LanguageModel
    public var base: GenerationSettings
    public var thinkingSampling: SamplingParameters
    public var answerOnlySampling: SamplingParameters
    public var budgets: [Int?]
    public var modes: [SweepMode]
    public var samples: Int
    /// When set (MoE models), each run's routing is counted into it, by whether the run was correct.
    public var experts: SweepExperts?

    public init(chat: ChatFormat, makeModel: @escaping () -> LanguageModel, base: GenerationSettings,
                thinkingSampling: SamplingParameters, answerOnlySampling: SamplingParameters,
                budgets: [Int?], modes: [SweepMode], samples: Int) {
        self.chat = chat
        self.makeModel = makeModel
        self.base = base
        self.thinkingSampling = thinkingSampling
        self.answerOnlySampling = answerOnlySampling
        self.budgets = budgets
        self.modes = modes
        self.samples = samples
    }

    /// (problem, sample, mode) units of work, for progress reporting.
    public func runCount(tasks: Int) -> Int { tasks * samples * modes.count }

    /// Runs every task under every mode and returns one cell per (mode, budget), in first-seen order.
    /// (The overload below: with `parallel` > 1, that many (problem, sample, mode) units run at once, each worker on
    /// models from `workerModel(worker)` (a server's own slot); the table is the same as in order.)
    public func run(_ tasks: [SweepTask], progress: (Int) -> Void = { _ in }) -> [SweepCell] {
        run(tasks, parallel: 1, workerModel: nil, progress: progress)
    }

    public func run(_ tasks: [SweepTask], parallel: Int, workerModel: ((Int) -> LanguageModel)?,
                    progress: (Int) -> Void) -> [SweepCell] {
        var units: [Unit] = []
        for mode in modes {
            for task in tasks {
                for s in 0..<samples { units.append((mode, task, s)) }
            }
        }
        var outcomes = [[Result]](repeating: [], count: units.count)
        if parallel <= 1 {
            for (i, u) in units.enumerated() {
                outcomes[i] = results(mode: u.mode, task: u.task, sample: u.sample)
                progress(i + 1)
            }
        } else {
            let workers = min(parallel, units.count)
            outcomes = withoutActuallyEscaping(progress) { progress in
                let shared = ParallelSweep(sweep: self, units: units, progress: progress, model: workerModel)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in shared.work(worker: worker) }
                return shared.outcomes
            }
        }
        var cells: [String: SweepCell] = [:]
        var order: [String] = []
        for r in outcomes.joined() {
            let key = r.mode + "|" + (r.budget.map(String.init) ?? "inf")
            if cells[key] == nil {
                cells[key] = SweepCell(mode: r.mode, budget: r.budget)
                order.append(key)
            }
            cells[key]!.runs += 1
            cells[key]!.correct += r.correct ? 1 : 0
            cells[key]!.thinkingTokens += r.sampledThinking
            cells[key]!.withinBudget += (r.budget.map { r.sampledThinking <= $0 } ?? true) ? 1 : 0
            if let routing = r.routing { experts?.add(correct: r.correct, routing) }
        }
        return order.map { cells[$0]! }
    }

    typealias Unit = (mode: SweepMode, task: SweepTask, sample: Int)

    struct Result {
        var mode: String
        var budget: Int?
        var correct: Bool
        var sampledThinking: Int
        /// The run's routing counts (when `experts` is set).
        var routing: RoutingCounts?
    }

    func settings(_ policy: any BudgetPolicy, thinking: Bool, sample: Int) -> GenerationSettings {
        var s = base
        s.policy = policy
        s.sampling = thinking ? thinkingSampling : answerOnlySampling
        s.sampling.seed = s.sampling.seed &+ UInt64(sample) &* 0x9E37_79B9
        return s
    }

    func prompt(_ task: SweepTask, text: String? = nil, thinking: Bool = true, chat: ChatFormat? = nil) -> [TokenID] {
        var messages: [ChatMessage] = []
        if let s = task.system { messages.append(.system(s)) }
        messages.append(.user(text ?? task.prompt))
        return (chat ?? self.chat).render(messages, enableThinking: thinking)
    }

    /// A generator on a fresh model with this sweep's settings.
    func generator(_ policy: any BudgetPolicy, thinking: Bool = true, sample: Int) -> Generator {
        Generator(model: makeModel(), chat: chat, settings: settings(policy, thinking: thinking, sample: sample))
    }

    /// The tokens of one independent run of `prompt`.
    func tokens(_ prompt: [TokenID], policy: any BudgetPolicy, thinking: Bool = true, sample: Int) -> [TokenEvent] {
        var tokens: [TokenEvent] = []
        generator(policy, thinking: thinking, sample: sample).run(prompt: prompt) { if case .token(let t) = $0 { tokens.append(t) } }
        return tokens
    }

    func single(_ task: SweepTask, mode: String, budget: Int?, policy: any BudgetPolicy, thinking: Bool = true,
                text: String? = nil, chat: ChatFormat? = nil, sample: Int) -> Result {
        let tokens = tokens(prompt(task, text: text, thinking: thinking, chat: chat), policy: policy, thinking: thinking,
                            sample: sample)
        return result(task, mode: mode, budget: budget, tokens: tokens)
    }

    func result(_ task: SweepTask, mode: String, budget: Int?, tokens: [TokenEvent]) -> Result {
        let answer = tokens.filter { $0.phase == .answer }.map(\.text).joined()
        return Result(mode: mode, budget: budget, correct: task.isCorrect(answer),
                      sampledThinking: tokens.sampledCount(.thinking, chat: chat), routing: experts?.counts(tokens))
    }

    func results(mode: SweepMode, task: SweepTask, sample: Int) -> [Result] {
        switch mode {
        case .cap:
            let g = generator(Unlimited(), sample: sample)
            return BudgetSweep.run(g, prompt: prompt(task), budgets: budgets).map {
                result(task, mode: mode.rawValue, budget: $0.budget, tokens: $0.tokens)
            }
        case .exact:
            return budgets.map { b in
                single(task, mode: mode.rawValue, budget: b, policy: b.map { Minimum.exact($0) } ?? Unlimited(), sample: sample)
            }
        case .noThink:
            return [single(task, mode: mode.rawValue, budget: 0, policy: Unlimited(), thinking: false, sample: sample)]
        case .promptToken, .promptStep:
            let control: PromptControl = mode == .promptToken ? .token : .step
            return budgets.compactMap { $0 }.map { b in
                single(task, mode: mode.rawValue, budget: b, policy: Unlimited(),
                       text: control.apply(to: task.prompt, budget: b), sample: sample)
            }
        case .promptClass:
            return [PromptControl.short, .long].map { c in
                single(task, mode: "prompt-\(c.rawValue)", budget: nil, policy: Unlimited(),
                       text: c.apply(to: task.prompt, budget: nil), sample: sample)
            }
        case .effort:
            return ChatFormat.ReasoningEffort.allCases.map { e in
                var c = chat
                c.reasoningEffort = e
                return single(task, mode: "effort-\(e.rawValue)", budget: nil, policy: Unlimited(), chat: c, sample: sample)
            }
        }
    }
}

/// The state a parallel sweep's workers share: the next unit to take, the outcomes, progress.
/// Everything is touched under the lock, except each worker's own copy of the sweep.
private final class ParallelSweep: @unchecked Sendable {
    let sweep: Sweep
    let units: [Sweep.Unit]
    let progress: (Int) -> Void
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private(set) var outcomes: [[Sweep.Result]]

    let model: ((Int) -> LanguageModel)?

    init(sweep: Sweep, units: [Sweep.Unit], progress: @escaping (Int) -> Void, model: ((Int) -> LanguageModel)?) {
        self.sweep = sweep
        self.units = units
        self.progress = progress
        self.model = model
        outcomes = Array(repeating: [], count: units.count)
    }

    func work(worker: Int) {
        var mine = sweep
        if let model { mine.makeModel = { model(worker) } }
        while true {
            lock.lock()
            let i = next
            next += 1
            lock.unlock()
            guard i < units.count else { return }
            let r = mine.results(mode: units[i].mode, task: units[i].task, sample: units[i].sample)
            lock.lock()
            outcomes[i] = r
            done += 1
            progress(done)
            lock.unlock()
        }
    }
}
