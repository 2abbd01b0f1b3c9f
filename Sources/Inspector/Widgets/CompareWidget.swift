import Reasoning

/// The "compare budgets" view (`b`): the last prompt's answers at several thinking budgets. It
/// covers everything below the title bar: a row naming the prompt, one column per budget when
/// they fit side by side (else one block per budget, stacked), and a row of keys or a message.
enum CompareWidget {
    /// The narrowest column: "answer 1234 tok" and a margin.
    static let minColumnWidth = 16
    /// Rows above each column's answer: budget, thinking, answer, how it ended, a rule.
    static let headerRows = 5

    struct Geometry {
        var header = Rect.zero
        var body = Rect.zero
        var footer = Rect.zero
        /// One column per budget; otherwise the budgets are stacked.
        var columns = false
        /// Where the scrolled lines go: the answers (columns) or everything (stacked).
        var content = Rect.zero
    }

    static func geometry(_ s: InspectorState) -> Geometry {
        var g = Geometry()
        guard let c = s.compare else { return g }
        var rest = Rect(x: 0, y: 1, width: s.width, height: s.height - 1)
        guard !rest.isEmpty else { return g }
        (g.header, rest) = rest.splitTop(1)
        if rest.height >= 3 { (g.footer, rest) = rest.splitBottom(1) }
        g.body = rest
        let n = c.budgets.count
        g.columns = n > 0 && n * minColumnWidth + (n - 1) <= rest.width && rest.height >= headerRows + 2
        g.content = g.columns ? rest.splitTop(headerRows).1 : rest
        return g
    }

    /// The column of each budget, separated by one cell.
    static func columnRects(_ body: Rect, count n: Int) -> [Rect] {
        guard n > 0 else { return [] }
        let usable = max(0, body.width - (n - 1))
        var x = body.x
        return (0..<n).map { i in
            let w = usable / n + (i < usable % n ? 1 : 0)
            defer { x += w + 1 }
            return Rect(x: x, y: body.y, width: w, height: body.height)
        }
    }

    /// A column's answers keep a margin on both sides (its header lines may reach the separator).
    static func answerWidth(_ column: Rect) -> Int { max(1, column.width - 2) }

    /// Text wrapped at word boundaries to `width` columns (wide characters take two).
    static func wrap(_ text: String, width: Int) -> [String] {
        var t = PaneText(width: max(1, width))
        t.append(text, kind: .answer)
        return t.lines
    }

    // MARK: Content

    typealias Line = [(String, Style)]

    static func answerLines(_ r: CompareOutcome?, width: Int) -> [Line] {
        guard let r else { return [] }
        if r.answer.isEmpty { return [[("(no answer)", .role(.muted, [.italic]))]] }
        return wrap(r.answer, width: width).map { [($0, .role(.answerText))] }
    }

    static func count(_ label: String, _ n: Int, unit: String = "") -> Line {
        [(label + " ", .role(.statusText)), (Format.count(n), .role(.brightText, [.bold])), (unit, .role(.statusText))]
    }

    /// How a budget ended, when that is worth saying.
    static func ending(_ r: CompareOutcome) -> (String, Style)? {
        switch r.reason {
        case .maxTokens: return ("token limit", .role(.warning))
        case .stopped: return ("stopped", .role(.warning))
        case .contextFull: return ("context full", .role(.error))
        case .endOfTurn: return r.cut ? ("cut by budget", .role(.injectedText)) : nil
        }
    }

    static func pending(_ c: CompareState) -> (String, Style) {
        (c.running ? "…" : "–", .role(.muted))
    }

    /// The stacked form: per budget a summary line, then its answer, indented.
    static func stackedLines(_ c: CompareState, width: Int) -> [Line] {
        var lines: [Line] = []
        for (i, budget) in c.budgets.enumerated() {
            if i > 0 { lines.append([]) }
            var head: Line = [(CompareState.label(budget), .role(.title, [.bold])), ("  ", .role(.muted))]
            guard let r = c.results[i] else {
                lines.append(head + [pending(c)])
                continue
            }
            head += count("think", r.thinkingTokens) + [(" · ", .role(.muted))] + count("answer", r.answerTokens, unit: " tok")
            if let e = ending(r) { head += [(" · ", .role(.muted)), e] }
            head.append(("  " + Format.seconds(r.seconds), .role(.muted)))
            lines.append(head)
            lines += answerLines(r, width: width - 2).map { [("  ", .role(.muted))] + $0 }
        }
        return lines
    }

    static func contentLineCount(_ s: InspectorState, _ g: Geometry) -> Int {
        guard let c = s.compare else { return 0 }
        if c.failure != nil { return 0 }
        if g.columns {
            let rects = columnRects(g.body, count: c.budgets.count)
            return zip(c.results, rects).map { answerLines($0.0, width: answerWidth($0.1)).count }.max() ?? 0
        }
        return stackedLines(c, width: g.content.width - 1).count
    }

    static func maxScroll(_ s: InspectorState) -> Int {
        let g = geometry(s)
        return max(0, contentLineCount(s, g) - g.content.height)
    }

    static func pageRows(_ s: InspectorState) -> Int { max(1, geometry(s).content.height - 1) }

