import Engine
import Tokenizer

/// Runs branches of a run: forks the model after a number of the run's tokens, applies an
/// intervention to each fork, and continues each to the end of its answer under the run's
/// settings (budget policy, end style, token limit, sampling). The forks step together, so K
/// resamples read every weight once per step for all of them.
public struct BranchRunner {
    public var chat: ChatFormat
    /// The run's settings (its probes are not repeated in branches).
    public var settings: GenerationSettings
    /// The rendered prompt the run read.
    public var prompt: [Int]

    public init(chat: ChatFormat, settings: GenerationSettings, prompt: [Int]) {
        self.chat = chat
        self.settings = settings
        self.settings.probe = nil
        self.prompt = prompt
    }

    /// One branch's result.
    public struct Outcome: Sendable, Equatable {
        /// The branch's own tokens, from the fork point on (indices continue the path's).
        public var tokens: [TokenEvent]
        public var reason: FinishReason
        /// Counts of the whole path (prefix and branch).
        public var stats: GenerationStats
    }

    /// `count` resamples with seeds derived from `base` (the same base gives the same seeds).
    public static func resamples(base: UInt64, count: Int) -> [Intervention] {
        (0..<max(0, count)).map { .resample(seed: base &+ UInt64($0 + 1) &* 0x9E37_79B9_7F4A_7C15) }
    }

    /// Runs one branch per intervention, all forked from `source` after `at` tokens of `path`.
    /// `source` holds the prompt then at least `at` tokens of `path` (it is only forked). `control`
    /// stops every branch; `onFinished` hears each branch (its index in `interventions`) as it ends,
    /// with its model, which then holds the prompt and the branch's whole path (to branch again).
    public func run(from source: LanguageModel, path: [TokenEvent], at: Int, interventions: [Intervention],
                    control: ReasoningControl = ReasoningControl(),
                    onFinished: (Int, Outcome, LanguageModel) -> Void = { _, _, _ in }) throws -> [Outcome] {
        guard at >= 0, at <= path.count else { throw BranchError.forkBeyondRun(at: at, tokens: path.count) }
        let position = prompt.count + at
        guard source.position >= position else { throw BranchError.modelPosition(expected: position, found: source.position) }
        let generator = Generator(model: source, chat: chat, settings: settings)
        let prefix = Array(path[..<at])
        // One fork with the next-token logits at the fork point; each branch forks from it.
        let base = try source.fork(at: position, lastToken: at > 0 ? path[at - 1].id : prompt.last ?? 0)
        let collectors = interventions.map { _ in TokenCollector() }
        var runs: [GenerationRun] = []
        for (intervention, collector) in zip(interventions, collectors) {
            let seed: UInt64
            if case .resample(let s) = intervention { seed = s } else { seed = settings.sampling.seed }
            let model = base.fork(at: position)
            if case .mask(let m) = intervention {
                guard let engine = model as? EngineModel, engine.session.config.isMoE else { throw BranchError.noExperts }
                let c = engine.session.config
                if let why = m.problem(layers: c.layerCount, experts: c.expertCount, used: c.expertUsedCount) {
                    throw BranchError.badMask(why)
                }
                engine.expertMask = m
            }
            let run = try GenerationRun.resuming(generator, model: model, prompt: prompt, prefix: prefix,
                                                 seed: seed, control: control) { collector.take($0) }
            switch intervention {
            case .alternative(let token, _): run.force([token])
            case .edit(let text): run.force(chat.tokenizer.encodeUserText(text).map(Int.init))
            case .none, .resample, .mask: break
            }
            runs.append(run)
        }
        // The branches step together; each reports as it ends.
        var reported = Set<Int>()
        func report() {
            for (i, r) in runs.enumerated() where r.finished != nil && !reported.contains(i) {
                reported.insert(i)
                onFinished(i, Outcome(tokens: collectors[i].tokens, reason: r.finished!, stats: r.stats), r.model)
            }
        }
        report()
        let reasons = Self.runTogether(runs, onStep: report)
        return zip(runs, zip(collectors, reasons)).map { Outcome(tokens: $1.0.tokens, reason: $1.1, stats: $0.stats) }
    }

    /// `GenerationRun.runTogether`, calling `onStep` after each step.
    static func runTogether(_ runs: [GenerationRun], onStep: () -> Void) -> [FinishReason] {
        while runs.contains(where: { $0.finished == nil }) {
            GenerationRun.stepTogether(runs)
            onStep()
        }
        return runs.map { $0.finished! }
    }
}
