@testable import Inspector
@testable import Reasoning
import Testing
import Tokenizer

@Suite struct ReducerTests {
    func type(_ s: inout InspectorState, _ text: String) {
        for ch in text { _ = reduce(&s, .key(.char(ch))) }
    }

    func run(_ s: inout InspectorState, _ text: String) -> [Effect] {
        type(&s, text)
        return reduce(&s, .key(.enter))
    }

    @Test func enterRunsThePromptWithTheSliderBudget() throws {
        var s = makeState(100, 30)
        s.slider = BudgetSlider(step: .tokens(512))
        let effects = run(&s, "What is 6 × 7?")
        guard case .startRun(let r)? = effects.first else {
            Issue.record("no run started: \(effects)")
            return
        }
        #expect(r.messages == [.user("What is 6 × 7?")])
        #expect(r.thinking)
        #expect(r.limit == 512)
        #expect(r.mode == .cap)
        #expect(s.isRunning)
        #expect(s.editor.isEmpty)
        #expect(s.focus == .thinking)
        #expect(s.answerPane.text.lines.first == "› What is 6 × 7?")
    }

    @Test func anEmptyPromptOffersExamplesAndEnterRunsTheHighlightedOne() {
        var s = makeState(100, 30)
        #expect(s.showsExamples)
        _ = reduce(&s, .key(.down))
        _ = reduce(&s, .key(.down))
        let effects = reduce(&s, .key(.enter))
        guard case .startRun(let r)? = effects.first else {
            Issue.record("no run started")
            return
        }
        #expect(r.messages.last?.content == InspectorState.defaultExamples[2])
        #expect(render(s).text.contains("Examples") == false)
    }

    @Test func followUpsCarryTheAnswersButNotTheThinking() {
        var s = Scenario.doneState(100, 30)
        _ = reduce(&s, .key(.char("i")))
        let effects = run(&s, "And in \"raspberry\"? /no_think")
        guard case .startRun(let r)? = effects.first else {
            Issue.record("no run started")
            return
        }
        #expect(r.messages.count == 3)
        #expect(r.messages[0] == .user("How many r's are in \"strawberry\"?"))
        #expect(r.messages[1].role == .assistant)
        #expect(r.messages[1].content.hasPrefix("There are **3** r's"))
        #expect(!r.messages[1].content.contains("Okay, the user"))
        #expect(r.thinking == false)  // /no_think
        #expect(s.thinkingPane.text.lines.contains("── turn 2 ──"))
    }

    @Test func thinkSwitchesFollowTheMostRecentOne() {
        #expect(ThinkSwitch.resolve(["hello"], default: true))
        #expect(!ThinkSwitch.resolve(["hello"], default: false))
        #expect(!ThinkSwitch.resolve(["a /no_think"], default: true))
        #expect(ThinkSwitch.resolve(["a /no_think", "b /think"], default: false))
        #expect(!ThinkSwitch.resolve(["a /think", "b"], default: true) == false)
        #expect(!ThinkSwitch.resolve(["x /think then /no_think"], default: true))
        #expect(ThinkSwitch.resolve(["x /no_think then /think"], default: false))
    }

    @Test func budgetKeysMoveTheSliderAndReachTheRunningGeneration() {
        var s = Scenario.thinkingState(100, 30)
        #expect(s.slider.step == .tokens(256))
        #expect(reduce(&s, .key(.char("]"))) == [.setBudget(512)])
        #expect(reduce(&s, .key(.right)) == [.setBudget(1024)])
        #expect(reduce(&s, .key(.char("["))) == [.setBudget(512)])
        // Below what thinking already spent: thinking ends at once (the loop does it), and says so.
        var effects: [Effect] = []
        for _ in 0..<4 { effects += reduce(&s, .key(.char("["))) }
        #expect(effects.last == .setBudget(32))
        #expect(s.message?.contains("ending thinking now") == true)
        #expect(reduce(&s, .key(.char("t"))) == [.setBudget(0)])  // no-think
        #expect(s.slider.step == .noThink)
        #expect(reduce(&s, .key(.char("t"))) == [.setBudget(32)])
    }

    @Test func budgetStepsAreLogScaled() {
        let labels = BudgetSlider.steps.map(\.label)
        #expect(labels == ["no-think", "16", "32", "64", "128", "256", "512", "1k", "2k", "4k", "8k", "16k", "32k", "∞"])
        var slider = BudgetSlider(step: .noThink)
        slider.move(-5)
        #expect(slider.step == .noThink)
        slider.move(100)
        #expect(slider.step == .unlimited)
        #expect(BudgetSlider.index(for: 300) == BudgetSlider.steps.firstIndex(of: .tokens(512)))
    }

