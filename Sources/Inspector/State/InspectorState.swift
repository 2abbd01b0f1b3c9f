import Engine
import Reasoning
import Tokenizer

/// What the inspector knows about the model it shows.
public struct ModelSummary: Sendable, Equatable {
    public var name: String
    public var architecture: String
    public var layers: Int
    /// Experts per MoE layer; nil for a dense model.
    public var experts: Int?
    /// Whether the model has think tokens (a think budget can apply).
    public var thinks: Bool
    /// The expert mask the model routes with when it opens (`--mask`, or a trace's header).
    public var mask: ExpertMask?
    /// Why there is no expert routing to show although the model may be MoE (a server that does
    /// not report it); nil in process.
    public var noRouting: String?
    /// Why controls that act on a run cannot (a display-only server: the budget goes with the
    /// request, nothing can be forced mid-run); nil where they work. Those controls are greyed.
    public var displayOnly: String?

    public init(name: String, architecture: String, layers: Int, experts: Int?, thinks: Bool = true, mask: ExpertMask? = nil) {
        self.mask = mask?.isEmpty == false ? mask : nil
        self.name = name
        self.architecture = architecture
        self.layers = layers
        self.experts = experts
        self.thinks = thinks
    }

    public var isMoE: Bool { (experts ?? 0) > 0 }
}

/// How many colours the terminal draws; the heatmap adapts (half blocks in colour, density
/// glyphs without).
public enum ColorDepth: String, Sendable, CaseIterable {
    case truecolor, c256 = "256", c16 = "16", none
}

/// Where the inspector's content comes from.
public enum SessionMode: Sendable, Equatable {
    /// A model runs in-process.
    case live
    /// A recorded trace (no model).
    case replay(path: String)
    /// No model could be opened; the message says why and what to do.
    case noModel(String)
}

public enum RunState: Sendable, Equatable {
    case idle
    case running
    case finished(FinishReason)
    case failed(String)
}

/// A token as the inspector keeps it.
public struct TokenRecord: Sendable, Equatable {
    public var index: Int
    public var id: Int
    public var text: String
    public var phase: Phase
    public var origin: TokenOrigin
    public var logProbability: Float?
    public var alternatives: [TokenEvent.Alternative]
    public var routing: CompactRouting?
    public var turn: Int
    /// First glyph of the token in its pane (the pane is chosen by phase).
    public var glyphStart: Int
    public var glyphCount: Int
    public var pane: PaneID
}

public enum PaneID: String, Sendable, Equatable { case thinking, answer }

/// One exchange of the conversation.
public struct Turn: Sendable, Equatable {
    public var user: String
    public var thinking = ""
    public var answer = ""
    public var finished = false
}

/// A scrollable text pane.
public struct PaneState: Sendable, Equatable {
    public var text = PaneText()
    /// First visible line.
    public var scroll = 0
    /// Keep the newest text in view.
    public var follow = true
}

/// The whole UI state. Changed only by `reduce`.
public struct InspectorState: Sendable {
    public var width: Int
    public var height: Int
    public var colorDepth: ColorDepth
    public var theme: Theme
    public var keyMap = KeyMap.standard
    public var mode: SessionMode
    public var model: ModelSummary
    public var mouseEnabled = false
    /// The model is still loading (the UI opens at once; a run waits for the load).
    public var modelLoading = false

    public var focus: Focus = .prompt
    public var showHelp = false
    public var helpScroll = 0
    public var zoomed = false

    public var editor = LineEditor()
    public var examples: [String] = InspectorState.defaultExamples
    public var exampleIndex = 0
    public var examplesRequested = false

    public var thinkingPane = PaneState()
    public var answerPane = PaneState()
    public var tokens: [TokenRecord] = []
    /// Token under the cursor (index into `tokens`), when the cursor is on.
    public var cursor: Int?

    public var counts: ExpertCounts?
    public var heatmapView: HeatmapView = .run
    public var heatmapScale: HeatmapScale = .sqrt
    public var heatmapFit = true
    public var heatmapLayerScroll = 0
    public var heatmapExpertScroll = 0

    public var slider = BudgetSlider()
    public var run: RunState = .idle
    public var phase: Phase?
    public var stats = GenerationStats()
    /// Counted from token events as they arrive (stats events come less often).
    public var live = LiveCounts()
    public var clock = 0.0
    public var runStartedAt: Double?
    public var runEndedAt: Double?
    public var message: String?
    public var messageUntil = 0.0

