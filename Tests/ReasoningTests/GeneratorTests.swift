import Engine
import Testing
@testable import Reasoning
import Tokenizer

/// Runs one turn and collects its events.
struct Run {
    var events: [ReasoningEvent] = []
    var reason: FinishReason = .stopped

    var tokens: [TokenEvent] { events.compactMap { if case .token(let t) = $0 { t } else { nil } } }
    var stats: GenerationStats? {
        events.compactMap { if case .finished(_, let s) = $0 { s } else { nil } }.last
    }
    func text(_ phase: Phase) -> String { tokens.filter { $0.phase == phase }.map(\.text).joined() }
    func count(_ phase: Phase, _ origin: TokenOrigin) -> Int {
        tokens.filter { $0.phase == phase && $0.origin == origin && !$0.text.isEmpty }.count
    }

    init(_ model: LanguageModel, _ chat: ChatFormat, _ settings: GenerationSettings, thinking: Bool = true,
         prompt: [TokenID]? = nil, control: ReasoningControl = ReasoningControl(),
         onToken: (TokenEvent, ReasoningControl) -> Void = { _, _ in }) {
        let g = Generator(model: model, chat: chat, settings: settings)
        let p = prompt ?? chat.render([.user("What is 6 x 7?")], enableThinking: thinking)
        var events: [ReasoningEvent] = []
        reason = g.run(prompt: p, control: control) { e in
            events.append(e)
            if case .token(let t) = e { onToken(t, control) }
        }
        self.events = events
    }
}

func settings(_ policy: any BudgetPolicy, style: EndStyle = .bare, grace: Int = 0) -> GenerationSettings {
    var s = GenerationSettings()
    s.policy = policy
    s.endStyle = style
    s.grace = grace
    s.sampling = .greedy
    return s
}

@Suite struct GeneratorTests {
    /// Thinking that would fill the context ends with the forced end while an answer still fits;
    /// a context too small even for the end stops cleanly (a finish reason, not a crash).
    @Test func aContextFillingUpMidThinkingEndsThinkingFirst() throws {
        let chat = try testChat()
        let roomy = ScriptedModel(chat: chat, thinkLength: 500)
        roomy.capacity = 200
        let r = Run(roomy, chat, settings(Unlimited(), style: .qwen))
        #expect(r.reason == .endOfTurn, "the answer fit")
        #expect(r.text(.thinking).contains("Considering the limited time"))
        #expect(r.text(.answer) == "\n\n42")
        #expect(roomy.fed.count <= 200)
        let cramped = ScriptedModel(chat: chat, thinkLength: 500)
        cramped.capacity = 20
        let c = Run(cramped, chat, settings(Unlimited(), style: .qwen))
        #expect(c.reason == .contextFull)
    }

    @Test func unlimitedThinksThenAnswers() throws {
        let chat = try testChat()
        let r = Run(ScriptedModel(chat: chat, thinkLength: 12), chat, settings(Unlimited()))
        #expect(r.reason == .endOfTurn)
        #expect(r.stats?.thinkingTokens == 12)
        #expect(r.text(.thinking) == "step by step")
        #expect(r.text(.answer) == "\n\n42")
        #expect(r.stats?.injectedTokens == 0)
        let phases = r.events.compactMap { if case .phase(let p) = $0 { p } else { nil } }
        #expect(phases == [.prompt, .thinking, .answer, .done])
    }

    @Test(arguments: [0, 1, 5, 11, 30], [EndStyle.bare, .qwen])
    func capNeverLetsSampledThinkingExceedTheBudget(n: Int, style: EndStyle) throws {
        let chat = try testChat()
        let r = Run(ScriptedModel(chat: chat, thinkLength: 20), chat, settings(Cap(n), style: style))
        #expect(r.count(.thinking, .sampled) == min(n, 20))
        #expect(r.reason == .endOfTurn)
        #expect(r.text(.answer).hasSuffix("42"))
        if n < 20 {
            #expect(r.text(.thinking).hasSuffix(style == .qwen ? "based on the thinking directly now.\n" : ""))
            #expect(r.stats!.injectedTokens > 0)
        }
    }

    @Test(arguments: [1, 3, 8])
    func graceLetsTheModelFinishItsLine(grace: Int) throws {
        let chat = try testChat()
        // Lines of 6 bytes: "abcde\n"; cap at 3 → finishes the line if the grace allows.
        let m = ScriptedModel(chat: chat, thought: "abcde\n", thinkLength: 40)
        let r = Run(m, chat, settings(Cap(3), grace: grace))
        let sampled = r.count(.thinking, .sampled)
        #expect(sampled <= 3 + grace)
        #expect(sampled == (grace >= 3 ? 6 : 3 + grace))
    }

