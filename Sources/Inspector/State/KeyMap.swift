/// Everything a key can do.
public enum Command: String, CaseIterable, Sendable {
    case help, quit, interrupt, escape, redraw
    case focusNext, focusPrevious, focusThinking, focusAnswer, focusHeatmap, focusPrompt
    case run, examplePrevious, exampleNext
    case budgetDown, budgetUp, toggleThink, toggleBudgetMode, cycleEndStyle, endThinkingNow, stop
    case scrollUp, scrollDown, pageUp, pageDown, top, bottom
    case heatmapNextView, heatmapPreviousView, heatmapLeft, heatmapRight, heatmapUp, heatmapDown, heatmapFit, heatmapScale
    case zoom, tokenCursor, cursorLeft, cursorRight, cursorUp, cursorDown, cursorFirst, cursorLast
    case newConversation
    case compare
    case toggleProbes, findPivot, probePrevious, probeNext
    case saveTrace, anchors, liveMask
    case branch, branchAlternative, branchResample, branchEdit, branchMask, toggleBranches, branchParent, branchChild, openBranch, branchDiff
}

extension Command {
    /// Needs a model the loop can force, fork or read logits from: off on a display-only server.
    public var needsForcing: Bool {
        switch self {
        case .toggleBudgetMode, .cycleEndStyle, .endThinkingNow, .compare, .toggleProbes, .findPivot, .probePrevious, .probeNext,
             .anchors, .liveMask, .branch, .branchAlternative, .branchResample, .branchEdit, .branchMask:
            return true
        default:
            return false
        }
    }

    /// Changes the budget: on a display-only server only between runs (it goes with the request).
    public var movesBudget: Bool { self == .budgetDown || self == .budgetUp }
}

/// Where a binding applies. The reducer tries the scopes in the order of `InspectorState.activeScopes`.
public enum KeyScope: String, Sendable, CaseIterable {
    /// Help overlay open.
    case help
    /// The branch menu is open.
    case branchMenu
    /// The branch tree is open.
    case branches
    /// The thought-anchor list is open.
    case anchors
    /// The budget comparison is open.
    case compare
    /// Token cursor active.
    case cursor
    /// Editing the prompt.
    case prompt
    /// The heatmap pane has focus.
    case heatmap
    /// The thinking or answer pane has focus.
    case panes
    /// Any pane has focus (not the prompt).
    case view
    /// Always.
    case global

    var title: String {
        switch self {
        case .help: return "Help"
        case .branchMenu: return "Branch menu (b on the token cursor)"
        case .branches: return "Branch tree (T)"
        case .anchors: return "Thought anchors (A)"
        case .compare: return "Budget comparison (b)"
        case .cursor: return "Token cursor (c)"
        case .prompt: return "Prompt line"
        case .heatmap: return "Heatmap pane (3)"
        case .panes: return "Thinking / answer panes (1, 2)"
        case .view: return "Panes (after Esc or Tab)"
        case .global: return "Everywhere"
        }
    }
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var command: Command
    public var scope: KeyScope
    public var help: String

    public init(_ keys: [Key], _ command: Command, _ scope: KeyScope, _ help: String) {
        self.keys = keys
        self.command = command
        self.scope = scope
        self.help = help
    }
}

/// The key bindings, as data: the reducer looks keys up here and the help overlay lists them.
/// Conventions follow btop / htop / k9s / lazygit: `?` help, `q` quit, Tab focus, digits jump to
/// panes, arrows or hjkl move, `[` `]` budget, Esc backs out or stops generation.
public struct KeyMap: Sendable {
    public var bindings: [KeyBinding]

    public init(_ bindings: [KeyBinding]) { self.bindings = bindings }

    public func command(for key: Key, in scopes: [KeyScope]) -> Command? {
        for scope in scopes {
            if let b = bindings.first(where: { $0.scope == scope && $0.keys.contains(key) }) { return b.command }
        }
        return nil
    }

