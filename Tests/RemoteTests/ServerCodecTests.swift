import Engine
import Foundation
@testable import Reasoning
@testable import Remote
import Testing
import Tokenizer

/// Fake tokenizer endpoints in each engine's documented format (shared/reference/remote-engines.md
/// §2.5, §3, §4), answered from the demo model's vocabulary: what a server serving it would say.
enum TokenizerEndpoints {
    static var local: BPETokenizer { Demo.loaded!.1.tokenizer as! BPETokenizer }

    static func json(_ o: Any) -> FakeServer.Response {
        .json(String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
    }

    /// Text as a server's JSON writer sends bytes that are not UTF-8 (replacement characters).
    static func text(_ ids: [Int]) -> String { local.decode(ids.map(TokenID.init), renderSpecial: true) }

    /// llama-server: `/tokenize` {content, add_special, parse_special, with_pieces} answers
    /// `{"tokens": [{"id", "piece"}]}` (a piece that is not UTF-8 as its bytes), `/detokenize`
    /// `{"content"}`, `/props` and `/v1/models` as the measured server sends them.
    static func llama(failDetokenize: @escaping @Sendable () -> Bool = { false }) throws -> FakeServer {
        let v = local.vocabulary
        return try FakeServer([
            "GET /health": [.json(#"{"status":"ok"}"#)],
            "GET /props": [json(["default_generation_settings": ["n_ctx": 4096], "total_slots": 1, "model_path": "models/demo.gguf",
                                 "chat_template": v.chatTemplate ?? "", "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>",
                                 "build_info": "b1-0c1e570"])],
            "GET /v1/models": [json(["object": "list", "data": [["id": "demo", "meta": ["vocab_type": 2, "n_vocab": v.count]]]])],
        ], handlers: [
            "POST /tokenize": { r in
                let o = r.json
                let ids = local.encode(o["content"] as? String ?? "", parseSpecial: o["parse_special"] as? Bool ?? true)
                // add_special: the demo GGUF does not add a BOS.
                guard o["with_pieces"] as? Bool == true else { return json(["tokens": ids.map(Int.init)]) }
                return json(["tokens": ids.map { id -> [String: Any] in
                    let bytes = local.decodeBytes([id], renderSpecial: true)
                    let piece: Any = String(validating: bytes, as: UTF8.self) ?? bytes.map(Int.init)
                    return ["id": Int(id), "piece": piece]
                }])
            },
            "POST /detokenize": { r in
                if failDetokenize() { return .json(#"{"error":{"code":500,"message":"detokenizer gone"}}"#, status: 500) }
                return json(["content": text(JSON.ints(r.json["tokens"]) ?? [])])
            },
        ])
    }

    /// vLLM: `/tokenize` {model, prompt, add_special_tokens} → {tokens, count, max_model_len} (a
    /// Hugging Face tokenizer parses added tokens always), or {model, messages, add_generation_prompt,
    /// chat_template_kwargs} → the template's prompt (here the demo format's, with `opens` appended
    /// when thinking is on: a template that always opens thinking); `/detokenize` {model, tokens} → {prompt}.
    static func vllm(opens: String = "") throws -> FakeServer {
        try FakeServer([
            "GET /health": [.json("{}")],
            "GET /v1/models": [.json(#"{"object":"list","data":[{"id":"Qwen/Qwen3-30B-A3B","object":"model","max_model_len":32768}]}"#)],
        ], handlers: [
            "POST /tokenize": { r in
                if let messages = r.json["messages"] as? [[String: String]] {
                    let thinking = (r.json["chat_template_kwargs"] as? [String: Any])?["enable_thinking"] as? Bool ?? true
                    let chat = Demo.loaded!.1
                    let m = messages.map { ChatMessage(ChatMessage.Role(rawValue: $0["role"]!)!, $0["content"]!) }
                    let ids = (chat.render(m, enableThinking: thinking) + (thinking ? local.encode(opens, parseSpecial: true) : [])).map(Int.init)
                    return json(["tokens": ids, "count": ids.count, "max_model_len": 32768])
                }
                let ids = local.encode(r.json["prompt"] as? String ?? "", parseSpecial: true).map(Int.init)
                return json(["tokens": ids, "count": ids.count, "max_model_len": 32768])
            },
            "POST /detokenize": { r in json(["prompt": text(JSON.ints(r.json["tokens"]) ?? [])]) },
        ])
    }

    /// SGLang: `/tokenize` {prompt, add_special_tokens} → {tokens, count, max_model_len},
    /// `/detokenize` {tokens, skip_special_tokens} → {text}, `/get_model_info` {model_path, …}.
    static func sglang() throws -> FakeServer {
        try FakeServer([
            "GET /health": [.json("{}")],
            "GET /get_model_info": [.json(#"{"model_path":"Qwen/Qwen3-30B-A3B","tokenizer_path":"Qwen/Qwen3-30B-A3B","is_generation":true,"max_context_length":32768}"#)],
        ], handlers: [
            "POST /tokenize": { r in
                let ids = local.encode(r.json["prompt"] as? String ?? "", parseSpecial: true).map(Int.init)
                return json(["tokens": ids, "count": ids.count, "max_model_len": 32768])
            },
            "POST /detokenize": { r in json(["text": text(JSON.ints(r.json["tokens"]) ?? [])]) },
        ])
    }
}

@Suite(.serialized) struct ServerCodecTests {
    let local: ChatFormat

    init() throws { local = try Demo.require().1 }

    /// Conversations whose prompts must come out the same from the server's tokenizer.
    static let conversations: [[ChatMessage]] = [
        [.user(Demo.question)],
        [.system("Be brief."), .user("Wie viel ist 17+25? Antworte auf 日本語 🧠"),
         .assistant("<think>\nAdd.\n</think>\n\n42"), .user("and 𝄞 + 1?")],
    ]

    /// The chat format read through a server's endpoints is the local GGUF's: same template,
    /// thinking mode, markers, ends and prompts, same forced end.
    func expectSameFormat(_ served: ChatFormat, controlsBySpelling: Bool = false) throws {
        #expect(served.template == local.template)
        #expect(served.thinking.mode == local.thinking.mode)
        #expect(served.thinkStart == local.thinkStart && served.thinkEnd == local.thinkEnd)
        #expect(served.turnStart == local.turnStart && served.turnEnd == local.turnEnd)
        #expect(served.endOfGeneration == local.endOfGeneration)
        for messages in Self.conversations {
            for thinking in [true, false] {
                #expect(served.render(messages, enableThinking: thinking) == local.render(messages, enableThinking: thinking), "\(messages)")
            }
        }
        #expect(served.renderText([.user("hi")]) == local.renderText([.user("hi")]))
        #expect(served.forcedEnd(.qwen) == local.forcedEnd(.qwen))
        #expect(served.answerOpener == local.answerOpener)
        #expect(served.tokenizer.encodeUserText("Wait") == local.tokenizer.encodeUserText("Wait"))
        // User text that spells special tokens stays text: no special id, the same text back. (The ids
        // around such a spelling can differ from the local ones: a server splits it out before its BPE.)
        let spelled = "Type </think> or <|im_start|>assistant here: <think>"
        let user = served.tokenizer.encodeUserText(spelled)
        #expect(!user.contains { [served.thinkStart, served.thinkEnd, served.turnStart, served.turnEnd].contains($0) })
        #expect(local.tokenizer.decode(user) == spelled)
        // Control tokens render only when asked; <think> always.
        let ids = local.render([.user(Demo.question)]) + [local.thinkStart!, local.turnEnd]
        #expect(served.tokenizer.decode(ids) == local.tokenizer.decode(ids))
        #expect(served.tokenizer.decode(ids, renderSpecial: true) == local.tokenizer.decode(ids, renderSpecial: true))
    }

    /// Ids of text with characters split across tokens (each alone is not UTF-8).
    func splitCharacters() throws -> [TokenID] {
        let ids = local.tokenizer.encode("ok 🧠𝄞 東京 naïve", parseSpecial: false)
        let partial = ids.filter { String(validating: local.tokenizer.decodeBytes([$0]), as: UTF8.self) == nil }
        try #require(!partial.isEmpty, "the sample must split a character across tokens")
        return ids
    }

    /// Streaming decode through `codec` gives the local text piece by piece, never a broken character.
    func expectSameStream(_ codec: any TokenCodec, _ ids: [TokenID]) {
        var a = codec.streamingDecoder(), b = local.tokenizer.streamingDecoder()
        var sa = "", sb = ""
        for id in ids {
            let p = a.append(id)
            #expect(!p.unicodeScalars.contains("\u{FFFD}"), "\(p)")
            sa += p
            sb += b.append(id)
        }
        sa += a.finish()
        sb += b.finish()
        #expect(sa == sb)
    }

    @Test func llamaServerEndpointsGiveTheLocalGGUFsFormat() throws {
        let fake = try TokenizerEndpoints.llama()
        let codec = try ServerCodec.connect(LlamaServer(url: fake.url))
        #expect(codec.vocabularySize == local.tokenizer.vocabularySize)
        #expect(codec.chatTemplate == local.tokenizer.chatTemplate)
        #expect(codec.facts.model == "models/demo.gguf")
        // <think> is user-defined (split even without parse_special), <|im_end|> a control token.
        #expect(!codec.controls.contains(local.thinkStart!) && codec.controls.contains(local.turnEnd))
        let served = try ChatFormat(tokenizer: codec)
        try expectSameFormat(served)
        expectSameStream(codec, try splitCharacters())
        // Every tokenize asked for pieces; special texts were looked up parsed.
        let asked = fake.requests("POST /tokenize").map(\.json)
        #expect(asked.allSatisfy { $0["with_pieces"] as? Bool == true })
        #expect(asked.contains { $0["content"] as? String == "<think>" && $0["parse_special"] as? Bool == true })
        // Cached: the same user text twice is one request.
        let before = fake.requests("POST /tokenize").count
        _ = codec.encodeUserText("Cached text")
        _ = codec.encodeUserText("Cached text")
        #expect(fake.requests("POST /tokenize").count == before + 1)
    }

    @Test func vllmEndpointsGiveTheLocalFormat() throws {
        let fake = try TokenizerEndpoints.vllm()
        let codec = try ServerCodec.connect(VLLMServer(url: fake.url))
        #expect(codec.chatTemplate == nil && codec.facts.missing != nil)
        #expect(!codec.controls.contains(local.thinkStart!) && codec.controls.contains(local.turnEnd))
        try expectSameFormat(try ChatFormat(tokenizer: codec))
        expectSameStream(codec, try splitCharacters())
        #expect(fake.requests("POST /detokenize").allSatisfy { $0.json["model"] as? String == "Qwen/Qwen3-30B-A3B" })
    }

    /// vLLM's `messages` form of /tokenize renders its own template: it agrees with the detected
    /// format, or the difference is said (a template that always opens thinking).
    @Test func vllmsTemplateIsCheckedThroughItsMessagesForm() throws {
        let same = try TokenizerEndpoints.vllm()
        let agreeing = try ServerCodec.connect(VLLMServer(testing: same.url, model: "Qwen/Qwen3-30B-A3B"))
        #expect(try agreeing.checkTemplate(ChatFormat(tokenizer: agreeing)) == .agrees)
        let asked = same.requests("POST /tokenize").map(\.json).filter { $0["messages"] != nil }
        #expect(asked.count == 2 && asked.allSatisfy { $0["add_generation_prompt"] as? Bool == true })
        #expect(asked.map { ($0["chat_template_kwargs"] as? [String: Any])?["enable_thinking"] as? Bool } == [true, false])
        let opening = try TokenizerEndpoints.vllm(opens: "<think>\n")
        let codec = try ServerCodec.connect(VLLMServer(testing: opening.url, model: "Qwen/Qwen3-30B-A3B"))
        guard case .differs(let note) = try codec.checkTemplate(ChatFormat(tokenizer: codec)) else {
            Issue.record("a template that opens thinking was not noticed")
            return
        }
        #expect(note.contains("thinking on") && note.contains("<think>"), "\(note)")
    }

    @Test func sglangEndpointsGiveTheLocalFormat() throws {
        let fake = try TokenizerEndpoints.sglang()
        let codec = try ServerCodec.connect(SGLangServer(url: fake.url))
        #expect(codec.facts.model == "Qwen/Qwen3-30B-A3B")
        try expectSameFormat(try ChatFormat(tokenizer: codec))
        expectSameStream(codec, try splitCharacters())
        #expect(fake.requests("POST /detokenize").allSatisfy { $0.json["skip_special_tokens"] as? Bool == false })
        #expect(codec.checkTemplate(try ChatFormat(tokenizer: codec)) == .unchecked)
    }

    /// A recorded vLLM turn read with the server's tokenizer: the ids and texts of the local one.
    @Test func aRecordedVLLMTurnWithTheServersTokenizerIsTheLocalTurn() throws {
        let endpoints = try TokenizerEndpoints.vllm()
        let served = try ChatFormat(tokenizer: ServerCodec.connect(VLLMServer(url: endpoints.url)))
        func turn(_ chat: ChatFormat) throws -> Turn {
            let fake = try FakeServer(["POST /v1/completions": [.recording(try Recording.text("vllm-thinking.sse")),
                                                                 .recording(try Recording.text("vllm-answer.sse"))]])
            return runTurn(ServerModel(server: VLLMServer(testing: fake.url), chat: chat), chat, greedySettings(Cap(8)))
        }
        let a = try turn(served), b = try turn(local)
        #expect(a.errors.isEmpty, "\(a.errors)")
        #expect(a.ids == b.ids)
        #expect(a.tokens.map(\.text) == b.tokens.map(\.text))
        #expect(a.tokens.map { $0.alternatives.map(\.text) } == b.tokens.map { $0.alternatives.map(\.text) })
    }

    /// Responses recorded from the real llama-server (tools/remote/record_llama_tokenizer.sh) read as
    /// the local GGUF says: pieces as bytes where a token is not UTF-8 alone, and such a token's
    /// /detokenize text ending in U+FFFD (why `piece` can be nil).
    @Test func recordedLlamaServerTokenizerResponsesRead() throws {
        let fake = try FakeServer([
            "GET /props": [.recording(try Recording.text("llama-props.json"), contentType: "application/json")],
            "GET /v1/models": [.recording(try Recording.text("llama-models.json"), contentType: "application/json")],
            "POST /tokenize": [.recording(try Recording.text("llama-tokenize-pieces.json"), contentType: "application/json")],
            "POST /detokenize": [.recording(try Recording.text("llama-detokenize-partial.json"), contentType: "application/json")],
        ])
        let s = LlamaServer(testing: fake.url, slot: 0)
        let t = try s.tokenize("ok 🧠𝄞 <think>", parseSpecial: true, addSpecial: false)
        let v = TokenizerEndpoints.local
        #expect(t.ids == v.encode("ok 🧠𝄞 <think>", parseSpecial: true).map(Int.init))
        #expect(t.pieces == t.ids.map { v.decodeBytes([TokenID($0)], renderSpecial: true) })
        #expect(try s.detokenize([11162]) == " \u{FFFD}")
        let facts = try s.modelFacts()
        #expect(facts.chatTemplate == v.chatTemplate)
        #expect(facts.vocabularySize == v.vocabularySize)
        #expect(facts.eosText == "<|im_end|>" && facts.bosText == "<|endoftext|>")
    }

    /// llama-server streams each token's bytes with its probabilities: they are learnt, not asked.
    @Test func llamaStreamedBytesAreLearnt() throws {
        let fake = try TokenizerEndpoints.llama()
        let codec = try ServerCodec.connect(LlamaServer(url: fake.url))
        let id: TokenID = 21806  // not looked up while connecting
        codec.learn([(id, Array("xyz".utf8))])
        let before = fake.requests("POST /detokenize").count
        #expect(codec.decode([id]) == "xyz")
        #expect(fake.requests("POST /detokenize").count == before)
    }

    @Test func badOrMissingEndpointsAreOneLineErrors() throws {
        let cases: [(FakeServer, String)] = [
            (try FakeServer(["GET /health": [.json("{}")], "GET /get_model_info": [.json("{}")]]), "POST /tokenize: HTTP 404"),
            (try FakeServer(["GET /health": [.json("{}")], "GET /get_model_info": [.json("{}")],
                             "POST /tokenize": [.json("<html>busy</html>")]]), "POST /tokenize: expected"),
            (try FakeServer(["GET /health": [.json("{}")], "GET /get_model_info": [.json("{}")],
                             "POST /tokenize": [.json(#"{"tokens":[1,2]}"#)], "POST /detokenize": [.json(#"{"text":"other"}"#)]]),
             "/tokenize then /detokenize of a test sentence gave"),
        ]
        for (fake, expected) in cases {
            do {
                _ = try ServerCodec.connect(SGLangServer(testing: fake.url))
                Issue.record("connected to a server without working tokenizer endpoints")
            } catch let e as ServerError {
                #expect(e.description.contains(expected), "\(e)")
                #expect(e.description.contains("--tokenizer"))
                #expect(!e.description.contains("\n"))
            }
        }
        // Nothing listening.
        #expect(throws: ServerError.self) { try ServerCodec.connect(SGLangServer(testing: URL(string: "http://127.0.0.1:9")!)) }
    }

    /// An endpoint that fails after connecting ends the turn with one error, keeping what was generated.
    @Test func aTokenizerEndpointThatFailsMidRunIsOneErrorNotACrash() throws {
        let broken = Flag()
        let endpoints = try TokenizerEndpoints.llama(failDetokenize: { broken.value })
        let codec = try ServerCodec.connect(LlamaServer(url: endpoints.url))
        let served = try ChatFormat(tokenizer: codec)
        let fake = try FakeServer(["POST /v1/completions": [.recording(try Recording.text("vllm-thinking.sse")),
                                                             .recording(try Recording.text("vllm-answer.sse"))]])
        broken.value = true
        let turn = runTurn(ServerModel(server: VLLMServer(testing: fake.url), chat: served), served, greedySettings(Cap(8)))
        #expect(turn.reason == .stopped)
        #expect(turn.errors.count == 1, "\(turn.errors)")
        #expect(turn.errors.first?.contains("POST /detokenize: HTTP 500") == true, "\(turn.errors)")
        #expect(!turn.ids.isEmpty)
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var v = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return v }
        set { lock.lock(); v = newValue; lock.unlock() }
    }
}
