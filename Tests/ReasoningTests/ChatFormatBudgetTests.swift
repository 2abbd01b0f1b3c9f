import Engine
import Testing
@testable import Reasoning
import Tokenizer

/// Phases and budgets in every chat format: Qwen ChatML (the model opens `<think>`), DeepSeek-R1
/// (the template opens it: the model never emits `<think>`, and budgets count from the opening) and
/// SmolLM3 (ChatML after its metadata block) and harmony (the analysis channel; the end of thinking is
/// `<|end|>` plus the `final` header, which the answer pane never shows) and s1 (`<|im_start|>think`;
/// sampling `<|im_start|>` asks to end; the forced end appends `<|im_start|>answer\nFinal Answer:`).
@Suite struct ChatFormatBudgetTests {
    static let templates: [ChatFormat.Template] = [.chatML, .deepSeekR1, .smolLM3, .harmony, .s1]

    @Test(arguments: templates)
    func unlimitedThinksThenAnswers(_ t: ChatFormat.Template) throws {
        let chat = try testChat(t)
        let r = Run(ScriptedModel(chat: chat, thinkLength: 12), chat, settings(Unlimited()))
        #expect(r.reason == .endOfTurn)
        #expect(r.stats?.thinkingTokens == 12)
        #expect(r.text(.thinking).hasSuffix("by step"))
        #expect(r.text(.answer) == "\n\n42")
        #expect(r.tokens.first?.phase == .thinking)
    }

    @Test(arguments: templates, [0, 5, 11])
    func capCountsFromTheOpening(_ t: ChatFormat.Template, n: Int) throws {
        let chat = try testChat(t)
        let r = Run(ScriptedModel(chat: chat, thinkLength: 20), chat, settings(Cap(n), style: .qwen))
        #expect(r.count(.thinking, .sampled) == n)
        #expect(r.text(.thinking).hasSuffix("based on the thinking directly now.\n"))
        #expect(r.text(.answer).hasSuffix("42"))
        #expect(!r.text(.answer).contains("assistant") && !r.text(.answer).contains("final"), "markup stays out of the pane")
        #expect(r.reason == .endOfTurn)
    }

    @Test(arguments: templates)
    func exactRefusesTheEarlyEnd(_ t: ChatFormat.Template) throws {
        let chat = try testChat(t)
        let r = Run(ScriptedModel(chat: chat, thinkLength: 10), chat, settings(Minimum.exact(25)))
        #expect(r.stats?.thinkingTokens == 25)
        let waits = r.tokens.filter { $0.origin == .injected && $0.phase == .thinking }.map(\.text).joined()
        #expect(waits == "WaitWait")
        #expect(r.text(.answer).hasSuffix("42"))
    }

    @Test(arguments: templates)
    func noThinkAnswersWithoutThinking(_ t: ChatFormat.Template) throws {
        let chat = try testChat(t)
        let r = Run(ScriptedModel(chat: chat), chat, settings(Unlimited()), thinking: false)
        #expect(r.stats?.thinkingTokens == 0)
        #expect(!r.tokens.contains { $0.phase == .thinking })
        #expect(r.text(.answer).hasSuffix("42"))
        #expect(r.reason == .endOfTurn)
    }
}

extension ChatFormat.Template: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

@Suite struct ReasoningEffortTests {
    /// The effort sweep renders each effort into the harmony system message and reports one cell per effort.
    @Test func effortModeRunsEachEffort() throws {
        let chat = try testChat(.harmony)
        var efforts: [String] = []
        let sweep = Sweep(chat: chat, makeModel: {
            ScriptedModel(chat: chat, thinkLength: 4)
        }, base: settings(Unlimited()), thinkingSampling: .greedy, answerOnlySampling: .greedy, budgets: [nil],
                          modes: [.effort], samples: 1)
        for e in ChatFormat.ReasoningEffort.allCases {
            var c = chat
            c.reasoningEffort = e
            let text = c.renderText([.user("q")])
            #expect(text.contains("Reasoning: \(e.rawValue)\n"))
            efforts.append(e.rawValue)
        }
        let cells: [SweepCell] = sweep.run([SweepTask(id: "t", prompt: "q", answer: "42")])
        #expect(cells.map(\.mode) == efforts.map { "effort-\($0)" })
        #expect(cells.allSatisfy { $0.correct == 1 })
    }
}
