import Engine
import Foundation
@testable import Inspector
@testable import Reasoning
import Testing
import Tokenizer

/// The live mask on the generation queue (demo model): the model keeps it, the next run reads its
/// prompt again under it, and branches of a run made before the change continue that run.
@Suite(.serialized) struct LiveMaskBackendTests {
    let helper = CompareBackendTests()

    func run(_ backend: GeneratorBackend, _ queue: EventQueue, _ messages: [ChatMessage]) -> [Action] {
        backend.perform(.startRun(RunRequest(messages: messages, thinking: true, limit: 48, mode: .cap, endStyle: .qwen)))
        return helper.collect(queue, until: helper.isRunEnd)
    }

    func tokens(_ actions: [Action]) -> [TokenEvent] {
        actions.compactMap { if case .engine(.token(let t)) = $0 { t } else { nil } }
    }

    @Test func theLiveMaskReachesTheModelTheNextRunAndNotTheOldRunsBranches() throws {
        let (model, chat) = try #require(CompareBackendTests.demoModel, "the demo model is in Sources/EmbeddedModel")
        var options = GeneratorBackend.Options.greedy
        options.maxTokens = 120
        let messages: [ChatMessage] = [.user("What is 4821 + 3956?")]
        let main = EngineModel(session: Session(model: model, context: 1024))
        let queue = EventQueue()
        let backend = GeneratorBackend(model: main, chat: chat, options: options, queue: queue)

        let first = run(backend, queue, messages)
        let plain = tokens(first)
        #expect(plain.count > 20)
        // After the run the UI hears how loud each expert was.
        let norms = try #require(first.compactMap { if case .expertNorms(let n) = $0 { n } else { nil } }.last)
        #expect(norms.counts.reduce(0, +) > 0 && norms.layers == model.config.layerCount)

        // The expert the run used most in its top slots.
        var uses: [Int: Int] = [:]
        for t in plain { for r in t.routing { if let e = r.experts.first { uses[e, default: 0] += 1 } } }
        let dropped = try #require(uses.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key)
        let mask = ExpertMask(dropped: [dropped])
        backend.perform(.setExpertMask(mask))

        // A resample (greedy, alone) of the first run from token 5 continues that run, unmasked.
        let request = BranchRequest(tree: 1, parent: 0, path: plain, at: 5, nodes: [1],
                                    interventions: BranchRunner.resamples(base: 1, count: 1))
        backend.perform(.runBranches(request))
        let branched = helper.collect(queue) { if case .branchFinished = $0 { true } else if case .branchFailed = $0 { true } else { false } }
        let branch = try #require(branched.compactMap { if case .branchFinished(_, _, let t, _, _) = $0 { t } else { nil } }.first)
        #expect(branch.map(\.id) == plain[5...].map(\.id), "the branch follows the run it forks, not the live mask")
        backend.waitUntilIdle()  // the branch's event arrives before its work item restores the live mask
        #expect(main.expertMask == mask, "the live mask is back on the model after the branch")

        // The next run routes with the mask from its prompt on: the same as a fresh masked model's run.
        let second = tokens(run(backend, queue, messages))
        #expect(second.allSatisfy { !$0.routing.contains { $0.experts.contains(dropped) } })
        let fresh = EngineModel(session: Session(model: model, context: 1024))
        fresh.expertMask = mask
        let freshQueue = EventQueue()
        let expected = tokens(run(GeneratorBackend(model: fresh, chat: chat, options: options, queue: freshQueue), freshQueue, messages))
        #expect(second.map(\.id) == expected.map(\.id), "the prompt was read again under the mask")
    }
}
