import Engine
import Foundation
@testable import Reasoning
@testable import Remote
import Testing
import Tokenizer

/// The ids and shapes the recordings were made with (tools/remote/make_recordings.py).
struct RecordedTokens: Decodable {
    var thinking: [Int]
    var answer: [Int]
    var layers: Int
    var experts: Int
    var topK: Int
    var thought: [String]
    var reply: [String]

    static func load() throws -> RecordedTokens {
        try JSONDecoder().decode(RecordedTokens.self, from: Data(try Recording.text("tokens.json").utf8))
    }

    /// The experts the recordings route token `r` of segment `k` to, per layer.
    func experts(segment k: Int, row r: Int) -> [[Int]] {
        (0..<layers).map { l in (0..<topK).map { j in (k * 7 + r * 3 + l + j * 5) % experts } }
    }
}

/// A turn over a recorded server, written as a trace that is read back.
func tracedTurn(_ model: LanguageModel, _ chat: ChatFormat, _ settings: GenerationSettings,
                onToken: @escaping (TokenEvent, ReasoningControl) -> Void = { _, _ in }) throws -> (Turn, Trace, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("thinkscope-recorded-\(UUID()).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let header = TraceHeader(model: .init(file: "recorded", size: 0, headerHash: "", architecture: "qwen3moe"),
                             settings: TraceSettings(thinking: true, settings: settings),
                             messages: [TraceMessage(role: "user", content: Demo.question)], promptTokens: [],
                             created: "2026-01-01T00:00:00Z")
    let writer = try TraceWriter(path: path, header: header)
    let control = ReasoningControl()
    var turn = Turn()
    turn.reason = Generator(model: model, chat: chat, settings: settings)
        .run(prompt: chat.render([.user(Demo.question)], enableThinking: true), control: control) { e in
            turn.events.append(e)
            try? writer.record(e)
            if case .token(let t) = e { onToken(t, control) }
        }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return (turn, try Trace(path: path), text)
}

/// vLLM and SGLang turns replayed from recordings of their documented stream formats by a local
/// server: the loop keeps the turn as ids, forces budgets, and reads routing where it comes.
@Suite(.serialized) struct RecordedTokenServerTests {
    let r: RecordedTokens
    let chat: ChatFormat
    let prompt: [Int]

    init() throws {
        r = try RecordedTokens.load()
        chat = try Demo.require().1
        prompt = chat.render([.user(Demo.question)], enableThinking: true).map(Int.init)
    }

    func vllm(_ responses: [FakeServer.Response], routing: RoutingShape? = nil) throws -> (FakeServer, ServerModel) {
        let fake = try FakeServer(["POST /v1/completions": responses])
        return (fake, ServerModel(server: VLLMServer(testing: fake.url, routing: routing), chat: chat))
    }

    func sglang(_ responses: [FakeServer.Response], routing: RoutingShape? = nil) throws -> (FakeServer, ServerModel) {
        let fake = try FakeServer(["POST /generate": responses])
        return (fake, ServerModel(server: SGLangServer(testing: fake.url, routing: routing), chat: chat))
    }

    var thinkingText: String { r.thought.joined() }
    var answerText: String { r.reply.joined() }

