@testable import Inspector
@testable import Reasoning
import Testing
import Tokenizer

extension Scenario {
    /// What a comparison of the strawberry prompt reports: the small budgets get it wrong.
    static let compareOutcomes: [CompareOutcome] = [
        CompareOutcome(budget: 0, reason: .endOfTurn, thinkingTokens: 0, answerTokens: 11, cut: true,
                       answer: "\n\nThere are 2 r's in \"strawberry\".", seconds: 0.4),
        CompareOutcome(budget: 16, reason: .endOfTurn, thinkingTokens: 16, answerTokens: 9, cut: true,
                       answer: "\n\nThere are **2** r's.", seconds: 1.1),
        CompareOutcome(budget: 32, reason: .endOfTurn, thinkingTokens: 32, answerTokens: 24, cut: true,
                       answer: "\n\nSpelled out: s-t-r-a-w-b-e-r-r-y. There are **3** r's in \"strawberry\".", seconds: 1.9),
        CompareOutcome(budget: 64, reason: .endOfTurn, thinkingTokens: 58, answerTokens: 30, cut: false,
                       answer: "\n\n" + answer, seconds: 3.0),
        CompareOutcome(budget: 128, reason: .endOfTurn, thinkingTokens: 58, answerTokens: 30, cut: false,
                       answer: "\n\n" + answer, seconds: 3.0),
        CompareOutcome(budget: 256, reason: .endOfTurn, thinkingTokens: 58, answerTokens: 30, cut: false,
                       answer: "\n\n" + answer, seconds: 3.0),
        CompareOutcome(budget: nil, reason: .endOfTurn, thinkingTokens: 58, answerTokens: 30, cut: false,
                       answer: "\n\n" + answer, seconds: 3.0),
    ]

    /// The finished strawberry run with `b` pressed and the first `done` budgets reported.
    static func compareState(_ w: Int, _ h: Int, done: Int = 3, finished: Bool = false) -> InspectorState {
        var s = doneState(w, h)
        _ = reduce(&s, .key(.char("b")))
        for o in compareOutcomes.prefix(done) { _ = reduce(&s, .compareOutcome(id: s.compareSerial, o)) }
        _ = reduce(&s, .tick(108.5))
        if finished { _ = reduce(&s, .compareFinished(id: s.compareSerial)) }
        return s
    }
}

@Suite struct CompareTests {
    let question = "How many r's are in \"strawberry\"?"

