import Engine
import Foundation
@testable import Reasoning
@testable import Remote
import Testing
import Tokenizer

/// Display-only chat APIs replayed from recordings: both panes, live counts, the budget as the
/// engine's own knob, keys from the caller (the environment) and never in a trace.
@Suite(.serialized) struct RecordedChatTests {
    let r: RecordedTokens
    let chat: ChatFormat

    init() throws {
        r = try RecordedTokens.load()
        chat = try Demo.require().1
    }

    func turn(_ server: any ChatServer, thinking: Bool = true, budget: Int? = 2048,
              onToken: @escaping (TokenEvent, ReasoningControl) -> Void = { _, _ in }) throws -> (Turn, ChatModel, String) {
        let model = ChatModel(server: server, chat: chat)
        model.prepare(messages: [.user(Demo.question)], thinking: thinking, budget: budget, maxTokens: 160)
        var settings = greedySettings(Unlimited())
        settings.maxTokens = 160
        let (t, trace, text) = try tracedTurn(model, chat, settings, onToken: onToken)
        #expect(trace.footer != nil)
        return (t, model, text)
    }

    func expectPanes(_ t: Turn, thinking: Bool = true) {
        #expect(t.errors.isEmpty, "\(t.errors)")
        #expect(t.reason == .endOfTurn)
        #expect(t.text(.thinking) == (thinking ? r.thought.joined() : ""))
        #expect(t.text(.answer) == r.reply.joined())
        // Live counts: the local tokenizer's reading of each pane.
        #expect(t.stats?.thinkingTokens == (thinking ? chat.tokenizer.encodeUserText(r.thought.joined()).count : 0) || !thinking)
        #expect((t.stats?.answerTokens ?? 0) > 0)
        #expect(t.tokens.allSatisfy { $0.logProbability == nil && $0.alternatives.isEmpty })
    }

    @Test func openAIReasoningContentFillsBothPanes() throws {
        let fake = try FakeServer(["POST /v1/chat/completions": [.recording(try Recording.text("openai-chat.sse"))]])
        let (t, model, trace) = try turn(OpenAIChatServer(url: fake.url, model: "qwen3", apiKey: "sk-test-secret-123"))
        expectPanes(t)
        #expect(model.lastEnd == ChatEnd(limit: false, outputTokens: 15, thinkingTokens: 9))
        let q = try #require(fake.requests.first)
        #expect(q.headers["authorization"] == "Bearer sk-test-secret-123")
        #expect(q.json["model"] as? String == "qwen3")
        #expect(q.json["thinking_budget_tokens"] as? Int == 2048)
        #expect(q.json["thinking_token_budget"] as? Int == 2048)
        #expect((q.json["messages"] as? [[String: String]])?.last?["content"] == Demo.question)
        #expect(!trace.contains("sk-test-secret-123"), "a key never reaches a trace")
    }

    @Test func openAIReasoningFieldAndNoThink() throws {
        let fake = try FakeServer(["POST /v1/chat/completions": [.recording(try Recording.text("openai-chat-reasoning.sse"))]])
        let (t, model, _) = try turn(OpenAIChatServer(url: fake.url, model: "qwen3", apiKey: nil), thinking: false)
        #expect(t.text(.thinking) == r.thought.joined(), "what the server sends as reasoning is shown as thinking")
        #expect(model.lastEnd?.limit == true)
        let q = try #require(fake.requests.first)
        #expect(q.headers["authorization"] == nil)
        #expect((q.json["chat_template_kwargs"] as? [String: Bool])?["enable_thinking"] == false)
        #expect(q.json["thinking_budget_tokens"] == nil)
    }

    @Test func ollamaThinkingAndLevels() throws {
        let fake = try FakeServer(["POST /api/chat": [.recording(try Recording.text("ollama-chat.ndjson"), contentType: "application/x-ndjson")]])
        let (t, model, _) = try turn(OllamaChatServer(url: fake.url, model: "qwen3"))
        expectPanes(t)
        #expect(model.lastEnd?.outputTokens == 15)
        let q = try #require(fake.requests.first)
        #expect(q.json["think"] as? String == "medium")
        #expect((q.json["options"] as? [String: Any])?["num_predict"] as? Int == 160)
        let levels = [(nil, true) as (Int?, Bool), (512, true), (20000, true), (100, false)].map { b, think in
            OllamaChatServer.think(ChatRequest(messages: [], thinking: think, budget: b, maxTokens: 1, sampling: .greedy))
        }
        #expect(levels[0] as? Bool == true && levels[1] as? String == "low" && levels[2] as? String == "high" && levels[3] as? Bool == false)
    }