    @Test func togglesChangeModeAndEndStyleForTheNextRun() {
        var s = makeState(100, 30)
        _ = reduce(&s, .key(.escape))  // leave the prompt
        #expect(s.focus == .thinking)
        _ = reduce(&s, .key(.char("m")))
        _ = reduce(&s, .key(.char("e")))
        _ = reduce(&s, .key(.char("i")))
        s.slider.set(index: BudgetSlider.index(for: 64))
        guard case .startRun(let r)? = run(&s, "hi").first else {
            Issue.record("no run")
            return
        }
        #expect(r.mode == .exact)
        #expect(r.endStyle == .bare)
        #expect(r.policy is Minimum)
        #expect(r.policy.limit == 64)
    }

    @Test func escapeStopsCtrlCStopsThenQuitsAndQQuitsFromPanes() {
        var s = Scenario.thinkingState(100, 30)
        #expect(reduce(&s, .key(.escape)) == [.stop])
        #expect(reduce(&s, .key(.ctrl("c"))) == [.stop])
        _ = reduce(&s, .engine(.finished(.stopped, s.stats)))
        #expect(s.run == .finished(.stopped))
        #expect(render(s).text.contains("[stopped]"))
        #expect(reduce(&s, .key(.char("q"))) == [.quit])
        #expect(s.shouldQuit)

        var p = makeState(100, 30)
        _ = reduce(&p, .key(.char("q")))  // typed into the prompt
        #expect(p.editor.text == "q")
        #expect(!p.shouldQuit)
        #expect(reduce(&p, .key(.ctrl("c"))) == [.quit])
    }

    @Test func escThenAKeyTypedTooFastForTheTerminalStillWorks() {
        var s = Scenario.doneState(100, 30)
        _ = reduce(&s, .key(.char("?")))
        #expect(reduce(&s, .key(.alt("q"))) == [.quit])  // Esc closed the help, q quit
        var p = makeState(100, 30)
        _ = reduce(&p, .key(.char("a")))
        _ = reduce(&p, .key(.char("b")))
        _ = reduce(&p, .key(.alt("b")))  // word left, in the prompt
        #expect(p.editor.cursor == 0)
    }

    @Test func xEndsThinkingNowAndCapitalSStops() {
        var s = Scenario.thinkingState(100, 30)
        #expect(reduce(&s, .key(.char("x"))) == [.endThinking])
        #expect(reduce(&s, .key(.char("S"))) == [.stop])
    }

    @Test func tokenEventsCountSanitizeAndMarkInjectedText() {
        let s = Scenario.answeringState(100, 30)
        #expect(s.live.thinking == s.tokens.filter { $0.phase == .thinking && !$0.text.isEmpty }.count)
        #expect(s.live.injected == s.tokens.filter { $0.origin == .injected }.count)
        #expect(s.live.answer > 0)
        let thinking = s.thinkingPane.text
        // The escape sequence from the model is shown escaped, never raw.
        #expect(thinking.glyphs.contains { $0.character == "␛" && $0.kind == .escaped })
        #expect(!thinking.glyphs.contains { $0.character == "\u{1B}" })
        #expect(thinking.glyphs.contains { $0.kind == .injected })
        #expect(render(s).rows.allSatisfy { !$0.contains("\u{1B}") })
        // The answer starts without the blank lines after </think>.
        #expect(s.answerPane.text.lines[1].hasPrefix("There are"))
    }

    @Test func routingIsCountedPerPhase() throws {
        let s = Scenario.doneState(100, 30)
        let c = try #require(s.counts)
        let thinkingTokens = s.tokens.filter { $0.phase == .thinking && $0.routing != nil }.count
        #expect(c.thinkingTokens == thinkingTokens)
        #expect(c.answerTokens == s.tokens.count - thinkingTokens)
        // Every token adds 8 per layer.
        #expect(c.thinking[0..<128].reduce(0, +) == Int32(8 * c.thinkingTokens))
        let diff = c.matrix(.difference, scale: .sqrt, token: nil)
        #expect(diff.diverging)
        #expect(diff.values.contains { $0 > 0.5 } && diff.values.contains { $0 < -0.5 })
        let run = c.matrix(.run, scale: .sqrt, token: nil)
        #expect(run.values.max() == 1)
        #expect(run.layerFigure.allSatisfy { ($0 ?? 0) > 0 && ($0 ?? 2) <= 1 })
    }

    @Test func scrollingUpStopsFollowingAndEndFollowsAgain() {
        var s = Scenario.doneState(60, 16)
        _ = reduce(&s, .key(.char("1")))
        let bottom = s.thinkingPane.scroll
        #expect(bottom > 0)
        _ = reduce(&s, .key(.up))
        #expect(!s.thinkingPane.follow)
        #expect(s.thinkingPane.scroll == bottom - 1)
        var script = EventScript(index: s.tokens.count)
        _ = reduce(&s, script.token(" more", .thinking))
        #expect(s.thinkingPane.scroll == bottom - 1)
        _ = reduce(&s, .key(.end))
        #expect(s.thinkingPane.follow)
        #expect(s.thinkingPane.scroll == s.thinkingPane.text.lineCount - s.layout.thinkingText.height)
    }

