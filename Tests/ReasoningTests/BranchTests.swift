import Foundation
import EmbeddedModel
import Engine
import GGUF
import Testing
@testable import Reasoning
import Tokenizer

/// An independent run whose first tokens are forced to be `forced` (one forward pass each, as a
/// decoding run reads them), then sampled to the end.
func forcedRun(_ model: LanguageModel, _ chat: ChatFormat, _ settings: GenerationSettings, prompt: [Int], forced: [Int]) -> [TokenEvent] {
    var tokens: [TokenEvent] = []
    let g = Generator(model: model, chat: chat, settings: settings)
    let run = GenerationRun(generator: g, model: model, control: ReasoningControl()) { if case .token(let t) = $0 { tokens.append(t) } }
    var done = run.start(prompt: prompt.map { TokenID($0) })
    for t in forced where done == nil { done = run.force([t]) }
    while done == nil { done = run.step() }
    return tokens
}

@Suite struct BranchTests {
    @Test func resamplingAGreedyScriptedRunFromAnyTokenGivesTheSameRun() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 12)
        let s = settings(Cap(8), style: .qwen)  // the end phrase is injected inside thinking
        let prompt = chat.render([.user("What is 6 x 7?")], enableThinking: true).map(Int.init)
        let r = Run(model, chat, s, prompt: prompt.map { TokenID($0) })
        let runner = BranchRunner(chat: chat, settings: s, prompt: prompt)
        for at in [0, 1, 5, 9, r.tokens.count - 2, r.tokens.count] {
            let out = try runner.run(from: model, path: r.tokens, at: at, interventions: [.resample(seed: 7)])
            #expect(Array(r.tokens[..<at]) + out[0].tokens == r.tokens, "fork at \(at)")
            #expect(out[0].stats.thinkingTokens == r.stats?.thinkingTokens)
            #expect(out[0].stats.answerTokens == r.stats?.answerTokens)
            #expect(out[0].stats.injectedTokens == r.stats?.injectedTokens)
            #expect(out[0].reason == .endOfTurn)
        }
    }

    @Test func anAlternativeTokenBranchEqualsARunWithThatTokenForced() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 12)
        let s = settings(Unlimited())
        let prompt = chat.render([.user("What is 6 x 7?")], enableThinking: true).map(Int.init)
        let r = Run(model, chat, s, prompt: prompt.map { TokenID($0) })
        // The scripted model's second choice at the end of thinking is to keep thinking.
        let at = try #require(r.tokens.firstIndex { $0.id == Int(chat.thinkEnd!) })
        let alt = try #require(r.tokens[at].alternatives.first { $0.id != r.tokens[at].id })
        let out = try BranchRunner(chat: chat, settings: s, prompt: prompt)
            .run(from: model, path: r.tokens, at: at, interventions: [.alternative(token: alt.id, text: alt.text)])
        let independent = forcedRun(ScriptedModel(chat: chat, thinkLength: 12), chat, s, prompt: prompt,
                                    forced: r.tokens[..<at].map(\.id) + [alt.id])
        #expect(out[0].tokens.map(\.id) == independent[at...].map(\.id))
        #expect(out[0].tokens.first?.id == alt.id)
        #expect(out[0].tokens.first?.origin == .injected)
        #expect(out[0].tokens.map(\.phase) == independent[at...].map(\.phase))
        #expect(out[0].tokens.last?.phase == .answer)
    }

    @Test func anEditIsInjectedAndTheRunContinues() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 12)
        let s = settings(Unlimited())
        let prompt = chat.render([.user("What is 6 x 7?")], enableThinking: true).map(Int.init)
        let r = Run(model, chat, s, prompt: prompt.map { TokenID($0) })
        let out = try BranchRunner(chat: chat, settings: s, prompt: prompt)
            .run(from: model, path: r.tokens, at: 4, interventions: [.edit(text: "hmm")])
        #expect(out[0].tokens.prefix(3).map(\.text).joined() == "hmm")
        #expect(out[0].tokens.prefix(3).allSatisfy { $0.origin == .injected && $0.phase == .thinking })
        #expect(out[0].reason == .endOfTurn)
    }

    @Test func aForkBeyondTheRunOrAModelThatDoesNotHoldItIsAnError() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 4)
        let prompt = chat.render([.user("x")], enableThinking: true).map(Int.init)
        let r = Run(model, chat, settings(Unlimited()), prompt: prompt.map { TokenID($0) })
        let runner = BranchRunner(chat: chat, settings: settings(Unlimited()), prompt: prompt)
        #expect(throws: BranchError.forkBeyondRun(at: r.tokens.count + 1, tokens: r.tokens.count)) {
            try runner.run(from: model, path: r.tokens, at: r.tokens.count + 1, interventions: [.resample(seed: 1)])
        }
        let empty = ScriptedModel(chat: chat)
        #expect(throws: BranchError.self) { try runner.run(from: empty, path: r.tokens, at: 2, interventions: [.resample(seed: 1)]) }
    }

    @Test func theTreeKeepsPathsHistogramsAndDepartures() throws {
        func tok(_ i: Int, _ id: Int, _ text: String, _ phase: Phase) -> TokenEvent {
            TokenEvent(index: i, id: id, text: text, phase: phase, origin: .sampled, logProbability: nil, alternatives: [], routing: [])
        }
        let run = [tok(0, 1, "a", .thinking), tok(1, 2, "b", .thinking), tok(2, 3, "c", .thinking), tok(3, 4, " 7", .answer)]
        var stats = GenerationStats()
        stats.thinkingTokens = 3
        stats.answerTokens = 1
        var tree = BranchTree(run: run, reason: .endOfTurn, stats: stats)
        #expect(tree.root.answer == "7" && tree.root.thinkingTokens == 3)
        let ids = tree.addGroup(parent: 0, at: 1, interventions: BranchRunner.resamples(base: 1, count: 3))
        #expect(ids == [1, 2, 3])
        let g = try #require(tree[1].group)
        let own = [tok(1, 2, "b", .thinking), tok(2, 9, "x", .thinking), tok(3, 5, " 8", .answer)]
        for (i, answer) in [(1, " 8"), (2, " 7"), (3, " 8")] {
            var t = own
            t[2].text = answer
            tree.finish(i, tokens: t, reason: .endOfTurn, stats: stats)
        }
        #expect(tree.members(ofGroup: g) == [1, 2, 3])
        #expect(tree.path(1).map(\.id) == [1, 2, 9, 5])
        #expect(tree.departure(1) == 2, "the resample wrote the same `b` first")
        #expect(tree.departure(0) == nil)
        #expect(tree.histogram(group: g).map { "\($0.answer)×\($0.count)" } == ["8×2", "7×1"])
        let child = tree.add(parent: 1, at: 4, intervention: .edit(text: "hm"))
        #expect(tree[child].intervention.offPolicy)
        #expect(tree.pathLength(child) == 4)
        #expect(tree.children(of: 0) == [1, 2, 3])
        // Restoring checks the structure.
        #expect((try? BranchTree.restore(tree.nodes).get()) == tree)
        var bad = tree.nodes
        bad[2].parent = 7
        guard case .failure(let e) = BranchTree.restore(bad) else { Issue.record("a node whose parent comes later was accepted"); return }
        #expect(e.node == 2)
        bad = tree.nodes
        bad[1].at = 99
        guard case .failure = BranchTree.restore(bad) else { Issue.record("a fork beyond the parent was accepted"); return }
    }
}