    public static let standard = KeyMap([
        // Help overlay
        KeyBinding([.char("?"), .function(1), .escape, .char("q")], .help, .help, "close help"),
        KeyBinding([.up, .char("k")], .scrollUp, .help, "scroll help"),
        KeyBinding([.down, .char("j")], .scrollDown, .help, "scroll help"),
        KeyBinding([.pageUp], .pageUp, .help, "page up"),
        KeyBinding([.pageDown, .char(" ")], .pageDown, .help, "page down"),

        // Branch menu
        KeyBinding([.char("a")], .branchAlternative, .branchMenu, "alternative: force another listed token here"),
        KeyBinding([.char("r")], .branchResample, .branchMenu, "resample ×4 from here (on-policy)"),
        KeyBinding([.char("e")], .branchEdit, .branchMenu, "edit: replace the text from here (off-policy)"),
        KeyBinding([.char("x")], .branchMask, .branchMenu, "mask experts from here (LAYER:EXPERT,…; the finder's thinking experts to start)"),
        KeyBinding([.up, .char("k")], .scrollUp, .branchMenu, "previous entry"),
        KeyBinding([.down, .char("j")], .scrollDown, .branchMenu, "next entry"),
        KeyBinding([.enter], .openBranch, .branchMenu, "run the highlighted entry"),
        KeyBinding([.escape, .char("q")], .escape, .branchMenu, "close the menu"),

        // Branch tree
        KeyBinding([.up, .char("k")], .scrollUp, .branches, "previous node"),
        KeyBinding([.down, .char("j")], .scrollDown, .branches, "next node"),
        KeyBinding([.left, .char("h")], .branchParent, .branches, "parent node"),
        KeyBinding([.right, .char("l")], .branchChild, .branches, "first child node"),
        KeyBinding([.enter], .openBranch, .branches, "show the node in the thinking and answer panes"),
        KeyBinding([.char("d")], .branchDiff, .branches, "diff: where the node's thinking departs from its parent's"),
        KeyBinding([.char("T"), .escape, .char("q")], .toggleBranches, .branches, "close the tree"),
        KeyBinding([.char("w")], .saveTrace, .branches, "write the run and its branches as a trace"),
        KeyBinding([.char("S")], .stop, .branches, "stop the branches still running"),
        KeyBinding([.char("?")], .help, .branches, "help"),

        // Thought anchors
        KeyBinding([.up, .char("k")], .scrollUp, .anchors, "previous sentence"),
        KeyBinding([.down, .char("j")], .scrollDown, .anchors, "next sentence"),
        KeyBinding([.enter], .openBranch, .anchors, "token cursor to the sentence"),
        KeyBinding([.char("A"), .escape, .char("q")], .anchors, .anchors, "close the list"),
        KeyBinding([.char("S")], .stop, .anchors, "stop computing them"),
        KeyBinding([.char("?")], .help, .anchors, "help"),

        // Budget comparison
        KeyBinding([.char("b"), .escape, .char("q")], .compare, .compare, "close the comparison (stops it while it runs)"),
        KeyBinding([.up, .char("k")], .scrollUp, .compare, "scroll the answers up"),
        KeyBinding([.down, .char("j")], .scrollDown, .compare, "scroll the answers down"),
        KeyBinding([.pageUp], .pageUp, .compare, "page up"),
        KeyBinding([.pageDown, .char(" ")], .pageDown, .compare, "page down"),
        KeyBinding([.home, .char("g")], .top, .compare, "top"),
        KeyBinding([.end, .char("G")], .bottom, .compare, "bottom"),
        KeyBinding([.char("S")], .stop, .compare, "stop the comparison"),
        KeyBinding([.char("?")], .help, .compare, "help"),

        // Token cursor
        KeyBinding([.left, .char("h")], .cursorLeft, .cursor, "previous token"),
        KeyBinding([.right, .char("l")], .cursorRight, .cursor, "next token"),
        KeyBinding([.up, .char("k")], .cursorUp, .cursor, "token on the line above"),
        KeyBinding([.down, .char("j")], .cursorDown, .cursor, "token on the line below"),
        KeyBinding([.home, .char("g")], .cursorFirst, .cursor, "first token of the pane"),
        KeyBinding([.end, .char("G")], .cursorLast, .cursor, "last token of the pane"),
        KeyBinding([.char("c"), .escape], .tokenCursor, .cursor, "leave the token cursor"),
        KeyBinding([.char("b"), .enter], .branch, .cursor, "branch here: alternative token, resample, edit"),

        // Prompt line
        KeyBinding([.enter], .run, .prompt, "run the prompt (or the highlighted example)"),
        KeyBinding([.up], .examplePrevious, .prompt, "previous example prompt (when empty)"),
        KeyBinding([.down], .exampleNext, .prompt, "next example prompt (when empty)"),
        KeyBinding([.ctrl("d")], .quit, .prompt, "quit (when the prompt is empty)"),

        // Heatmap
        KeyBinding([.left, .char("h")], .heatmapLeft, .heatmap, "scroll experts left"),
        KeyBinding([.right, .char("l")], .heatmapRight, .heatmap, "scroll experts right"),
        KeyBinding([.up, .char("k")], .heatmapUp, .heatmap, "scroll layers up"),
        KeyBinding([.down, .char("j")], .heatmapDown, .heatmap, "scroll layers down"),
        KeyBinding([.char("f")], .heatmapFit, .heatmap, "fit experts to the width / one column each"),
        KeyBinding([.char("s")], .heatmapScale, .heatmap, "colour scale: sqrt, log, linear"),

        // Thinking / answer panes
        KeyBinding([.left], .budgetDown, .panes, "budget down"),
        KeyBinding([.right], .budgetUp, .panes, "budget up"),
        KeyBinding([.up, .char("k")], .scrollUp, .panes, "scroll up (stops following)"),
        KeyBinding([.down, .char("j")], .scrollDown, .panes, "scroll down"),
        KeyBinding([.home, .char("g")], .top, .panes, "top"),
        KeyBinding([.end, .char("G")], .bottom, .panes, "bottom, and follow new text"),
        KeyBinding([.char("c")], .tokenCursor, .panes, "token cursor: inspect tokens"),

        // Any pane
        KeyBinding([.char("?")], .help, .view, "this help"),
        KeyBinding([.char("q")], .quit, .view, "quit"),
        KeyBinding([.char("["), .char("-")], .budgetDown, .view, "budget down (no-think … 32k, unlimited)"),
        KeyBinding([.char("]"), .char("+"), .char("=")], .budgetUp, .view, "budget up"),
        KeyBinding([.char("t")], .toggleThink, .view, "think / no-think"),
        KeyBinding([.char("m")], .toggleBudgetMode, .view, "budget mode: cap / exact (s1 \"Wait\")"),
        KeyBinding([.char("e")], .cycleEndStyle, .view, "end style: Qwen phrase / bare </think>"),
        KeyBinding([.char("x")], .endThinkingNow, .view, "end thinking now"),
        KeyBinding([.char("b")], .compare, .view, "compare the last prompt at budgets 0 … unlimited"),
        KeyBinding([.char("p")], .toggleProbes, .view, "answer probes: what it would answer if stopped now"),
        KeyBinding([.char("P")], .findPivot, .view, "jump to the pivot: where P(final answer) rises most"),
        KeyBinding([.char(",")], .probePrevious, .view, "token cursor to the previous probe point"),
        KeyBinding([.char(".")], .probeNext, .view, "token cursor to the next probe point"),
        KeyBinding([.char("T")], .toggleBranches, .view, "branch tree of the latest run"),
        KeyBinding([.char("w")], .saveTrace, .view, "write the latest run and its branches as a trace"),
        KeyBinding([.char("A")], .anchors, .view, "thought anchors: which sentences the answer depends on (K=4 resamples each)"),
        KeyBinding([.char("M")], .liveMask, .view, "expert mask of the main run, live (MoE)"),
        KeyBinding([.char("S")], .stop, .view, "stop generation"),
        KeyBinding([.char("1")], .focusThinking, .view, "focus the thinking pane"),
        KeyBinding([.char("2")], .focusAnswer, .view, "focus the answer pane"),
        KeyBinding([.char("3")], .focusHeatmap, .view, "focus the heatmap"),
        KeyBinding([.char("i"), .char("/"), .enter], .focusPrompt, .view, "type a prompt"),
        KeyBinding([.char("v")], .heatmapNextView, .view, "heatmap view: run, thinking, answer, thinking−answer, token"),
        KeyBinding([.char("V")], .heatmapPreviousView, .view, "previous heatmap view"),
        KeyBinding([.char("z")], .zoom, .view, "zoom the focused pane"),
        KeyBinding([.char("n")], .newConversation, .view, "new conversation"),
        KeyBinding([.pageUp], .pageUp, .view, "page up"),
        KeyBinding([.pageDown, .char(" ")], .pageDown, .view, "page down"),

        // Everywhere
        KeyBinding([.function(1)], .help, .global, "help"),
        KeyBinding([.tab], .focusNext, .global, "next pane"),
        KeyBinding([.backTab], .focusPrevious, .global, "previous pane"),
        KeyBinding([.escape], .escape, .global, "stop generation / close / leave the prompt"),
        KeyBinding([.ctrl("c")], .interrupt, .global, "stop generation; quit when idle"),
        KeyBinding([.ctrl("n")], .newConversation, .global, "new conversation"),
        KeyBinding([.ctrl("l")], .redraw, .global, "redraw the screen"),
    ])

    /// Line-editing keys of the prompt (handled by the editor, listed in the help).
    public static let editingHelp: [(String, String)] = [
        ("←/→, Ctrl-←/→", "move by character / word"),
        ("Home/End, Ctrl-A/E", "start / end of the line"),
        ("Backspace, Delete", "delete a character"),
        ("Ctrl-W, Ctrl-U, Ctrl-K", "delete word / to start / to end"),
        ("? (empty prompt)", "help"),
    ]
}