    @Test func theTokenCursorMovesOverTokensAndShowsTheirDetails() throws {
        var s = Scenario.doneState(120, 40)
        _ = reduce(&s, .key(.char("2")))
        _ = reduce(&s, .key(.char("c")))
        let last = try #require(s.cursor)
        #expect(s.tokens[last].pane == .answer)
        #expect(s.heatmapView == .token)
        _ = reduce(&s, .key(.left))
        let prev = try #require(s.cursor)
        #expect(prev < last)
        _ = reduce(&s, .key(.up))
        #expect(s.cursor! < prev)
        _ = reduce(&s, .key(.home))
        let text = render(s).text
        #expect(text.contains("Token #"))
        #expect(text.contains("alternatives"))
        #expect(text.contains("routing"))
        _ = reduce(&s, .key(.escape))
        #expect(s.cursor == nil)
    }

    @Test func resizeRewrapsThePanes() {
        var s = Scenario.doneState(160, 48)
        let wide = s.thinkingPane.text.lineCount
        _ = reduce(&s, .resize(width: 80, height: 24))
        #expect(s.thinkingPane.text.wrapWidth == s.layout.thinkingText.width)
        #expect(s.thinkingPane.text.lineCount > wide)
        _ = reduce(&s, .resize(width: 50, height: 20))
        #expect(s.layout.stacked)
    }

    @Test func pasteInsertsTextIncludingChineseAndNewlines() {
        var s = makeState(100, 30)
        _ = reduce(&s, .paste("解释一下\n第二行"))
        #expect(s.editor.text == "解释一下\n第二行")
        #expect(render(s).text.contains("解释一下↵第二行"))
    }

    @Test func newConversationClearsEverything() {
        var s = Scenario.doneState(100, 30)
        let effects = reduce(&s, .key(.char("n")))
        #expect(effects == [.resetConversation])
        #expect(s.conversation.isEmpty && s.tokens.isEmpty && s.thinkingPane.text.isEmpty)
        #expect(s.focus == .prompt)
        #expect(s.counts?.thinkingTokens == 0)
    }

    @Test func helpOpensFromAnEmptyPromptAndListsEveryCommand() {
        var s = makeState(100, 60)
        _ = reduce(&s, .key(.char("?")))
        #expect(s.showHelp)
        let lines = HelpOverlay.lines(s.keyMap).map { $0.1 }
        for b in s.keyMap.bindings { #expect(lines.contains(b.help), "\(b.command) missing from help") }
        _ = reduce(&s, .key(.escape))
        #expect(!s.showHelp)
    }

    @Test func theMouseFocusesPanesAndSetsTheBudget() {
        var s = makeState(120, 40)
        let l = s.layout
        _ = reduce(&s, .mouse(MouseEvent(.press, x: l.answer.x + 3, y: l.answer.y + 2)))
        #expect(s.focus == .answer)
        let g = BudgetSliderWidget.geometry(width: l.slider.width)
        let i = BudgetSlider.steps.firstIndex(of: .tokens(64))!
        _ = reduce(&s, .mouse(MouseEvent(.press, x: g.xs[i], y: l.slider.y)))
        #expect(s.slider.step == .tokens(64))
    }

    @Test func aDenseModelHasNoHeatmapFocus() {
        var s = makeState(100, 30, model: dense)
        _ = reduce(&s, .key(.escape))
        _ = reduce(&s, .key(.char("3")))
        #expect(s.focus != .heatmap)
        #expect(s.message?.contains("dense") == true)
    }

    @Test func replayStateShowsTheRecordedPrompt() throws {
        let header = TraceHeader(model: .init(file: "m.gguf", size: 1, headerHash: "x", architecture: "qwen3moe", layers: 48, experts: 128),
                                 settings: TraceSettings(thinking: true, settings: GenerationSettings()),
                                 messages: [TraceMessage(role: "user", content: "Why?")], promptTokens: [1], created: "now")
        var lines = [#"{"type":"header","# + String(String(decoding: try TraceLine.encoder.encode(header), as: UTF8.self).dropFirst())]
        lines.append(ReasoningEvent.phase(.thinking).jsonLine)
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let trace = try Trace(data: data)
        var s = InspectorState.replay(trace, path: "/tmp/t.jsonl", width: 100, height: 30, theme: .builtinDark, colorDepth: .c256)
        for e in trace.events { _ = reduce(&s, .engine(e)) }
        #expect(s.answerPane.text.lines.first == "› Why?")
        #expect(s.phase == .thinking)
        _ = reduce(&s, .key(.char("i")))
        #expect(s.focus != .prompt)
        #expect(render(s).text.contains("replay"))
    }
}

import Foundation
