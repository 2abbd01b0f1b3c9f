@testable import Inspector
@testable import Reasoning
import Testing

/// Every screen size renders, down to nothing, in every state, without crashing.
@Suite struct TinyTerminalTests {
    static let sizes = [(20, 6), (0, 0), (1, 1), (2, 1), (5, 2), (12, 3), (19, 5), (30, 8), (39, 9), (40, 10),
                        (10, 40), (200, 3), (69, 20), (70, 20)]

    static func states(_ w: Int, _ h: Int) -> [InspectorState] {
        var help = Scenario.doneState(w, h)
        _ = reduce(&help, .key(.char("?")))
        var cursor = Scenario.doneState(w, h)
        _ = reduce(&cursor, .key(.char("1")))
        _ = reduce(&cursor, .key(.char("c")))
        var heat = Scenario.doneState(w, h)
        _ = reduce(&heat, .key(.char("3")))
        _ = reduce(&heat, .key(.char("z")))
        var noColor = Scenario.answeringState(w, h, depth: .none)
        _ = reduce(&noColor, .key(.char("v")))
        var compareHelp = Scenario.compareState(w, h)
        _ = reduce(&compareHelp, .key(.char("?")))
        var compareScrolled = Scenario.compareState(w, h, done: 7, finished: true)
        _ = reduce(&compareScrolled, .key(.end))
        var compareFailed = Scenario.compareState(w, h, done: 0)
        _ = reduce(&compareFailed, .compareFailed(id: compareFailed.compareSerial, "this model cannot rewind"))
        return [Scenario.idle(w, h), Scenario.thinkingState(w, h), Scenario.answeringState(w, h), help, cursor, heat,
                noColor, Scenario.doneState(w, h, model: dense), Scenario.compareState(w, h), compareHelp, compareScrolled,
                compareFailed] + whatIfStates(w, h)
    }

    /// The branch tree (with its diff), each stage of the branch menu, and the thought anchors (list
    /// and gutter), built at 100×30 and resized.
    static let whatIfBase: [InspectorState] = {
        guard var tree = try? BranchTreeTests.withTree() else { return [] }
        var diff = tree
        _ = reduce(&diff, .key(.char("d")))
        var menus: [InspectorState] = []
        for keys in [["b"], ["b", "a"], ["b", "e", "W", "a", "i", "t"], ["b", "x"]] as [[Character]] {
            var m = BranchTreeTests.atCursor()
            for k in keys { _ = reduce(&m, .key(.char(k))) }
            menus.append(m)
        }
        var anchors = Scenario.doneState(100, 30)
        let sentences = ThinkingSentence.split(anchors.branches.tree.root.tokens)
        _ = reduce(&anchors, .key(.char("A")))
        _ = reduce(&anchors, .anchorsFound(tree: anchors.branches.serial, sentences.enumerated().map { i, x in
            SentenceImportance(sentence: x, resampled: [String(i % 3): 2], kept: ["3": 2], reference: "3")
        }))
        var list = anchors
        _ = reduce(&list, .key(.char("A")))
        _ = reduce(&tree, .tick(500))
        return [tree, diff, anchors, list] + menus
    }()

    static func whatIfStates(_ w: Int, _ h: Int) -> [InspectorState] {
        whatIfBase.map { Scenario.resized($0, w, h) }
    }

    @Test func theWhatIfViewsAreAmongTheStates() {
        #expect(Self.whatIfBase.count == 8)
        #expect(Self.whatIfBase.filter { $0.branches.open }.count == 2 && Self.whatIfBase.filter { $0.branches.menu != nil }.count == 4)
    }

    @Test(arguments: sizes)
    func rendersWithoutCrashing(size: (Int, Int)) {
        for s in Self.states(size.0, size.1) {
            let b = render(s)
            #expect(b.width == max(0, size.0) && b.height == max(0, size.1))
            for row in b.rows { #expect(DisplayWidth.of(row) <= size.0) }
        }
    }

    @Test func twentyBySixStillShowsTheEssentials() {
        let text = render(Scenario.thinkingState(20, 6)).text
        #expect(text.contains("ThinkScope"))
        let compare = render(Scenario.compareState(20, 6)).text
        #expect(compare.contains("Compare"))
        #expect(compare.contains("no-think"))
    }

    @Test func resizingThroughEverySizeMidGenerationKeepsWorking() {
        var s = Scenario.thinkingState(80, 24)
        var script = EventScript(index: s.tokens.count)
        for (i, (w, h)) in [(160, 48), (3, 2), (0, 0), (45, 12), (100, 30), (20, 6), (80, 24)].enumerated() {
            _ = reduce(&s, .resize(width: w, height: h))
            _ = reduce(&s, script.token(" word\(i)", .thinking))
            _ = render(s)
        }
        #expect(s.thinkingPane.text.wrapWidth == s.layout.thinkingText.width)
        #expect(render(s).text.contains("word6"))
    }
}