    // MARK: Drawing

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer) {
        guard let c = s.compare else { return }
        let g = geometry(s)
        guard !g.header.isEmpty else { return }
        b.fill(Rect(x: 0, y: g.header.y, width: s.width, height: g.header.height + g.body.height + g.footer.height),
               style: .role(.text, bg: .background))
        drawHeader(c, into: &b, g.header)
        let lineCount = contentLineCount(s, g)
        let scroll = c.scroll.clamped(0, max(0, lineCount - g.content.height))
        drawFooter(s, c, above: scroll, below: lineCount - g.content.height - scroll, into: &b, g.footer)
        if let why = c.failure {
            for (row, line) in wrap("The comparison could not run: " + why, width: g.body.width - 2).prefix(g.body.height).enumerated() {
                b.write(line, x: g.body.x + 1, y: g.body.y + row, style: .role(.warning), maxWidth: g.body.width - 2)
            }
            return
        }
        if g.columns {
            drawColumns(c, scroll: scroll, into: &b, g)
        } else {
            for (row, line) in stackedLines(c, width: g.content.width - 1).dropFirst(scroll).prefix(g.content.height).enumerated() {
                write(line, x: g.content.x + 1, y: g.content.y + row, maxX: g.content.maxX, into: &b)
            }
        }
    }

    static func drawHeader(_ c: CompareState, into b: inout ScreenBuffer, _ r: Rect) {
        b.fill(r, style: .role(.statusText, bg: .surface))
        var x = r.x + b.write(" Compare budgets ", x: r.x, y: r.y, style: .role(.title, bg: .surface, [.bold]), maxWidth: r.width)
        x += b.write("· ", x: x, y: r.y, style: .role(.muted, bg: .surface), maxWidth: r.maxX - x)
        let prompt = String(c.prompt.map { $0 == "\n" ? "↵" : $0 == "\t" ? " " : $0 })
        b.writeTruncated(prompt, x: x, y: r.y, style: .role(.userText, bg: .surface, [.bold]), maxWidth: r.maxX - x - 1)
    }

    /// Keys (or the message), and on the right how many lines are scrolled out of view.
    static func drawFooter(_ s: InspectorState, _ c: CompareState, above: Int, below: Int, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let more = [above > 0 ? "↑\(above)" : "", below > 0 ? "↓\(below) more" : ""].filter { !$0.isEmpty }.joined(separator: " ")
        let moreWidth = more.isEmpty ? 0 : DisplayWidth.of(more) + 2
        if moreWidth > 0 && moreWidth < r.width {
            b.write(more, x: r.maxX - moreWidth + 1, y: r.y, style: .role(.keyHint, [.bold]))
        }
        let room = r.maxX - (moreWidth < r.width ? moreWidth : 0)
        if let msg = s.message {
            b.writeTruncated(" " + msg, x: r.x, y: r.y, style: .role(.warning, [.bold]), maxWidth: room - r.x)
            return
        }
        var pairs: [(String, String)] = c.running ? [("S", "stop")] : []
        pairs += [("Esc/b", c.running ? "stop and close" : "close"), ("↑↓ PgUp PgDn", "scroll"), ("?", "help")]
        var x = r.x + 1
        for (k, what) in pairs {
            let w = DisplayWidth.of(k) + 1 + DisplayWidth.of(what) + 2
            if x + w > room { break }
            x += b.write(k, x: x, y: r.y, style: .role(.keyHint, [.bold]))
            x += b.write(" " + what + "  ", x: x, y: r.y, style: .role(.muted))
        }
    }

    static func drawColumns(_ c: CompareState, scroll: Int, into b: inout ScreenBuffer, _ g: Geometry) {
        let rects = columnRects(g.body, count: c.budgets.count)
        let ruleY = g.body.y + headerRows - 1
        for (i, col) in rects.enumerated() {
            let x = col.x + 1, maxX = col.maxX
            if i > 0 {
                for y in g.body.y..<g.body.maxY {
                    b.put(y == ruleY ? "┼" : "│", x: col.x - 1, y: y, style: .role(.border))
                }
            }
            for rx in col.x..<col.maxX { b.put("─", x: rx, y: ruleY, style: .role(.border)) }
            let label = CompareState.label(c.budgets[i])
            b.writeTruncated(label, x: x, y: col.y, style: .role(.title, [.bold]), maxWidth: maxX - x)
            guard let r = c.results[i] else {
                write([pending(c)], x: x, y: col.y + 1, maxX: maxX, into: &b)
                continue
            }
            let time = Format.seconds(r.seconds)
            if DisplayWidth.of(label) + 1 + DisplayWidth.of(time) <= maxX - x {
                b.write(time, x: maxX - DisplayWidth.of(time), y: col.y, style: .role(.muted))
            }
            write(count("think", r.thinkingTokens, unit: " tok"), x: x, y: col.y + 1, maxX: maxX, into: &b)
            write(count("answer", r.answerTokens, unit: " tok"), x: x, y: col.y + 2, maxX: maxX, into: &b)
            if let e = ending(r) { write([e], x: x, y: col.y + 3, maxX: maxX, into: &b) }
            for (row, line) in answerLines(r, width: answerWidth(col)).dropFirst(scroll).prefix(g.content.height).enumerated() {
                write(line, x: x, y: g.content.y + row, maxX: maxX, into: &b)
            }
        }
    }

    /// Writes styled pieces from `x`, clipped at `maxX`.
    static func write(_ line: Line, x: Int, y: Int, maxX: Int, into b: inout ScreenBuffer) {
        var x = x
        for (text, style) in line where x < maxX {
            x += b.write(text, x: x, y: y, style: style, maxWidth: maxX - x)
        }
    }
}
