import Foundation
import Testing

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
        let r = try CLI.run(["run", "--server", fake.url.absoluteString, "--api", "vllm", "--prompt", "hi"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("its tokenizer disagrees"), "\(r.stderr)")
        #expect(r.stderr.contains("--tokenizer"))
        #expect(fake.requests("POST /tokenize").first?.json["model"] as? String == "Qwen/Qwen3-8B")
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
