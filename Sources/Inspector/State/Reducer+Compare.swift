import Reasoning
import Tokenizer

extension InspectorState {
    /// `b`: runs the last prompt again at `CompareState.standardBudgets`, or says why it cannot.
    mutating func openCompare(_ effects: inout [Effect]) {
        guard isLive else { return say(modeMessage) }
        if isRunning { return say("still generating — wait for the answer (Esc stops it), then press b") }
        guard model.thinks else { return say("this model has no think tokens, so there are no budgets to compare") }
        guard let last = conversation.last, !last.user.isEmpty else {
            return say("no prompt yet: run one, then b compares it at budgets no-think … ∞")
        }
        compareSerial += 1
        // The messages the last run used: the finished turns before it, then its prompt.
        let messages = history(conversation.dropLast()) + [.user(last.user)]
        let budgets = CompareState.standardBudgets
        effects.append(.startCompare(CompareRequest(id: compareSerial, messages: messages, budgets: budgets,
                                                    endStyle: slider.endStyle)))
        compare = CompareState(id: compareSerial, prompt: last.user, budgets: budgets, startedAt: clock)
        message = nil  // news about the main view would hide the comparison's keys
    }

    /// Closes the view; a comparison still running is stopped.
    mutating func closeCompare(_ effects: inout [Effect]) {
        if isComparing { effects.append(.stop) }
        compare = nil
    }

    mutating func stopCompare(_ effects: inout [Effect]) {
        guard isComparing else { return }
        effects.append(.stop)
        say("stopping the comparison…")
    }

    /// Folds the backend's news about a comparison in (news of a closed one is dropped).
    mutating func applyCompare(_ action: Action) {
        switch action {
        case .compareOutcome(let id, let outcome):
            guard compare?.id == id else { return }
            compare!.record(outcome)
        case .compareFinished(let id):
            guard compare?.id == id else { return }
            compare!.endedAt = clock
        case .compareFailed(let id, let why):
            guard compare?.id == id else { return }
            let shown = DisplayText.sanitize(why)
            compare!.endedAt = clock
            compare!.failure = shown
            say("the comparison failed: " + shown, seconds: 8)
        default:
            break
        }
    }

    mutating func scrollCompare(_ delta: Int) {
        guard compare != nil else { return }
        let maxScroll = CompareWidget.maxScroll(self)
        let from = Int64(min(compare!.scroll, maxScroll))
        compare!.scroll = Int((from + Int64(delta)).clamped(0, Int64(maxScroll)))
    }

    /// The keys of the comparison view; false when the command is not one of them.
    mutating func performInCompare(_ command: Command, _ effects: inout [Effect]) -> Bool {
        let page = max(1, CompareWidget.pageRows(self))
        switch command {
        case .compare: closeCompare(&effects)
        case .stop: stopCompare(&effects)
        case .scrollUp: scrollCompare(-1)
        case .scrollDown: scrollCompare(1)
        case .pageUp: scrollCompare(-page)
        case .pageDown: scrollCompare(page)
        case .top: scrollCompare(-Int.max / 2)
        case .bottom: scrollCompare(Int.max / 2)
        case .interrupt where isComparing: stopCompare(&effects)
        default: return false
        }
        return true
    }

    /// The user and assistant messages of the finished turns (earlier thinking is not history).
    func history<S: Sequence<Turn>>(_ turns: S) -> [ChatMessage] {
        var messages: [ChatMessage] = []
        for t in turns where t.finished {
            messages.append(.user(t.user))
            messages.append(.assistant(t.answer.trimmingNewlines()))
        }
        return messages
    }
}