    @Test func bComparesTheLastPromptAtEveryStandardBudget() throws {
        var s = Scenario.doneState(120, 40)
        s.say("the model is still loading; the run starts as soon as it is ready", seconds: 6)
        let effects = reduce(&s, .key(.char("b")))
        #expect(effects == [.startCompare(CompareRequest(id: 1, messages: [.user(question)],
                                                         budgets: CompareState.standardBudgets, endStyle: .qwen))])
        let c = try #require(s.compare)
        #expect(c.running && c.results.allSatisfy { $0 == nil })
        #expect(c.prompt == question)
        #expect(CompareState.standardBudgets == [0, 16, 32, 64, 128, 256, nil])
        #expect(s.activeScopes == [.compare, .global])
        #expect(s.message == nil)  // the keys show, not an old message
        #expect(render(s).rows.last!.contains("S stop"))
    }

    @Test func aFollowUpIsComparedWithTheHistoryItsRunHad() throws {
        var s = Scenario.doneState(120, 40)
        _ = reduce(&s, .key(.char("i")))
        for ch in "And in \"raspberry\"? /no_think" { _ = reduce(&s, .key(.char(ch))) }
        _ = reduce(&s, .key(.enter))
        _ = reduce(&s, .engine(.finished(.endOfTurn, GenerationStats())))
        _ = reduce(&s, .key(.escape))
        s.slider.toggleThinking()  // thinking off on the slider: the comparison still thinks
        guard case .startCompare(let r)? = reduce(&s, .key(.char("b"))).first else {
            Issue.record("no comparison started")
            return
        }
        #expect(r.messages.count == 3)
        #expect(r.messages[0] == .user(question))
        #expect(r.messages[1].role == .assistant && r.messages[1].content.hasPrefix("There are **3** r's"))
        #expect(r.messages[2] == .user("And in \"raspberry\"? /no_think"))
    }

    @Test func bSaysWhyItCannotCompare() {
        var empty = makeState(100, 30)
        _ = reduce(&empty, .key(.escape))
        #expect(reduce(&empty, .key(.char("b"))).isEmpty)
        #expect(empty.compare == nil && empty.message?.contains("no prompt yet") == true)

        var running = Scenario.thinkingState(100, 30)
        #expect(reduce(&running, .key(.char("b"))).isEmpty)
        #expect(running.compare == nil && running.message?.contains("still generating") == true)

        var noThink = Scenario.doneState(100, 30)
        noThink.model.thinks = false
        #expect(reduce(&noThink, .key(.char("b"))).isEmpty)
        #expect(noThink.compare == nil && noThink.message?.contains("no think tokens") == true)

        var replay = Scenario.doneState(100, 30)
        replay.mode = .replay(path: "/tmp/run.jsonl")
        #expect(reduce(&replay, .key(.char("b"))).isEmpty)
        #expect(replay.compare == nil && replay.message?.contains("replay") == true)

        var noModel = Scenario.doneState(100, 30)
        noModel.mode = .noModel("no model: start with --model")
        #expect(reduce(&noModel, .key(.char("b"))).isEmpty)
        #expect(noModel.message == "no model: start with --model")

        var typing = Scenario.doneState(100, 30)
        _ = reduce(&typing, .key(.char("i")))
        #expect(reduce(&typing, .key(.char("b"))).isEmpty)  // typed into the prompt
        #expect(typing.editor.text == "b" && typing.compare == nil)
    }

    @Test func outcomesFillTheColumnsAndNewsOfAnotherComparisonIsIgnored() throws {
        var s = Scenario.compareState(160, 48, done: 0)
        let id = s.compareSerial
        _ = reduce(&s, .compareOutcome(id: id + 7, Scenario.compareOutcomes[0]))
        #expect(s.compare?.doneCount == 0)
        _ = reduce(&s, .compareOutcome(id: id, Scenario.compareOutcomes[1]))
        var c = try #require(s.compare)
        #expect(c.results[0] == nil)
        #expect(c.results[1]?.thinkingTokens == 16)
        #expect(c.results[1]?.answer == "There are **2** r's.")  // leading blank lines trimmed
        for o in Scenario.compareOutcomes { _ = reduce(&s, .compareOutcome(id: id, o)) }
        _ = reduce(&s, .compareFinished(id: id))
        c = try #require(s.compare)
        #expect(!c.running && c.doneCount == 7)
        #expect(render(s).text.contains("✓ compared"))
    }

    @Test func answersAreSanitized() throws {
        var s = Scenario.compareState(160, 48, done: 0)
        _ = reduce(&s, .compareOutcome(id: s.compareSerial, CompareOutcome(
            budget: 16, reason: .endOfTurn, thinkingTokens: 16, answerTokens: 3, cut: true, answer: "red \u{1B}[31m text", seconds: 1)))
        #expect(s.compare?.results[1]?.answer == "red ␛[31m text")
        #expect(render(s).rows.allSatisfy { !$0.contains("\u{1B}") })
    }

    @Test func escQAndBCloseTheViewAndStopARunningComparison() {
        for key in [Key.escape, .char("q"), .char("b")] {
            var s = Scenario.compareState(120, 40)
            #expect(reduce(&s, .key(key)) == [.stop], "\(key)")
            #expect(s.compare == nil && !s.shouldQuit)
            // News of the closed comparison is dropped.
            _ = reduce(&s, .compareOutcome(id: s.compareSerial, Scenario.compareOutcomes[4]))
            _ = reduce(&s, .compareFinished(id: s.compareSerial))
            #expect(s.compare == nil)
        }
        var done = Scenario.compareState(120, 40, done: 7, finished: true)
        #expect(reduce(&done, .key(.escape)).isEmpty)
        #expect(done.compare == nil)
        #expect(reduce(&done, .key(.char("b"))).count == 1)  // b opens it again: a new comparison
        #expect(done.compare?.id == 2)
    }

    @Test func capitalSAndCtrlCStopWithoutClosing() {
        var s = Scenario.compareState(120, 40)
        #expect(reduce(&s, .key(.char("S"))) == [.stop])
        #expect(s.compare != nil)
        #expect(reduce(&s, .key(.ctrl("c"))) == [.stop])
        #expect(!s.shouldQuit)
        for o in Scenario.compareOutcomes.dropFirst(3) {
            var stopped = o
            stopped.reason = .stopped
            _ = reduce(&s, .compareOutcome(id: s.compareSerial, stopped))
        }
        _ = reduce(&s, .compareFinished(id: s.compareSerial))
        #expect(reduce(&s, .key(.char("S"))).isEmpty)
        let text = render(s).text
        #expect(text.contains("■ compare stopped"))
        #expect(text.contains("stopped"))
    }

    @Test func otherKeysDoNotReachTheRunWhileTheViewIsOpen() {
        var s = Scenario.compareState(120, 40)
        let slider = s.slider
        for key in [Key.char("]"), .char("["), .char("t"), .char("x"), .char("i"), .enter, .char("n")] {
            #expect(reduce(&s, .key(key)).isEmpty, "\(key)")
        }
        #expect(s.slider == slider)
        #expect(s.compare != nil && s.editor.isEmpty)
        // Ctrl-N starts over: the comparison is stopped and closed.
        #expect(reduce(&s, .key(.ctrl("n"))) == [.stop, .resetConversation])
        #expect(s.compare == nil)
    }

    @Test func quittingStopsARunningComparison() {
        var s = Scenario.compareState(120, 40)
        _ = reduce(&s, .key(.char("?")))
        #expect(s.showHelp)
        _ = reduce(&s, .key(.escape))  // closes the help, not the comparison
        #expect(!s.showHelp && s.compare != nil)
        var effects: [Effect] = []
        s.quit(&effects)
        #expect(effects == [.stop, .quit])
    }

    @Test func scrollingClampsToTheContent() throws {
        var s = Scenario.compareState(60, 16, done: 7, finished: true)
        #expect(!CompareWidget.geometry(s).columns)
        let maxScroll = CompareWidget.maxScroll(s)
        #expect(maxScroll > 0)
        for _ in 0..<100 { _ = reduce(&s, .key(.down)) }
        #expect(s.compare?.scroll == maxScroll)
        for _ in 0..<3 { _ = reduce(&s, .key(.up)) }
        #expect(s.compare?.scroll == maxScroll - 3)
        _ = reduce(&s, .key(.pageUp))
        #expect(s.compare?.scroll == max(0, maxScroll - 3 - CompareWidget.pageRows(s)))
        _ = reduce(&s, .key(.home))
        #expect(s.compare?.scroll == 0)
        _ = reduce(&s, .key(.char("k")))
        #expect(s.compare?.scroll == 0)
        _ = reduce(&s, .key(.end))
        #expect(s.compare?.scroll == maxScroll)
        _ = reduce(&s, .mouse(MouseEvent(.wheelUp, x: 5, y: 5)))
        #expect(s.compare?.scroll == maxScroll - 3)
        // Wider, everything fits: the next key clamps to the top.
        _ = reduce(&s, .resize(width: 160, height: 48))
        #expect(CompareWidget.maxScroll(s) == 0)
        _ = reduce(&s, .key(.down))
        #expect(s.compare?.scroll == 0)
    }

    @Test func wideTerminalsShowOneColumnPerBudget() throws {
        let s = Scenario.compareState(120, 40)
        #expect(CompareWidget.geometry(s).columns)
        let rows = render(s).rows
        let labels = try #require(rows.first { $0.contains("no-think") })
        for label in ["no-think", "16", "32", "64", "128", "256", "∞"] { #expect(labels.contains(label)) }
        #expect(labels.contains("0.4s") && labels.contains("1.9s"))
        #expect(rows.contains { $0.contains("think 0 tok") && $0.contains("think 16 tok") && $0.contains("think 32 tok") && $0.contains("…") })
        #expect(rows.contains { $0.contains("answer 11 tok") })
        #expect(rows.contains { $0.contains("cut by budget") })
        #expect(rows[0].contains("● comparing 3/7"))
        #expect(rows[1].contains("Compare budgets · \(question)"))
        #expect(rows.contains { $0.contains("There are 2 r's") })
        #expect(rows.last!.contains("S stop"))
        #expect(render(s).cursor == nil)
    }

    @Test func narrowTerminalsStackTheBudgets() throws {
        let s = Scenario.compareState(80, 24, done: 7, finished: true)
        #expect(!CompareWidget.geometry(s).columns)
        let text = render(s).text
        #expect(text.contains("no-think  think 0 · answer 11 tok · cut by budget"))
        #expect(text.contains("16  think 16 · answer 9 tok"))
        #expect(text.contains("  There are 2 r's in \"strawberry\"."))
        #expect(text.contains("✓ compared"))
        #expect(text.contains("↓"))  // more below
    }

    @Test func theStyleComesFromTheTheme() {
        let b = render(Scenario.compareState(120, 40))
        var roles = Set<Role>()
        for y in 0..<b.height {
            for x in 0..<b.width {
                if case .role(let r) = b[x, y].style.fg { roles.insert(r) }
                if case .rgb = b[x, y].style.fg, y > 0 { Issue.record("a hard-coded colour at \(x),\(y)") }
            }
        }
        #expect(roles.isSuperset(of: [.title, .answerText, .border, .injectedText, .brightText]))
    }
}
