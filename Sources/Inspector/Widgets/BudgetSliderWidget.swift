/// Row 2: the log-scaled budget slider (no-think, 16 … 32k, ∞) and the budget toggles.
/// The selected step is drawn reversed; steps at or below the thinking already spent are filled.
enum BudgetSliderWidget {
    struct Geometry {
        var prefix: String
        var labels: [String]
        var xs: [Int]
        var end: Int
    }

    static func geometry(width: Int) -> Geometry {
        let full = BudgetSlider.steps.map(\.label)
        var compact = full
        compact[0] = "off"
        for (prefix, labels) in [("Budget  ", full), ("", full), ("", compact)] {
            var xs: [Int] = []
            var x = DisplayWidth.of(prefix) + 1
            for l in labels {
                xs.append(x)
                x += DisplayWidth.of(l) + 1
            }
            // Room for the toggles too ("│ no-think · exact · qwen end"), or the steps alone.
            if x + 28 <= width || (prefix.isEmpty && x <= width) || labels == compact {
                return Geometry(prefix: prefix, labels: labels, xs: xs, end: x)
            }
        }
        fatalError("unreachable")
    }

    /// The step under column `x` of the slider row (nil outside the steps).
    static func stepIndex(at x: Int, width: Int) -> Int? {
        let g = geometry(width: width)
        for (i, lx) in g.xs.enumerated() where x >= lx - 1 && x < lx + DisplayWidth.of(g.labels[i]) { return i }
        return nil
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let g = geometry(width: r.width)
        b.write(g.prefix, x: r.x + 1, y: r.y, style: .role(.statusText, [.bold]), maxWidth: r.width - 1)
        let spent = s.live.thinking
        let thinkingOn = s.model.thinks
        // A display-only server takes the budget with the request: the slider is fixed while it runs.
        let fixed = s.model.displayOnly != nil && s.isRunning
        for (i, label) in g.labels.enumerated() {
            let step = BudgetSlider.steps[i]
            var style: Style
            if i == s.slider.index {
                style = .role(.sliderMarker, [.reverse, .bold])
            } else if !thinkingOn || fixed {
                style = .role(.muted)
            } else if let l = step.limit, l > 0, l <= spent {
                style = .role(.sliderFill, [.bold])
            } else {
                style = .role(.sliderTrack)
            }
            b.write(label, x: r.x + g.xs[i], y: r.y, style: style, maxWidth: r.maxX - (r.x + g.xs[i]))
        }
        var x = r.x + g.end + 1
        guard x < r.maxX else { return }
        let toggles: [(String, String)] = [
            (s.slider.thinking ? "think" : "no-think", "t"),
            (s.slider.mode.rawValue, "m"),
            (s.slider.endStyle == .qwen ? "qwen end" : "bare end", "e"),
        ]
        let wide = r.maxX - x >= 40
        x += b.write("│", x: x, y: r.y, style: .role(.border), maxWidth: r.maxX - x)
        for (i, (text, key)) in toggles.enumerated() {
            if i > 0 { x += b.write(" ·", x: x, y: r.y, style: .role(.muted), maxWidth: r.maxX - x) }
            x += b.write(" ", x: x, y: r.y, style: .plain, maxWidth: r.maxX - x)
            if wide { x += b.write(key + ":", x: x, y: r.y, style: .role(.keyHint), maxWidth: r.maxX - x) }
            // Exact ("Wait") and the end style need forcing: greyed on a display-only server.
            let off = s.model.displayOnly != nil && key != "t"
            x += b.write(text, x: x, y: r.y, style: off ? .role(.muted) : .role(.text, [.bold]), maxWidth: r.maxX - x)
        }
    }
}
