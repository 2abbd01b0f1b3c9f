import Engine
import Foundation
@testable import Inspector
import ModelFactory
import Reasoning
import Testing
import Tokenizer

/// The UI loop with the real generation loop on a background thread, drawn into a memory terminal.
@Suite(.serialized) struct AppLoopTests {
    static let small = ModelSummary(name: "fake", architecture: "qwen3moe", layers: 4, experts: 8)

    func app(_ model: LanguageModel, chat: ChatFormat, options: GeneratorBackend.Options = .greedy,
             state: InspectorState? = nil, width: Int = 100, height: Int = 30) -> (InspectorApp, MemoryTerminal) {
        let terminal = MemoryTerminal(width: width, height: height)
        let queue = EventQueue()
        let backend = GeneratorBackend(model: model, chat: chat, options: options, queue: queue)
        let s = state ?? InspectorState(width: width, height: height, model: Self.small, theme: .builtinDark, colorDepth: .c256)
        let app = InspectorApp(state: s, terminal: terminal, backend: backend, queue: queue, clock: monotonic)
        app.pollMilliseconds = 2
        return (app, terminal)
    }

    /// Steps the loop until `done` or the deadline.
    @discardableResult
    func step(_ app: InspectorApp, seconds: Double = 10, until done: (InspectorState) -> Bool) -> Bool {
        let end = monotonic() + seconds
        while monotonic() < end {
            app.step()
            if done(app.state) {
                // A few more turns, so the last frame (throttled to 30 a second) is drawn.
                let settle = monotonic() + 0.06
                while monotonic() < settle { app.step() }
                return true
            }
        }
        return false
    }

    func typeAndRun(_ app: InspectorApp, _ terminal: MemoryTerminal, _ text: String) {
        terminal.input.append(text.map { .key(.char($0)) })
        terminal.input.append([.key(.enter)])
    }

    @Test func aPromptStreamsThinkingThenTheAnswerAndAFollowUpReusesTheCache() throws {
        let chat = try fakeChat()
        let model = FakeThinker(chat: chat, thought: "let me see ", thinkLength: 20, answer: "答案 42 🎉")
        let (app, terminal) = app(model, chat: chat)
        app.start()
        typeAndRun(app, terminal, "What is 6×7?")
        #expect(step(app) { $0.run == .finished(.endOfTurn) })
        let screen = terminal.screen.text
        #expect(screen.contains("let me see"))
        #expect(screen.contains("答案 42 🎉"))
        #expect(screen.contains("✓ done"))
        let live = app.state.live
        #expect(live.thinking == 20)
        #expect((app.state.counts?.thinkingTokens ?? 0) > 0)

        // The follow-up: the history keeps the answer, drops the thinking, and the cached prefix is kept.
        terminal.input.append([.key(.char("i"))])
        typeAndRun(app, terminal, "And 7×8?")
        // Wait for the second turn itself to finish (the fake model is fast enough that a wait for
        // the intermediate `.running` state can miss it).
        #expect(step(app) { $0.conversation.count == 2 && $0.conversation[1].finished && $0.run == .finished(.endOfTurn) })
        let second = String(decoding: model.fed.compactMap { $0 < 256 ? UInt8($0) : nil }, as: UTF8.self)
        #expect(second.contains("What is 6×7?") && second.contains("And 7×8?"))
        #expect(second.components(separatedBy: "let me see").count - 1 == 1)  // only this turn's thinking
        #expect(model.rewinds.count == 2)
        #expect((model.rewinds.last ?? 0) > 5)  // the shared prefix was kept
        #expect(terminal.screen.text.contains("── turn 2 ──"))
    }

    @Test func theUIOpensWhileTheModelLoadsAndARunWaitsForIt() throws {
        let chat = try fakeChat()
        let terminal = MemoryTerminal(width: 100, height: 30)
        let queue = EventQueue()
        let backend = GeneratorBackend(options: .greedy, queue: queue) {
            Thread.sleepSeconds(0.3)
            return .init(model: FakeThinker(chat: chat, answer: "ready"), chat: chat, summary: Self.small)
        }
        var state = InspectorState(width: 100, height: 30, model: ModelSummary(name: "demo", architecture: "", layers: 0, experts: nil),
                                   theme: .builtinDark, colorDepth: .c256)
        state.modelLoading = true
        let app = InspectorApp(state: state, terminal: terminal, backend: backend, queue: queue, clock: monotonic)
        app.pollMilliseconds = 2
        app.start()
        #expect(terminal.screen.text.contains("loading model"))
        typeAndRun(app, terminal, "hi")
        #expect(step(app) { $0.run == .finished(.endOfTurn) })
        let loading = app.state.modelLoading
        #expect(!loading)
        #expect(terminal.screen.text.contains("ready"))
        #expect(terminal.screen.text.contains("4 layers × 8 experts"))
    }

