import Dispatch
import Engine
import Foundation
import Reasoning
import Synchronization
import Tokenizer

/// Runs the generation loop on a serial background queue; events go to `queue`, live commands
/// go through the run's `ReasoningControl`. The model can be loaded on that queue too, so the UI
/// opens at once; a run asked for during the load starts when it is done.
///
/// Thread safety: `model`, `chat`, `cached` and `runs` are touched only on `work` (one job at a
/// time); the UI thread reaches the running generation only through `control`, which is locked.
public final class GeneratorBackend: InspectorBackend, @unchecked Sendable {
    public struct Options: Sendable {
        public var thinkingSampling: SamplingParameters = .qwenThinking
        public var answerSampling: SamplingParameters = .qwenNonThinking
        public var maxTokens = 4096
        public var grace = 0
        /// Start the reply inside a think block (prefill `<think>\n`), for models that skip thinking.
        public var prefillThink = false
        /// Answer probes while thinking (nil = none).
        public var probe: ProbeSettings?
        /// Every run is written as a trace into this directory (and written again as its
        /// branches finish).
        public var traceDirectory: String?
        public init() {}
    }

    /// A trace header for a run: the conversation, the rendered prompt, the settings, thinking on,
    /// the expert mask the run started with.
    public typealias TraceHeaderMaker = @Sendable ([ChatMessage], [Int], GenerationSettings, Bool, ExpertMask?) -> TraceHeader

    /// What a background load produces.
    public struct Loaded {
        public var model: LanguageModel
        public var chat: ChatFormat
        public var summary: ModelSummary
        /// How the model's traces are headed (nil: runs cannot be saved as traces).
        public var traceHeader: TraceHeaderMaker?
        public init(model: LanguageModel, chat: ChatFormat, summary: ModelSummary, traceHeader: TraceHeaderMaker? = nil) {
            self.model = model
            self.chat = chat
            self.summary = summary
            self.traceHeader = traceHeader
        }
    }

    private var model: LanguageModel?
    private var chat: ChatFormat?
    private var traceHeader: TraceHeaderMaker?
    private var loadError: String?
    let options: Options
    let queue: EventQueue
    private let work = DispatchQueue(label: "thinkscope.generation")

    /// Returns once the work queued so far is done (the model's state after it is final: tests).
    func waitUntilIdle() { work.sync {} }
    private let control = Mutex<ReasoningControl?>(nil)
    /// Token ids the model has evaluated, for prefix reuse.
    private var cached: [Int] = []
    private var runs: UInt64 = 0
    /// The latest run, while the model still holds it (for the pivot search and branches).
    private var lastRun: LastRun?
    /// Finished branches of the latest run's tree, by node: each model holds its node's path, so
    /// a branch of a branch forks from it.
    private var branchModels: [Int: LanguageModel] = [:]
    private var branchTree = -1

    struct LastRun {
        var messages: [ChatMessage]
        var thinking: Bool
        /// Everything the run reported, in order (its trace's event lines).
        var events: [ReasoningEvent]
        /// Where `--trace-dir` wrote it.
        var savedPath: String?
        var tokens: [TokenEvent]
        var probes: [Probe]
        var settings: GenerationSettings
        /// The whole rendered prompt (the model holds it, then the tokens).
        var prompt: [Int]
        var position: Int
        /// The expert mask the run started with.
        var mask: ExpertMask?
        var endStyle: EndStyle { settings.endStyle }
    }

    public init(model: LanguageModel, chat: ChatFormat, options: Options, queue: EventQueue) {
        self.model = model
        self.chat = chat
        self.options = options
        self.queue = queue
    }

    /// Loads the model on the generation queue; the UI hears `.modelLoaded` or `.modelFailed`.
    public init(options: Options, queue: EventQueue, load: @escaping @Sendable () throws -> Loaded) {
        self.options = options
        self.queue = queue
        work.async { [self] in
            do {
                let loaded = try load()
                model = loaded.model
                chat = loaded.chat
                traceHeader = loaded.traceHeader
                queue.push(action: .modelLoaded(loaded.summary))
            } catch {
                loadError = "\(error)"
                queue.push(action: .modelFailed("The model could not be loaded: \(error)"))
            }
        }
    }