/// Branches on the real engine (the demo model): numerics matter here.
@Suite(.serialized) struct EmbeddedModelBranchTests {
    static let loaded = EmbeddedModelReasoningTests.loaded

    func mainRun() throws -> (Model, ChatFormat, GenerationSettings, [Int], EngineModel, [TokenEvent]) {
        let (model, chat) = try #require(Self.loaded, "the embedded demo model must be built into the package")
        var s = GenerationSettings()
        s.sampling = .qwenThinking
        s.sampling.seed = 11
        s.maxTokens = 300
        let prompt = chat.render([.user("What is 4821 + 3956?")], enableThinking: true).map(Int.init)
        let m = EngineModel(session: Session(model: model, context: 1024))
        var tokens: [TokenEvent] = []
        Generator(model: m, chat: chat, settings: s).run(prompt: prompt.map { TokenID($0) }) { if case .token(let t) = $0 { tokens.append(t) } }
        return (model, chat, s, prompt, m, tokens)
    }

    @Test func anAlternativeTokenBranchEqualsAnIndependentRunForcingThatToken() throws {
        let (model, chat, s, prompt, m, tokens) = try mainRun()
        let at = try #require(tokens.indices.first { $0 >= 20 && tokens[$0].phase == .thinking && tokens[$0].alternatives.count > 1 })
        let alt = try #require(tokens[at].alternatives.first { $0.id != tokens[at].id })
        let out = try BranchRunner(chat: chat, settings: s, prompt: prompt)
            .run(from: m, path: tokens, at: at, interventions: [.alternative(token: alt.id, text: alt.text)])
        let independent = forcedRun(EngineModel(session: Session(model: model, context: 1024)), chat, s, prompt: prompt,
                                    forced: tokens[..<at].map(\.id) + [alt.id])
        #expect(out[0].tokens.count > 5)
        #expect(out[0].tokens.map(\.id) == independent[at...].map(\.id))
        #expect(out[0].tokens.compactMap(\.logProbability) == independent[at...].compactMap(\.logProbability))
    }