    @Test func aModelThatFailsToLoadIsExplainedInTheUI() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "m.gguf: not a GGUF file" } }
        let terminal = MemoryTerminal(width: 100, height: 30)
        let queue = EventQueue()
        let backend = GeneratorBackend(options: .greedy, queue: queue) { throw Broken() }
        var state = InspectorState(width: 100, height: 30, model: ModelSummary(name: "m.gguf", architecture: "", layers: 0, experts: nil),
                                   theme: .builtinDark, colorDepth: .c256)
        state.modelLoading = true
        let app = InspectorApp(state: state, terminal: terminal, backend: backend, queue: queue, clock: monotonic)
        app.pollMilliseconds = 2
        app.start()
        #expect(step(app, seconds: 5) { if case .noModel = $0.mode { true } else { false } })
        #expect(terminal.screen.text.contains("The model could not be loaded"))
        #expect(!terminal.screen.text.contains("Dense model"))
    }

    @Test func lowingTheBudgetBelowWhatWasSpentEndsThinkingAtOnce() throws {
        let chat = try fakeChat()
        let model = FakeThinker(chat: chat, thinkLength: 400, delay: 0.002)
        let (app, terminal) = app(model, chat: chat)
        app.start()
        typeAndRun(app, terminal, "think long")
        #expect(step(app) { $0.live.thinking >= 40 })
        terminal.input.append([.key(.char("t"))])  // no-think: budget 0
        #expect(step(app) { $0.run == .finished(.endOfTurn) })
        let live = app.state.live
        #expect(live.thinking < 400)
        #expect(live.injected > 0)
        #expect(terminal.screen.text.contains("Considering the limited time"))
    }

    @Test func keysAreAnsweredWithin50MillisecondsWhileTheEngineGenerates() throws {
        // A real (random-weight) MoE model on the engine's thread pool, kept thinking by an exact budget.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ui-latency-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var spec = RandomModelSpec()
        spec.architecture = "qwen3moe"
        spec.experts = 16
        spec.expertsUsed = 4
        spec.expertFeedForward = 64
        spec.layers = 4
        spec.vocab = 600
        try RandomModel.write(spec, to: path)
        let model = try Model(path: path)
        let chat = try ChatFormat(tokenizer: BPETokenizer(gguf: GGUFFile(path: path)))
        var options = GeneratorBackend.Options.greedy
        options.prefillThink = true
        options.maxTokens = 100_000
        let summary = ModelSummary(name: "random", architecture: "qwen3moe", layers: 4, experts: 16)
        var state = InspectorState(width: 160, height: 48, model: summary, theme: .builtinDark, colorDepth: .truecolor)
        state.slider = BudgetSlider(step: .tokens(32768))
        state.slider.mode = .exact
        let (app, terminal) = app(EngineModel(session: Session(model: model)), chat: chat, options: options, state: state,
                                  width: 160, height: 48)
        app.pollMilliseconds = 10
        app.start()
        typeAndRun(app, terminal, "go")
        #expect(step(app) { $0.live.thinking >= 50 })
        var worst = 0.0
        let keys: [Key] = [.char("v"), .char("]"), .char("c"), .left, .escape, .char("z"), .char("z"), .char("3"), .down, .char("?"), .escape, .char("1")]
        for key in keys {
            for _ in 0..<5 { app.step() }  // let events pile up between keys
            terminal.input.append([.key(key)])
            let t0 = monotonic()
            let frames = terminal.frames
            app.step()
            #expect(terminal.frames > frames, "no frame after \(key)")
            worst = max(worst, monotonic() - t0)
        }
        let running = app.state.isRunning
        #expect(running, "the run ended before the keys were tested")
        print("slowest key: \(Int(worst * 1000)) ms")
        #expect(worst < 0.05, "slowest key took \(Int(worst * 1000)) ms")
        app.send(.key(.escape))
        #expect(step(app) { !$0.isRunning })
    }
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

extension GeneratorBackend.Options {
    static var greedy: Self {
        var o = Self()
        o.thinkingSampling = .greedy
        o.answerSampling = .greedy
        return o
    }
}

import GGUF
