import Foundation
import Engine
@testable import Inspector
@testable import Reasoning
import Testing

/// The live mask toggle (`M`) on the main run, and the super-expert warning of both mask entries.
@Suite struct LiveMaskTests {
    static func masks(_ effects: [Effect]) -> [ExpertMask?] {
        effects.compactMap { if case .setExpertMask(let m) = $0 { return .some(m) } else { return nil } }
    }

    static func type(_ s: inout InspectorState, _ text: String) {
        for ch in text { _ = reduce(&s, .key(.char(ch))) }
    }

    /// Norms of the 48-layer model where expert 7 of layer 2 is 100 times as loud as the rest.
    static var loudNorms: ExpertNorms {
        var n = ExpertNorms(layers: 48, experts: 128)
        for e in 0..<128 { n.add(layer: 2, expert: e, norm: e == 7 ? 100 : 1) }
        for e in 0..<128 { n.add(layer: 3, expert: e, norm: 1) }
        return n
    }

    @Test func mSetsAndClearsTheMainRunsMaskAndTheHeaderShowsIt() {
        var s = Scenario.doneState(100, 30)
        #expect(!render(s).text.contains("⊘"))
        _ = reduce(&s, .key(.char("M")))
        #expect(s.liveMask != nil && render(s).text.contains("Expert mask of the main run"))
        #expect(render(s).text.contains("now: the router's own choice"))
        Self.type(&s, "2:7,*:5")
        let set = Self.masks(reduce(&s, .key(.enter)))
        let mask = ExpertMask(dropped: [5], droppedInLayer: [2: [7]])
        #expect(set == [mask] && s.expertMask == mask && s.liveMask == nil)
        #expect(render(s).rows[0].contains("⊘ *:5,2:7"))
        let narrow = render(Scenario.resized(s, 80, 24)).rows[0]
        #expect(narrow.contains("⊘ *:5,2:7"), "the model's name gives way to the mask: \(narrow)")
        #expect(s.message?.contains("for the next runs") == true)
        // Reopened, it holds the mask in force; emptied, Enter clears it.
        _ = reduce(&s, .key(.char("M")))
        #expect(s.liveMask?.editor.text == "*:5,2:7")
        _ = reduce(&s, .key(.ctrl("u")))
        #expect(Self.masks(reduce(&s, .key(.enter))) == [nil])
        #expect(s.expertMask == nil && !render(s).rows[0].contains("⊘"))
    }

    @Test func aMaskGivenOnTheCommandLineOrRecordedInATraceIsShown() throws {
        var s = Scenario.idle(100, 30)
        s.modelLoading = true
        s.focus = .thinking
        _ = reduce(&s, .key(.char("M")))
        #expect(s.liveMask == nil && s.message?.contains("loading") == true)
        var summary = moe48
        summary.mask = ExpertMask(droppedInLayer: [3: [9]])
        _ = reduce(&s, .modelLoaded(summary))
        #expect(s.expertMask == summary.mask && render(s).rows[0].contains("⊘ 3:9"))
        _ = reduce(&s, .key(.char("M")))
        #expect(s.liveMask?.editor.text == "3:9")

        // A replay shows the mask its run started with, and M says so.
        let header = TraceHeader(model: .init(file: "m.gguf", size: 1, headerHash: "x", architecture: "qwen3moe", layers: 48, experts: 128),
                                 settings: TraceSettings(thinking: true, settings: GenerationSettings(), mask: ExpertMask(dropped: [4])),
                                 messages: [TraceMessage(role: "user", content: "Why?")], promptTokens: [1], created: "now")
        let line = #"{"type":"header","# + String(String(decoding: try TraceLine.encoder.encode(header), as: UTF8.self).dropFirst())
        let trace = try Trace(data: Data((line + "\n").utf8))
        var r = InspectorState.replay(trace, path: "/tmp/t.jsonl", width: 100, height: 30, theme: .builtinDark, colorDepth: .c256)
        #expect(render(r).rows[0].contains("⊘ *:4"))
        _ = reduce(&r, .key(.char("M")))
        #expect(r.liveMask == nil && r.message?.contains("recorded with the mask ⊘ *:4") == true)
    }

