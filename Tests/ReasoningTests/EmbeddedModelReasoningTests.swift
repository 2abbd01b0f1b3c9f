import EmbeddedModel
import Engine
import GGUF
import Testing
@testable import Reasoning
import Tokenizer

/// The budget policies on the real engine, with the shipped demo model (a real thinking model).
@Suite(.serialized) struct EmbeddedModelReasoningTests {
    static let loaded: (Model, ChatFormat)? = {
        guard let path = EmbeddedModel.path, let file = try? GGUFFile(path: path),
              let model = try? Model(file: file), let chat = try? ChatFormat(tokenizer: BPETokenizer(gguf: file)) else { return nil }
        return (model, chat)
    }()

    func run(_ policy: any BudgetPolicy, thinking: Bool = true, style: EndStyle = .qwen,
             onToken: (TokenEvent, ReasoningControl) -> Void = { _, _ in }) throws -> Run {
        let (model, chat) = try #require(Self.loaded, "the embedded demo model must be built into the package")
        var s = settings(policy, style: style)
        s.maxTokens = 400
        return Run(EngineModel(session: Session(model: model, context: 1024)), chat, s, thinking: thinking,
                   prompt: chat.render([.user("What is 5714 - 2869?")], enableThinking: thinking), onToken: onToken)
    }

    @Test func thinksThenAnswersUnlimited() throws {
        let r = try run(Unlimited())
        #expect(r.reason == .endOfTurn)
        #expect(r.count(.thinking, .sampled) > 20)
        #expect(r.text(.answer).contains("The answer is"))
        #expect(r.stats?.injectedTokens == 0)
    }

    @Test(arguments: [0, 8, 24])
    func capNeverLetsSampledThinkingExceedTheBudget(n: Int) throws {
        let r = try run(Cap(n))
        #expect(r.count(.thinking, .sampled) <= n)
        #expect(r.text(.thinking).contains("Considering the limited time by the user"))
        #expect(r.reason == .endOfTurn)
    }

    /// The end sequence goes in as one forward pass, yet every injected token keeps its own routing
    /// (the heatmap shows it).
    @Test func injectedTokensKeepTheirOwnRouting() throws {
        let r = try run(Cap(8))
        let injected = r.tokens.filter { $0.origin == .injected }
        #expect(injected.count > 10)
        let (model, _) = try #require(Self.loaded)
        #expect(injected.allSatisfy { $0.routing.count == model.config.layerCount && $0.routing.allSatisfy { !$0.experts.isEmpty } })
        #expect(Set(injected.map { $0.routing.map(\.experts) }).count > 1, "each token has its own experts, not a copy of the last one's")
    }

    @Test func noThinkGivesZeroThinkingTokens() throws {
        let r = try run(Unlimited(), thinking: false)
        #expect(r.stats?.thinkingTokens == 0)
        #expect(r.text(.answer).contains("The answer is"))
    }

    @Test func exactReachesN() throws {
        let unlimited = try run(Unlimited()).count(.thinking, .sampled)
        let n = unlimited + 30
        let r = try run(Minimum.exact(n), style: .bare)  // bare: no phrase tokens inside the think block
        #expect(r.stats?.thinkingTokens == n)
        #expect(r.tokens.contains { $0.origin == .injected && $0.text.contains("Wait") })
    }

    @Test func liveBudgetChangeTakesEffectOnTheNextToken() throws {
        var changedAt: Int?
        let r = try run(Unlimited()) { t, control in
            if changedAt == nil, t.phase == .thinking, t.origin == .sampled, t.index >= 10 {
                control.setBudget(5)
                changedAt = t.index
            }
        }
        let at = try #require(changedAt)
        #expect(r.tokens.first { $0.index == at + 1 }?.origin == .injected)
    }
}
