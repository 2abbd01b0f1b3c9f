import Reasoning

extension InspectorState {
    /// `A`: computes the latest run's thought anchors, or opens and closes their list.
    mutating func anchorsKey(_ effects: inout [Effect]) {
        if let a = anchors, a.tree == branches.serial {
            anchors?.open.toggle()
            anchors?.selected = 0
            if a.running { say("thought anchors: \(a.done)/\(a.total) continuations…") }
            return
        }
        guard isLive else { return say("thought anchors resample the run: a replay has no model (thinkscope anchors TRACE --model M)") }
        if isRunning { return say("thought anchors are computed once the run has answered") }
        guard !branches.tree.root.tokens.isEmpty, branches.tree.root.finished else { return say("no finished run yet") }
        if !branches.running.isEmpty { return say("branches are running: wait for them, then press A") }
        let samples = BranchesState.resampleCount
        anchors = AnchorsState(tree: branches.serial, samples: samples)
        effects.append(.findAnchors(tree: branches.serial, samples: samples))
        say("thought anchors: resampling every sentence ×\(samples) in the background (A shows progress)", seconds: 6)
    }

    mutating func applyAnchors(_ action: Action) {
        switch action {
        case .anchorsProgress(let tree, let done, let total):
            guard anchors?.tree == tree else { return }
            anchors?.done = done
            anchors?.total = total
        case .anchorsFound(let tree, let results):
            guard anchors?.tree == tree else { return }
            anchors?.results = results
            anchors?.running = false
            let top = anchors!.ranked.prefix(3).map { "#\($0.sentence.index) (KL \(Format.kl($0.kl)))" }
            say(results.isEmpty ? "thought anchors: the thinking has no sentences"
                                : "thought anchors: " + top.joined(separator: ", ") + " — A lists them", seconds: 10)
        case .anchorsFailed(let tree, let why):
            guard anchors?.tree == tree else { return }
            anchors = nil
            say("thought anchors could not run: " + DisplayText.sanitize(why), seconds: 8)
        default:
            break
        }
    }

    /// The keys of the anchor list; false when the command is not one of them.
    mutating func performInAnchors(_ command: Command, _ effects: inout [Effect]) -> Bool {
        guard let a = anchors else { return false }
        switch command {
        case .anchors, .escape: anchors?.open = false
        case .scrollUp: anchors?.selected = max(0, a.selected - 1)
        case .scrollDown: anchors?.selected = min(max(0, a.results.count - 1), a.selected + 1)
        case .openBranch:
            let ranked = a.ranked
            guard ranked.indices.contains(a.selected), let base = runBaseline else { return true }
            if branches.shown != 0 { showBranch(0, &effects) }
            let i = base.tokenCount + ranked[a.selected].sentence.firstToken
            guard tokens.indices.contains(i) else { return true }
            anchors?.open = false
            focus = .thinking
            cursor = i
            revealCursor()
        case .stop where a.running, .interrupt where a.running:
            effects.append(.stop)
            say("stopping the thought anchors…")
        default: return false
        }
        return true
    }
}
