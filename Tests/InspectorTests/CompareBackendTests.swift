import Engine
import Foundation
import GGUF
@testable import Inspector
@testable import Reasoning
import Testing
import Tokenizer

/// The comparison on the generation queue: each column is the run the slider would give at that
/// budget, a stop ends it, and the next run after it reads its prompt afresh.
@Suite(.serialized) struct CompareBackendTests {
    static let demoModel: (Model, ChatFormat)? = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/EmbeddedModel/thinkscope-demo.gguf").standardized.path
        guard let file = try? GGUFFile(path: path), let model = try? Model(file: file),
              let chat = try? ChatFormat(tokenizer: BPETokenizer(gguf: file)) else { return nil }
        return (model, chat)
    }()

    /// Collects the queue's actions until `done` holds for one of them.
    func collect(_ queue: EventQueue, seconds: Double = 120, until done: (Action) -> Bool) -> [Action] {
        var all: [Action] = []
        let end = monotonic() + seconds
        while monotonic() < end {
            let batch = queue.drain()
            all += batch
            if batch.contains(where: done) { return all }
            Thread.sleepSeconds(0.002)
        }
        Issue.record("timed out; got \(all.count) actions")
        return all
    }

    func outcomes(_ actions: [Action]) -> [CompareOutcome] {
        actions.compactMap { if case .compareOutcome(_, let o) = $0 { o } else { nil } }
    }

    func isCompareEnd(_ a: Action) -> Bool {
        if case .compareFinished = a { return true }
        if case .compareFailed = a { return true }
        return false
    }

    func isRunEnd(_ a: Action) -> Bool {
        if case .engine(.finished) = a { return true }
        return false
    }

    /// A normal run on its own backend, summed up the way the comparison reports it.
    func independentRun(_ model: LanguageModel, chat: ChatFormat, options: GeneratorBackend.Options,
                        messages: [ChatMessage], budget: Int?) -> CompareOutcome {
        let queue = EventQueue()
        let backend = GeneratorBackend(model: model, chat: chat, options: options, queue: queue)
        backend.perform(.startRun(RunRequest(messages: messages, thinking: true, limit: budget, mode: .cap, endStyle: .qwen)))
        let actions = collect(queue, until: isRunEnd)
        var tokens: [TokenEvent] = []
        var reason = FinishReason.stopped
        var stats = GenerationStats()
        for case .engine(let e) in actions {
            if case .token(let t) = e { tokens.append(t) }
            if case .finished(let r, let s) = e { (reason, stats) = (r, s) }
        }
        return CompareOutcome(SweepOutcome(budget: budget, reason: reason, stats: stats, tokens: tokens), chat: chat)
    }

    @Test func eachColumnOnTheDemoModelIsTheRunTheSliderWouldGive() throws {
        let (model, chat) = try #require(Self.demoModel, "the demo model is in Sources/EmbeddedModel")
        var options = GeneratorBackend.Options.greedy
        options.maxTokens = 300
        let make = { EngineModel(session: Session(model: model, context: 1024)) as LanguageModel }
        let messages: [ChatMessage] = [.user("What is 4821 + 3956?")]

        let queue = EventQueue()
        let backend = GeneratorBackend(model: make(), chat: chat, options: options, queue: queue)
        // A run first, as in the UI: the comparison must not reuse what it left in the cache.
        backend.perform(.startRun(RunRequest(messages: messages, thinking: false, limit: 0, mode: .cap, endStyle: .qwen)))
        _ = collect(queue, until: isRunEnd)
        let budgets = CompareState.standardBudgets
        backend.perform(.startCompare(CompareRequest(id: 3, messages: messages, budgets: budgets, endStyle: .qwen)))
        let actions = collect(queue, until: isCompareEnd)
        #expect(actions.last.map { if case .compareFinished(id: 3) = $0 { true } else { false } } == true)
        let got = outcomes(actions)
        #expect(got.map(\.budget) == budgets)  // each reported once, smaller budgets first

        for o in got {
            var want = independentRun(make(), chat: chat, options: options, messages: messages, budget: o.budget)
            want.seconds = o.seconds
            #expect(o == want, "budget \(String(describing: o.budget))")
        }
        #expect(got[0].thinkingTokens == 0 && got[0].cut)
        #expect(got[1].thinkingTokens == 16)
        let unlimited = try #require(got.last)
        #expect(!unlimited.cut && unlimited.reason == .endOfTurn)
        #expect(unlimited.answer.contains("8777"))
    }

    @Test func aStopEndsTheComparisonAndTheNextRunReadsItsPromptAfresh() throws {
        let chat = try fakeChat()
        let model = FakeThinker(chat: chat, thinkLength: 2000, delay: 0.002)
        let queue = EventQueue()
        let backend = GeneratorBackend(model: model, chat: chat, options: .greedy, queue: queue)
        let messages: [ChatMessage] = [.user("think long")]
        backend.perform(.startCompare(CompareRequest(id: 1, messages: messages, budgets: CompareState.standardBudgets, endStyle: .bare)))
        var actions = collect(queue) { if case .compareOutcome(_, let o) = $0 { o.budget == 64 } else { false } }
        let t0 = monotonic()
        backend.perform(.stop)
        actions += collect(queue, seconds: 5, until: isCompareEnd)
        #expect(monotonic() - t0 < 2, "the stop took effect at once")
        let got = outcomes(actions)
        #expect(got.map(\.budget) == CompareState.standardBudgets)
        #expect(got.prefix(4).allSatisfy { $0.reason == .endOfTurn && $0.answer == "\n\n42" })
        #expect(got.dropFirst(4).allSatisfy { $0.reason == .stopped })
        #expect(got.last!.thinkingTokens < 2000)

        // The model holds the comparison's trunk: the next run rewinds to 0 and reads its prompt.
        let fedBefore = model.fed.count
        #expect(fedBefore > 64)
        backend.perform(.startRun(RunRequest(messages: messages, thinking: true, limit: 8, mode: .cap, endStyle: .bare)))
        let run = collect(queue, until: isRunEnd)
        #expect(model.rewinds.last == 0)
        let prompt = chat.render(messages, enableThinking: true).map(Int.init)
        #expect(Array(model.fed.prefix(prompt.count)) == prompt)
        let answer = run.compactMap { if case .engine(.token(let t)) = $0, t.phase == .answer { t.text } else { nil } }.joined()
        #expect(answer == "\n\n42")
    }

    @Test func theAppShowsTheComparisonAfterARun() throws {
        let chat = try fakeChat()
        let model = FakeThinker(chat: chat, thought: "let me see ", thinkLength: 40, answer: "42")
        let terminal = MemoryTerminal(width: 140, height: 30)
        let queue = EventQueue()
        let backend = GeneratorBackend(model: model, chat: chat, options: .greedy, queue: queue)
        let state = InspectorState(width: 140, height: 30, model: AppLoopTests.small, theme: .builtinDark, colorDepth: .c256)
        let app = InspectorApp(state: state, terminal: terminal, backend: backend, queue: queue, clock: monotonic)
        app.pollMilliseconds = 2
        app.start()
        terminal.input.append("What is 6×7?".map { .key(.char($0)) } + [.key(.enter)])
        #expect(AppLoopTests().step(app) { $0.run == .finished(.endOfTurn) })
        terminal.input.append([.key(.char("b"))])
        #expect(AppLoopTests().step(app) { $0.compare != nil && $0.compare?.running == false })
        let screen = terminal.screen.text
        #expect(screen.contains("Compare budgets · What is 6×7?"))
        #expect(screen.contains("✓ compared"))
        #expect(screen.contains("think 16 tok") && screen.contains("think 40 tok"))
        #expect(screen.contains("cut by budget"))
        terminal.input.append([.key(.escape)])
        #expect(AppLoopTests().step(app) { $0.compare == nil })
        #expect(terminal.screen.text.contains("let me see"))
    }
}
