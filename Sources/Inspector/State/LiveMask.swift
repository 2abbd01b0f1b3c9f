import Engine
import Reasoning

/// The live mask's editor (`M`): the mask of the main run as text, and, when it drops a super
/// expert, the mask waiting for confirmation.
public struct LiveMaskEditor: Sendable, Equatable {
    public var editor: LineEditor
    public var pending: ExpertMask?
    public var loud: [SuperExpert] = []
    /// The finder's ranking Tab fills the text from next, and what it found last.
    public var finder = FinderRanking.thinking
    public var found: [FoundExpert] = []

    public init(_ text: String) { editor = LineEditor(text) }
}

extension InspectorState {
    /// `M`: edit the mask the main run routes with (from its next token; empty clears).
    mutating func openLiveMask() {
        guard isLive else { return say(expertMask.map { "this run was recorded with the mask ⊘ " + $0.text } ?? modeMessage) }
        if modelLoading { return say("the model is still loading") }
        guard model.isMoE else { return say("a dense model has no experts to mask") }
        if isComparing || backgroundWork {
            return say("the live mask is the main run's: wait for the comparison, branches or anchors (or stop them)")
        }
        liveMask = LiveMaskEditor(expertMask?.text ?? "")
    }

    /// Keys while the live mask's editor is open: Enter applies (after a warning, confirms),
    /// Esc closes (or goes back from the warning).
    mutating func editLiveMask(_ key: Key, _ effects: inout [Effect]) {
        guard var m = liveMask else { return }
        if let pending = m.pending {
            switch key {
            case .enter: applyLiveMask(pending, &effects)
            case .escape:
                m.pending = nil
                m.loud = []
                liveMask = m
            case .ctrl("c"): liveMask = nil
            default: break
            }
            return
        }
        switch key {
        case .escape, .ctrl("c"): liveMask = nil
        case .tab:
            m.found = foundExperts(m.finder, path: branches.tree.path(branches.shown), top: BranchMenu.finderTop)
            if m.found.isEmpty {
                say("the finder found no experts that fire more \(m.finder == .aroundWait ? "around \"Wait\"" : "in thinking") in the latest run")
            } else {
                m.editor = LineEditor(ExpertRanking.maskText(m.found))
            }
            m.finder = m.finder.next
            liveMask = m
        case .enter:
            switch checkMask(m.editor.text) {
            case .invalid(let why): say(why, seconds: 8)
            case .clear: applyLiveMask(nil, &effects)
            case .ready(let mask): applyLiveMask(mask, &effects)
            case .loud(let mask, let found):
                m.pending = mask
                m.loud = found
                liveMask = m
            }
        default:
            m.editor.apply(key)
            liveMask = m
        }
    }

    mutating func applyLiveMask(_ mask: ExpertMask?, _ effects: inout [Effect]) {
        liveMask = nil
        guard mask != expertMask else { return say("the mask is unchanged") }
        expertMask = mask
        effects.append(.setExpertMask(mask))
        let when = isRunning ? " from the next token" : " for the next runs"
        say(mask.map { "masking ⊘ \($0.text)" + when } ?? "mask cleared: the router's own choice" + when, seconds: 6)
    }
}
