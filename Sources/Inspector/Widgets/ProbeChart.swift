import Foundation
import Reasoning

/// The answer-probe panel: "what would the model answer if it stopped thinking now?" as a braille
/// line chart. x is thinking tokens, y the confidence (P(final answer) once the run has answered,
/// else the probe's own mean token probability). Each segment takes the colour of its probe's
/// answer (the final answer's colour is `success`). Under the chart, on the axis: ▴ where text was
/// injected ("Wait", the forced end), ◆ where the answer last changed, ▲ the token cursor; the
/// thinking budget is a vertical line. The bottom row sums up the wasted tail, the hesitations
/// and the pivot.
enum ProbeChart {
    /// The y value of a probe.
    static func confidence(_ p: Probe) -> Double {
        min(1, max(0, p.finalAnswerProbability ?? exp(p.meanLogProbability)))
    }

    /// Colours for answers: the final (latest) answer first, then the others in order of appearance.
    static func colors(_ probes: [Probe]) -> [String: Role] {
        let others: [Role] = [.warning, .accent, .error, .phaseThinking, .keyHint, .injectedText]
        var map: [String: Role] = [:]
        if let last = probes.last { map[last.answer ?? ""] = .success }
        for p in probes where map[p.answer ?? ""] == nil { map[p.answer ?? ""] = others[(map.count - 1) % others.count] }
        return map
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard r.width >= 12, r.height >= 4 else { return }
        let probes = s.probes
        let palette = colors(probes)
        b.box(r, style: .role(.border), title: "Answer if stopped now", titleStyle: .role(.title, [.bold]))
        drawLegend(probes, palette, into: &b, r)
        let inner = r.inset(1)
        let status = inner.row(inner.height - 1)
        let axisY = inner.maxY - 2
        let chart = Rect(x: inner.x + 4, y: inner.y, width: inner.width - 4, height: inner.height - 2)
        drawStatus(s, into: &b, status)
        guard chart.width >= 2, chart.height >= 1 else { return }
        for (label, y) in [("1.0", chart.y), (" .5", chart.y + (chart.height - 1) / 2), ("  0", chart.maxY - 1)] {
            _ = b.write(label, x: inner.x, y: y, style: .role(.muted))
        }
        guard axisY > chart.y - 1 else { return }
        for x in chart.x..<chart.maxX { _ = b.put("─", x: x, y: axisY, style: .role(.border)) }

        // The latest run's thinking, as the probes count it (tokens with text, sampled or injected).
        let run = s.tokens[min(s.probesBase, s.tokens.count)...]
        var thinking = 0, injectedAt: [Int] = [], cursorAt: Int?
        for (i, t) in zip(run.indices, run) where t.phase == .thinking && t.glyphCount > 0 {
            thinking += 1
            if t.origin == .injected { injectedAt.append(thinking) }
            if i == s.cursor { cursorAt = thinking }
        }
        let lastProbe = probes.map(\.thinkingTokens).max() ?? 0
        var xmax = max(16, thinking, lastProbe)
        let budget = s.budgetLimit
        if let bl = budget, bl > 0, bl <= 4 * max(xmax, 32) { xmax = max(xmax, bl) }
        let dotsX = chart.width * 2, dotsY = chart.height * 4
        func dotX(_ n: Int) -> Int { min(dotsX - 1, Int((Double(n) / Double(xmax) * Double(dotsX - 1)).rounded())) }
        func cellX(_ n: Int) -> Int { chart.x + dotX(n) / 2 }

        if let bl = budget, bl > 0, bl <= xmax {
            for y in chart.y..<chart.maxY { _ = b.put("┊", x: cellX(bl), y: y, style: .role(.sliderMarker)) }
        }
        // Braille cells: bits per cell, coloured by the answer of the segment drawn last into them.
        var bits = [UInt8](repeating: 0, count: chart.width * chart.height)
        var roles = [Role?](repeating: nil, count: chart.width * chart.height)
        func plot(_ x: Int, _ y: Int, _ role: Role) {
            guard x >= 0, x < dotsX, y >= 0, y < dotsY else { return }
            let cell = (y / 4) * chart.width + x / 2
            let bit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
            bits[cell] |= bit[x % 2][y % 4]
            roles[cell] = role
        }
        func dotY(_ p: Probe) -> Int { Int(((1 - confidence(p)) * Double(dotsY - 1)).rounded()) }
        var previous: (Int, Int)?
        for p in probes.sorted(by: { $0.thinkingTokens < $1.thinkingTokens }) {
            let role = palette[p.answer ?? ""] ?? .text
            let to = (dotX(p.thinkingTokens), dotY(p))
            if let from = previous {
                line(from, to) { plot($0, $1, role) }
            } else {
                plot(to.0, to.1, role)
            }
            previous = to
        }
        for cy in 0..<chart.height {
            for cx in 0..<chart.width where bits[cy * chart.width + cx] != 0 {
                let ch = Character(Unicode.Scalar(0x2800 + UInt32(bits[cy * chart.width + cx]))!)
                _ = b.put(ch, x: chart.x + cx, y: chart.y + cy, style: .role(roles[cy * chart.width + cx] ?? .text))
            }
        }
        // Marks on the axis.
        for n in injectedAt { _ = b.put("▴", x: cellX(n), y: axisY, style: .role(.injectedText)) }
        let summary = ThinkingSummary(thinking: "", thinkingTokens: thinking, probes: probes, markers: nil)
        if let settled = summary.settledAt, probes.count > 1 {
            _ = b.put("◆", x: cellX(settled), y: axisY, style: .role(palette[probes.last?.answer ?? ""] ?? .success, [.bold]))
        }
        if let c = cursorAt { _ = b.put("▲", x: cellX(c), y: axisY, style: .role(.accent, [.bold])) }
        let right = "\(xmax)"
        _ = b.write(right, x: chart.maxX - right.count, y: axisY, style: .role(.muted))
    }

