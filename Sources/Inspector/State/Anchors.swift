import Reasoning

/// Sentence importance (thought anchors) of the latest run: progress while it is computed, then
/// one result per thinking sentence; the list view (`A`) and the thinking pane's gutter show them.
public struct AnchorsState: Sendable, Equatable {
    /// The tree (run) they belong to (`BranchesState.serial`).
    public var tree: Int
    public var samples: Int
    public var done = 0
    public var total = 0
    public var running = true
    public var results: [SentenceImportance] = []
    /// The list view is open, and the row selected in it (results ranked by KL).
    public var open = false
    public var selected = 0

    public init(tree: Int, samples: Int) {
        self.tree = tree
        self.samples = samples
    }

    /// Results, most important first (KL, then the earlier sentence).
    public var ranked: [SentenceImportance] {
        results.sorted { ($0.kl, -$0.sentence.index) > ($1.kl, -$1.sentence.index) }
    }

    /// The gutter level (0…8 eighths of the largest KL) of the sentence holding run token `i`.
    public func level(ofRunToken i: Int) -> Int? {
        guard let top = results.map(\.kl).max(), top > 0 else { return results.isEmpty ? nil : 0 }
        guard let r = results.last(where: { $0.sentence.firstToken <= i }),
              i < r.sentence.firstToken + r.sentence.tokenCount else { return nil }
        return Int((r.kl / top * 8).rounded())
    }
}