    @Test func vllmStreamsATurnAsIdsWithAlternatives() throws {
        let (fake, model) = try vllm([.recording(try Recording.text("vllm-thinking.sse")), .recording(try Recording.text("vllm-answer.sse"))])
        let turn = runTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.errors.isEmpty, "\(turn.errors)")
        #expect(turn.reason == .endOfTurn)
        #expect(turn.ids == r.thinking + r.answer.dropLast())
        #expect(turn.text(.thinking).contains("Add 17 and 25: 42."))
        #expect(turn.text(.answer).contains("The answer is 42."))
        // Alternatives come keyed "token_id:N", best first.
        #expect(turn.tokens[0].alternatives.map(\.id) == [151667, 151668, 151669])
        #expect(abs((turn.tokens[1].logProbability ?? 0) + 0.011) < 1e-5)
        // Two requests: thinking up to </think>, then the answer from the whole transcript.
        let requests = fake.requests("POST /v1/completions").map(\.json)
        try #require(requests.count == 2)
        #expect(requests[0]["prompt"] as? [Int] == prompt)
        #expect(requests[0]["stop_token_ids"] as? [Int] == [151668])
        #expect(requests[0]["return_tokens_as_token_ids"] as? Bool == true)
        #expect(requests[0]["logprobs"] as? Int == 5)
        #expect(requests[0]["skip_special_tokens"] as? Bool == false)
        #expect(requests[0]["stream"] as? Bool == true)
        #expect(requests[0]["temperature"] as? Double == 0)
        #expect(requests[1]["prompt"] as? [Int] == prompt + r.thinking)
        #expect(requests[1]["stop_token_ids"] == nil)
        #expect(model.segments.map { $0.end?.reason } == [.stop, .endOfTurn])
        #expect(model.segments[1].end?.promptCached == 32)
        #expect(model.segments[1].end?.promptEvaluated == 17 + r.thinking.count - 32)
        // No routing asked: the heatmap has nothing, and says so through the model's shape.
        #expect(model.expertShape == nil)
        #expect(turn.tokens.allSatisfy { $0.routing.isEmpty })
    }

    @Test func vllmCapForcesTheEndAfterTheBudget() throws {
        let (fake, model) = try vllm([.recording(try Recording.text("vllm-thinking.sse")), .recording(try Recording.text("vllm-answer.sse"))])
        let turn = runTurn(model, chat, greedySettings(Cap(4)))
        #expect(turn.errors.isEmpty, "\(turn.errors)")
        let forced = try #require(chat.forcedEnd(.qwen))
        #expect(turn.ids == Array(r.thinking.prefix(5)) + forced + r.answer.dropLast())
        let requests = fake.requests("POST /v1/completions").map(\.json)
        try #require(requests.count == 2)
        #expect(requests[0]["max_tokens"] as? Int == 5)  // <think> and 4 thinking tokens
        #expect(requests[1]["prompt"] as? [Int] == prompt + r.thinking.prefix(5) + forced)
    }

    @Test func aLoweredSliderCancelsTheStreamWithoutWaitingForTheServer() throws {
        // The thinking stream stalls after six tokens; the slider goes down at the third.
        let events = try Recording.events("vllm-thinking.sse")
        let (fake, model) = try vllm([FakeServer.Response(pieces: events.prefix(6).map { "data: \($0)\n\n" }, stall: 20),
                                      .recording(try Recording.text("vllm-answer.sse"))])
        let started = Date()
        let turn = runTurn(model, chat, greedySettings(Unlimited())) { t, control in
            if t.phase == .thinking && t.index == 3 { control.setBudget(2) }
        }
        #expect(Date().timeIntervalSince(started) < 10, "the cancel does not wait for the stalled server")
        #expect(turn.errors.isEmpty, "\(turn.errors)")
        let forced = try #require(chat.forcedEnd(.qwen))
        #expect(turn.ids == Array(r.thinking.prefix(4)) + forced + r.answer.dropLast())
        #expect(model.segments.first?.end == nil, "the thinking segment was cancelled")
        let requests = fake.requests("POST /v1/completions").map(\.json)
        #expect(requests.count == 2)
        #expect(requests.last?["prompt"] as? [Int] == prompt + r.thinking.prefix(4) + forced)
    }

    @Test func vllmRoutingFillsEveryTokenSegmentBySegment() throws {
        for lists in [false, true] {
            let responses = try (0..<8).map { FakeServer.Response.recording(try Recording.text("vllm-routed-\(lists ? "lists-" : "")\($0).json"), contentType: "application/json") }
            let shape = RoutingShape(layers: r.layers, experts: r.experts, topK: r.topK, segmentLength: 4)
            let (fake, model) = try vllm(responses, routing: shape)
            let turn = runTurn(model, chat, greedySettings(Unlimited()))
            #expect(turn.errors.isEmpty, "\(turn.errors)")
            #expect(turn.ids == r.thinking + r.answer.dropLast())
            #expect(model.expertShape?.layers == r.layers && model.expertShape?.experts == r.experts)
            let requests = fake.requests("POST /v1/completions").map(\.json)
            try #require(requests.count == 8)
            for (k, q) in requests.enumerated() {
                #expect(q["stream"] as? Bool == false, "routing comes only with a whole response")
                #expect(q["max_tokens"] as? Int == 4)
                #expect(q["routed_experts_prompt_start"] as? Int == (q["prompt"] as? [Int])?.count, "segment \(k)")
            }
            // Every token but the last of its segment carries the experts the server reported.
            let segments = [4, 4, 4, 4, 1, 4, 4, 1]
            var i = 0
            for (k, n) in segments.enumerated() {
                for row in 0..<n where i < turn.tokens.count {
                    let got = turn.tokens[i].routing.map(\.experts)
                    if row == n - 1 {
                        #expect(got.isEmpty, "token \(i), the last of segment \(k), has no routing yet")
                    } else {
                        #expect(got == r.experts(segment: k, row: row), "token \(i) (segment \(k), row \(row))")
                    }
                    i += 1
                }
            }
        }
    }

    @Test func sglangCumulativeAndIncrementalStreamsGiveTheSameTurn() throws {
        var turns: [Turn] = []
        for suffix in ["", "-incremental"] {
            let (fake, model) = try sglang([.recording(try Recording.text("sglang-thinking\(suffix).sse")),
                                            .recording(try Recording.text("sglang-answer\(suffix).sse"))])
            let turn = runTurn(model, chat, greedySettings(Unlimited()))
            #expect(turn.errors.isEmpty, "\(turn.errors)")
            #expect(turn.ids == r.thinking + r.answer.dropLast())
            #expect(turn.tokens[2].alternatives.map(\.id) == [r.thinking[2], r.thinking[2] + 1, r.thinking[2] + 2])
            let q = fake.requests("POST /generate").map(\.json)
            try #require(q.count == 2)
            #expect(q[0]["input_ids"] as? [Int] == prompt)
            let sp = q[0]["sampling_params"] as? [String: Any] ?? [:]
            #expect(sp["stop_token_ids"] as? [Int] == [151668])
            #expect(sp["no_stop_trim"] as? Bool == true)
            #expect(sp["skip_special_tokens"] as? Bool == false)
            #expect(q[0]["return_logprob"] as? Bool == true)
            #expect(q[0]["top_logprobs_num"] as? Int == 5)
            #expect(q[0]["return_routed_experts"] == nil)
            #expect(q[1]["input_ids"] as? [Int] == prompt + r.thinking)
            #expect(model.segments[1].end?.promptCached == 17 + r.thinking.count - 1)
            turns.append(turn)
        }
        #expect(turns[0].tokens == turns[1].tokens)
    }

    @Test func sglangRoutingFillsEveryTokenSegmentBySegment() throws {
        let responses = try (0..<8).map { FakeServer.Response.recording(try Recording.text("sglang-routed-\($0).sse")) }
        let (fake, model) = try sglang(responses, routing: RoutingShape(layers: r.layers, experts: r.experts, topK: r.topK, segmentLength: 4))
        let turn = runTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.errors.isEmpty, "\(turn.errors)")
        #expect(turn.ids == r.thinking + r.answer.dropLast())
        let q = fake.requests("POST /generate").map(\.json)
        try #require(q.count == 8)
        #expect(q.allSatisfy { $0["return_routed_experts"] as? Bool == true })
        #expect(q.allSatisfy { $0["routed_experts_start_len"] as? Int == ($0["input_ids"] as? [Int])?.count })
        #expect(turn.tokens[0].routing.map(\.experts) == r.experts(segment: 0, row: 0))
        #expect(turn.tokens[6].routing.map(\.experts) == r.experts(segment: 1, row: 2))
        #expect(turn.tokens[3].routing.isEmpty)
        // Weights are not reported: each chosen expert counts 1/k.
        #expect(turn.tokens[0].routing.first?.weights == Array(repeating: 1 / Float(r.topK), count: r.topK))
    }

    @Test func routedExpertsOfAnotherShapeAreAClearError() throws {
        let responses = try (0..<8).map { FakeServer.Response.recording(try Recording.text("vllm-routed-\($0).json"), contentType: "application/json") }
        let (_, model) = try vllm(responses, routing: RoutingShape(layers: r.layers + 1, experts: r.experts, topK: r.topK, segmentLength: 4))
        let turn = runTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.errors.count == 1)
        #expect(turn.errors.first?.contains("expected (tokens, \(r.layers + 1), \(r.topK))") == true, "\(turn.errors)")
        #expect(turn.reason == .stopped)
    }

    @Test func aMidStreamErrorKeepsTheTokensAndTheTraceStaysValid() throws {
        let (fake, model) = try vllm([.recording(try Recording.text("vllm-error.sse"))])
        let (turn, trace, _) = try tracedTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.reason == .stopped)
        #expect(turn.errors.count == 1)
        #expect(turn.errors.first?.contains("CUDA out of memory") == true, "\(turn.errors)")
        #expect(turn.errors.first?.contains(fake.url.absoluteString) == true)
        #expect(turn.ids == Array(r.thinking.prefix(4)), "what was generated is kept")
        #expect(trace.footer != nil)
        #expect(!trace.truncatedLastLine)
        #expect(trace.events.count == turn.events.count)
    }

    @Test func aConnectionLostMidStreamIsOneClearError() throws {
        let events = try Recording.events("vllm-thinking.sse")
        let (_, model) = try vllm([.sse(Array(events.prefix(6)), cut: true)])
        let (turn, trace, _) = try tracedTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.errors.count == 1)
        #expect(turn.ids == Array(r.thinking.prefix(6)))
        #expect(turn.errors.first?.contains("POST /v1/completions") == true, "\(turn.errors)")
        #expect(trace.footer != nil)
    }

    @Test func httpErrorsQuoteTheServer() throws {
        let (_, model) = try vllm([.json(#"{"object":"error","message":"This model's maximum context length is 4096 tokens","type":"BadRequestError","code":400}"#, status: 400)])
        let turn = runTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.errors.count == 1)
        #expect(turn.errors.first?.contains("HTTP 400") == true)
        #expect(turn.errors.first?.contains("maximum context length") == true, "\(turn.errors)")
    }

    @Test func malformedOrIncompleteChunksNameWhatWasExpected() throws {
        let cases: [(FakeServer.Response, String)] = [
            (.sse(["{not json"]), "expected a JSON completion chunk"),
            (.sse([#"{"choices":[{"index":0,"text":"x","token_ids":[5],"finish_reason":null}]}"#]), "expected logprobs.token_logprobs"),
            (.sse([#"{"choices":[{"index":0,"text":"","logprobs":{"tokens":["x"],"token_logprobs":[-1]}}]}"#]), "token_id:N"),
            (.sse([#"{"id":"cmpl-1"}"#]), "expected \"choices\""),
            (.sse(["[DONE]"]), "without a finish_reason"),
        ]
        for (response, expected) in cases {
            let (_, model) = try vllm([response])
            let turn = runTurn(model, chat, greedySettings(Unlimited()))
            #expect(turn.errors.count == 1 && turn.errors[0].contains(expected), "\(expected): \(turn.errors)")
            #expect(turn.reason == .stopped)
        }
    }

    @Test func sglangAbortsAndMalformedChunksAreClearErrors() throws {
        let (_, model) = try sglang([.recording(try Recording.text("sglang-abort.sse"))])
        let turn = runTurn(model, chat, greedySettings(Unlimited()))
        #expect(turn.errors.count == 1 && turn.errors[0].contains("aborted the request: Abort before prefill"), "\(turn.errors)")
        #expect(turn.ids == Array(r.thinking.prefix(3)))
        for (data, expected) in [(#"{"text":"x"}"#, "expected meta_info"), (#"{"output_ids":"x","meta_info":{}}"#, "expected output_ids"),
                                 (#"{"output_ids":[1,2],"meta_info":{"completion_tokens":7}}"#, "neither continue")] {
            let (_, m) = try sglang([.sse([data])])
            let t = runTurn(m, chat, greedySettings(Unlimited()))
            #expect(t.errors.count == 1 && t.errors[0].contains(expected), "\(expected): \(t.errors)")
        }
    }

    @Test func olderVLLMWithoutTokenIdsStillGivesIdsFromTheLogprobNames() throws {
        // Versions before `return_token_ids` send only the "token_id:N" names.
        let events = try Recording.events("vllm-thinking.sse").map { e -> String in
            guard var o = try? JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any],
                  var choices = o["choices"] as? [[String: Any]], !choices.isEmpty else { return e }
            choices[0]["token_ids"] = nil
            o["choices"] = choices
            return String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self)
        }
        let request = SegmentRequest(prompt: prompt, sampling: .greedy, plan: .init(maxTokens: 100, stopAt: 151668))
        let segment = VLLMSegment(stream: RecordedFeed(events), request: request, routing: nil)
        var ids: [Int] = []
        var end: SegmentEnd?
        while let item = try segment.next() {
            switch item {
            case .token(let t): ids.append(t.token)
            case .end(let e): end = e
            }
        }
        #expect(ids == r.thinking)
        #expect(end?.reason == .stop)
        #expect(end?.promptCached == 0 && end?.promptEvaluated == 17 && end?.generated == r.thinking.count)
    }

    @Test func theRequestBodiesAskForEverything() {
        let request = SegmentRequest(prompt: [1, 2], sampling: .greedy, plan: .init(maxTokens: 3, stopAt: 151668), banned: [151668], routingFrom: 2)
        let v = VLLMServer(testing: URL(string: "http://x:1")!, model: "m", routing: RoutingShape(layers: 2, experts: 4, topK: 1)).body(request)
        #expect(v["model"] as? String == "m")
        #expect((v["logit_bias"] as? [String: Int])?["151668"] == -100)
        #expect(v["stream"] as? Bool == false)
        #expect(v["routed_experts_prompt_start"] as? Int == 2)
        #expect(v["top_k"] as? Int == -1)
        let s = SGLangServer(testing: URL(string: "http://x:1")!).body(request)
        #expect(((s["sampling_params"] as? [String: Any])?["logit_bias"] as? [String: Int])?["151668"] == -100)
        #expect(s["return_routed_experts"] == nil, "routing is asked only of a server set up for it")
    }
}

/// The payload decoders on their own: an NPY file and raw int32, as the recordings' generator wrote them.
@Suite struct RoutedExpertsTests {
    @Test func npyFromTheRecordingsDecodes() throws {
        let r = try RecordedTokens.load()
        let o = try #require(try JSONSerialization.jsonObject(with: Data(try Recording.text("vllm-routed-1.json").utf8)) as? [String: Any])
        let choice = try #require((o["choices"] as? [[String: Any]])?.first)
        let (shape, values) = try RoutedExperts.npy(base64: try #require(choice["routed_experts"] as? String), server: "s", what: "w")
        #expect(shape == [3, r.layers, r.topK])
        #expect(Array(values.prefix(r.layers * r.topK)) == r.experts(segment: 1, row: 0).flatMap { $0 })
    }

    @Test func npyRoundTripsAndRejectsWhatItCannotRead() throws {
        let values = [1, 2, 300, 4, 5, 6]
        let bytes = RoutedExperts.npyFile(shape: [3, 1, 2], values: values, dtype: "<u2")
        #expect(try RoutedExperts.npy(bytes, server: "s", what: "w").values == values)
        #expect(throws: ServerError.self) { try RoutedExperts.npy(Array("not npy at all".utf8), server: "s", what: "w") }
        let fortran = Array(String(decoding: RoutedExperts.npyFile(shape: [1, 1, 1], values: [1]), as: UTF8.self)
            .replacingOccurrences(of: "False", with: "True ").utf8)
        #expect(throws: ServerError.self) { try RoutedExperts.npy(fortran, server: "s", what: "w") }
        #expect(throws: ServerError.self) { try RoutedExperts.int32(base64: "AAAA=", server: "s", what: "w") }
    }

    @Test func rowsArePlacedOnPositionsWhateverTheServerSkipped() throws {
        let shape = RoutingShape(layers: 1, experts: 8, topK: 1)
        // 5 prompt + 3 generated; rows from position 5 (skip honoured) or from 0 (ignored).
        let honoured = try SegmentRouting.place([1, 2], shape: shape, promptLength: 5, generated: 3, from: 5, server: "s", what: "w")
        #expect(honoured.firstPosition == 5 && honoured.rows.count == 2)
        let ignored = try SegmentRouting.place(Array(0..<7), shape: shape, promptLength: 5, generated: 3, from: 5, server: "s", what: "w")
        #expect(ignored.firstPosition == 0 && ignored.rows.count == 7)
        #expect(throws: ServerError.self) {
            try SegmentRouting.place([1, 2, 3, 4, 5], shape: shape, promptLength: 5, generated: 3, from: 5, server: "s", what: "w")
        }
        // An id outside the model's experts (vLLM's -1 for cached positions) leaves that row unknown.
        let unknown = try SegmentRouting.place([-1, 2], shape: shape, promptLength: 5, generated: 3, from: 5, server: "s", what: "w")
        #expect(unknown.rows[0].isEmpty && !unknown.rows[1].isEmpty)
    }
}
