import Engine
@testable import Inspector
@testable import Reasoning
import Foundation
import Testing

/// The branch menu, the tree pane and showing a branch, driven through the reducer.
@Suite struct BranchTreeTests {
    /// The finished scenario run with the token cursor on a sampled thinking token (" many").
    static func atCursor(_ w: Int = 100, _ h: Int = 30) -> InspectorState {
        var s = Scenario.doneState(w, h)
        _ = reduce(&s, .key(.char("1")))
        _ = reduce(&s, .key(.char("c")))
        _ = reduce(&s, .key(.home))
        for _ in 0..<6 { _ = reduce(&s, .key(.right)) }
        return s
    }

    /// A branch's own tokens: the run's from `at`, the first word replaced, the answer's number
    /// replaced by `answer`.
    static func branchTokens(_ s: InspectorState, at: Int, word: String, answer: String) -> [TokenEvent] {
        var own = Array(s.branches.tree.root.tokens[at...])
        own[0].text = word
        own[0].id = 9000
        for i in own.indices where own[i].phase == .answer && own[i].text.contains("3") {
            own[i].text = own[i].text.replacingOccurrences(of: "3", with: answer)
        }
        return own
    }

    static func finish(_ s: inout InspectorState, _ request: BranchRequest, answers: [String]) {
        for (node, answer) in zip(request.nodes, answers) {
            var st = GenerationStats()
            st.thinkingTokens = 40
            st.answerTokens = 12
            _ = reduce(&s, .branchFinished(tree: request.tree, node: node,
                                           tokens: branchTokens(s, at: request.at, word: " few", answer: answer),
                                           reason: .endOfTurn, stats: st))
        }
    }

    static func request(_ effects: [Effect]) -> BranchRequest? {
        for case .runBranches(let r) in effects { return r }
        return nil
    }

    /// A tree with one resample group (answers 3, 2, 3, 3) and one alternative (answer 7).
    static func withTree(_ w: Int = 100, _ h: Int = 30) throws -> InspectorState {
        var s = atCursor(w, h)
        _ = reduce(&s, .key(.char("b")))
        let resample = try #require(request(reduce(&s, .key(.char("r")))))
        #expect(resample.interventions.count == 4 && resample.nodes == [1, 2, 3, 4])
        finish(&s, resample, answers: ["3", "2", "3", "3"])
        _ = reduce(&s, .key(.char("T")))  // close, put the cursor back, branch with an alternative
        _ = reduce(&s, .key(.char("c")))
        _ = reduce(&s, .key(.home))
        for _ in 0..<9 { _ = reduce(&s, .key(.right)) }
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("a")))
        let alt = try #require(request(reduce(&s, .key(.enter))))
        guard case .alternative = alt.interventions[0] else { Issue.record("not an alternative"); return s }
        finish(&s, alt, answers: ["7"])
        return s
    }

    @Test func theMenuStartsAResampleGroupFromTheCursorToken() throws {
        var s = Self.atCursor()
        let cursor = try #require(s.cursor)
        _ = reduce(&s, .key(.char("b")))
        #expect(render(s).text.contains("Branch at token #\(cursor)"))
        let effects = reduce(&s, .key(.char("r")))
        let r = try #require(Self.request(effects))
        #expect(r.at == cursor - s.runBaseline!.tokenCount)
        #expect(r.parent == 0 && r.path == s.branches.tree.root.tokens)
        #expect(s.branches.open && s.branches.running == [1, 2, 3, 4] && s.branches.menu == nil)
        #expect(render(s).text.contains("running…"))
    }

    @Test func aReplayOrARunningRunCannotBranch() {
        var s = Self.atCursor()
        s.mode = .replay(path: "t.jsonl")
        _ = reduce(&s, .key(.char("b")))
        #expect(s.branches.menu == nil)
        var t = Scenario.thinkingState(100, 30)
        _ = reduce(&t, .key(.char("1")))
        _ = reduce(&t, .key(.char("c")))
        #expect(reduce(&t, .key(.char("b"))).isEmpty && t.branches.menu == nil)
    }

    @Test func theTreeShowsHistogramsAndWalksAndOpensABranch() throws {
        var s = try Self.withTree()
        let text = render(s).text
        #expect(text.contains("resample ×4"))
        #expect(text.contains("3 个。🍓 ██████ 3  2 个。🍓 ██ 1"), "the group's histogram, most frequent first")
        #expect(text.contains("├─") && text.contains("└─"))
        #expect(text.contains("think 40 · answer 12"))
        // Walk: run → group samples 1…4 → the alternative.
        #expect(s.branches.selected == 5)
        _ = reduce(&s, .key(.up))
        #expect(s.branches.selected == 4)
        _ = reduce(&s, .key(.left))
        #expect(s.branches.selected == 0)
        _ = reduce(&s, .key(.right))
        #expect(s.branches.selected == 1)
        _ = reduce(&s, .key(.down))
        _ = reduce(&s, .key(.char("d")))
        #expect(render(s).text.contains("thinking departs at thinking token"))
        _ = reduce(&s, .key(.enter))
        #expect(!s.branches.open && s.branches.shown == 2)
        #expect(s.conversation.last?.thinking.contains(" few") == true)
        #expect(s.conversation.last?.answer.contains("2") == true)
        #expect(s.live.thinking == 40)
        // And back to the run.
        _ = reduce(&s, .key(.char("T")))
        for _ in 0..<9 { _ = reduce(&s, .key(.up)) }
        _ = reduce(&s, .key(.enter))
        #expect(s.branches.shown == 0)
        #expect(s.conversation.last?.thinking == Scenario.doneState(100, 30).conversation.last?.thinking)
    }

    @Test func anEditIsTypedAndMarkedOffPolicy() throws {
        var s = Self.atCursor()
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("e")))
        for ch in "Hmm" { _ = reduce(&s, .key(.char(ch))) }
        _ = reduce(&s, .paste(", wait"))
        #expect(render(s).text.contains("off-policy"))
        let r = try #require(Self.request(reduce(&s, .key(.enter))))
        #expect(r.interventions == [.edit(text: "Hmm, wait")])
        #expect(s.branches.tree[1].intervention.offPolicy)
    }

    @Test func newsOfAnOlderTreeIsDropped() throws {
        var s = Self.atCursor()
        _ = reduce(&s, .key(.char("b")))
        let r = try #require(Self.request(reduce(&s, .key(.char("r")))))
        let tokens = Self.branchTokens(s, at: r.at, word: " few", answer: "9")
        _ = reduce(&s, .engine(.phase(.prompt)))  // a new run starts
        _ = reduce(&s, .branchFinished(tree: r.tree, node: 1, tokens: tokens, reason: .endOfTurn, stats: GenerationStats()))
        #expect(s.branches.tree.count == 1 && s.branches.running.isEmpty)
    }

    @Test(arguments: [(100, 30), (80, 24), (30, 8)])
    func treePaneSnapshot(size: (Int, Int)) throws {
        var s = try Self.withTree(size.0, size.1)
        _ = reduce(&s, .tick(200))  // the messages have gone
        try Snapshot.check(render(s), "branches-\(size.0)x\(size.1)")
        _ = reduce(&s, .key(.char("d")))
        try Snapshot.check(render(s), "branches-diff-\(size.0)x\(size.1)")
    }
}