    @Test func whileRunningTheMaskTakesEffectFromTheNextToken() {
        var s = Scenario.thinkingState(100, 30)
        #expect(s.isRunning)
        s.focus = .thinking
        _ = reduce(&s, .key(.char("M")))
        #expect(render(s).text.contains("from the next token"))
        Self.type(&s, "*:3")
        #expect(Self.masks(reduce(&s, .key(.enter))) == [ExpertMask(dropped: [3])])
        #expect(s.message?.contains("from the next token") == true && s.isRunning)
    }

    @Test func badMasksAreRefusedAndTheEditorStaysOpen() {
        var s = Scenario.doneState(100, 30)
        _ = reduce(&s, .key(.char("M")))
        for text in ["9:999", "x", "1:2:3", "99:1", "\u{1B}[31m"] {
            _ = reduce(&s, .key(.ctrl("u")))
            _ = reduce(&s, .paste(text))
            #expect(reduce(&s, .key(.enter)).isEmpty, "\(text)")
            #expect(s.liveMask != nil && s.expertMask == nil && s.message != nil)
            #expect(!render(s).text.contains("\u{1B}"))
        }
        _ = reduce(&s, .key(.escape))
        #expect(s.liveMask == nil && s.expertMask == nil)
    }

    @Test func theLiveMaskIsRefusedWhereItDoesNotApply() throws {
        var dense = Scenario.idle(100, 30, model: dense)
        dense.focus = .thinking
        _ = reduce(&dense, .key(.char("M")))
        #expect(dense.liveMask == nil && dense.message?.contains("dense") == true)
        // While branches run, the main run's mask would not be the one they run with.
        var s = BranchTreeTests.atCursor()
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("r")))
        _ = reduce(&s, .key(.char("T")))
        _ = reduce(&s, .key(.char("M")))
        #expect(s.liveMask == nil && s.message?.contains("wait for") == true)
    }

    @Test func maskingASuperExpertLiveAsksFirst() {
        var s = Scenario.doneState(100, 30)
        _ = reduce(&s, .expertNorms(Self.loudNorms))
        _ = reduce(&s, .key(.char("M")))
        Self.type(&s, "3:7,2:7")
        #expect(reduce(&s, .key(.enter)).isEmpty)
        let text = render(s).text
        #expect(text.contains("⚠ super expert: L2 e7 (output norm 100× its layer's median)"), "\(text)")
        #expect(s.expertMask == nil)
        _ = reduce(&s, .key(.escape))  // back to the text, which is kept
        #expect(s.liveMask?.pending == nil && s.liveMask?.editor.text == "3:7,2:7")
        _ = reduce(&s, .key(.enter))
        #expect(Self.masks(reduce(&s, .key(.enter))) == [ExpertMask(droppedInLayer: [2: [7], 3: [7]])])
        // A quiet expert goes through without a question.
        _ = reduce(&s, .key(.char("M")))
        _ = reduce(&s, .key(.ctrl("u")))
        Self.type(&s, "3:7")
        #expect(Self.masks(reduce(&s, .key(.enter))) == [ExpertMask(droppedInLayer: [3: [7]])])
    }

    @Test func aMaskBranchOfASuperExpertAsksFirst() throws {
        var s = BranchTreeTests.atCursor()
        _ = reduce(&s, .expertNorms(Self.loudNorms))
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("x")))
        _ = reduce(&s, .key(.ctrl("u")))
        Self.type(&s, "*:7")
        #expect(BranchTreeTests.request(reduce(&s, .key(.enter))) == nil)
        guard case .confirmMask(let m, let found, _) = s.branches.menu?.stage else { Issue.record("no warning"); return }
        #expect(m == ExpertMask(dropped: [7]) && found == [SuperExpert(layer: 2, expert: 7, ratio: 100)])
        #expect(render(s).text.contains("⚠ super expert: L2 e7"))
        // Other menu keys do nothing here; Esc goes back to the text.
        _ = reduce(&s, .key(.char("r")))
        guard case .confirmMask = s.branches.menu?.stage else { Issue.record("r left the warning"); return }
        _ = reduce(&s, .key(.escape))
        guard case .mask(let editor) = s.branches.menu?.stage else { Issue.record("Esc did not go back"); return }
        #expect(editor.text == "*:7")
        _ = reduce(&s, .key(.enter))
        let r = try #require(BranchTreeTests.request(reduce(&s, .key(.enter))))
        #expect(r.interventions == [.mask(ExpertMask(dropped: [7]))])
    }
}

