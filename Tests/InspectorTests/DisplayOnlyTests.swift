@testable import Inspector
@testable import Reasoning
import Testing
import Tokenizer

/// A display-only server (a chat API): controls that would force the run are greyed and refused
/// with one line saying why; the budget still changes between runs (it goes with the request).
@Suite struct DisplayOnlyTests {
    static var served: ModelSummary {
        var m = ModelSummary(name: "claude on Anthropic https://api.anthropic.com (claude, display only)", architecture: "qwen3",
                             layers: 0, experts: nil)
        m.noRouting = "Anthropic does not expose expert routing, so no heatmap"
        m.displayOnly = "Anthropic only streams text: the budget goes as thinking.budget_tokens with the request; nothing can be forced mid-run"
        return m
    }

    @Test func forcingControlsAreRefusedWithTheReason() {
        var s = Scenario.thinkingState(100, 30, model: Self.served)
        let mode = s.slider.mode
        let budget = s.slider.index
        for key in ["m", "x", "b", "e", "]", "["] {
            let effects = reduce(&s, .key(.char(Character(key))))
            #expect(!effects.contains { if case .setBudget = $0 { true } else if case .endThinking = $0 { true } else { false } }, "\(key)")
            #expect(s.message?.contains("nothing can be forced mid-run") == true, "\(key): \(String(describing: s.message))")
        }
        #expect(s.slider.mode == mode)
        #expect(s.slider.index == budget)
        #expect(s.compare == nil)
    }

    @Test func theBudgetMovesBetweenRunsAndTheHelpSaysWhatIsOff() {
        var s = Scenario.doneState(100, 30, model: Self.served)
        let before = s.slider.index
        _ = reduce(&s, .key(.char("[")))
        #expect(s.slider.index != before, "between runs the budget is the next request's knob")
        let help = HelpOverlay.lines(s.keyMap, displayOnly: Self.served.displayOnly)
        #expect(help.contains { $0.1.contains("budget mode") && $0.1.hasSuffix("(off here)") })
        #expect(help.contains { $0.1.contains("budget up") && $0.1.hasSuffix("(between runs only here)") })
        #expect(help.contains { $0.0 == "Off on this server" })
        #expect(!HelpOverlay.lines(s.keyMap).contains { $0.1.hasSuffix("(off here)") })
    }
}
