import Engine
import Reasoning

extension InspectorState {
    /// A run starts: its tree starts empty, and the panes as they are now are where a branch is
    /// shown in the run's place.
    mutating func startTree() {
        let serial = branches.serial + 1
        branches = BranchesState()
        branches.serial = serial
        runBaseline = RunBaseline(thinkingPane: thinkingPane, answerPane: answerPane, tokenCount: tokens.count,
                                  counts: counts, live: live)
        runProbes = []
    }

    /// The token under the cursor as an index into the shown node's path (nil: not on the latest run).
    var cursorInPath: Int? {
        guard let c = cursor, let base = runBaseline, c >= base.tokenCount else { return nil }
        let i = c - base.tokenCount
        return i < branches.tree.pathLength(branches.shown) ? i : nil
    }

    /// `b` on the token cursor.
    mutating func openBranchMenu() {
        guard isLive else {
            if case .replay = mode { return say("a replay has no model to branch with (the recorded tree is under T)") }
            return say(modeMessage)
        }
        if isRunning { return say("branches fork a finished run: wait for the answer (Esc stops it)") }
        guard let at = cursorInPath else { return say("branches fork the latest run: put the cursor on one of its tokens") }
        guard branches.tree[branches.shown].finished else { return say("this branch is still running") }
        branches.menu = BranchMenu(node: branches.shown, at: at)
    }

    /// The cursor token's alternatives other than the token itself.
    func branchAlternatives(_ menu: BranchMenu) -> [TokenEvent.Alternative] {
        let path = branches.tree.path(menu.node)
        guard path.indices.contains(menu.at) else { return [] }
        let t = path[menu.at]
        return t.alternatives.filter { $0.id != t.id }
    }

    /// The keys of the branch menu; false when the command is not one of them.
    mutating func performInBranchMenu(_ command: Command, _ effects: inout [Effect]) -> Bool {
        guard var menu = branches.menu else { return false }
        let count = menu.stage == .alternative ? branchAlternatives(menu).count : BranchMenu.entries.count
        if case .confirmMask = menu.stage, ![.escape, .openBranch, .help, .interrupt, .quit, .redraw].contains(command) { return true }
        switch command {
        case .escape:
            if case .confirmMask(_, _, let editor) = menu.stage {
                branches.menu?.stage = .mask(editor)
            } else if menu.stage == .choose { branches.menu = nil } else { branches.menu?.stage = .choose; branches.menu?.selection = 0 }
        case .scrollUp: branches.menu?.selection = max(0, menu.selection - 1)
        case .scrollDown: branches.menu?.selection = min(max(0, count - 1), menu.selection + 1)
        case .branchAlternative:
            chooseAlternativeStage()
        case .branchResample:
            branches.groups += 1
            let base = UInt64(branches.serial) &* 1_000_003 &+ UInt64(branches.groups)
            startBranches(BranchRunner.resamples(base: base, count: BranchesState.resampleCount), &effects)
        case .branchEdit:
            menu.stage = .edit(LineEditor())
            branches.menu = menu
        case .branchMask:
            guard model.isMoE else {
                say("a dense model has no experts to mask")
                return true
            }
            menu.found = foundExperts(menu.finder, path: branches.tree.path(menu.node), top: BranchMenu.finderTop)
            menu.stage = .mask(LineEditor(menu.found.isEmpty ? topExpertsMask(menu) : ExpertRanking.maskText(menu.found)))
            branches.menu = menu
        case .openBranch:
            switch menu.stage {
            case .choose:
                let key = BranchMenu.entries[min(menu.selection, BranchMenu.entries.count - 1)].key
                let next: Command = key == "a" ? .branchAlternative : key == "r" ? .branchResample : key == "x" ? .branchMask : .branchEdit
                return performInBranchMenu(next, &effects)
            case .alternative:
                let alts = branchAlternatives(menu)
                guard alts.indices.contains(menu.selection) else { return true }
                let a = alts[menu.selection]
                startBranches([.alternative(token: a.id, text: a.text)], &effects)
            case .confirmMask(let m, _, _):
                startBranches([.mask(m)], &effects)
            case .edit, .mask:
                break
            }
        case .help, .interrupt, .quit, .redraw:
            return false
        default:
            break
        }
        return true
    }

    mutating func chooseAlternativeStage() {
        guard let menu = branches.menu else { return }
        if branchAlternatives(menu).isEmpty {
            return say("the sampler recorded no other tokens here (injected text has none): try resample or edit")
        }
        branches.menu?.stage = .alternative
        branches.menu?.selection = 0
    }

