import Foundation
@testable import Remote
import Testing

/// `/completion` streams as llama-server sends them (the shapes recorded in
/// shared/reference/remote-engines.md §7.2).
@Suite struct LlamaSegmentTests {
    static let first = #"{"index":0,"content":"<think>","tokens":[151667],"stop":false,"id_slot":-1,"tokens_predicted":1,"tokens_evaluated":17,"completion_probabilities":[{"id":151667,"token":"<think>","bytes":[60],"logprob":-2.7e-06,"top_logprobs":[{"id":151667,"token":"<think>","bytes":[60],"logprob":-2.7e-06},{"id":4640,"token":"rot","bytes":[114],"logprob":-13.97}]}]}"#
    static let held = #"{"index":0,"content":"","tokens":[151668],"stop":false,"id_slot":-1,"tokens_predicted":2,"tokens_evaluated":17,"completion_probabilities":[{"id":151668,"token":"</think>","bytes":[60],"logprob":-0.5,"top_logprobs":[]}]}"#
    static let final = #"{"index":0,"content":"","tokens":[],"stop":true,"id_slot":0,"stop_type":"word","stopping_word":"</think>","tokens_predicted":2,"tokens_evaluated":17,"tokens_cached":18,"timings":{"cache_n":16,"prompt_n":1,"predicted_n":2}}"#

    func items(_ data: [String], stopAt: Int? = 151668, failure: Error? = nil) -> (items: [SegmentItem], error: Error?) {
        let s = LlamaSegment(stream: RecordedFeed(data, failure: failure), stopAt: stopAt)
        var out: [SegmentItem] = []
        do {
            while let i = try s.next() { out.append(i) }
            return (out, nil)
        } catch {
            return (out, error)
        }
    }

    @Test func tokensProbabilitiesAndTheEnd() throws {
        let r = items([Self.first, Self.held, Self.final])
        #expect(r.error == nil)
        #expect(r.items.count == 3)
        guard case .token(let t) = r.items[0] else { Issue.record("expected a token"); return }
        #expect(t.token == 151667)
        #expect(t.alternatives.map(\.token) == [151667, 4640])
        #expect(abs(t.alternatives[1].logProbability + 13.97) < 1e-4)
        // A token whose text the server holds back still carries its id.
        guard case .token(let end) = r.items[1] else { Issue.record("expected a token"); return }
        #expect(end.token == 151668)
        #expect(r.items[2] == .end(SegmentEnd(reason: .stop, promptEvaluated: 1, promptCached: 16, generated: 2)))
    }

    @Test func stopTypesMapToReasons() {
        for (type, reason) in [("eos", SegmentEnd.Reason.endOfTurn), ("limit", .limit), ("word", .stop)] {
            let f = #"{"tokens":[],"stop":true,"stop_type":"\#(type)"}"#
            #expect(items([f]).items == [.end(SegmentEnd(reason: reason))])
        }
    }

    @Test func aTokenWithoutItsProbabilityIsAnError() {
        let r = items([#"{"tokens":[5],"stop":false}"#])
        #expect("\(r.error!)".contains("completion_probabilities"))
    }

    @Test func aTokenTheServerDidNotStreamIsAnErrorNotAWrongTranscript() {
        let skipped = #"{"tokens":[99],"stop":false,"tokens_predicted":3,"completion_probabilities":[{"id":99,"logprob":-1,"top_logprobs":[]}]}"#
        let r = items([Self.first, skipped])
        #expect(r.items.count == 1)
        #expect("\(r.error!)".contains("UTF-8"))
    }

    @Test func aServerErrorChunkIsAClearError() {
        let r = items([Self.first, #"{"error":{"code":500,"message":"context shift is disabled"}}"#])
        #expect(r.items.count == 1)
        #expect("\(r.error!)".contains("context shift is disabled"))
        #expect("\(r.error!)".contains("http://recorded:8080"))
    }

    @Test func malformedChunkNamesWhatWasExpected() {
        let r = items(["<html>bad gateway</html>"])
        #expect("\(r.error!)".contains("expected a JSON chunk"))
        #expect("\(r.error!)".contains("bad gateway"))
    }

    @Test func aStreamThatStopsBeforeItsFinalChunkIsAnError() {
        let r = items([Self.first])
        #expect(r.items.count == 1)
        #expect("\(r.error!)".contains("before its final chunk"))
    }

    @Test func aBrokenConnectionPassesItsErrorOn() {
        let r = items([Self.first], failure: ServerError("http://recorded:8080", "POST /completion: the stream broke (connection reset)"))
        #expect("\(r.error!)".contains("connection reset"))
    }

    @Test func theRequestCarriesIdsCacheSlotAndEverySampler() throws {
        let server = LlamaServer(testing: URL(string: "http://127.0.0.1:1")!, slot: 1)
        let b = server.body(SegmentRequest(prompt: [1, 2, 3], sampling: .greedy, plan: .init(maxTokens: 9, stopAt: 151668),
                                           stopText: "</think>", banned: [151668]))
        #expect(b["prompt"] as? [Int] == [1, 2, 3])
        #expect(b["n_predict"] as? Int == 9)
        #expect(b["cache_prompt"] as? Bool == true)
        #expect(b["id_slot"] as? Int == 1)
        #expect(b["stop"] as? [String] == ["</think>"])
        #expect(b["temperature"] as? Float == 0)
        #expect(b["n_probs"] as? Int == 5)
        #expect((b["logit_bias"] as? [[Any]])?.first?.first as? Int == 151668)
    }
}