    public func perform(_ effect: Effect) {
        switch effect {
        case .startRun(let request): start(request)
        case .startCompare(let request): compare(request)
        case .setBudget(let b): control.withLock { $0?.setBudget(b) }
        case .endThinking: control.withLock { $0?.endThinkingNow() }
        case .stop, .quit: control.withLock { $0?.stop() }
        case .resetConversation: break  // the next prompt shares no prefix with the old one
        case .findPivot: findPivot()
        case .runBranches(let request): runBranches(request)
        case .saveTrace(let branches, let automatic): saveTrace(branches: branches, automatic: automatic)
        case .findAnchors(let tree, let samples): findAnchors(tree: tree, samples: samples)
        case .probeBranch(let tree, let node, let path, let every): probeBranch(tree: tree, node: node, path: path, every: every)
        case .setExpertMask(let mask): setExpertMask(mask)
        }
    }

    /// The live mask: a running generation takes it at its next token (through its control); the
    /// model keeps it for the runs after, which read their prompts again under it (the cached
    /// prefix was computed under the old mask).
    func setExpertMask(_ mask: ExpertMask?) {
        control.withLock { $0?.setExpertMask(mask) }
        work.async { [self] in
            // Set here after a run; a run that took it at a token already switched its model.
            if model?.expertMask != mask { model?.expertMask = mask }
            cached = []
        }
    }

    /// Tells the UI how loud each expert has been so far (for the super-expert warning).
    private func reportNorms() {
        if let norms = model?.expertNorms, norms.counts.contains(where: { $0 > 0 }) { queue.push(action: .expertNorms(norms)) }
    }

    /// The prompt ids for `messages` (the chat format, plus the thinking opener when prefilling thinking).
    static func promptTokens(_ messages: [ChatMessage], thinking: Bool, chat: ChatFormat,
                             prefillThink: Bool) -> [TokenID] {
        let ids = chat.render(messages, enableThinking: thinking)
        return prefillThink && thinking ? chat.openingThinking(ids) : ids
    }

    /// A new control for the next piece of work, installed where stop and budget changes reach it,
    /// and the settings the options give (each run samples from its own seed).
    private func prepare(thinking: Bool, endStyle: EndStyle) -> (ReasoningControl, GenerationSettings) {
        let c = ReasoningControl()
        control.withLock { $0 = c }
        var settings = GenerationSettings()
        settings.endStyle = endStyle
        settings.grace = options.grace
        settings.maxTokens = options.maxTokens
        settings.probe = options.probe
        var sampling = thinking ? options.thinkingSampling : options.answerSampling
        sampling.seed &+= runs
        runs += 1
        settings.sampling = sampling
        return (c, settings)
    }

    /// Rewinds the model to `position`, or says why it cannot (a model that cannot rewind must be empty).
    private func rewind(_ model: LanguageModel, to position: Int) -> String? {
        if let m = model as? RewindableModel {
            m.rewind(to: position)
        } else if model.position > 0 {
            return "this model cannot rewind; start a new conversation"
        }
        return nil
    }

    func start(_ request: RunRequest) {
        let (c, prepared) = prepare(thinking: request.thinking, endStyle: request.endStyle)
        var settings = prepared
        settings.policy = request.thinking ? request.policy : Unlimited()
        work.async { [self, settings] in
            guard let model, let chat else {
                queue.push(.error(loadError ?? "no model"))
                queue.push(.finished(.stopped, GenerationStats()))
                return
            }
            var settings = settings
            if let m = model as? MessageModel {
                // A display-only server: the budget goes with the request, the loop forces nothing.
                m.prepare(messages: request.messages, thinking: request.thinking, budget: request.limit, maxTokens: settings.maxTokens)
                settings.policy = Unlimited()
                settings.grace = 0
            }
            let prompt = Self.promptTokens(request.messages, thinking: request.thinking, chat: chat,
                                           prefillThink: options.prefillThink).map(Int.init)
            var reuse = 0
            while reuse < min(cached.count, prompt.count - 1, model.position) && cached[reuse] == prompt[reuse] { reuse += 1 }
            if let why = rewind(model, to: reuse) {
                queue.push(.error(why))
                queue.push(.finished(.stopped, GenerationStats()))
                return
            }
            let generator = Generator(model: model, chat: chat, settings: settings)
            var fed = Array(prompt[..<reuse])
            fed += prompt[reuse...]
            var tokens: [TokenEvent] = [], probes: [Int: Probe] = [:], events: [ReasoningEvent] = []
            let mask = model.expertMask
            lastRun = nil
            branchModels = [:]
            generator.run(prompt: prompt[reuse...].map { TokenID($0) }, control: c) { event in
                switch event {
                case .token(let t):
                    fed.append(t.id)
                    tokens.append(t)
                case .probe(let p): probes[p.tokenIndex] = p
                case .finished: self.reportNorms()  // ahead of the end, so whoever sees the end has them
                default: break
                }
                events.append(event)
                self.queue.push(event)
            }
            cached = fed
            lastRun = LastRun(messages: request.messages, thinking: request.thinking, events: events, savedPath: nil, tokens: tokens, probes: probes.values.sorted { $0.tokenIndex < $1.tokenIndex }, settings: settings,
                              prompt: prompt, position: model.position, mask: mask)
            if options.traceDirectory != nil { writeTrace(branches: [], automatic: true) }
        }
    }