    /// Answers and their colours in the top border, newest last (as many as fit).
    private static func drawLegend(_ probes: [Probe], _ palette: [String: Role], into b: inout ScreenBuffer, _ r: Rect) {
        var seen: [String] = []
        for p in probes.reversed() where !seen.contains(p.answer ?? "") { seen.append(p.answer ?? "") }
        var x = r.maxX - 2
        for a in seen {
            let name = DisplayText.sanitize(a.isEmpty ? "—" : a)
            let text = " ■ " + (name.count > 12 ? name.prefix(11) + "…" : name)
            let w = text.count
            guard x - w > r.x + 26 else { break }
            x -= w
            _ = b.write(text, x: x, y: r.y, style: .role(palette[a] ?? .text))
        }
    }

    private static func drawStatus(_ s: InspectorState, into b: inout ScreenBuffer, _ row: Rect) {
        guard !row.isEmpty else { return }
        var parts: [String] = []
        let thinking = s.isRunning ? s.live.thinking : s.stats.thinkingTokens
        let summary = ThinkingSummary(thinking: "", thinkingTokens: thinking, probes: s.probes, markers: nil)
        if s.probes.isEmpty {
            parts.append(s.probeEvery.map { "a probe every \($0) thinking tokens" } ?? "no probes")
        } else if let tail = summary.wastedTail, let at = summary.settledAt {
            parts.append("settled at \(at) · \(tail) thinking tokens after")
        }
        if s.markers != nil {
            parts.append("\(s.markerCounts.hesitations) hesitations · \(s.markerCounts.switches) switches")
        }
        if let p = s.pivot {
            let i = s.probesBase + p.tokenIndex
            parts.append("pivot " + p.summary(token: s.tokens.indices.contains(i) ? s.tokens[i].text : ""))
        } else if !s.probes.isEmpty {
            parts.append("P: pivot")
        }
        _ = b.writeTruncated(parts.joined(separator: " · "), x: row.x, y: row.y, style: .role(.statusText), maxWidth: row.width)
    }

    /// The dots of a straight line from `a` to `b` (Bresenham).
    static func line(_ a: (Int, Int), _ b: (Int, Int), _ dot: (Int, Int) -> Void) {
        var (x, y) = a
        let dx = abs(b.0 - x), dy = -abs(b.1 - y)
        let sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
        var err = dx + dy
        while true {
            dot(x, y)
            if x == b.0 && y == b.1 { return }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