    /// The cursor token's best expert in each layer, as a mask's text ("" when it has no routing).
    func topExpertsMask(_ menu: BranchMenu) -> String {
        let path = branches.tree.path(menu.node)
        guard path.indices.contains(menu.at) else { return "" }
        return path[menu.at].routing.enumerated().compactMap { l, r in r.experts.first.map { "\(l):\($0)" } }.joined(separator: ",")
    }

    /// Typing the text of an edit or a mask: Enter runs it, Esc goes back to the menu.
    mutating func editBranchText(_ key: Key, _ effects: inout [Effect]) {
        guard let menu = branches.menu else { return }
        let isMask: Bool
        var editor: LineEditor
        switch menu.stage {
        case .edit(let e): (isMask, editor) = (false, e)
        case .mask(let e): (isMask, editor) = (true, e)
        default: return
        }
        switch key {
        case .escape:
            branches.menu?.stage = .choose
        case .enter:
            let text = editor.text
            guard !isMask else { return startMask(text, editor: editor, &effects) }
            guard !text.isEmpty else { return say("type the text that replaces the thinking from here, then Enter") }
            startBranches([.edit(text: text)], &effects)
        case .ctrl("c"):
            branches.menu = nil
        case .tab where isMask:
            // The other finder ranking: its top experts replace the text.
            var m = menu
            m.finder = m.finder.next
            m.found = foundExperts(m.finder, path: branches.tree.path(m.node), top: BranchMenu.finderTop)
            if !m.found.isEmpty { m.stage = .mask(LineEditor(ExpertRanking.maskText(m.found))) }
            branches.menu = m
            if m.found.isEmpty { say("the finder found no experts that fire more \(m.finder == .aroundWait ? "around \"Wait\"" : "in thinking")") }
        default:
            editor.apply(key)
            branches.menu?.stage = isMask ? .mask(editor) : .edit(editor)
        }
    }

    /// Runs the typed mask as a branch, after a warning when it drops super experts.
    mutating func startMask(_ text: String, editor: LineEditor, _ effects: inout [Effect]) {
        switch checkMask(text) {
        case .invalid(let why): say(why, seconds: 8)
        case .clear: say("type LAYER:EXPERT,… (the experts to drop), then Enter")
        case .ready(let m): startBranches([.mask(m)], &effects)
        case .loud(let m, let found): branches.menu?.stage = .confirmMask(m, found, editor)
        }
    }

    /// Background work on the latest run (branches, anchors) is in progress.
    var backgroundWork: Bool { !branches.running.isEmpty || anchors?.running == true }

    /// Adds the nodes and asks the backend to run them.
    mutating func startBranches(_ interventions: [Intervention], _ effects: inout [Effect]) {
        guard let menu = branches.menu, !interventions.isEmpty else { return }
        let ids = interventions.count > 1
            ? branches.tree.addGroup(parent: menu.node, at: menu.at, interventions: interventions)
            : [branches.tree.add(parent: menu.node, at: menu.at, intervention: interventions[0])]
        branches.running.formUnion(ids)
        effects.append(.runBranches(BranchRequest(tree: branches.serial, parent: menu.node, path: branches.tree.path(menu.node),
                                                  at: menu.at, nodes: ids, interventions: interventions)))
        branches.menu = nil
        branches.open = true
        branches.selected = ids[0]
        cursor = nil
        let what = interventions.count > 1 ? "\(interventions.count) resamples" : interventions[0].label
        say("branching at token #\(menu.at): \(DisplayText.sanitize(what)) …", seconds: 6)
    }

    /// `w`: writes the latest run and its branches as a trace.
    mutating func saveTrace(_ effects: inout [Effect]) {
        guard isLive else { return say("replay: this trace is already on disk (\(modeMessage))") }
        if isRunning { return say("the run is still going: save it once it has answered") }
        guard !branches.tree.root.tokens.isEmpty else { return say("no run to save yet") }
        effects.append(.saveTrace(branches: Array(branches.tree.nodes.dropFirst()), automatic: false))
        say(branches.running.isEmpty ? "saving…" : "saving (\(branches.running.count) branches still running are saved unfinished)…")
    }

    mutating func toggleBranchTree() {
        if branches.open {
            branches.open = false
            return
        }
        guard !branches.tree.root.tokens.isEmpty else { return say("no run yet: the branch tree grows from the latest run") }
        branches.open = true
        branches.selected = branches.shown
        if !branches.hasBranches {
            say(isLive ? "no branches yet: c puts the cursor on a token, b branches there" : "this trace has no branches")
        }
    }

    /// The keys of the tree view; false when the command is not one of them.
    mutating func performInBranchTree(_ command: Command, _ effects: inout [Effect]) -> Bool {
        let order = BranchTreeWidget.rows(branches.tree).compactMap(\.node)
        let i = order.firstIndex(of: branches.selected) ?? 0
        switch command {
        case .toggleBranches: branches.open = false
        case .escape: branches.open = false
        case .scrollUp: branches.selected = order[max(0, i - 1)]
        case .scrollDown: branches.selected = order[min(order.count - 1, i + 1)]
        case .branchParent:
            if let p = branches.tree[branches.selected].parent { branches.selected = p }
        case .branchChild:
            if let c = branches.tree.children(of: branches.selected).first { branches.selected = c }
        case .branchDiff: branches.diff.toggle()
        case .openBranch:
            let id = branches.selected
            guard branches.tree[id].finished else {
                say("node #\(id) is still running")
                return true
            }
            showBranch(id, &effects)
            branches.open = false
        case .stop where !branches.running.isEmpty, .interrupt where !branches.running.isEmpty:
            effects.append(.stop)
            say("stopping the branches…")
        default: return false
        }
        return true
    }

    /// Shows node `id` of the tree in the thinking and answer panes, in the latest run's place;
    /// when the run had probes, the branch's own curve is asked for (once).
    mutating func showBranch(_ id: Int, _ effects: inout [Effect]) {
        guard let base = runBaseline, branches.tree.contains(id), base.tokenCount <= tokens.count else { return }
        if branches.shown == 0 { runProbes = probes }
        thinkingPane = base.thinkingPane
        answerPane = base.answerPane
        tokens.removeSubrange(base.tokenCount...)
        counts = base.counts
        live = base.live
        if let turn = conversation.indices.last {
            conversation[turn].thinking = ""
            conversation[turn].answer = ""
        }
        let path = branches.tree.path(id)
        for (i, t) in path.enumerated() {
            // `</think>` (no text, thinking) arrives after the phase switched to the answer.
            let closesThinking = t.phase == .thinking && t.text.isEmpty && i + 1 < path.count && path[i + 1].phase == .answer
            phase = closesThinking ? .answer : t.phase
            addToken(t)
        }
        phase = .done
        let node = branches.tree[id]
        stats.thinkingTokens = node.thinkingTokens
        stats.answerTokens = node.answerTokens
        stats.injectedTokens = path.count { $0.origin == .injected }
        live.thinking = node.thinkingTokens
        live.answer = node.answerTokens
        live.injected = stats.injectedTokens
        probes = id == 0 ? runProbes : branches.probes[id] ?? []
        branches.shown = id
        if id != 0, isLive, let every = probeEvery, !runProbes.isEmpty, branches.probes[id] == nil {
            branches.probes[id] = []
            effects.append(.probeBranch(tree: branches.serial, node: id, path: path, every: every))
        }
        thinkingPane.follow = true
        answerPane.follow = true
        if let turn = conversation.indices.last { conversation[turn].finished = node.reason == .endOfTurn }
        say(id == 0 ? "showing the run" : "showing branch #\(id): \(DisplayText.sanitize(node.intervention.label)) at token #\(node.at)"
            + (node.intervention.offPolicy ? " — off-policy: the model did not write the edited text" : ""), seconds: 6)
    }

    /// Folds the backend's news about branches in (news of an older tree is dropped).
    mutating func applyBranch(_ action: Action, _ effects: inout [Effect]) {
        switch action {
        case .branchFinished(let tree, let node, let tokens, let reason, let stats):
            guard tree == branches.serial, branches.tree.contains(node) else { return }
            branches.tree.finish(node, tokens: tokens, reason: reason, stats: stats)
            branches.running.remove(node)
            if branches.running.isEmpty {
                say("branches done", seconds: 3)
                effects.append(.saveTrace(branches: Array(branches.tree.nodes.dropFirst()), automatic: true))
            }
        case .branchProbes(let tree, let node, let found):
            guard tree == branches.serial else { return }
            branches.probes[node] = found
            if branches.shown == node { probes = found }
        case .branchesLoaded(let nodes):
            switch BranchTree.restore([branches.tree.root] + nodes) {
            case .success(let t):
                branches.tree = t
                if branches.hasBranches { say("this trace has \(t.count - 1) branches: T shows the tree", seconds: 8) }
            case .failure(let e):
                say("the trace's branches were not loaded: \(e)", seconds: 10)
            }
        case .branchFailed(let tree, let nodes, let why):
            guard tree == branches.serial else { return }
            for n in nodes where branches.tree.contains(n) {
                branches.tree.finish(n, tokens: [], reason: .stopped, stats: GenerationStats())
                branches.running.remove(n)
            }
            say("the branch could not run: " + DisplayText.sanitize(why), seconds: 8)
        default:
            break
        }
    }
}