    /// Runs the request's prompt at each of its budgets with `BudgetSweep` (one thinking trunk,
    /// forked at each smaller cap), reporting each budget as it finishes. The whole prompt is
    /// read again, so every column is exactly a fresh run at its budget; the model is left
    /// holding the sweep's trunk, so the next run reads its prompt from the start.
    func compare(_ request: CompareRequest) {
        let (c, settings) = prepare(thinking: true, endStyle: request.endStyle)
        let id = request.id
        work.async { [self, settings] in
            guard let model, let chat else {
                queue.push(action: .compareFailed(id: id, loadError ?? "no model"))
                return
            }
            if model is MessageModel { return queue.push(action: .compareFailed(id: id, Self.displayOnly)) }
            let prompt = Self.promptTokens(request.messages, thinking: true, chat: chat,
                                           prefillThink: options.prefillThink)
            if let why = rewind(model, to: 0) {
                queue.push(action: .compareFailed(id: id, why))
                return
            }
            cached = []
            lastRun = nil
            branchModels = [:]
            BudgetSweep.run(Generator(model: model, chat: chat, settings: settings), prompt: prompt,
                            budgets: request.budgets, control: c) { outcome in
                queue.push(action: .compareOutcome(id: id, CompareOutcome(outcome, chat: chat)))
            }
            queue.push(action: .compareFinished(id: id))
        }
    }

    /// Why logits-based analysis is off for a model that samples itself (a server).
    static let needsLogits = "this needs the model's logits, and a model on a server gives only tokens"
    /// Why forks of a run are off for a display-only server.
    static let displayOnly = "this server only streams text: runs cannot be forked or forced"

    /// Searches the latest run for its pivot, from the state the model still holds.
    func findPivot() {
        work.async { [self] in
            guard let model, let chat, let last = lastRun, model.position == last.position else {
                queue.push(action: .pivotFailed("the model no longer holds that run; run the prompt again"))
                return
            }
            if model is SamplingModel { return queue.push(action: .pivotFailed(Self.needsLogits)) }
            do {
                let prober = try TraceProber(model: model, chat: chat, prompt: [], tokens: last.tokens, endStyle: last.endStyle,
                                             alreadyRead: true)
                guard prober.scorer != nil else {
                    queue.push(action: .pivotFailed("the run has no final answer to score"))
                    return
                }
                let pivot = try prober.pivot(probes: last.probes)
                queue.push(action: .pivotFound(pivot, token: pivot.map { last.tokens[$0.tokenIndex].text } ?? ""))
            } catch {
                queue.push(action: .pivotFailed("\(error)"))
            }
        }
    }

    /// Runs branches of the latest run from the state the model (or a finished branch's model)
    /// holds, reporting each as it ends. `.stop` stops them.
    func runBranches(_ request: BranchRequest) {
        let c = ReasoningControl()
        control.withLock { $0 = c }
        work.async { [self] in
            let fail = { (why: String) in self.queue.push(action: .branchFailed(tree: request.tree, nodes: request.nodes, why)) }
            guard let model, let chat, let last = lastRun, model.position == last.position else {
                return fail("the model no longer holds that run; run the prompt again")
            }
            if request.tree != branchTree {
                branchModels = [:]
                branchTree = request.tree
            }
            if model is MessageModel { return fail(Self.displayOnly) }
            guard let source = request.parent == 0 ? model : branchModels[request.parent] else {
                return fail("branch #\(request.parent) is not held any more")
            }
            let runner = BranchRunner(chat: chat, settings: last.settings, prompt: last.prompt)
            do {
                // Forks route with the mask that routed their fork point (not the live mask set since).
                try runner.run(from: source, path: request.path, at: request.at, interventions: request.interventions,
                               control: c) { i, outcome, branchModel in
                    let node = request.nodes[i]
                    branchModels[node] = branchModel
                    queue.push(action: .branchFinished(tree: request.tree, node: node, tokens: outcome.tokens,
                                                       reason: outcome.reason, stats: outcome.stats))
                }
            } catch {
                fail("\(error)")
            }
        }
    }

