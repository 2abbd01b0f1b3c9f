import Engine
import Foundation
import Testing
@testable import Reasoning
import Tokenizer

/// A fork before the end of what a model holds has no next-token logits of its own: branches and
/// anchors read the token before the fork point again, so a greedy resample continues the run.
@Suite(.serialized) struct ForkLogitsTests {
    @Test func aGreedyResampleFromTheMiddleOfAHeldRunContinuesIt() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        var s = GenerationSettings()
        s.sampling = .greedy
        s.maxTokens = 80
        let prompt = chat.render([.user("What is 4821 + 3956?")], enableThinking: true).map(Int.init)
        let m = EngineModel(session: Session(model: model, context: 1024))
        var tokens: [TokenEvent] = []
        Generator(model: m, chat: chat, settings: s).run(prompt: prompt.map { TokenID($0) }) { if case .token(let t) = $0 { tokens.append(t) } }
        #expect(tokens.count > 30 && m.position == prompt.count + tokens.count)
        for at in [0, 1, 20] {
            let out = try BranchRunner(chat: chat, settings: s, prompt: prompt)
                .run(from: m, path: tokens, at: at, interventions: BranchRunner.resamples(base: 3, count: 1))
            #expect(out[0].tokens.map(\.id) == tokens[at...].map(\.id), "at \(at)")
        }
        // The fork itself: the logits at the fork point are the run's there.
        let direct = EngineModel(session: Session(model: model, context: 1024))
        try direct.evaluate(prompt)
        for t in tokens[..<10] { try direct.evaluate([t.id]) }
        let fork = try m.fork(at: prompt.count + 10, lastToken: tokens[9].id)
        #expect(Array(fork.logits).map(\.bitPattern) == Array(direct.logits).map(\.bitPattern))
    }
}
