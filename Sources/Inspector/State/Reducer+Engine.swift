import Reasoning

extension InspectorState {
    /// Folds one event of the generation loop (live or replayed) into the state.
    mutating func apply(_ event: ReasoningEvent) {
        switch event {
        case .phase(let p):
            if p == .done { break }
            // The clock starts with the generation (a run asked for during the model load waited).
            if p == .prompt && isLive && run == .running { runStartedAt = clock }
            if p == .prompt {  // a run (or a replayed one) starts: its probes count from here
                probes = []
                probesBase = tokens.count
                pivot = nil
                startTree()
            }
            phase = p
            if run != .running && isLive == false {
                run = .running  // a replay starts
                if runStartedAt == nil { runStartedAt = clock }
            }
        case .token(let t):
            addToken(t)
            branches.tree.appendToRun(t)
        case .stats(let s):
            stats = s
            live.thinking = s.thinkingTokens
            live.answer = s.answerTokens
            live.injected = s.injectedTokens
        case .finished(let reason, let s):
            stats = s
            live.thinking = s.thinkingTokens
            live.answer = s.answerTokens
            live.injected = s.injectedTokens
            run = .finished(reason)
            phase = .done
            branches.tree.updateRun(branches.tree.root.tokens, reason: reason, stats: s)
            recountMarkers(force: true)
            runEndedAt = clock
            if let i = conversation.indices.last {
                conversation[i].finished = reason == .endOfTurn || reason == .maxTokens || !conversation[i].answer.isEmpty
            }
            let note: String? = switch reason {
            case .endOfTurn: nil
            case .maxTokens: "[stopped at the token limit]"
            case .stopped: "[stopped]"
            case .contextFull: "[context full — press n for a new conversation]"
            }
            if let note {
                answerPane.text.ensureNewline()
                answerPane.text.append(note + "\n", kind: .note)
            }
        case .probe(let p):
            if let i = probes.firstIndex(where: { $0.tokenIndex == p.tokenIndex }) {
                probes[i] = p
            } else {
                probes.append(p)
                probes.sort { $0.tokenIndex < $1.tokenIndex }
            }
        case .mask(let m):
            expertMask = m.mask
            say("expert mask " + (m.mask.map { $0.text } ?? "off") + " from token \(m.tokenIndex)", seconds: 4)
        case .error(let m):
            let shown = DisplayText.sanitize(m)
            say("error: " + shown, seconds: 10)
            answerPane.text.ensureNewline()
            answerPane.text.append("[error: \(shown)]\n", kind: .note)
        }
    }

    mutating func addToken(_ t: TokenEvent) {
        if conversation.isEmpty { conversation.append(Turn(user: "")) }  // a replay without a header prompt
        let turn = conversation.count - 1
        // Think delimiters carry no text; `</think>` arrives after the phase already switched.
        let isDelimiter = t.phase == .thinking && t.text.isEmpty
            && (phase == .answer || (live.thinking == 0 && !live.thinkingSampledSeen && t.index == 0))
        if !isDelimiter {
            if t.phase == .thinking {
                live.thinking += 1
                live.thinkingSampledSeen = true
            } else if t.phase == .answer {
                live.answer += 1
            }
        }
        if t.origin == .injected { live.injected += 1 }

        let paneID: PaneID = t.phase == .thinking ? .thinking : .answer
        var text = DisplayText.sanitize(t.text)
        // The first text of a turn's stream starts on its own line, without leading blank lines.
        let streamStarted = paneID == .thinking ? !conversation[turn].thinking.isEmpty : !conversation[turn].answer.isEmpty
        if !streamStarted { text = String(text.drop(while: { $0.isNewline })) }
        if streamStarted || !t.text.allSatisfy(\.isNewline) {
            if paneID == .thinking { conversation[turn].thinking += t.text } else { conversation[turn].answer += t.text }
        }

        let record = TokenRecord(index: t.index, id: t.id, text: t.text, phase: t.phase, origin: t.origin,
                                 logProbability: t.logProbability, alternatives: t.alternatives,
                                 routing: CompactRouting(t.routing), turn: turn, glyphStart: 0, glyphCount: 0, pane: paneID)
        let kind: GlyphKind = t.origin == .injected ? .injected : (paneID == .thinking ? .thinking : .answer)
        let tokenIndex = tokens.count
        // Appended in place: copying a pane would copy all its text for every token.
        func append(_ pane: inout PaneState) -> (Int, Int) {
            let start = pane.text.glyphs.count
            pane.text.append(text, kind: kind, token: tokenIndex)
            return (start, pane.text.glyphs.count - start)
        }
        var rec = record
        (rec.glyphStart, rec.glyphCount) = paneID == .thinking ? append(&thinkingPane) : append(&answerPane)
        tokens.append(rec)
        if let r = rec.routing, counts != nil { counts!.add(r, phase: t.phase == .thinking ? .thinking : .answer) }
    }
}