/// A trace that records a tree replays it without a model.
@Suite struct BranchReplayTests {
    @Test func aReplayedTraceShowsItsTree() throws {
        // The finished scenario run, with a tree of three branches, written as a trace.
        let s = try BranchTreeTests.withTree()
        let header = TraceHeader(model: .init(file: "m.gguf", size: 1, headerHash: "x", architecture: "qwen3moe", layers: 48, experts: 128),
                                 settings: TraceSettings(thinking: true, settings: GenerationSettings()),
                                 messages: [TraceMessage(role: "user", content: "How many r's?")], promptTokens: [1], created: "now")
        var events: [ReasoningEvent] = [.phase(.prompt), .phase(.thinking)]
        events += s.branches.tree.root.tokens.map { .token($0) }
        events.append(.finished(.endOfTurn, s.stats))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-tree-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TraceWriter.save(path: path, header: header, events: events, branches: Array(s.branches.tree.nodes.dropFirst()))

        let trace = try Trace(path: path)
        #expect(trace.branches.count == 5)
        let queue = EventQueue()
        let backend = ReplayBackend(events: trace.events, queue: queue, branches: trace.branches)
        defer { backend.shutdown() }
        var r = InspectorState.replay(trace, path: path, width: 100, height: 30, theme: .builtinDark, colorDepth: .c256)
        for a in queue.drain() { _ = reduce(&r, a) }
        #expect(r.branches.tree.nodes.dropFirst() == s.branches.tree.nodes.dropFirst())
        #expect(r.message?.contains("5 branches") == true)
        _ = reduce(&r, .key(.char("T")))
        let text = render(r).text
        #expect(text.contains("resample ×4") && text.contains("└─ @10"))
        // Walk and open a branch, without a model.
        _ = reduce(&r, .key(.down))
        _ = reduce(&r, .key(.down))
        _ = reduce(&r, .key(.enter))
        #expect(r.branches.shown == 2)
        #expect(r.conversation.last?.answer.contains("2 个") == true)
        // Branching needs the model.
        _ = reduce(&r, .key(.char("c")))
        _ = reduce(&r, .key(.char("b")))
        #expect(r.branches.menu == nil && r.message?.contains("no model") == true)
    }
}

