import Engine
import Foundation
@testable import Reasoning
@testable import Remote
import Testing
import Tokenizer

/// Against a real llama-server (built from the llama.cpp inside the llama-cpp-python sdist)
/// serving the embedded demo model: the remote turn is the in-process turn, token for token.
/// Skips, saying why, when no server binary is built.
@Suite(.serialized) final class LlamaServerIntegrationTests {
    /// One server for the suite (started at the first test, stopped with the suite).
    nonisolated(unsafe) static var shared: (LlamaServerProcess, LlamaServer)?

    func server() throws -> LlamaServer {
        if let s = Self.shared { return s.1 }
        let binary: String
        switch LlamaServerProcess.binary() {
        case .success(let b): binary = b
        case .failure(let why): throw Skip(why.description)
        }
        let (_, _, path) = try Demo.require()
        let p = try LlamaServerProcess(binary: binary, model: path)
        do {
            let s = try LlamaServer(url: p.url, wait: 120)
            Self.shared = (p, s)
            atexit { LlamaServerIntegrationTests.shared?.0.kill() }
            return s
        } catch {
            Issue.record("llama-server did not come up: \(error)\n\(p.logTail)")
            throw error
        }
    }

    struct Skip: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// Runs the test body, or records why it skipped.
    func withServer(_ body: (LlamaServer, Model, ChatFormat) throws -> Void) throws {
        let (model, chat, _) = try Demo.require()
        let s: LlamaServer
        do { s = try server() } catch let skip as Skip {
            print("skipped: \(skip.description)")
            return
        }
        try body(s, model, chat)
    }

    func local(_ model: Model, _ chat: ChatFormat, _ settings: GenerationSettings, thinking: Bool = true,
               onToken: (TokenEvent, ReasoningControl) -> Void = { _, _ in }) -> Turn {
        runTurn(EngineModel(session: Session(model: model, context: 1024)), chat, settings, thinking: thinking, onToken: onToken)
    }

    @Test func theServerTokenizesAsTheLocalGGUF() throws {
        try withServer { s, _, chat in
            let text = chat.tokenizer.decode(chat.render([.user(Demo.question)], enableThinking: true))
            let served = try s.tokenize(text)
            #expect(served == chat.tokenizer.encode(text, parseSpecial: true).map(Int.init))
        }
    }

    @Test(arguments: [0, 8, 24])
    func capGivesTheInProcessTokens(n: Int) throws {
        try withServer { s, model, chat in
            let settings = greedySettings(Cap(n))
            let remote = ServerModel(server: s, chat: chat)
            let r = runTurn(remote, chat, settings)
            let l = local(model, chat, settings)
            #expect(r.errors.isEmpty, "\(r.errors)")
            #expect(r.ids == l.ids)
            #expect(r.tokens.map(\.origin) == l.tokens.map(\.origin))
            #expect(r.text(.answer) == l.text(.answer))
            #expect(r.count(.thinking, .sampled) <= n + 1)  // <think>, then at most n
            #expect(remote.segments.first?.end?.reason == .limit)
            // The answer segment re-evaluates only the forced end and the capped segment's last token.
            let forced = try #require(chat.forcedEnd(.qwen))
            let answer = try #require(remote.segments.last?.end)
            #expect(answer.promptEvaluated == forced.count + 1, "\(remote.segments)")
        }
    }

    /// The chat format from the server alone (`ServerCodec`: /props, /tokenize, /detokenize), once per suite.
    nonisolated(unsafe) static var servedFormat: ChatFormat?

    func served(_ s: LlamaServer) throws -> ChatFormat {
        if let f = Self.servedFormat { return f }
        let f = try ChatFormat(tokenizer: ServerCodec.connect(s))
        Self.servedFormat = f
        return f
    }

    @Test func theServerAloneGivesTheLocalGGUFsChatFormat() throws {
        try withServer { s, _, chat in
            let served = try served(s)
            #expect(served.template == chat.template && served.thinking == chat.thinking)
            #expect(served.turnStart == chat.turnStart && served.turnEnd == chat.turnEnd)
            #expect(served.endOfGeneration == chat.endOfGeneration)
            #expect(served.tokenizer.vocabularySize == chat.tokenizer.vocabularySize)
            let messages: [ChatMessage] = [.system("Be brief."), .user("Wie viel ist 17+25? 日本語 🧠 𝄞"),
                                           .assistant("<think>\nAdd.\n</think>\n\n42"), .user(Demo.question)]
            for thinking in [true, false] {
                #expect(served.render(messages, enableThinking: thinking) == chat.render(messages, enableThinking: thinking))
            }
            #expect(served.forcedEnd(.qwen) == chat.forcedEnd(.qwen))
            // The server's own template (/apply-template) renders prompts as the detected format does.
            #expect((served.tokenizer as! ServerCodec).checkTemplate(served) == .agrees)
            // Characters split across tokens stream whole, through /detokenize alone.
            let ids = chat.tokenizer.encode("ok 🧠𝄞 東京 naïve <think>", parseSpecial: false)
            var a = served.tokenizer.streamingDecoder(), b = chat.tokenizer.streamingDecoder()
            var (ta, tb) = ("", "")
            for id in ids { ta += a.append(id); tb += b.append(id) }
            #expect(ta + a.finish() == tb + b.finish())
        }
    }

