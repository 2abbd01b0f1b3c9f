extension InspectorState {
    /// The key scopes in force, most specific first.
    public var activeScopes: [KeyScope] {
        if showHelp { return [.help, .global] }
        if liveMask != nil { return [.global] }
        if branches.menu != nil { return [.branchMenu, .global] }
        if compare != nil { return [.compare, .global] }
        if branches.open { return [.branches, .global] }
        if anchors?.open == true { return [.anchors, .global] }
        if cursor != nil { return [.cursor, .view, .global] }
        switch focus {
        case .prompt: return [.prompt, .global]
        case .heatmap: return [.heatmap, .view, .global]
        case .thinking, .answer: return [.panes, .view, .global]
        }
    }

    mutating func handle(_ key: Key, _ effects: inout [Effect]) {
        // In an empty prompt, `?` opens the help (a prompt rarely starts with it).
        if focus == .prompt && !showHelp && key == .char("?") && editor.isEmpty {
            perform(.help, &effects)
            return
        }
        if !showHelp, liveMask != nil {
            editLiveMask(key, &effects)
            return
        }
        if !showHelp, branches.menu?.isTyping == true {
            editBranchText(key, &effects)
            return
        }
        if let command = keyMap.command(for: key, in: activeScopes) {
            perform(command, &effects)
        } else if case .alt(let c) = key, !(focus == .prompt && "bf\u{7F}".contains(c)) {
            // Esc and a key typed quickly arrive as Alt plus the key: take them as the two keys.
            handle(.escape, &effects)
            handle(.char(c), &effects)
        } else if focus == .prompt && !showHelp && compare == nil {
            edit(key)
        }
    }

    mutating func edit(_ key: Key) { editor.apply(key) }

    mutating func perform(_ command: Command, _ effects: inout [Effect]) {
        if showHelp {
            let page = max(1, height - 4)
            switch command {
            case .scrollUp: helpScroll = max(0, helpScroll - 1); return
            case .scrollDown: helpScroll = min(helpScroll + 1, HelpOverlay.lines(keyMap, displayOnly: model.displayOnly).count); return
            case .pageUp: helpScroll = max(0, helpScroll - page); return
            case .pageDown: helpScroll = min(helpScroll + page, HelpOverlay.lines(keyMap, displayOnly: model.displayOnly).count); return
            default: break
            }
        } else if branches.menu != nil {
            if performInBranchMenu(command, &effects) { return }
        } else if compare != nil && performInCompare(command, &effects) {
            return
        } else if branches.open && performInBranchTree(command, &effects) {
            return
        } else if anchors?.open == true && performInAnchors(command, &effects) {
            return
        }
        if let why = model.displayOnly, command.needsForcing || (command.movesBudget && isRunning) {
            return say("off: \(why)")
        }
        switch command {
        case .help:
            showHelp.toggle()
            helpScroll = 0
        case .quit:
            if focus == .prompt && !editor.isEmpty { return }  // Ctrl-D only on an empty prompt
            quit(&effects)
        case .interrupt:
            if isRunning {
                effects.append(.stop)
                say("stopping…")
            } else {
                quit(&effects)
            }
        case .escape:
            if showHelp {
                showHelp = false
            } else if isRunning {
                effects.append(.stop)
                say("stopping…")
            } else if focus == .prompt {
                focus = .thinking
            } else if zoomed {
                zoomed = false
            }
        case .redraw:
            redrawGeneration += 1
        case .focusNext, .focusPrevious:
            var order = InspectorState.Focus.allCases.filter { $0 != .heatmap || model.isMoE }
            if !isLive { order.removeAll { $0 == .prompt } }
            let i = order.firstIndex(of: focus) ?? 0
            focus = order[(i + (command == .focusNext ? 1 : order.count - 1)) % order.count]
            cursor = nil
        case .focusThinking: setFocus(.thinking)
        case .focusAnswer: setFocus(.answer)
        case .focusHeatmap:
            if model.isMoE { setFocus(.heatmap) } else { say(model.noRouting ?? "dense model: no experts, so no heatmap") }
        case .focusPrompt:
            if isLive { setFocus(.prompt) } else { say(modeMessage) }
        case .run:
            submit(&effects)
        case .examplePrevious, .exampleNext:
            guard editor.isEmpty, isLive, !isRunning else { return }
            if !showsExamples {
                examplesRequested = true
                return
            }
            exampleIndex = (exampleIndex + (command == .exampleNext ? 1 : examples.count - 1)) % max(1, examples.count)
        case .budgetDown: changeBudget(-1, &effects)
        case .budgetUp: changeBudget(1, &effects)
        case .toggleThink:
            guard model.thinks else { return say("this model has no think tokens") }
            slider.toggleThinking()
            budgetChanged(&effects)
        case .toggleBudgetMode:
            slider.mode = slider.mode == .cap ? .exact : .cap
            say(slider.mode == .cap ? "cap: thinking ends at the budget" + nextRunNote
                                    : "exact: an early end is replaced by \"Wait\" until the budget" + nextRunNote)
        case .cycleEndStyle:
            slider.endStyle = slider.endStyle == .qwen ? .bare : .qwen
            say(slider.endStyle == .qwen ? "end style: Qwen's \"Considering the limited time…\" phrase" + nextRunNote
                                         : "end style: bare </think>" + nextRunNote)
        case .endThinkingNow:
            if isRunning && phase == .thinking {
                effects.append(.endThinking)
                say("ending thinking now")
            }
        case .stop:
            if isRunning { effects.append(.stop) }
        case .scrollUp: scroll(-1)
        case .scrollDown: scroll(1)
        case .pageUp: scroll(-max(1, focusedRows - 1))
        case .pageDown: scroll(max(1, focusedRows - 1))
        case .top: scroll(-Int.max / 2)
        case .bottom: scroll(Int.max / 2)
        case .heatmapNextView, .heatmapPreviousView:
            guard model.isMoE else { return say(model.noRouting ?? "dense model: no experts, so no heatmap") }
            let all = HeatmapView.allCases
            let i = all.firstIndex(of: heatmapView)!
            heatmapView = all[(i + (command == .heatmapNextView ? 1 : all.count - 1)) % all.count]
        case .heatmapLeft: heatmapExpertScroll = max(0, heatmapExpertScroll - 8)
        case .heatmapRight: heatmapExpertScroll = min(max(0, (model.experts ?? 1) - 1), heatmapExpertScroll + 8)
        case .heatmapUp: heatmapLayerScroll = max(0, heatmapLayerScroll - 2)
        case .heatmapDown: heatmapLayerScroll = min(max(0, model.layers - 1), heatmapLayerScroll + 2)
        case .heatmapFit: heatmapFit.toggle()
        case .heatmapScale:
            let all = HeatmapScale.allCases
            heatmapScale = all[(all.firstIndex(of: heatmapScale)! + 1) % all.count]
        case .zoom: zoomed.toggle()
        case .tokenCursor: toggleCursor()
        case .cursorLeft: moveCursor(by: -1)
        case .cursorRight: moveCursor(by: 1)
        case .cursorUp: moveCursorLine(-1)
        case .cursorDown: moveCursorLine(1)
        case .cursorFirst: moveCursor(by: -Int.max / 2)
        case .cursorLast: moveCursor(by: Int.max / 2)
        case .newConversation:
            if isLive { startNewConversation(&effects) } else { say(modeMessage) }
        case .compare:
            if compare == nil { openCompare(&effects) } else { closeCompare(&effects) }
        case .toggleProbes:
            showProbes.toggle()
            recountMarkers(force: true)
            if showProbes && probes.isEmpty {
                say(isLive ? "answer probes appear here while the model thinks (every \(probeEvery.map(String.init) ?? "—") tokens)"
                           : "this trace has no probes: replay it with --model to compute them")
            }
        case .findPivot:
            if isRunning { return say("the pivot is searched once the run has answered") }
            guard probes.contains(where: { $0.finalAnswerProbability != nil }) || !isLive else {
                return say("no scored probes yet: run a prompt that answers (with probes on)")
            }
            effects.append(.findPivot)
            say("searching for the pivot…", seconds: 30)
        case .probePrevious, .probeNext:
            moveToProbe(command == .probeNext ? 1 : -1)
        case .saveTrace: saveTrace(&effects)
        case .anchors: anchorsKey(&effects)
        case .liveMask: openLiveMask()
        case .branch: openBranchMenu()
        case .toggleBranches: toggleBranchTree()
        case .branchAlternative, .branchResample, .branchEdit, .branchMask, .branchParent, .branchChild, .openBranch, .branchDiff:
            break  // handled by the menu and the tree
        }
    }

    var nextRunNote: String { isRunning ? " (from the next run)" : "" }

    var modeMessage: String {
        switch mode {
        case .live: return ""
        case .replay(let p): return "replay of \(p): no model to run prompts"
        case .noModel(let why): return why
        }
    }

    mutating func setFocus(_ f: Focus) {
        focus = f
        cursor = nil
    }

    var focusedRows: Int {
        let l = layout
        switch focus {
        case .thinking: return l.thinkingText.height
        case .answer, .prompt: return l.answerText.height
        case .heatmap: return max(1, l.heatmap.height - 3)
        }
    }

    mutating func scroll(_ delta: Int) {
        switch focus {
        case .thinking: scrollPane(&thinkingPane, delta, rows: layout.thinkingText.height)
        case .answer, .prompt: scrollPane(&answerPane, delta, rows: layout.answerText.height)
        case .heatmap:
            let step = delta.clamped(-1000, 1000) * 2
            heatmapLayerScroll = (heatmapLayerScroll + step).clamped(0, max(0, model.layers - 1))
        }
    }

    func scrollPane(_ p: inout PaneState, _ delta: Int, rows: Int) {
        let maxScroll = max(0, p.text.lineCount - max(1, rows))
        let target = (Int64(p.scroll) + Int64(delta)).clamped(0, Int64(maxScroll))
        p.scroll = Int(target)
        p.follow = p.scroll >= maxScroll
    }

    // MARK: Token cursor

    var cursorPane: PaneID { focus == .thinking ? .thinking : .answer }

    mutating func toggleCursor() {
        if cursor != nil {
            cursor = nil
            return
        }
        guard focus == .thinking || focus == .answer else { return }
        let pane = cursorPane
        guard let last = tokens.lastIndex(where: { $0.pane == pane && $0.glyphCount > 0 }) else {
            return say("no tokens in this pane yet")
        }
        cursor = last
        if model.isMoE { heatmapView = .token }
        revealCursor()
    }

    mutating func moveCursor(by delta: Int) {
        guard let c = cursor else { return }
        let pane = tokens[c].pane
        let visible = tokens.indices.filter { tokens[$0].pane == pane && tokens[$0].glyphCount > 0 }
        guard let i = visible.firstIndex(of: c) ?? visible.last.map({ _ in visible.count - 1 }) else { return }
        let j = (Int64(i) + Int64(delta)).clamped(0, Int64(visible.count - 1))
        cursor = visible[Int(j)]
        revealCursor()
    }

    mutating func moveCursorLine(_ delta: Int) {
        guard let c = cursor else { return }
        let rec = tokens[c]
        let text = rec.pane == .thinking ? thinkingPane.text : answerPane.text
        let line = text.lineIndex(ofGlyph: rec.glyphStart)
        var column = 0
        for g in text.line(line).lowerBound..<rec.glyphStart { column += Int(text.glyphs[g].width) }
        // The nearest line in that direction that has a token; on it, the token at the same column.
        var target = line + delta
        var best: Int?
        while target >= 0 && target < text.lineCount && best == nil {
            var col = 0
            for g in text.line(target) {
                let tok = Int(text.glyphs[g].token)
                if col > column && best != nil { break }
                if tok >= 0 && tok < tokens.count { best = tok }
                col += Int(text.glyphs[g].width)
            }
            target += delta
        }
        if let b = best {
            cursor = b
            revealCursor()
        }
    }

    /// Scrolls the cursor's pane so the cursor's line is visible.
    mutating func revealCursor() {
        guard let c = cursor else { return }
        let rec = tokens[c]
        let l = layout
        if rec.pane == .thinking {
            reveal(&thinkingPane, glyph: rec.glyphStart, rows: l.thinkingText.height)
        } else {
            reveal(&answerPane, glyph: rec.glyphStart, rows: l.answerText.height)
        }
    }

    func reveal(_ p: inout PaneState, glyph: Int, rows: Int) {
        let line = p.text.lineIndex(ofGlyph: glyph)
        let r = max(1, rows)
        if line < p.scroll { p.scroll = line } else if line >= p.scroll + r { p.scroll = line - r + 1 }
        p.follow = false
    }
}
