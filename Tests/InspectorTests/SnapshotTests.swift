@testable import Inspector
import Testing

/// Screen snapshots at 80×24 and 160×48, rendered into the in-memory screen buffer.
@Suite struct SnapshotTests {
    static let sizes = [(80, 24), (160, 48)]

    static func states(_ w: Int, _ h: Int) -> [(String, InspectorState)] {
        var help = Scenario.doneState(w, h)
        _ = reduce(&help, .key(.char("?")))
        var views: [(String, InspectorState)] = []
        for view in HeatmapView.allCases {
            var s = Scenario.doneState(w, h)
            _ = reduce(&s, .key(.char("3")))  // focus the heatmap
            s.heatmapView = view
            if view == .token {
                _ = reduce(&s, .key(.char("1")))
                _ = reduce(&s, .key(.char("c")))  // token cursor in the thinking pane
                _ = reduce(&s, .key(.home))
                for _ in 0..<6 { _ = reduce(&s, .key(.right)) }  // a sampled token: " many"
            }
            views.append(("heatmap-\(view.rawValue)", s))
        }
        return [
            ("idle", Scenario.idle(w, h)),
            ("thinking", Scenario.thinkingState(w, h)),
            ("answering", Scenario.answeringState(w, h)),
            ("done", Scenario.doneState(w, h)),
            ("help", help),
            ("compare", Scenario.compareState(w, h)),
            ("compare-done", Scenario.compareState(w, h, done: 7, finished: true)),
        ] + views
    }

    @Test(arguments: sizes)
    func mainStates(size: (Int, Int)) throws {
        for (name, state) in Self.states(size.0, size.1) {
            try Snapshot.check(render(state), "\(name)-\(size.0)x\(size.1)")
        }
    }

    @Test func denseModelExplainsWhyThereIsNoHeatmap() throws {
        let s = Scenario.doneState(80, 24, model: dense)
        let screen = render(s)
        #expect(screen.text.contains("Dense model (qwen3)"))
        try Snapshot.check(screen, "done-dense-80x24")
    }

    @Test func aServedModelSaysTheServerDoesNotReportRouting() throws {
        var served = ModelSummary(name: "demo model on llama-server http://127.0.0.1:8080", architecture: "qwen3moe", layers: 0, experts: nil)
        served.noRouting = "llama-server does not report expert routing, so no heatmap"
        let screen = render(Scenario.doneState(80, 24, model: served))
        #expect(screen.text.contains("llama-server does not report expert"))
        #expect(!screen.text.contains("Dense model"))
    }

    @Test func withoutColourTheHeatmapUsesDensityGlyphs() throws {
        let s = Scenario.doneState(80, 24, depth: .none)
        let screen = render(s)
        #expect(!screen.text.contains("▀"))
        try Snapshot.check(screen, "done-nocolor-80x24")
    }

    @Test func heatmapAt160ColumnsShowsAll48LayersAndAll128Experts() {
        var s = Scenario.doneState(160, 48)
        _ = reduce(&s, .key(.char("3")))
        let rows = render(s).rows
        let gridRows = rows.filter { $0.contains("│L") && $0.contains("▀") }
        #expect(gridRows.count == 24)  // two layers per row
        #expect(gridRows.allSatisfy { $0.filter { $0 == "▀" }.count == 128 })
        #expect(rows.contains { $0.contains("L46") })
    }

    @Test func heatmapAt80ColumnsBucketsTheExpertsAndScrollsTheLayers() {
        var s = Scenario.doneState(80, 24)
        _ = reduce(&s, .key(.char("3")))
        let before = render(s).text
        #expect(before.contains("2/col"))
        #expect(!before.contains("L46"))
        for _ in 0..<30 { _ = reduce(&s, .key(.down)) }
        #expect(render(s).text.contains("L46"))
        _ = reduce(&s, .key(.char("f")))  // one column per expert, scrolled sideways
        #expect(render(s).text.contains("experts 0–"))
        _ = reduce(&s, .key(.right))
        #expect(render(s).text.contains("experts 8–"))
    }
}