    public var conversation: [Turn] = []
    /// Answer probes of the latest run, in probe-point order (a later report of a point replaces it).
    public var probes: [Probe] = []
    /// Index into `tokens` of the latest run's first token (probe token indices count from it).
    public var probesBase = 0
    /// The probe chart panel is shown.
    public var showProbes = false
    /// Live runs probe every this many thinking tokens (nil = no probes).
    public var probeEvery: Int?
    /// Where the latest run's final answer formed (after the `P` key's search).
    public var pivot: Pivot?
    /// Hesitation and thought-switch words for the probes' status line.
    public var markers: ThinkingMarkers?
    /// Their counts in the latest turn's thinking, and the thinking length they were counted at:
    /// recounted on the clock, at most twice a second, never while drawing (a 32K-token trace has
    /// about 130,000 characters to search).
    public var markerCounts = MarkerCounts()

    public struct MarkerCounts: Sendable, Equatable {
        public var hesitations = 0
        public var switches = 0
        public var countedLength = -1
        public var countedAt = -Double.infinity
    }
    /// The expert mask of the main run (the live toggle `M`; nil: the router's own choice).
    public var expertMask: ExpertMask?
    /// How loud each expert has been (after each run), for the super-expert warning.
    public var expertNorms: ExpertNorms?
    /// The live mask's editor, while it is open.
    public var liveMask: LiveMaskEditor?
    /// The latest run's branch tree, the branch menu and the tree view.
    public var branches = BranchesState()
    /// Thought anchors of the latest run (`A`).
    public var anchors: AnchorsState?
    /// The panes before the latest run (a branch is shown in the run's place).
    var runBaseline: RunBaseline?
    /// The latest run's probes, while a branch is shown in its place.
    var runProbes: [Probe] = []
    /// The "compare budgets" view, while it is open.
    public var compare: CompareState?
    /// The id of the latest comparison (news of older ones is ignored).
    public var compareSerial = 0
    public var shouldQuit = false
    /// Bumped when the screen must be repainted from scratch (Ctrl-L).
    public var redrawGeneration = 0

    public struct LiveCounts: Sendable, Equatable {
        public var thinking = 0
        public var answer = 0
        public var injected = 0
        public var thinkingSampledSeen = false
    }

    public enum Focus: String, Sendable, CaseIterable { case prompt, thinking, answer, heatmap }

    public init(width: Int, height: Int, model: ModelSummary, mode: SessionMode = .live,
                theme: Theme = .builtinDark, colorDepth: ColorDepth = .c256) {
        self.width = width
        self.height = height
        self.model = model
        self.mode = mode
        self.theme = theme
        self.colorDepth = colorDepth
        if let e = model.experts, e > 0 { counts = ExpertCounts(layers: model.layers, experts: e) }
        expertMask = model.mask
        if case .replay = mode { focus = .thinking }
        if case .noModel = mode { focus = .answer }
        syncLayout()
    }

    /// The kinds of problem the embedded demo model was trained on, in its training phrasings (any
    /// Qwen3 handles them too).
    public static let defaultExamples = [
        "How many r's are in the word strawberry?",
        "What is 4821 + 3956?",
        "Which is larger, 9.11 or 9.9?",
        "Sort these numbers from smallest to largest: 42, 17, 93, 28, 61.",
        "What is 5714 - 2869? /no_think",
        "计算 368 × 7。",
    ]

    public var isRunning: Bool { run == .running }
    public var isLive: Bool { mode == .live }
    public var showsExamples: Bool {
        focus == .prompt && editor.isEmpty && isLive && !isRunning && (conversation.isEmpty || examplesRequested)
    }

    /// The budget in force for display: the live stats' budget while running, else the slider's.
    public var budgetLimit: Int? { isRunning ? stats.budget : slider.step.limit }

    /// A comparison is generating.
    public var isComparing: Bool { compare?.running == true }

    /// The time the title bar shows: the comparison's while it is open, else the run's.
    public var shownElapsed: Double { compare.map { $0.elapsed(clock) } ?? elapsed }

    public var elapsed: Double {
        if case .replay = mode { return stats.elapsed }  // the recorded time
        guard let s = runStartedAt else { return 0 }
        return max(0, (runEndedAt ?? clock) - s)
    }

    /// The token the heatmap's token view shows: the cursor's, else the latest routed token.
    public var selectedRouting: CompactRouting? {
        if let c = cursor, c < tokens.count { return tokens[c].routing }
        return tokens.last(where: { $0.routing != nil })?.routing
    }

    public var layout: Layout { Layout(self) }

    /// Rewraps the panes to the widths the layout gives them and keeps scroll positions valid.
    mutating func syncLayout() {
        let l = layout
        thinkingPane.text.rewrap(width: max(1, l.thinkingText.width))
        answerPane.text.rewrap(width: max(1, l.answerText.width))
        clampScroll(&thinkingPane, rows: l.thinkingText.height)
        clampScroll(&answerPane, rows: l.answerText.height)
    }

    func clampScroll(_ p: inout PaneState, rows: Int) {
        let maxScroll = max(0, p.text.lineCount - max(1, rows))
        if p.follow { p.scroll = maxScroll } else { p.scroll = p.scroll.clamped(0, maxScroll) }
    }
}
