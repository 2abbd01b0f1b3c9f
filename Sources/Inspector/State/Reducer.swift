import Engine
import Reasoning
import Tokenizer

/// The pure update function: the new state for an action, and the effects the app must carry out.
/// Nothing here touches a terminal, a thread or a clock (time arrives as `.tick`).
public func reduce(_ state: inout InspectorState, _ action: Action) -> [Effect] {
    var effects: [Effect] = []
    switch action {
    case .key(let key):
        state.handle(key, &effects)
    case .paste(let text):
        if case .edit(var e) = state.branches.menu?.stage {
            e.insert(text)
            state.branches.menu?.stage = .edit(e)
            break
        }
        if var m = state.liveMask, m.pending == nil {
            m.editor.insert(text)
            state.liveMask = m
            break
        }
        if case .mask(var e) = state.branches.menu?.stage {
            e.insert(text)
            state.branches.menu?.stage = .mask(e)
            break
        }
        guard state.isLive else { break }
        state.focus = .prompt
        state.editor.insert(text)
    case .mouse(let m):
        state.handle(m, &effects)
    case .resize(let w, let h):
        state.width = max(0, w)
        state.height = max(0, h)
    case .engine(let event):
        state.apply(event)
    case .tick(let t):
        state.clock = t
        if state.message != nil && t >= state.messageUntil { state.message = nil }
        state.recountMarkers()
    case .modelLoaded(let summary):
        state.modelLoading = false
        state.model = summary
        state.expertMask = summary.mask
        if let e = summary.experts, e > 0 { state.counts = ExpertCounts(layers: summary.layers, experts: e) } else { state.counts = nil }
        if !state.model.thinks && state.slider.thinking { state.slider.toggleThinking() }
    case .modelFailed(let why):
        state.modelLoading = false
        state.mode = .noModel(why)
        state.run = .failed(why)
        state.focus = .answer
    case .compareOutcome, .compareFinished, .compareFailed:
        state.applyCompare(action)
    case .pivotFound, .pivotFailed:
        state.applyPivot(action)
    case .branchFinished, .branchFailed, .branchesLoaded, .branchProbes:
        state.applyBranch(action, &effects)
    case .anchorsProgress, .anchorsFound, .anchorsFailed:
        state.applyAnchors(action)
    case .traceSaved(let path, let automatic):
        if !automatic { state.say("saved the run and its branches: " + DisplayText.sanitize(path), seconds: 8) }
    case .traceSaveFailed(let why):
        state.say("the trace could not be written: " + DisplayText.sanitize(why), seconds: 10)
    case .expertNorms(let norms):
        state.expertNorms = norms
    }
    state.syncLayout()
    return effects
}

/// The same, returning a new state (for tests and previews).
public func reduced(_ state: InspectorState, _ actions: [Action]) -> (InspectorState, [Effect]) {
    var s = state
    var all: [Effect] = []
    for a in actions { all += reduce(&s, a) }
    return (s, all)
}

extension InspectorState {
    mutating func say(_ text: String, seconds: Double = 4) {
        message = text
        messageUntil = clock + seconds
    }

    // MARK: Running

    mutating func submit(_ effects: inout [Effect]) {
        guard isLive else {
            if case .noModel(let why) = mode { say(why, seconds: 8) } else { say("replay: there is no model to run prompts") }
            return
        }
        if isRunning {
            say("still generating — Esc stops it")
            return
        }
        if modelLoading { say("the model is still loading; the run starts as soon as it is ready", seconds: 6) }
        var text = editor.text.trimmingWhitespace()
        if text.isEmpty && showsExamples { text = examples[exampleIndex.clamped(0, examples.count - 1)] }
        guard !text.isEmpty else { return }

        let users = conversation.map(\.user) + [text]
        let thinkingOn = model.thinks && ThinkSwitch.resolve(users, default: slider.thinking)
        let limitStep = slider.thinking ? slider.step : BudgetSlider.steps[slider.lastThinkingIndex]
        let messages = history(conversation) + [.user(text)]
        // Branches and anchors of the previous run would hold the new run back: they stop.
        if backgroundWork { effects.append(.stop) }
        effects.append(.startRun(RunRequest(messages: messages, thinking: thinkingOn, limit: limitStep.limit,
                                            mode: slider.mode, endStyle: slider.endStyle)))

        // Unfinished turns (stopped before an answer) are dropped from the history.
        conversation.removeAll { !$0.finished }
        conversation.append(Turn(user: text))
        editor.clear()
        examplesRequested = false
        run = .running
        phase = .prompt
        stats = GenerationStats()
        stats.budget = thinkingOn ? limitStep.limit : 0
        live = LiveCounts()
        runStartedAt = clock
        runEndedAt = nil
        cursor = nil
        probes = []
        pivot = nil
        if let c = counts { counts = ExpertCounts(layers: c.layers, experts: c.experts) }

        let turnNumber = conversation.count
        if !answerPane.text.isEmpty {
            answerPane.text.ensureNewline()
            answerPane.text.append("\n", kind: .note)
        }
        answerPane.text.append("› " + DisplayText.sanitize(text) + "\n", kind: .user)
        if !thinkingPane.text.isEmpty {
            thinkingPane.text.ensureNewline()
            thinkingPane.text.append("── turn \(turnNumber) ──\n", kind: .separator)
        }
        if !thinkingOn {
            thinkingPane.text.append(model.thinks ? "(thinking off for this turn)\n" : "(this model has no think tokens)\n", kind: .note)
        }
        thinkingPane.follow = true
        answerPane.follow = true
        focus = thinkingOn ? .thinking : .answer
        zoomed = false
    }

    mutating func changeBudget(_ delta: Int, _ effects: inout [Effect]) {
        guard model.thinks else {
            say("this model has no think tokens, so there is no thinking budget")
            return
        }
        let before = slider.index
        slider.move(delta)
        guard slider.index != before else { return }
        budgetChanged(&effects)
    }

    mutating func budgetChanged(_ effects: inout [Effect]) {
        guard isRunning else { return }
        let limit = slider.step.limit
        effects.append(.setBudget(limit))
        stats.budget = limit
        if phase == .thinking, let l = limit, l <= live.thinking {
            say(l == 0 ? "no-think: ending thinking now" : "budget \(l) ≤ \(live.thinking) spent: ending thinking now")
        } else if phase == .answer {
            say("thinking is over; the budget applies to the next run")
        }
    }

    mutating func startNewConversation(_ effects: inout [Effect]) {
        if isRunning || backgroundWork { effects.append(.stop) }
        closeCompare(&effects)
        effects.append(.resetConversation)
        conversation = []
        thinkingPane = PaneState()
        answerPane = PaneState()
        tokens = []
        cursor = nil
        probes = []
        probesBase = 0
        pivot = nil
        if let c = counts { counts = ExpertCounts(layers: c.layers, experts: c.experts) }
        run = .idle
        phase = nil
        stats = GenerationStats()
        live = LiveCounts()
        runStartedAt = nil
        runEndedAt = nil
        editor.clear()
        if isLive { focus = .prompt }
        say("new conversation")
    }

    mutating func quit(_ effects: inout [Effect]) {
        if isRunning || isComparing { effects.append(.stop) }
        effects.append(.quit)
        shouldQuit = true
    }
}

extension String {
    func trimmingNewlines() -> String {
        String(drop(while: { $0.isNewline }).reversed().drop(while: { $0.isNewline }).reversed())
    }
}