    /// cap(n) with the server's own tokenization gives exactly the tokens (and texts) of a local GGUF tokenizer.
    @Test(arguments: [0, 8, 24])
    func capWithTheServersTokenizerGivesTheLocalTokenizersTokens(n: Int) throws {
        try withServer { s, _, chat in
            let served = try served(s)
            let settings = greedySettings(Cap(n))
            let a = runTurn(ServerModel(server: s, chat: served), served, settings)
            let b = runTurn(ServerModel(server: s, chat: chat), chat, settings)
            #expect(a.errors.isEmpty && b.errors.isEmpty, "\(a.errors) \(b.errors)")
            #expect(!a.ids.isEmpty)
            #expect(a.ids == b.ids)
            #expect(a.tokens.map(\.origin) == b.tokens.map(\.origin))
            #expect(a.tokens.map(\.text) == b.tokens.map(\.text))
            #expect(a.tokens.map { $0.alternatives.map(\.text) } == b.tokens.map { $0.alternatives.map(\.text) })
            #expect(a.text(.answer) == b.text(.answer))
        }
    }

    @Test func exactWithWait() throws {
        try withServer { s, model, chat in
            let natural = local(model, chat, greedySettings(Unlimited(), maxTokens: 400)).count(.thinking, .sampled)
            let settings = greedySettings(Minimum.exact(natural + 20), maxTokens: natural + 140)
            let remote = ServerModel(server: s, chat: chat)
            let r = runTurn(remote, chat, settings)
            let l = local(model, chat, settings)
            #expect(r.errors.isEmpty, "\(r.errors)")
            #expect(r.ids == l.ids)
            #expect(r.tokens.contains { $0.origin == .injected && $0.text.contains("Wait") })
            // After a natural end the next segment evaluates only the "Wait" ids: the dropped end
            // was never decoded, so the cache holds everything before it.
            let wait = chat.tokenizer.encodeUserText("Wait").count
            let afterWait = remote.segments.dropFirst().first
            #expect(afterWait?.end?.promptEvaluated == wait, "\(remote.segments)")
        }
    }

    @Test func noThink() throws {
        try withServer { s, model, chat in
            let settings = greedySettings(Unlimited())
            let r = runTurn(ServerModel(server: s, chat: chat), chat, settings, thinking: false)
            let l = local(model, chat, settings, thinking: false)
            #expect(r.errors.isEmpty, "\(r.errors)")
            #expect(r.ids == l.ids)
            #expect(r.stats?.thinkingTokens == 0)
            #expect(r.text(.answer).contains("The answer is"))
        }
    }

    @Test func loweredBudgetMidThinking() throws {
        try withServer { s, model, chat in
            let settings = greedySettings(Unlimited())
            let steer = { (t: TokenEvent, c: ReasoningControl) in if t.phase == .thinking && t.index == 12 { c.setBudget(5) } }
            let remote = ServerModel(server: s, chat: chat)
            let r = runTurn(remote, chat, settings, onToken: steer)
            let l = local(model, chat, settings, onToken: steer)
            #expect(r.errors.isEmpty, "\(r.errors)")
            #expect(r.ids == l.ids)
            #expect(r.tokens.firstIndex { $0.origin == .injected } == 13)
            // The first segment was cancelled (it had no budget, so the server was still thinking).
            #expect(remote.segments.first?.end == nil)
        }
    }

    @Test func aKilledServerGivesOneClearErrorAndAValidTrace() throws {
        guard case .success(let binary) = LlamaServerProcess.binary() else {
            print("skipped: no llama-server binary")
            return
        }
        let (_, chat, path) = try Demo.require()
        let p = try LlamaServerProcess(binary: binary, model: path)
        let s = try LlamaServer(url: p.url, wait: 120)
        let traceURL = FileManager.default.temporaryDirectory.appendingPathComponent("thinkscope-killed-\(getpid()).jsonl")
        defer { try? FileManager.default.removeItem(at: traceURL) }
        let header = TraceHeader(model: .init(file: "demo on \(p.url)", size: 0, headerHash: "", architecture: "qwen3moe"),
                                 settings: TraceSettings(thinking: true, settings: greedySettings(Unlimited())),
                                 messages: [TraceMessage(role: "user", content: Demo.question)], promptTokens: [],
                                 created: "2026-01-01T00:00:00Z")
        let writer = try TraceWriter(path: traceURL.path, header: header)
        var turn = Turn()
        let prompt = chat.render([.user(Demo.question)], enableThinking: true)
        turn.reason = Generator(model: ServerModel(server: s, chat: chat), chat: chat, settings: greedySettings(Unlimited()))
            .run(prompt: prompt) { e in
                turn.events.append(e)
                try? writer.record(e)
                if case .token(let t) = e, t.index == 10 { p.kill() }
            }
        #expect(turn.reason == .stopped)
        #expect(turn.errors.count == 1)
        #expect(turn.errors.first?.contains(p.url.absoluteString) == true, "\(turn.errors)")
        #expect(turn.tokens.count >= 11, "what was generated is kept")
        let trace = try Trace(path: traceURL.path)
        #expect(trace.footer != nil)
        #expect(!trace.truncatedLastLine)
        #expect(trace.events.count == turn.events.count)
    }
}
