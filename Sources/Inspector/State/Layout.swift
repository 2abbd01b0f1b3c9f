/// Where everything goes on a screen of a given size. Computed from the state, used both to draw
/// and to interpret mouse clicks and page sizes.
///
///     row 0       title: model, phase, elapsed
///     row 1       live counts and speeds
///     row 2       budget slider and toggles
///     body        thinking │ answer   (stacked below 70 columns; one pane when zoomed)
///                 answer-probe chart (when shown with p)
///                 expert heatmap (MoE) or why there is none (dense)
///     (row H-2    key hints, from 30 rows)
///     row H-1     prompt line
///
/// Below 40×10 the screen degrades to a title, one pane and the prompt line.
public struct Layout: Sendable, Equatable {
    public var title = Rect.zero
    public var status = Rect.zero
    public var slider = Rect.zero
    public var thinking = Rect.zero
    public var answer = Rect.zero
    public var heatmap = Rect.zero
    /// The answer-probe chart (when shown), between the panes and the heatmap.
    public var probes = Rect.zero
    public var hints = Rect.zero
    public var prompt = Rect.zero
    public var stacked = false
    public var tiny = false

    /// Text area of a pane (inside its border).
    public var thinkingText: Rect { thinking.height >= 3 && thinking.width >= 3 ? thinking.inset(1) : thinking }
    public var answerText: Rect { answer.height >= 3 && answer.width >= 3 ? answer.inset(1) : answer }

    public init(_ s: InspectorState) {
        let full = Rect(x: 0, y: 0, width: s.width, height: s.height)
        guard !full.isEmpty else { return }
        tiny = s.height < 10 || s.width < 40
        var rest = full
        (title, rest) = rest.splitTop(1)
        if tiny {
            if rest.height >= 3 { (status, rest) = rest.splitTop(1) }
            if rest.height >= 2 { (prompt, rest) = rest.splitBottom(1) }
            switch s.focus {
            case .thinking: thinking = rest
            case .heatmap where s.model.isMoE: heatmap = rest
            default: answer = rest
            }
            return
        }
        (status, rest) = rest.splitTop(1)
        (slider, rest) = rest.splitTop(1)
        (prompt, rest) = rest.splitBottom(1)
        if s.height >= 30 { (hints, rest) = rest.splitBottom(1) }
        let body = rest
        if s.zoomed {
            switch s.focus {
            case .thinking: thinking = body
            case .heatmap: heatmap = body
            default: answer = body
            }
            return
        }
        var heatRows = 0
        if case .noModel = s.mode {
            heatRows = 0
        } else if s.modelLoading {
            heatRows = body.height >= 12 ? 3 : 0
        } else if s.model.isMoE {
            let perRow = s.colorDepth == .none ? 1 : 2
            let needed = (s.model.layers + perRow - 1) / perRow + 3
            // The panes keep at least a third of the body (and 10 rows); the heatmap takes the rest
            // it needs, so 48 layers fit whole from 48 rows up and scroll below.
            heatRows = min(needed, body.height - max(10, body.height / 3))
            if heatRows < 4 { heatRows = 0 }
        } else if body.height >= 12 {
            heatRows = 3
        }
        var probeRows = 0
        if s.showProbes && body.height >= 14 {
            // The probe chart was asked for: it takes its rows from the heatmap before the panes.
            probeRows = min(12, max(6, body.height / 4))
            let panesNeed = max(8, body.height / 3)
            heatRows = max(0, min(heatRows, body.height - probeRows - panesNeed))
            if heatRows < 4 { heatRows = 0 }
        }
        var panes: Rect
        (heatmap, panes) = body.splitBottom(heatRows)
        (probes, panes) = panes.splitBottom(probeRows)
        stacked = s.width < 70
        if stacked {
            (thinking, answer) = panes.splitTop(panes.height / 2)
        } else {
            (thinking, answer) = panes.splitLeft(panes.width / 2)
        }
    }

    /// The pane under a screen position.
    public func focusAt(x: Int, y: Int) -> InspectorState.Focus? {
        if thinking.contains(x: x, y: y) { return .thinking }
        if answer.contains(x: x, y: y) { return .answer }
        if heatmap.contains(x: x, y: y) { return .heatmap }
        if prompt.contains(x: x, y: y) { return .prompt }
        return nil
    }
}
