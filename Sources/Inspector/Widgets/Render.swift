/// Draws the whole screen for a state. Pure: the same state always gives the same cells.
public func render(_ s: InspectorState) -> ScreenBuffer {
    var b = ScreenBuffer(width: s.width, height: s.height, fill: .role(.text, bg: .background))
    guard s.width > 0 && s.height > 0 else { return b }
    let l = s.layout
    TitleBar.draw(s, into: &b, l.title)
    StatusLine.draw(s, into: &b, l.status)
    BudgetSliderWidget.draw(s, into: &b, l.slider)
    PaneWidget.draw(s, .thinking, into: &b, l.thinking)
    PaneWidget.draw(s, .answer, into: &b, l.answer)
    HeatmapWidget.draw(s, into: &b, l.heatmap)
    ProbeChart.draw(s, into: &b, l.probes)
    PromptWidget.draw(s, into: &b, l.prompt)
    if l.hints.isEmpty {
        flashMessage(s, into: &b, l)
    } else {
        PromptWidget.drawHints(s, into: &b, l.hints)
    }
    let body = Rect(x: 0, y: l.slider.isEmpty ? l.title.maxY : l.slider.maxY, width: s.width,
                    height: (l.hints.isEmpty ? l.prompt.y : l.hints.y) - (l.slider.isEmpty ? l.title.maxY : l.slider.maxY))
    PromptWidget.drawExamples(s, into: &b, above: l.hints.isEmpty ? l.prompt : l.hints, within: body)
    TokenInspector.draw(s, into: &b, l)
    if s.branches.open {
        b.cursor = nil
        BranchTreeWidget.draw(s, into: &b)
    }
    if s.anchors?.open == true {
        b.cursor = nil
        AnchorsWidget.draw(s, into: &b)
    }
    if s.compare != nil {
        b.cursor = nil
        CompareWidget.draw(s, into: &b)
    }
    if s.branches.menu != nil {
        b.cursor = nil
        BranchMenuWidget.draw(s, into: &b)
    }
    if s.liveMask != nil {
        b.cursor = nil
        LiveMaskWidget.draw(s, into: &b)
    }
    if s.showHelp {
        b.cursor = nil
        HelpOverlay.draw(s, into: &b)
    }
    return b
}

/// Without a hint row, a message flashes on the bottom border of the panes.
private func flashMessage(_ s: InspectorState, into b: inout ScreenBuffer, _ l: Layout) {
    guard let msg = s.message else { return }
    let panes = [l.answer, l.thinking, l.heatmap].filter { !$0.isEmpty }
    let y = panes.map(\.maxY).max().map { $0 - 1 } ?? l.status.y
    guard y >= 0 else { return }
    b.writeTruncated(" " + msg + " ", x: 1, y: y, style: .role(.warning, bg: .background, [.bold]), maxWidth: s.width - 2)
}
