import Engine
import Reasoning

/// What to run: branches forked from node `parent` of tree `tree` after `at` tokens of its path,
/// one per intervention (node ids given by the reducer).
public struct BranchRequest: Sendable, Equatable {
    /// Which run's tree (news of an older tree is dropped).
    public var tree: Int
    public var parent: Int
    /// The parent's path (the reply's tokens up to the parent's end).
    public var path: [TokenEvent]
    public var at: Int
    public var nodes: [Int]
    public var interventions: [Intervention]

    public init(tree: Int, parent: Int, path: [TokenEvent], at: Int, nodes: [Int], interventions: [Intervention]) {
        self.tree = tree
        self.parent = parent
        self.path = path
        self.at = at
        self.nodes = nodes
        self.interventions = interventions
    }
}

/// The branch menu at the token cursor: pick an intervention, then (for an alternative) a token
/// or (for an edit) the text.
public struct BranchMenu: Sendable, Equatable {
    /// The node whose path the cursor is on, and the token index in that path.
    public var node: Int
    public var at: Int
    public var stage = Stage.choose
    public var selection = 0
    /// The finder's ranking the mask starts from (Tab switches), and its top experts.
    public var finder = FinderRanking.thinking
    public var found: [FoundExpert] = []

    public enum Stage: Sendable, Equatable {
        case choose
        case alternative
        case edit(LineEditor)
        /// An expert mask, as `LAYER:EXPERT,…` (prefilled with the finder's top experts, else the
        /// token's top expert per layer).
        case mask(LineEditor)
        /// The mask drops super experts: Enter runs it anyway, Esc goes back to its text.
        case confirmMask(ExpertMask, [SuperExpert], LineEditor)
    }

    /// Text is being typed (an edit or a mask).
    public var isTyping: Bool {
        switch stage {
        case .edit, .mask: return true
        default: return false
        }
    }

    /// Experts the finder puts in a mask to start from.
    public static let finderTop = 2

    /// The menu's entries (key, what it does).
    public static let entries: [(key: Character, label: String)] = [
        ("a", "alternative: force another of the listed tokens here"),
        ("r", "resample ×\(BranchesState.resampleCount) from here (on-policy, seeded)"),
        ("e", "edit: replace the text from here (off-policy)"),
        ("x", "mask experts: continue from here without the finder's thinking experts (MoE)"),
    ]
}

/// The branch tree of the latest run, the menu and the tree view.
public struct BranchesState: Sendable, Equatable {
    /// K of a resample group.
    public static let resampleCount = 4

    /// Bumped for each run: which tree backend news belongs to.
    public var serial = 0
    public var tree = BranchTree(run: [], reason: nil)
    /// The node shown in the main panes.
    public var shown = 0
    /// The node selected in the tree view.
    public var selected = 0
    /// The tree view is open.
    public var open = false
    /// The diff of the selected node against its parent is shown under the tree.
    public var diff = false
    public var menu: BranchMenu?
    /// Nodes whose branches are running.
    public var running: Set<Int> = []
    /// First visible row of the tree view.
    public var scroll = 0
    /// Resample groups started so far (their seeds differ).
    public var groups = 0
    /// Answer probes of branches' paths, by node (asked for when a branch is first shown, if the
    /// run had probes).
    public var probes: [Int: [Probe]] = [:]

    public init() {}

    public var hasBranches: Bool { tree.count > 1 }
}

/// What the main panes held before the latest run, so a branch can be shown in its place.
struct RunBaseline: Sendable, Equatable {
    var thinkingPane: PaneState
    var answerPane: PaneState
    var tokenCount: Int
    var counts: ExpertCounts?
    var live: InspectorState.LiveCounts
}