@Suite struct LiveMaskSnapshotTests {
    /// The live mask's warning over a finished run, at three sizes (the smallest cannot fit the box).
    @Test(arguments: [(100, 30), (80, 24), (30, 8)])
    func superExpertWarningSnapshot(size: (Int, Int)) throws {
        var s = Scenario.doneState(size.0, size.1)
        _ = reduce(&s, .expertNorms(LiveMaskTests.loudNorms))
        _ = reduce(&s, .key(.char("M")))
        LiveMaskTests.type(&s, "2:7")
        _ = reduce(&s, .key(.enter))
        #expect(s.liveMask?.pending != nil)
        try Snapshot.check(render(s), "live-mask-warning-\(size.0)x\(size.1)")
    }
}

@Suite struct FinderRankingTests {
    @Test func tabSwitchesTheMaskEntryToTheExpertsAroundWait() throws {
        var s = BranchTreeTests.atCursor()
        s.markers = ThinkingMarkers(hesitations: ["Wait", "let me double-check"], switches: [])
        _ = reduce(&s, .key(.char("b")))
        _ = reduce(&s, .key(.char("x")))
        #expect(render(s).text.contains("Tab: the finder's experts around \"Wait\""))
        _ = reduce(&s, .key(.tab))
        let menu = try #require(s.branches.menu)
        guard case .mask(let editor) = menu.stage else { Issue.record("not the mask stage"); return }
        // The scenario's thinking has "Wait, let me double-check": the ranking is that of the run's path.
        let expected = ExpertRanking.aroundHesitations(s.branches.tree.path(menu.node), markers: s.markers!,
                                                       layers: 48, experts: 128, top: 2)
        #expect(menu.finder == .aroundWait)
        #expect(!expected.isEmpty)
        #expect(menu.found == expected)
        #expect(editor.text == ExpertRanking.maskText(expected))
        let screen = render(s).text
        #expect(screen.contains("(around \"Wait\" vs the rest)"))
        // Tab again: back to thinking − answer, whose experts are the heatmap's.
        _ = reduce(&s, .key(.tab))
        guard case .mask(let back) = s.branches.menu?.stage else { Issue.record("left the mask stage"); return }
        #expect(back.text == ExpertRanking.maskText(try #require(s.counts).thinkingExperts(top: 2)))
    }

    @Test func tabFillsTheLiveMaskFromTheFinder() throws {
        var s = Scenario.doneState(100, 30)
        _ = reduce(&s, .key(.char("M")))
        _ = reduce(&s, .key(.tab))
        let thinking = try #require(s.counts).thinkingExperts(top: 2)
        #expect(s.liveMask?.editor.text == ExpertRanking.maskText(thinking) && !thinking.isEmpty)
        #expect(render(s).text.contains("Tab: the finder's top experts, around \"Wait\""))
        _ = reduce(&s, .key(.tab))
        #expect(s.liveMask?.finder == .thinking && s.liveMask?.found.isEmpty == false)
        #expect(s.liveMask?.editor.text != ExpertRanking.maskText(thinking))
    }
}