    /// The answer probes along a finished branch, from the model that holds its path.
    func probeBranch(tree: Int, node: Int, path: [TokenEvent], every: Int) {
        work.async { [self] in
            guard let chat, let last = lastRun, tree == branchTree, let m = branchModels[node], !(m is SamplingModel),
                  m.position == last.prompt.count + path.count,
                  let prober = try? TraceProber(model: m, chat: chat, prompt: [], tokens: path, endStyle: last.endStyle,
                                                rule: options.probe?.rule, alreadyRead: true) else { return }
            let found = prober.probe(prober.points(every: every), maxAnswerTokens: options.probe?.maxAnswerTokens ?? 48)
            queue.push(action: .branchProbes(tree: tree, node: node, found))
        }
    }

    /// Thought anchors of the latest run, from the state the model holds; progress at most every
    /// tenth of a second.
    func findAnchors(tree: Int, samples: Int) {
        let c = ReasoningControl()
        control.withLock { $0 = c }
        work.async { [self] in
            guard let model, let chat, let last = lastRun, model.position == last.position else {
                return queue.push(action: .anchorsFailed(tree: tree, "the model no longer holds that run; run the prompt again"))
            }
            if model is SamplingModel { return queue.push(action: .anchorsFailed(tree: tree, Self.needsLogits)) }
            let finder = AnchorFinder(chat: chat, settings: last.settings, prompt: last.prompt, samples: samples,
                                      seed: last.settings.sampling.seed &+ 0xA1C4)
            var reported = 0.0
            do {
                let progress = { (done: Int, total: Int) in
                    let now = monotonicSeconds()
                    guard done == total || now - reported >= 0.1 else { return }
                    reported = now
                    self.queue.push(action: .anchorsProgress(tree: tree, done: done, total: total))
                }
                let results = try finder.analyse(model: model, tokens: last.tokens, control: c, progress: progress)
                queue.push(action: .anchorsFound(tree: tree, results))
            } catch {
                queue.push(action: .anchorsFailed(tree: tree, "\(error)"))
            }
        }
    }

    func saveTrace(branches: [Branch], automatic: Bool) {
        guard !automatic || options.traceDirectory != nil else { return }
        work.async { [self] in writeTrace(branches: branches, automatic: automatic) }
    }

    /// Writes the latest run and `branches` (on the work queue): by `--trace-dir` into its
    /// directory, under one name per run; by hand there too, else in the current directory.
    private func writeTrace(branches: [Branch], automatic: Bool) {
        guard let last = lastRun else {
            return queue.push(action: .traceSaveFailed("the model no longer holds the latest run; run the prompt again"))
        }
        guard let traceHeader else { return queue.push(action: .traceSaveFailed("this model cannot head a trace")) }
        let path = automatic ? (last.savedPath ?? newTracePath()) : newTracePath()
        let header = traceHeader(last.messages, last.prompt, last.settings, last.thinking, last.mask)
        do {
            try TraceWriter.save(path: path, header: header, events: last.events, branches: branches)
            if automatic { lastRun?.savedPath = path }
            queue.push(action: .traceSaved(path: path, automatic: automatic))
        } catch {
            queue.push(action: .traceSaveFailed("\(error)"))
        }
    }

    private var savedTraces = 0

    private func newTracePath() -> String {
        savedTraces += 1
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let name = "thinkscope-\(f.string(from: Date()))-\(getpid())-\(savedTraces).jsonl"
        return URL(fileURLWithPath: options.traceDirectory ?? FileManager.default.currentDirectoryPath).appendingPathComponent(name).path
    }

    public func shutdown() {
        control.withLock { $0?.stop() }
        // Wait for the current token to finish, but never hang the exit on a long prefill or load.
        let done = DispatchSemaphore(value: 0)
        work.async { done.signal() }
        _ = done.wait(timeout: .now() + 2)
    }
}