/// Thought anchors in the inspector: the request, progress, the gutter and the list.
@Suite struct AnchorsViewTests {
    @Test func anchorsRunInTheBackgroundThenFillTheGutterAndTheList() throws {
        var s = Scenario.doneState(100, 30)
        _ = reduce(&s, .key(.char("1")))
        let effects = reduce(&s, .key(.char("A")))
        #expect(effects == [.findAnchors(tree: s.branches.serial, samples: 4)])
        _ = reduce(&s, .anchorsProgress(tree: s.branches.serial, done: 8, total: 36))
        #expect(render(s).text.contains("anchors 8/36"))
        // Two sentences of the scenario's thinking: the second matters more.
        let sentences = ThinkingSentence.split(s.branches.tree.root.tokens)
        #expect(sentences.count >= 2)
        let results = sentences.enumerated().map { i, sentence in
            SentenceImportance(sentence: sentence, resampled: i == 1 ? ["2": 4] : ["3": 4], kept: ["3": 4], reference: "3")
        }
        #expect(results[1].kl > 0 && results[0].kl == 0)
        _ = reduce(&s, .anchorsFound(tree: s.branches.serial, results))
        #expect(s.message?.contains("#1") == true)
        // The gutter: the full bar on the second sentence's first line, a dot on the first's.
        _ = reduce(&s, .key(.char("g")))  // the top of the thinking
        let rows = render(s).rows
        let base = s.runBaseline!.tokenCount
        let line = s.thinkingPane.text.lineIndex(ofGlyph: s.tokens[base + sentences[1].firstToken].glyphStart)
        let y = s.layout.thinkingText.y + line - s.thinkingPane.scroll
        #expect(Array(rows[y])[s.layout.thinking.x] == "█")
        let y0 = s.layout.thinkingText.y + s.thinkingPane.text.lineIndex(ofGlyph: s.tokens[base + sentences[0].firstToken].glyphStart) - s.thinkingPane.scroll
        #expect(Array(rows[y0])[s.layout.thinking.x] == "·")
        // The list, most important first; Enter puts the cursor on that sentence.
        _ = reduce(&s, .key(.char("A")))
        let text = render(s).text
        #expect(text.contains("Thought anchors") && text.contains("#1  ████████"))
        _ = reduce(&s, .key(.enter))
        #expect(s.anchors?.open == false && s.cursor == base + sentences[1].firstToken)
    }

    @Test func aReplayCannotComputeAnchors() {
        var s = Scenario.doneState(100, 30)
        s.mode = .replay(path: "t.jsonl")
        #expect(reduce(&s, .key(.char("A"))).isEmpty)
        #expect(s.anchors == nil && s.message?.contains("thinkscope anchors") == true)
    }
}

@Suite struct MaskMenuTests {
    @Test func theMaskEntryStartsFromTheFindersExpertsAndRunsAMaskBranch() throws {
        var s = BranchTreeTests.atCursor()
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("x")))
        guard case .mask(let editor) = s.branches.menu?.stage else { Issue.record("no mask stage"); return }
        let found = try #require(s.counts).thinkingExperts(top: 2)
        #expect(found.count == 2)
        #expect(editor.text == found.map { "\($0.layer):\($0.expert)" }.joined(separator: ","))
        #expect(render(s).text.contains("Mask experts from") && render(s).text.contains("finder: L\(found[0].layer) e\(found[0].expert)"))
        for _ in 0..<editor.text.count { _ = reduce(&s, .key(.backspace)) }
        for ch in "9:999" { _ = reduce(&s, .key(.char(ch))) }
        #expect(reduce(&s, .key(.enter)).isEmpty && s.message?.contains("expert 999") == true)
        for _ in 0..<5 { _ = reduce(&s, .key(.backspace)) }
        _ = reduce(&s, .paste("*:5,2:7"))
        let r = try #require(BranchTreeTests.request(reduce(&s, .key(.enter))))
        #expect(r.interventions == [.mask(ExpertMask(dropped: [5], droppedInLayer: [2: [7]]))])
        #expect(render(s).text.contains("⊘ *:5,2:7"))
    }

    @Test func theFinderRanksExpertsByHowMuchMoreTheyFireInThinking() throws {
        var c = ExpertCounts(layers: 2, experts: 4)
        func r(_ l0: [Int], _ l1: [Int]) -> CompactRouting {
            CompactRouting([LayerRouting(experts: l0, weights: [0.5, 0.5]), LayerRouting(experts: l1, weights: [0.5, 0.5])])!
        }
        for _ in 0..<4 { c.add(r([0, 1], [2, 3]), phase: .thinking) }   // L0 e0/e1, L1 e2/e3 while thinking
        c.add(r([0, 2], [3, 1]), phase: .answer)
        c.add(r([0, 2], [1, 0]), phase: .answer)
        // Risk differences: L0 e1 1 − 0 = 1, L1 e2 1 − 0 = 1, L1 e3 1 − .5 = .5, L0 e0 1 − 1 = 0.
        let found = c.thinkingExperts(top: 3)
        #expect(found.map { "\($0.layer):\($0.expert)" } == ["0:1", "1:2", "1:3"])
        #expect(found.map(\.riskDifference) == [1, 1, 0.5])
        #expect(ExpertCounts(layers: 2, experts: 4).thinkingExperts(top: 2).isEmpty)
    }

    @Test func aDenseModelHasNoMaskEntry() {
        var s = Scenario.doneState(100, 30, model: dense)
        _ = reduce(&s, .key(.char("1")))
        _ = reduce(&s, .key(.char("c")))
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("x")))
        #expect(s.branches.menu?.stage == .choose && s.message?.contains("no experts") == true)
    }
}

