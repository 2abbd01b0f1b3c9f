import Engine
import GGUF
import ModelFactory
import Testing
@testable import Reasoning
import Tokenizer

@Suite struct BudgetSweepTests {
    static let budgets: [Int?] = [0, 3, 8, 15, 40, nil]

    /// The same prompt at one cap, run on its own.
    func independent(_ makeModel: () throws -> LanguageModel, _ chat: ChatFormat, _ base: GenerationSettings,
                     prompt: [TokenID], budget: Int?) throws -> (FinishReason, [TokenEvent], GenerationStats) {
        var s = base
        s.policy = budget.map { Cap($0) } ?? Unlimited()
        var tokens: [TokenEvent] = []
        var stats = GenerationStats()
        let reason = Generator(model: try makeModel(), chat: chat, settings: s).run(prompt: prompt) { e in
            if case .token(let t) = e { tokens.append(t) }
            if case .finished(_, let st) = e { stats = st }
        }
        return (reason, tokens, stats)
    }

    @Test func eachBudgetEqualsAnIndependentRunOnTheScriptedModel() throws {
        let chat = try testChat()
        let prompt = chat.render([.user("q")])
        let base = settings(Unlimited(), style: .qwen)
        let swept = BudgetSweep.run(Generator(model: ScriptedModel(chat: chat, thinkLength: 20), chat: chat, settings: base),
                                    prompt: prompt, budgets: Self.budgets)
        #expect(swept.map(\.budget) == Self.budgets)
        for o in swept {
            let (reason, tokens, stats) = try independent({ ScriptedModel(chat: chat, thinkLength: 20) }, chat, base,
                                                          prompt: prompt, budget: o.budget)
            #expect(o.reason == reason)
            #expect(o.tokens.map(\.id) == tokens.map(\.id), "budget \(String(describing: o.budget))")
            #expect(o.stats.thinkingTokens == stats.thinkingTokens)
            #expect(o.answer.hasSuffix("42"))
        }
        #expect(swept[0].stats.thinkingTokens > 0)  // the injected end phrase
        #expect(swept.last!.stats.thinkingTokens == 20)
    }

    @Test func sampledBranchesMatchIndependentRunsOnTheRealEngine() throws {
        var spec = RandomModelSpec()
        spec.architecture = Qwen3MoE.name; spec.experts = 8; spec.expertsUsed = 2; spec.expertFeedForward = 32
        spec.embedding = 64; spec.heads = 4; spec.kvHeads = 2; spec.headDim = 16; spec.vocab = 400
        let file = try GGUFFile(bytes: RandomModel.writer(spec).bytes(), name: "moe.gguf")
        let model = try Model(file: file)
        let chat = try ChatFormat(tokenizer: BPETokenizer(gguf: file))
        // Start inside an open think block, so the random model is thinking from its first token.
        let prompt = chat.render([.user("hello")]) + [chat.thinkStart!]
        var base = settings(Unlimited())
        base.sampling = SamplingParameters(temperature: 0.9, topK: 40, seed: 7)
        base.maxTokens = 30
        let make = { EngineModel(session: Session(model: model, context: 256)) as LanguageModel }
        let budgets: [Int?] = [2, 5, 11, nil]
        let swept = BudgetSweep.run(Generator(model: make(), chat: chat, settings: base), prompt: prompt, budgets: budgets)
        for o in swept {
            let (reason, tokens, _) = try independent(make, chat, base, prompt: prompt, budget: o.budget)
            #expect(o.reason == reason)
            #expect(o.tokens.map(\.id) == tokens.map(\.id), "budget \(String(describing: o.budget))")
            #expect(o.tokens.map(\.routing) == tokens.map(\.routing))
        }
    }

