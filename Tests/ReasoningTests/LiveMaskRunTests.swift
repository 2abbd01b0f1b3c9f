import Engine
import Foundation
import Testing
@testable import Reasoning
import Tokenizer

/// The live mask: a running generation takes a new expert mask from its control at the next token.
@Suite(.serialized) struct LiveMaskRunTests {
    func run(_ model: Model, _ chat: ChatFormat, maskAt: Int?, mask: ExpertMask) -> (EngineModel, [TokenEvent]) {
        var s = GenerationSettings()
        s.sampling = .qwenThinking
        s.sampling.seed = 5
        s.maxTokens = 40
        let prompt = chat.render([.user("What is 4821 + 3956?")], enableThinking: true)
        let m = EngineModel(session: Session(model: model, context: 512))
        let control = ReasoningControl()
        var tokens: [TokenEvent] = []
        Generator(model: m, chat: chat, settings: s).run(prompt: prompt, control: control) { e in
            guard case .token(let t) = e else { return }
            tokens.append(t)
            if t.index == maskAt { control.setExpertMask(mask) }
        }
        return (m, tokens)
    }

    @Test func aMaskSetDuringARunRoutesEveryLaterToken() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        let (_, plain) = run(model, chat, maskAt: nil, mask: ExpertMask())
        #expect(plain.count > 20)
        // The expert the run used most in its first tokens' top slots.
        var uses: [Int: Int] = [:]
        for t in plain[...10] { for r in t.routing { if let e = r.experts.first { uses[e, default: 0] += 1 } } }
        let dropped = try #require(uses.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key)
        let mask = ExpertMask(dropped: [dropped])
        let (m, masked) = run(model, chat, maskAt: 10, mask: mask)
        // Up to the token after the change (sampled from logits the mask did not touch) the runs agree;
        // from that token on, the dropped expert is never routed to.
        #expect(Array(masked.prefix(12).map(\.id)) == Array(plain.prefix(12).map(\.id)))
        #expect(masked[...10].contains { $0.routing.contains { $0.experts.contains(dropped) } })
        #expect(masked.count > 12)
        for t in masked[11...] { #expect(!t.routing.contains { $0.experts.contains(dropped) }, "token \(t.index)") }
        #expect(m.expertMask == mask, "the model keeps the mask after the run")
        #expect(masked.map(\.id) != plain.map(\.id) || masked.map(\.routing) != plain.map(\.routing))
    }
}