@Suite struct BranchBackgroundTests {
    @Test func aNewPromptStopsBranchesStillRunning() throws {
        var s = BranchTreeTests.atCursor()
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("r")))
        _ = reduce(&s, .key(.char("T")))  // close the tree
        _ = reduce(&s, .key(.char("i")))
        for ch in "next" { _ = reduce(&s, .key(.char(ch))) }
        let effects = reduce(&s, .key(.enter))
        #expect(effects.first == .stop)
        guard case .startRun = effects.last else { Issue.record("no run started: \(effects)"); return }
    }
}

@Suite struct BranchProbeCurveTests {
    @Test func aShownBranchGetsItsOwnProbeCurveWhenTheRunHadOne() throws {
        var s = BranchTreeTests.atCursor()
        s.probeEvery = 8
        let p = Probe(thinkingTokens: 8, tokenIndex: 9, text: "3", answer: "3", meanLogProbability: -0.1, answerTokens: 1)
        _ = reduce(&s, .engine(.probe(p)))
        _ = reduce(&s, .key(.char("b")))
        let r = try #require(BranchTreeTests.request(reduce(&s, .key(.char("r")))))
        BranchTreeTests.finish(&s, r, answers: ["3", "2", "3", "3"])
        _ = reduce(&s, .key(.down))  // sample #2
        let effects = reduce(&s, .key(.enter))
        guard case .probeBranch(let tree, let node, let path, let every)? = effects.first else { Issue.record("\(effects)"); return }
        #expect(tree == s.branches.serial && node == 2 && every == 8 && path == s.branches.tree.path(2))
        #expect(s.probes.isEmpty)
        let q = Probe(thinkingTokens: 8, tokenIndex: 9, text: "2", answer: "2", meanLogProbability: -0.2, answerTokens: 1)
        _ = reduce(&s, .branchProbes(tree: tree, node: 2, [q]))
        #expect(s.probes == [q])
        // Back to the run: its own probes; to the branch again: no second request.
        _ = reduce(&s, .key(.char("T")))
        _ = reduce(&s, .key(.left))
        _ = reduce(&s, .key(.enter))
        #expect(s.probes == [p])
        _ = reduce(&s, .key(.char("T")))
        _ = reduce(&s, .key(.right))
        _ = reduce(&s, .key(.down))
        #expect(reduce(&s, .key(.enter)).isEmpty && s.probes == [q])
    }
}

@Suite struct StopBackgroundWorkTests {
    @Test func sStopsRunningBranchesAndAnchorsFromTheirViews() throws {
        var s = BranchTreeTests.atCursor()
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("r")))
        #expect(s.branches.open && reduce(&s, .key(.char("S"))) == [.stop])
        var a = Scenario.doneState(100, 30)
        _ = reduce(&a, .key(.char("1")))
        _ = reduce(&a, .key(.char("A")))
        _ = reduce(&a, .key(.char("A")))  // the list, while it runs
        #expect(a.anchors?.open == true && reduce(&a, .key(.char("S"))) == [.stop])
        _ = reduce(&a, .anchorsFound(tree: a.branches.serial, []))
        #expect(reduce(&a, .key(.char("S"))).isEmpty, "nothing to stop once it is done")
    }
}
