extension InspectorState {
    mutating func handle(_ m: MouseEvent, _ effects: inout [Effect]) {
        guard !showHelp else {
            if m.kind == .press { showHelp = false }
            return
        }
        if compare != nil {
            if m.kind != .press { scrollCompare(m.kind == .wheelUp ? -3 : 3) }
            return
        }
        let l = layout
        switch m.kind {
        case .press:
            if l.slider.contains(x: m.x, y: m.y) {
                if let i = BudgetSliderWidget.stepIndex(at: m.x - l.slider.x, width: l.slider.width), model.thinks {
                    let before = slider.index
                    slider.set(index: i)
                    if slider.index != before { budgetChanged(&effects) }
                }
                return
            }
            if let f = l.focusAt(x: m.x, y: m.y) {
                if f == .prompt && !isLive { return }
                setFocus(f)
            }
        case .wheelUp, .wheelDown:
            let d = m.kind == .wheelUp ? -3 : 3
            let saved = focus
            if let f = l.focusAt(x: m.x, y: m.y), f != .prompt { focus = f }
            scroll(d)
            focus = saved
        }
    }
}