    @Test func eachBudgetIsReportedAsSoonAsItIsDone() throws {
        let chat = try testChat()
        let prompt = chat.render([.user("q")])
        let model = ScriptedModel(chat: chat, thinkLength: 20)
        var reported: [(SweepOutcome, fedSoFar: Int)] = []
        let swept = BudgetSweep.run(Generator(model: model, chat: chat, settings: settings(Unlimited(), style: .qwen)),
                                    prompt: prompt, budgets: Self.budgets) { reported.append(($0, model.fed.count)) }
        // Smaller caps first; 40 is never reached, so it is the trunk's outcome, reported with it.
        #expect(reported.map(\.0.budget) == [0, 3, 8, 15, 40, nil])
        for (o, _) in reported { #expect(swept.first { $0.budget == o.budget } == o) }
        // The forked budgets were reported while the trunk was still thinking.
        #expect(reported.prefix(4).allSatisfy { $0.fedSoFar < model.fed.count })
        #expect(reported[0].fedSoFar < reported[3].fedSoFar)
    }

    @Test func aStopEndsTheTrunkAndEveryBudgetNotDoneYet() throws {
        let chat = try testChat()
        let prompt = chat.render([.user("q")])
        let model = ScriptedModel(chat: chat, thinkLength: 20)
        let control = ReasoningControl()
        var reported: [Int?] = []
        let swept = BudgetSweep.run(Generator(model: model, chat: chat, settings: settings(Unlimited())), prompt: prompt,
                                    budgets: Self.budgets, control: control) { o in
            reported.append(o.budget)
            if o.budget == 3 { control.stop() }
        }
        #expect(reported == [0, 3, 8, 15, 40, nil])
        #expect(swept[0].reason == .endOfTurn && swept[1].reason == .endOfTurn)
        #expect(swept.dropFirst(2).allSatisfy { $0.reason == .stopped })
        #expect(swept.last!.stats.thinkingTokens == 3)  // the trunk stopped where the stop found it
    }

    @Test func aStopReachesTheBranchInProgress() throws {
        let chat = try testChat()
        let prompt = chat.render([.user("q")])
        let control = ReasoningControl()
        // Evaluations: the prompt, <think>, 5 thinking tokens, then the branch at 5: the bare end
        // "</think>\n\n" (one pass), and its first answer token, "4", during which the stop comes.
        let model = StopAfter(ScriptedModel(chat: chat, thinkLength: 20), evaluations: 9, control: control)
        let swept = BudgetSweep.run(Generator(model: model, chat: chat, settings: settings(Unlimited())), prompt: prompt,
                                    budgets: [5, nil], control: control)
        #expect(swept.map(\.reason) == [.stopped, .stopped])
        #expect(swept[0].answer == "\n\n4")  // the branch stopped after its first answer token
        #expect(swept[1].stats.thinkingTokens == 5)
        #expect(model.counter.evaluations == 9)  // and the trunk did not go on
    }

    @Test func theInspectorsBudgetsOnTheDemoModelEqualIndependentRuns() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        let prompt = chat.render([.user("What is 4821 + 3956?")])
        var base = settings(Unlimited(), style: .qwen)
        base.maxTokens = 300
        let make = { EngineModel(session: Session(model: model, context: 1024)) as LanguageModel }
        let budgets: [Int?] = [0, 16, 32, 64, 128, 256, nil]
        let swept = BudgetSweep.run(Generator(model: make(), chat: chat, settings: base), prompt: prompt, budgets: budgets)
        for o in swept {
            let (reason, tokens, _) = try independent(make, chat, base, prompt: prompt, budget: o.budget)
            #expect(o.reason == reason)
            #expect(o.tokens.map(\.id) == tokens.map(\.id), "budget \(String(describing: o.budget))")
        }
        #expect(swept.last!.answer.contains("8777"))
    }
}

/// Counts evaluations (its forks share the count) and stops `control` at the given one.
final class StopAfter: LanguageModel {
    final class Counter { var evaluations = 0 }
    let inner: LanguageModel
    let counter: Counter
    let stopAt: Int
    let control: ReasoningControl

    init(_ inner: LanguageModel, evaluations: Int, control: ReasoningControl, counter: Counter = Counter()) {
        self.inner = inner
        self.stopAt = evaluations
        self.control = control
        self.counter = counter
    }

    var vocabularySize: Int { inner.vocabularySize }
    var position: Int { inner.position }
    var logits: UnsafeBufferPointer<Float> { inner.logits }
    var lastRouting: [LayerRouting] { inner.lastRouting }
    var expertShape: (layers: Int, experts: Int)? { inner.expertShape }

    func evaluate(_ tokens: [Int]) throws {
        counter.evaluations += 1
        if counter.evaluations == stopAt { control.stop() }
        try inner.evaluate(tokens)
    }

    func fork() -> LanguageModel { StopAfter(inner.fork(), evaluations: stopAt, control: control, counter: counter) }
    func fork(at p: Int) -> LanguageModel { StopAfter(inner.fork(at: p), evaluations: stopAt, control: control, counter: counter) }
}