    @Test(arguments: [5, 25, 40])
    func exactReachesN(n: Int) throws {
        let chat = try testChat()
        let r = Run(ScriptedModel(chat: chat, thinkLength: 10), chat, settings(Minimum.exact(n)))
        // Thinking ends at exactly n: the model's own end at 10 is refused ("Wait", twice) when n > 10.
        #expect(r.stats?.thinkingTokens == n)
        let waits = r.tokens.filter { $0.origin == .injected && $0.phase == .thinking }.map(\.text).joined()
        #expect(waits == (n > 10 ? "WaitWait" : ""))
    }

    @Test func noThinkGivesZeroThinkingTokens() throws {
        let chat = try testChat()
        let r = Run(ScriptedModel(chat: chat), chat, settings(Unlimited()), thinking: false)
        #expect(r.stats?.thinkingTokens == 0)
        #expect(!r.tokens.contains { $0.phase == .thinking })
        #expect(r.text(.answer) == "42")
    }

    @Test func modelWithoutThinkTokensOnlyAnswers() throws {
        let chat = try testChat(thinkTokens: false)
        let r = Run(ScriptedModel(chat: chat, opensThinking: false), chat, settings(Unlimited()))
        #expect(r.stats?.thinkingTokens == 0)
        #expect(r.text(.answer) == "42")
    }

    @Test func promptThatOpensThinkingStartsInThinking() throws {
        let chat = try testChat()
        var prompt = chat.render([.user("hi")])
        prompt += [chat.thinkStart!] + chat.tokenizer.encodeUserText("\n")
        let r = Run(ScriptedModel(chat: chat, thinkLength: 6), chat, settings(Cap(4)), prompt: prompt)
        #expect(r.tokens.first?.phase == .thinking)
        #expect(r.count(.thinking, .sampled) == 4)  // the budget counts generated tokens, not the prompt's "\n"
        #expect(r.reason == .endOfTurn)
    }

    @Test func liveBudgetChangeTakesEffectOnTheNextToken() throws {
        let chat = try testChat()
        var changedAt: Int?
        let r = Run(ScriptedModel(chat: chat, thinkLength: 30), chat, settings(Unlimited())) { t, control in
            if t.phase == .thinking && t.origin == .sampled && t.index == 8 {
                control.setBudget(4)  // below what is spent: thinking ends now
                changedAt = t.index
            }
        }
        let next = r.tokens.first { $0.index == changedAt! + 1 }
        #expect(next?.origin == .injected)
        #expect(r.count(.thinking, .sampled) == 8)
        #expect(r.stats?.budget == 4)
    }

    @Test func raisingTheBudgetLetsThinkingContinue() throws {
        let chat = try testChat()
        let r = Run(ScriptedModel(chat: chat, thinkLength: 12), chat, settings(Cap(3))) { t, control in
            if t.index == 1 { control.setBudget(nil) }
        }
        #expect(r.count(.thinking, .sampled) == 12)
    }

    @Test func endThinkingNowNeverSplitsAUTF8Character() throws {
        let chat = try testChat()
        // Each character is 2–4 byte tokens; end at every possible token.
        for at in 1..<12 {
            let m = ScriptedModel(chat: chat, thought: "é中文🙂x", thinkLength: 40)
            let r = Run(m, chat, settings(Unlimited())) { t, control in
                if t.index == at { control.endThinkingNow() }
            }
            let thinking = r.text(.thinking)
            #expect(!thinking.contains("\u{FFFD}"), "end at \(at): \(thinking)")
            #expect(r.text(.answer).hasSuffix("42"))
            #expect(r.count(.thinking, .sampled) <= at + 4)
        }
    }

    @Test func stopAndMaxTokens() throws {
        let chat = try testChat()
        let stopped = Run(ScriptedModel(chat: chat), chat, settings(Unlimited())) { t, c in
            if t.index == 3 { c.stop() }
        }
        #expect(stopped.reason == .stopped)
        #expect(stopped.tokens.count == 4)
        var s = settings(Unlimited())
        s.maxTokens = 7
        let capped = Run(ScriptedModel(chat: chat), chat, s)
        #expect(capped.reason == .maxTokens)
        #expect(capped.tokens.count == 7)
    }

    @Test func invalidSamplingIsReportedAsAnError() throws {
        let chat = try testChat()
        var s = settings(Unlimited())
        s.sampling.temperature = -1
        let r = Run(ScriptedModel(chat: chat), chat, s)
        #expect(r.events.contains { if case .error(let m) = $0 { m.contains("temperature") } else { false } })
    }
}
