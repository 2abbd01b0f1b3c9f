/// The expert heatmap pane: layers down, experts across. In colour each text row holds two layers
/// (an upper half block `▀` whose foreground is the upper layer and background the lower), so 48
/// layers take 24 rows; without colour each row is one layer drawn with density glyphs. When the
/// experts do not fit the width they are bucketed (fit) or scrolled (one column each).
enum HeatmapWidget {
    struct Columns {
        var count: Int
        /// Experts [lo, hi) shown in column c.
        var experts: (Int) -> Range<Int>
        var firstExpert: Int
        var lastExpert: Int
        var perColumn: Int
        var columnsPerExpert: Int
    }

    static func columns(experts e: Int, width: Int, fit: Bool, scroll: Int) -> Columns {
        guard e > 0, width > 0 else {
            return Columns(count: 0, experts: { _ in 0..<0 }, firstExpert: 0, lastExpert: 0, perColumn: 1, columnsPerExpert: 1)
        }
        if fit && e > width {
            let bucket = (e + width - 1) / width
            let n = (e + bucket - 1) / bucket
            return Columns(count: n, experts: { c in (c * bucket)..<min(e, (c + 1) * bucket) }, firstExpert: 0,
                           lastExpert: e - 1, perColumn: bucket, columnsPerExpert: 1)
        }
        if fit {
            let k = max(1, min(8, width / e))
            return Columns(count: e * k, experts: { c in (c / k)..<(c / k + 1) }, firstExpert: 0, lastExpert: e - 1,
                           perColumn: 1, columnsPerExpert: k)
        }
        let start = scroll.clamped(0, max(0, e - width))
        let n = min(width, e - start)
        return Columns(count: n, experts: { c in (start + c)..<(start + c + 1) }, firstExpert: start,
                       lastExpert: start + n - 1, perColumn: 1, columnsPerExpert: 1)
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let focused = s.focus == .heatmap
        let border = Style.role(focused ? .focusBorder : .border)
        if s.modelLoading {
            b.box(r, style: border, title: "Experts", titleStyle: .role(.title, [.bold]))
            let inner = r.height >= 3 ? r.inset(1) : r
            b.writeTruncated("loading the model…", x: inner.x + 1, y: inner.y, style: .role(.muted, [.italic]), maxWidth: inner.width - 1)
            return
        }
        guard let counts = s.counts, s.model.isMoE else {
            b.box(r, style: border, title: "Experts", titleStyle: .role(.title, [.bold]))
            let inner = r.height >= 3 ? r.inset(1) : r
            let why = s.model.noRouting.map { "\($0) (\(s.model.architecture))." }
                ?? "Dense model (\(s.model.architecture)): every token runs the same feed-forward block, so there is no expert routing to draw. Open a Qwen3-MoE model for the heatmap."
            b.writeTruncated(why,
                             x: inner.x + 1, y: inner.y, style: .role(.muted, [.italic]), maxWidth: inner.width - 1)
            return
        }
        let token = s.selectedRouting
        let m = counts.matrix(s.heatmapView, scale: s.heatmapScale, token: token)
        var title = "Experts · \(s.heatmapView.title) · \(counts.layers) layers × \(counts.experts) experts"
        if s.heatmapView == .token, let c = s.cursor ?? s.tokens.indices.last(where: { s.tokens[$0].routing != nil }) {
            title += " · token #\(s.tokens[c].index) " + Format.tokenText(s.tokens[c].text)
        }
        guard r.width >= 3 && r.height >= 3 else { return }
        b.box(r, style: border, title: title, titleStyle: .role(focused ? .focusBorder : .title, [.bold]))
        if r.width > 60 {
            let keys = " v view · f fit · s scale "
            let kx = r.maxX - 1 - DisplayWidth.of(keys)
            if kx > r.x + DisplayWidth.of(title) + 4 { b.write(keys, x: kx, y: r.y, style: .role(.keyHint)) }
        }
        let inner = r.inset(1)
        guard inner.height >= 1 else { return }
        let glyphs = s.colorDepth == .none
        let perRow = glyphs ? 1 : 2
        let digits = String(max(0, counts.layers - 1)).count
        let labelW = digits + 2
        var figW = perRow == 2 ? 9 : 5
        var gridW = inner.width - labelW - figW
        if gridW < 8 { figW = 0; gridW = inner.width - labelW }
        let gridRows = max(0, inner.height - 1)
        let cols = columns(experts: counts.experts, width: gridW, fit: s.heatmapFit, scroll: s.heatmapExpertScroll)
        let maxFirst = max(0, counts.layers - gridRows * perRow)
        var first = min(s.heatmapLayerScroll, maxFirst)
        first -= first % perRow

        // The value of each (layer, column), averaged over the column's experts.
        let ranges = (0..<cols.count).map(cols.experts)
        var columnValues = [Double](repeating: 0, count: counts.layers * max(1, cols.count))
        m.values.withUnsafeBufferPointer { v in
            for l in first..<min(counts.layers, first + gridRows * perRow) {
                for (c, ex) in ranges.enumerated() where !ex.isEmpty {
                    var sum = 0.0, top = 0.0
                    for e in ex {
                        sum += v[l * counts.experts + e]
                        top = max(top, v[l * counts.experts + e])
                    }
                    // A token's experts must not fade into their neighbours: its view keeps the maximum.
                    columnValues[l * cols.count + c] = s.heatmapView == .token ? top : sum / Double(ex.count)
                }
            }
        }
        func value(_ layer: Int, _ c: Int) -> Double { columnValues[layer * cols.count + c] }
        let bg = s.theme.color(.background)
        // Colours for 256 steps of the value, computed once per frame.
        let lut: [Paint] = (0..<256).map { i in
            paint(m.diverging ? Double(i) / 127.5 - 1 : Double(i) / 255, diverging: m.diverging, s, center: bg)
        }
        func color(_ v: Double) -> Paint {
            let t = m.diverging ? (v.clamped(-1, 1) + 1) * 127.5 : v.clamped(0, 1) * 255
            return lut[Int(t.rounded())]
        }
        let below: Paint = s.theme.terminalBackground ? .default : .role(.background)

        for row in 0..<gridRows {
            let l1 = first + row * perRow
            guard l1 < counts.layers else { break }
            let l2: Int? = perRow == 2 && l1 + 1 < counts.layers ? l1 + 1 : nil
            let y = inner.y + row
            let label = "L" + String(repeating: "0", count: digits - String(l1).count) + String(l1)
            b.write(label, x: inner.x, y: y, style: .role(.muted), maxWidth: labelW)
            for c in 0..<cols.count {
                let x = inner.x + labelW + c
                if glyphs {
                    b.put(glyph(value(l1, c), diverging: m.diverging), x: x, y: y, style: .role(.text), width: 1)
                } else {
                    let bottom = l2.map { color(value($0, c)) } ?? below
                    b.put("▀", x: x, y: y, style: Style(fg: color(value(l1, c)), bg: bottom), width: 1)
                }
            }
            if figW > 0 {
                var fx = inner.x + labelW + cols.count + 1
                for l in [l1] + (l2.map { [$0] } ?? []) {
                    let f = m.layerFigure[l].map(Format.fraction) ?? "  –"
                    fx += b.write(f + " ", x: fx, y: y, style: .role(.statusText), maxWidth: inner.maxX - fx)
                }
            }
        }
        // Scroll marks on the border.
        if first > 0 { b.put("▲", x: r.maxX - 1, y: inner.y, style: .role(.keyHint)) }
        if first + gridRows * perRow < counts.layers && gridRows > 0 {
            b.put("▼", x: r.maxX - 1, y: inner.y + gridRows - 1, style: .role(.keyHint))
        }
        if cols.firstExpert > 0 { b.put("◀", x: inner.x + labelW - 1, y: r.maxY - 1, style: .role(.keyHint)) }
        if cols.lastExpert < counts.experts - 1 { b.put("▶", x: min(r.maxX - 2, inner.x + labelW + cols.count), y: r.maxY - 1, style: .role(.keyHint)) }

        if m.isEmpty && gridRows > 0 {
            let msg = s.heatmapView == .token ? " no token selected — run a prompt, or c for the token cursor "
                : s.heatmapView == .difference ? " needs routing from both thinking and answer "
                : " no routing yet — run a prompt "
            let w = DisplayWidth.of(msg)
            let x = inner.x + max(0, (inner.width - w) / 2)
            b.writeTruncated(msg, x: x, y: inner.y + (gridRows - 1) / 2, style: .role(.muted, bg: .background, [.italic]), maxWidth: inner.width)
        }
        legend(s, m, cols, into: &b, inner.row(inner.height - 1), center: bg)
    }

