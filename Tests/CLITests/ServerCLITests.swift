import Foundation
import Testing
import Tokenizer

/// `--server` on the command line, against a local server replaying recorded responses.
@Suite(.serialized) struct ServerCLITests {
    static let thought = ["Add", " 17", " and", " 25", ":", " 42", "."]
    static let reply = ["The", " answer", " is", " ", "42", "."]

    /// An Anthropic stream of the documented event sequence.
    static var anthropic: [String] {
        var e = [#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"usage":{"input_tokens":9,"output_tokens":1}}}"#,
                 #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#]
        e += thought.map { #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"\#($0)"}}"# }
        e += [#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}}"#,
              #"{"type":"content_block_stop","index":0}"#,
              #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#]
        e += reply.map { #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"\#($0)"}}"# }
        e += [#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30}}"#, #"{"type":"message_stop"}"#]
        return e
    }

    @Test func anthropicRunShowsBothPanesAndKeepsTheKeyOutOfTheTrace() throws {
        let fake = try FakeServer(["POST /v1/messages": [.sse(Self.anthropic)]])
        let trace = CLI.temp("anthropic.jsonl")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let key = "sk-ant-cli-secret-789"
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "anthropic", "--model", "claude-test",
                             "--prompt", "What is 17+25?", "--budget", "2000", "--trace", trace],
                            environment: ["ANTHROPIC_API_KEY": key, "NO_COLOR": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("The answer is 42."))
        #expect(r.stderr.contains("Add 17 and 25: 42."))
        #expect(r.stderr.contains("[model on Anthropic \(fake.url.absoluteString) (claude-test, display only)]"))
        #expect(r.stderr.contains("[server: 30 output tokens"))
        let q = try #require(fake.requests.first)
        #expect(q.headers["x-api-key"] == key)
        #expect((q.json["thinking"] as? [String: Any])?["budget_tokens"] as? Int == 2000)
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(text.contains("claude-test, display only"))
        #expect(!text.contains(key), "the key never reaches a trace")
        #expect(!r.stderr.contains(key) && !r.stdout.contains(key))
    }

    @Test func aTokenizerThatDisagreesIsRefusedWithWhatToPass() throws {
        let fake = try FakeServer([
            "GET /health": [.json("{}")],
            "GET /v1/models": [.json(#"{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","max_model_len":32768}]}"#)],
            "POST /tokenize": [.json(#"{"tokens":[1,2,3],"count":3,"max_model_len":32768}"#)],
        ])
        let demo = CLITests.fixtures.appendingPathComponent("../../Sources/EmbeddedModel/thinkscope-demo.gguf").standardized.path
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "vllm", "--tokenizer", demo, "--prompt", "hi"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("its tokenizer disagrees"), "\(r.stderr)")
        #expect(r.stderr.contains("--tokenizer"))
        #expect(fake.requests("POST /tokenize").first?.json["model"] as? String == "Qwen/Qwen3-8B")
    }

    /// Without --tokenizer the server's endpoints are the tokenizer: one missing is one line that
    /// says which flag to add.
    @Test func aServerWithoutDetokenizeIsOneLineThatAsksForATokenizer() throws {
        let fake = try FakeServer([
            "GET /health": [.json("{}")],
            "GET /v1/models": [.json(#"{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","max_model_len":32768}]}"#)],
            "POST /tokenize": [.json(#"{"tokens":[1,2,3],"count":3,"max_model_len":32768}"#)],
        ])
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "vllm", "--prompt", "hi"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("POST /detokenize: HTTP 404"), "\(r.stderr)")
        #expect(r.stderr.contains("pass the served model's GGUF or tokenizer.json as --tokenizer"))
        #expect(r.stderr.split(separator: "\n").count <= 2)
    }

    static func recording(_ name: String) throws -> String {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: dir.appendingPathComponent("RemoteTests/Recordings/\(name)"), encoding: .utf8)
    }

    /// A vLLM server (recorded streams) whose /tokenize answers as `tokenizer` does for ThinkScope's check.
    static func vllm(agreeingWith tokenizer: BPETokenizer) throws -> FakeServer {
        let probe = "ThinkScope checks its tokenizer: 17 + 25 = 42, naïve café, 東京."
        let ids = tokenizer.encode(probe, parseSpecial: false).map(String.init).joined(separator: ",")
        return try FakeServer([
            "GET /health": [.json("{}")],
            "GET /v1/models": [.json(#"{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","max_model_len":32768}]}"#)],
            "POST /tokenize": [.json(#"{"tokens":[\#(ids)],"count":3,"max_model_len":32768}"#)],
            "POST /v1/completions": [.recording(try recording("vllm-thinking.sse")), .recording(try recording("vllm-answer.sse"))],
        ])
    }

    @Test func aHuggingFaceTokenizerJSONDrivesAVLLMRun() throws {
        let dir = try HuggingFaceFixture.qwen3()
        let fake = try Self.vllm(agreeingWith: try BPETokenizer(huggingFace: dir))
        let trace = CLI.temp("hf-vllm.jsonl")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "vllm", "--tokenizer", dir + "/tokenizer.json",
                             "--prompt", "What is 17+25?", "--trace", trace], environment: ["NO_COLOR": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("The answer is 42."), "\(r.stdout)")
        let prompt = try #require(fake.requests("POST /v1/completions").first?.json["prompt"] as? [Int])
        let chat = try ChatFormat(tokenizer: try BPETokenizer(huggingFace: dir))
        #expect(prompt == chat.render([.user("What is 17+25?")]).map(Int.init), "the prompt is rendered by the tokenizer.json's chat format")
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(text.contains("tokenizer.json on vLLM"), "the trace names the tokenizer file")
        #expect(text.contains(#""qwen3""#), "the architecture, from config.json")
    }

    @Test func aHuggingFaceTokenizerThatDisagreesOrLacksExpertsIsRefused() throws {
        let dir = try HuggingFaceFixture.qwen3()
        // a server holding another tokenizer (the check's ids shifted)
        let fake = try FakeServer([
            "GET /health": [.json("{}")],
            "GET /v1/models": [.json(#"{"object":"list","data":[{"id":"m","object":"model","max_model_len":32768}]}"#)],
            "POST /tokenize": [.json(#"{"tokens":[1,2,3],"count":3,"max_model_len":32768}"#)],
        ])
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "vllm", "--tokenizer", dir, "--prompt", "hi"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("its tokenizer disagrees with \(dir)"), "\(r.stderr)")
        // --routing needs the layer and expert counts of config.json (this one is a dense model's)
        let routing = try CLI.run(["run", "--server", "http://127.0.0.1:9", "--api", "sglang", "--routing", "--tokenizer", dir, "--prompt", "hi"])
        #expect(routing.status != 0)
        #expect(routing.stderr.contains("config.json does not say the model's experts (num_hidden_layers, num_experts"), "\(routing.stderr)")
        // a MoE checkpoint's config.json gives the shape: the run gets as far as the server
        let moe = try HuggingFaceFixture.folder("moe")
        try FileManager.default.copyItem(atPath: dir + "/tokenizer.json", toPath: moe + "/tokenizer.json")
        try HuggingFaceFixture.write(["model_type": "qwen3_moe", "text_config": ["num_hidden_layers": 4, "num_experts": 8,
                                                                                  "num_experts_per_tok": 2]], to: moe + "/config.json")
        let shaped = try CLI.run(["run", "--server", "http://127.0.0.1:9", "--api", "sglang", "--routing", "--tokenizer", moe, "--prompt", "hi"])
        #expect(shaped.status != 0)
        #expect(shaped.stderr.contains("cannot reach the server") && !shaped.stderr.contains("config.json"), "\(shaped.stderr)")
        // a malformed tokenizer.json: one line naming the file and the field
        let bad = CLI.temp("bad-tokenizer.json")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try #"{"model": {"type": "BPE", "vocab": [], "merges": []}}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let broken = try CLI.run(["run", "--server", "http://127.0.0.1:9", "--api", "vllm", "--tokenizer", bad, "--prompt", "hi"])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("\(bad): 'pre_tokenizer' is missing"), "\(broken.stderr)")
    }

    @Test func anUnreachableServerIsOneLine() throws {
        let r = try CLI.run(["run", "--server", "http://127.0.0.1:9", "--api", "sglang", "--prompt", "hi"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("server http://127.0.0.1:9: GET /health: cannot reach the server"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count <= 2)
    }

    @Test func optionsThatCannotApplyAreRefused() throws {
        let cases: [([String], String)] = [
            (["sweep", "--builtin", "add", "--parallel", "2"], "--parallel needs --server"),
            (["sweep", "--builtin", "add", "--server", "http://127.0.0.1:9", "--api", "ollama", "--model", "m"], "needs a token-level API"),
            (["run", "--server", "http://127.0.0.1:9", "--api", "ollama", "--routing", "--prompt", "x"], "only vllm and sglang return routed experts"),
            (["run", "--server", "http://127.0.0.1:9", "--api", "anthropic", "--model", "m", "--min-budget", "9", "--prompt", "x"], "cannot be forced"),
            (["run", "--server", "http://127.0.0.1:9", "--api", "mistral", "--prompt", "x"], "--api"),
        ]
        for (args, expected) in cases {
            let r = try CLI.run(args)
            #expect(r.status != 0)
            #expect(r.stderr.contains(expected), "\(args): \(r.stderr)")
        }
    }

    @Test func aStalledServerTimesOutWithOneLineAndTheTraceKeepsTheThinking() throws {
        var lines = Self.thought.map { #"{"model":"m","message":{"role":"assistant","content":"","thinking":"\#($0)"},"done":false}"# + "\n" }
        let fake = try FakeServer(["POST /api/chat": [FakeServer.Response(contentType: "application/x-ndjson", pieces: lines, stall: 4)]])
        let trace = CLI.temp("stalled.jsonl")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "ollama", "--model", "m", "--prompt", "What is 17+25?",
                             "--trace", trace], environment: ["THINKSCOPE_SERVER_TIMEOUT": "1", "NO_COLOR": "1"])
        #expect(r.stderr.contains("Add 17 and 25: 42."), "what was generated is kept: \(r.stderr)")
        #expect(r.stderr.contains("error: server \(fake.url.absoluteString): POST /api/chat: the stream broke (no data from the server for 1 s"), "\(r.stderr)")
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(text.split(separator: "\n").last?.contains(#""type":"footer""#) == true, "the trace ends with its footer: \(text.suffix(200))")
    }
}
