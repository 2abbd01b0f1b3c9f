import Engine
import Reasoning
@testable import Remote
import Testing
import Tokenizer

/// The generation loop driving a self-sampling model through segments gives exactly the turn it
/// gives in process: the server here is the engine itself (`LocalTokenServer`), so any difference
/// is the segment logic's.
@Suite(.serialized) struct ServerModelTests {
    func both(_ policy: any BudgetPolicy, thinking: Bool = true, maxTokens: Int = 160,
              onToken: @escaping (TokenEvent, ReasoningControl) -> Void = { _, _ in }) throws
        -> (local: Turn, remote: Turn, server: LocalTokenServer, model: ServerModel) {
        let (model, chat, _) = try Demo.require()
        let settings = greedySettings(policy, maxTokens: maxTokens)
        let local = runTurn(EngineModel(session: Session(model: model, context: 1024)), chat, settings, thinking: thinking, onToken: onToken)
        let server = LocalTokenServer(model: model, chat: chat)
        let served = ServerModel(server: server, chat: chat)
        let remote = runTurn(served, chat, settings, thinking: thinking, onToken: onToken)
        return (local, remote, server, served)
    }

    /// The same events, token for token; a failure names the first token that differs.
    func expectSame(_ a: Turn, _ b: Turn) {
        #expect(a.tokens.count == b.tokens.count)
        // A server reports no routing. Log-probabilities agree closely, not to the bit: a new
        // segment reads its transcript in one prefill, whose sums run in another order than the
        // token-by-token steps of the in-process run.
        let same = { (x: TokenEvent, y: TokenEvent) -> Bool in
            x.id == y.id && x.index == y.index && x.text == y.text && x.phase == y.phase && x.origin == y.origin
                && x.alternatives.map(\.id) == y.alternatives.map(\.id)
                && abs((x.logProbability ?? 0) - (y.logProbability ?? 0)) < 1e-3
                && (x.logProbability == nil) == (y.logProbability == nil)
        }
        if let i = (0..<min(a.tokens.count, b.tokens.count)).first(where: { !same(a.tokens[$0], b.tokens[$0]) }) {
            Issue.record("token \(i) differs: in process \(a.tokens[i]), served \(b.tokens[i])")
        }
        #expect(a.reason == b.reason)
        #expect(b.errors.isEmpty, "\(b.errors)")
    }

    @Test func unlimitedIsOneThinkingSegmentAndOneAnswerSegment() throws {
        let r = try both(Unlimited())
        expectSame(r.local, r.remote)
        #expect(r.remote.reason == .endOfTurn)
        // Thinking stops at the end of thinking, the answer is a second request.
        #expect(r.model.segments.count == 2)
        #expect(r.model.segments[0].end?.reason == .stop)
        #expect(r.model.segments[1].end?.reason == .endOfTurn)
    }

    @Test(arguments: [0, 8, 24])
    func capGivesTheInProcessTokens(n: Int) throws {
        let r = try both(Cap(n))
        expectSame(r.local, r.remote)
        // Sampled thinking: the <think> that opens it, then at most n tokens.
        #expect(r.remote.count(.thinking, .sampled) <= n + 1)
        #expect(r.remote.count(.thinking, .injected) > 0)
        // The first segment asks for the budget (plus the <think> that opens it) and no more.
        #expect(r.server.requests[0].plan.maxTokens == n + 1)
    }

    @Test func exactWithWaitGivesTheInProcessTokens() throws {
        let natural = try both(Unlimited()).remote.count(.thinking, .sampled)
        let r = try both(Minimum.exact(natural + 20), maxTokens: natural + 120)
        expectSame(r.local, r.remote)
        let wait = r.remote.tokens.filter { $0.origin == .injected && $0.text.contains("Wait") }
        #expect(!wait.isEmpty, "a Wait went in")
        // The segment after a Wait continues from the transcript without the dropped end.
        let end = try #require(Demo.loaded?.1.thinkEnd).asInt
        #expect(r.server.requests.dropFirst().allSatisfy { !$0.prompt.suffix(3).contains(end) || $0.plan.stopAt == nil })
    }

    @Test func suppressedEndIsBannedForOneToken() throws {
        let natural = try both(Unlimited()).remote.count(.thinking, .sampled)
        let r = try both(Minimum(natural + 6, maxWaits: 0), maxTokens: natural + 100)
        expectSame(r.local, r.remote)
        let banned = r.server.requests.filter { !$0.banned.isEmpty }
        #expect(!banned.isEmpty)
        #expect(banned.allSatisfy { $0.plan.maxTokens == 1 })
    }

    @Test func noThinkGivesTheInProcessTokens() throws {
        let r = try both(Unlimited(), thinking: false)
        expectSame(r.local, r.remote)
        #expect(r.remote.stats?.thinkingTokens == 0)
    }

    @Test func loweredBudgetMidThinkingEndsThinkingThere() throws {
        // At the 12th thinking token the slider goes down to 5: thinking ends at once.
        let r = try both(Unlimited()) { t, control in
            if t.phase == .thinking && t.index == 12 { control.setBudget(5) }
        }
        expectSame(r.local, r.remote)
        let firstInjected = try #require(r.remote.tokens.firstIndex { $0.origin == .injected })
        #expect(firstInjected == 13)
    }

    @Test func raisedBudgetContinuesThinking() throws {
        let r = try both(Cap(6)) { t, control in
            if t.index == 2 { control.setBudget(20) }
        }
        expectSame(r.local, r.remote)
        #expect(r.remote.count(.thinking, .sampled) > 6)
    }
}

extension TokenID {
    var asInt: Int { Int(self) }
}