    static func paint(_ v: Double, diverging: Bool, _ s: InspectorState, center: RGB) -> Paint {
        if s.colorDepth == .c16 || s.theme.colorSet == .ansi16 {
            if diverging {
                let a = abs(v)
                if a < 0.15 { return .ansi(0) }
                return .ansi(v < 0 ? (a < 0.6 ? 4 : 12) : (a < 0.6 ? 3 : 11))
            }
            let ramp = Colormap.ansiRamp
            return .ansi(ramp[Int((v.clamped(0, 1) * Double(ramp.count - 1)).rounded())])
        }
        return .rgb(diverging ? Colormap.diverging(v, center: center) : Colormap.color(s.theme.heatmap, v))
    }

    static func glyph(_ v: Double, diverging: Bool) -> Character {
        if diverging {
            let a = abs(v)
            if a < 0.1 { return " " }
            return v < 0 ? (a < 0.5 ? "-" : "=") : (a < 0.5 ? "+" : "#")
        }
        let ramp = Colormap.glyphRamp
        if v <= 0 { return ramp[0] }
        return ramp[max(1, Int((v.clamped(0, 1) * Double(ramp.count - 1)).rounded()))]
    }

    static func legend(_ s: InspectorState, _ m: HeatmapMatrix, _ cols: Columns, into b: inout ScreenBuffer, _ r: Rect, center: RGB) {
        guard !r.isEmpty else { return }
        var x = r.x
        let rampCells = 12
        func ramp(_ from: Double, _ to: Double) {
            for i in 0..<rampCells {
                let v = from + (to - from) * Double(i) / Double(rampCells - 1)
                if s.colorDepth == .none {
                    x += b.put(glyph(v, diverging: m.diverging), x: x, y: r.y, style: .role(.text))
                } else {
                    x += b.put("█", x: x, y: r.y, style: Style(fg: paint(v, diverging: m.diverging, s, center: center)))
                }
            }
        }
        let muted = Style.role(.statusText)
        let experts = cols.perColumn > 1
            ? "experts 0–\(cols.lastExpert), \(cols.perColumn)/col (\(s.heatmapView == .token ? "max" : "mean"))"
            : "experts \(cols.firstExpert)–\(cols.lastExpert)"
        switch s.heatmapView {
        case .difference:
            x += b.write("answer ", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
            ramp(-1, 1)
            x += b.write(" thinking · ±\(Format.fraction(m.maxRaw)) share", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
        case .token:
            x += b.write("weight 0 ", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
            ramp(0, 1)
            x += b.write(" 1", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
        default:
            x += b.write("0 ", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
            ramp(0, 1)
            x += b.write(" max \(Int(m.maxRaw)) · \(s.heatmapScale.rawValue) scale", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
        }
        b.writeTruncated(" · \(experts) · right: \(m.figureName)", x: x, y: r.y, style: muted, maxWidth: r.maxX - x)
    }
}
