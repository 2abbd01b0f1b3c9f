import Engine
import Foundation
import Testing
@testable import Reasoning
import Tokenizer

/// The live mask: a running generation takes a new expert mask from its control at the next token.
@Suite(.serialized) struct LiveMaskRunTests {
    func run(_ model: Model, _ chat: ChatFormat, maskAt: Int?, mask: ExpertMask,
             events: ((ReasoningEvent) -> Void)? = nil) -> (EngineModel, [TokenEvent]) {
        var s = GenerationSettings()
        s.sampling = .qwenThinking
        s.sampling.seed = 5
        s.maxTokens = 40
        let prompt = chat.render([.user("What is 4821 + 3956?")], enableThinking: true)
        let m = EngineModel(session: Session(model: model, context: 512))
        let control = ReasoningControl()
        var tokens: [TokenEvent] = []
        Generator(model: m, chat: chat, settings: s).run(prompt: prompt, control: control) { e in
            events?(e)
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

    @Test func theRunAndItsTraceRecordWhereTheMaskChanged() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        let mask = ExpertMask(dropped: [3])
        var events: [ReasoningEvent] = []
        let (_, tokens) = run(model, chat, maskAt: 10, mask: mask) { events.append($0) }
        // Set after token 10 was read: token 11 is the first the mask routes.
        let changes = events.compactMap { if case .mask(let m) = $0 { m } else { nil } }
        #expect(changes == [MaskChange(tokenIndex: 11, mask: mask)])
        #expect(tokens.count > 12)
        // The event sits between the tokens it separates, and the trace keeps it there.
        let at = try #require(events.firstIndex { if case .mask = $0 { true } else { false } })
        #expect(events[..<at].filter { if case .token = $0 { true } else { false } }.count == 11)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mask-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let header = TraceHeader(model: .init(file: "demo.gguf", size: 1, headerHash: "00", architecture: "qwen3moe", layers: 4, experts: 8),
                                 settings: TraceSettings(thinking: true, settings: GenerationSettings()),
                                 messages: [TraceMessage(role: "user", content: "What is 4821 + 3956?")],
                                 promptTokens: [1], created: "2026-12-07T00:00:00Z")
        try TraceWriter.save(path: path, header: header, events: events, branches: [])
        #expect(try Trace(path: path).events == events)
        // Turning the mask off is recorded as a change to none.
        #expect(MaskChange(tokenIndex: 5, mask: ExpertMask()).mask == nil)
    }

    /// Forks of a run whose mask changed mid-run route as the run did at their point, and a model
    /// re-reading the trace switches the mask where the run did.
    @Test func forksAndRereadsTakeTheMaskThatRoutedTheirPoint() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        let mask = ExpertMask(dropped: [3])
        var events: [ReasoningEvent] = []
        let (m, tokens) = run(model, chat, maskAt: 10, mask: mask) { events.append($0) }
        let start = m.position - tokens.count
        #expect(m.expertMask(at: start + 10) == nil && m.expertMask(at: start + 11) == mask)
        #expect((m.fork(at: start + 5) as? EngineModel)?.expertMask == nil, "a fork before the change routes unmasked")
        #expect(m.fork(at: start + 12).expertMask == mask)
        // Forked one token early to read the last one again (to get its logits), the fork still
        // routes the tokens from its point with the mask that changed there.
        #expect(try m.fork(at: start + 11, lastToken: tokens[10].id).expertMask == mask)
        #expect(try m.fork(at: start + 10, lastToken: tokens[9].id).expertMask == nil)
        #expect(m.fork().expertMask == mask)
        // A fork of a fork remembers the change too.
        let f = try #require(m.fork(at: start + 20) as? EngineModel)
        #expect(f.expertMask(at: start + 5) == nil && f.fork(at: start + 3).expertMask == nil)

        // Re-reading: the prompt and the first 10 tokens unmasked, the rest masked.
        let changes = events.compactMap { if case .mask(let c) = $0 { c } else { nil } }
        let prompt = chat.render([.user("What is 4821 + 3956?")], enableThinking: true).map(Int.init)
        let again = EngineModel(session: Session(model: model, context: 512))
        try again.reread(prompt: prompt, tokens: tokens.map(\.id), changes: changes)
        #expect(again.position == m.position)
        #expect(again.expertMask == mask && again.expertMask(at: start + 10) == nil)
        let last = again.routing(ofLast: tokens.count - 11)
        #expect(last.allSatisfy { !$0.contains { $0.experts.contains(3) } }, "the re-read tokens after the change avoid expert 3")

        // Rewinding before the change forgets it; the current mask goes on from there.
        m.rewind(to: start + 5)
        #expect(m.expertMask(at: start + 3) == nil && m.expertMask(at: start + 5) == mask)
    }

    /// A trace's mask lines out of order or out of range (a hand-edited file) are skipped, not trusted.
    @Test func rereadSkipsMaskChangesOutOfOrderOrRange() throws {
        let chat = try testChat()
        let s = ScriptedModel(chat: chat)
        let mask = ExpertMask(dropped: [1])
        try s.reread(prompt: [1, 2], tokens: [3, 4, 5],
                     changes: [MaskChange(tokenIndex: -2, mask: mask), MaskChange(tokenIndex: 2, mask: mask),
                               MaskChange(tokenIndex: 1, mask: nil), MaskChange(tokenIndex: 99, mask: nil)])
        #expect(s.fed == [1, 2, 3, 4, 5])
    }
}