    @Test func aResampleGroupWithAFixedSeedIsReproducible() throws {
        let (_, chat, s, prompt, m, tokens) = try mainRun()
        let at = try #require(tokens.indices.first { $0 >= 10 && tokens[$0].phase == .thinking })
        let runner = BranchRunner(chat: chat, settings: s, prompt: prompt)
        let group = BranchRunner.resamples(base: 5, count: 4)
        #expect(group == BranchRunner.resamples(base: 5, count: 4))
        #expect(Set(group.map(\.label)).count == 4)
        var heard: [Int] = []
        let a = try runner.run(from: m, path: tokens, at: at, interventions: group) { i, outcome, model in
            heard.append(i)
            #expect(model.position == prompt.count + at + outcome.tokens.count, "the model holds the whole path")
        }
        let b = try runner.run(from: m, path: tokens, at: at, interventions: group)
        #expect(a.map(\.tokens) == b.map(\.tokens) && a.map(\.reason) == b.map(\.reason))
        #expect(Set(heard) == [0, 1, 2, 3] && heard.count == 4)
        #expect(a.allSatisfy { $0.reason == .endOfTurn && $0.tokens.last?.phase == .answer })
        #expect(a.allSatisfy { $0.tokens.first?.index == at })
    }
}

/// Branches with an expert mask.
@Suite(.serialized) struct MaskBranchTests {
    @Test func aMaskBranchNeverRoutesToADroppedExpertAndRoundTripsInATrace() throws {
        let (_, chat, s, prompt, m, tokens) = try EmbeddedModelBranchTests().mainRun()
        let at = try #require(tokens.indices.first { $0 >= 10 && tokens[$0].phase == .thinking })
        let mask = ExpertMask(dropped: [Int(tokens[at].routing[0].experts[0])], droppedInLayer: [1: [2]])
        let out = try BranchRunner(chat: chat, settings: s, prompt: prompt).run(from: m, path: tokens, at: at, interventions: [.mask(mask)])
        #expect(out[0].tokens.count > 3)
        for t in out[0].tokens {
            for (l, r) in t.routing.enumerated() {
                #expect(r.experts.allSatisfy { !mask.drops($0, layer: l) })
                #expect(abs(r.weights.reduce(0, +) - 1) < 1e-4)
            }
        }
        // The source model is untouched by the branch's mask.
        #expect(m.session.expertMask == nil)
        let b = Branch(id: 1, parent: 0, at: at, intervention: .mask(mask), tokens: out[0].tokens, reason: out[0].reason)
        let data = try JSONEncoder().encode(b)
        #expect(try JSONDecoder().decode(Branch.self, from: data) == b)
        #expect(Intervention.mask(mask).label == "⊘ " + mask.text && mask.text.hasPrefix("*:"))
    }

    @Test func aMaskOnADenseOrScriptedModelIsAnError() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 4)
        let prompt = chat.render([.user("x")], enableThinking: true).map(Int.init)
        let r = Run(model, chat, settings(Unlimited()), prompt: prompt.map { TokenID($0) })
        #expect(throws: BranchError.noExperts) {
            try BranchRunner(chat: chat, settings: settings(Unlimited()), prompt: prompt)
                .run(from: model, path: r.tokens, at: 2, interventions: [.mask(ExpertMask(dropped: [0]))])
        }
    }
}