    @Test func anthropicExtendedThinking() throws {
        let fake = try FakeServer(["POST /v1/messages": [.recording(try Recording.text("anthropic.sse"))]])
        let (t, model, trace) = try turn(AnthropicServer(url: fake.url, model: "claude-sonnet-4-5", apiKey: "sk-ant-secret-456"))
        expectPanes(t)
        #expect(model.lastEnd?.outputTokens == 57)
        let q = try #require(fake.requests.first)
        #expect(q.headers["x-api-key"] == "sk-ant-secret-456")
        #expect(q.headers["anthropic-version"] == "2023-06-01")
        let thinking = q.json["thinking"] as? [String: Any]
        #expect(thinking?["type"] as? String == "enabled")
        #expect(thinking?["budget_tokens"] as? Int == 2048)
        #expect((q.json["max_tokens"] as? Int ?? 0) > 2048, "max_tokens must exceed the budget")
        #expect(q.json["temperature"] == nil, "thinking fixes the temperature")
        #expect(!trace.contains("sk-ant-secret-456"))
        // Below the API's minimum the budget is raised to it.
        let low = AnthropicServer(url: fake.url, model: "m", apiKey: "k")
            .body(ChatRequest(messages: [.system("s"), .user("u")], thinking: true, budget: 100, maxTokens: 50, sampling: .greedy))
        #expect((low["thinking"] as? [String: Any])?["budget_tokens"] as? Int == 1024)
        #expect(low["max_tokens"] as? Int == 1025)
        #expect(low["system"] as? String == "s")
    }

    @Test func anthropicWithoutAKeySaysWhichVariable() throws {
        let (t, _, _) = try turn(AnthropicServer(url: URL(string: "http://127.0.0.1:9")!, model: "m", apiKey: nil))
        #expect(t.errors.count == 1 && t.errors[0].contains("ANTHROPIC_API_KEY"), "\(t.errors)")
        #expect(APIKey.from("ANTHROPIC_API_KEY", environment: ["ANTHROPIC_API_KEY": "x"]) == "x")
        #expect(APIKey.from("ANTHROPIC_API_KEY", environment: ["ANTHROPIC_API_KEY": ""]) == nil)
    }

    @Test func errorsMidStreamKeepTheThinking() throws {
        for (route, file, type, expected) in [("POST /v1/messages", "anthropic-overloaded.sse", "text/event-stream", "Overloaded"),
                                              ("POST /api/chat", "ollama-error.ndjson", "application/x-ndjson", "model runner has unexpectedly stopped")] {
            let fake = try FakeServer([route: [.recording(try Recording.text(file), contentType: type)]])
            let server: any ChatServer = route.contains("messages") ? AnthropicServer(url: fake.url, model: "m", apiKey: "k")
                                                                     : OllamaChatServer(url: fake.url, model: "m")
            let (t, _, _) = try turn(server)
            #expect(t.errors.count == 1 && t.errors[0].contains(expected), "\(t.errors)")
            #expect(t.reason == .stopped)
            #expect(t.text(.thinking).hasPrefix(r.thought[0]), "what was generated is kept")
        }
    }

    @Test func liveBudgetChangesCannotReachTheServerAndAreIgnored() throws {
        let fake = try FakeServer(["POST /v1/chat/completions": [.recording(try Recording.text("openai-chat.sse"))]])
        let (t, _, _) = try turn(OpenAIChatServer(url: fake.url, model: "qwen3", apiKey: nil)) { e, control in
            if e.index == 2 {
                control.setBudget(0)
                control.endThinkingNow()
            }
        }
        expectPanes(t)
        #expect(t.count(.thinking, .injected) == 0)
    }
}
