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
}
