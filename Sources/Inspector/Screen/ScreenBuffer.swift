public struct Point: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// One terminal cell. A wide character occupies its cell (width 2) and the next one, which is a
/// continuation (width 0) and is never drawn on its own.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var width: UInt8
    public var style: Style

    public init(_ character: Character = " ", width: UInt8 = 1, style: Style = .plain) {
        self.character = character
        self.width = width
        self.style = style
    }

    public var isContinuation: Bool { width == 0 }
    static let blank = Cell()
}

/// An in-memory grid of cells: widgets draw into it, the terminal backend flushes the cells that
/// changed, and tests read it back as text. Every write is clipped to the buffer (and to an
/// optional clip rectangle), so drawing never fails whatever the size.
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Writes outside this rectangle are dropped.
    public var clip: Rect
    /// Where the terminal cursor should be shown (the prompt line's caret), or nil to hide it.
    public var cursor: Point?

    public init(width: Int, height: Int, fill: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", width: 1, style: fill), count: self.width * self.height)
        clip = Rect(x: 0, y: 0, width: self.width, height: self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    func visible(_ x: Int, _ y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height && clip.contains(x: x, y: y)
    }

    /// Puts one character; returns the columns it took (0 if it did not fit). A wide character
    /// that would straddle the right edge is drawn as a space.
    /// A style whose background is `.default` keeps the background already in the cell.
    @discardableResult
    public mutating func put(_ ch: Character, x: Int, y: Int, style given: Style, width w: Int? = nil) -> Int {
        let cw = w ?? DisplayWidth.of(ch)
        guard cw > 0 else { return 0 }
        guard visible(x, y) else { return cw }
        let i = y * width + x
        var style = given
        if style.bg == .default { style.bg = cells[i].style.bg }
        if cw == 1 && cells[i].width == 1 {
            cells[i] = Cell(ch, width: 1, style: style)  // the common case: nothing wide to repair
            return 1
        }
        if cw == 2 && !visible(x + 1, y) {
            set(x, y, Cell(" ", width: 1, style: style))
            return 2
        }
        set(x, y, Cell(ch, width: UInt8(cw), style: style))
        if cw == 2 { set(x + 1, y, Cell(" ", width: 0, style: style)) }
        return cw
    }

    /// Writes a cell, repairing any wide character it cuts in half.
    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        let i = y * width + x
        let old = cells[i]
        if old.width == 0, x > 0, cells[i - 1].width == 2 {
            cells[i - 1] = Cell(" ", width: 1, style: cells[i - 1].style)
        }
        if old.width == 2, cell.width != 2, x + 1 < width {
            cells[i + 1] = Cell(" ", width: 1, style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// Writes text from (x, y) on one row, at most `maxWidth` columns; returns the columns used.
    /// Text is expected to be sanitized already; control characters are shown as `?`.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int = .max) -> Int {
        var col = 0
        for ch in text {
            var c = ch
            var w = DisplayWidth.of(c)
            if ch.isControlLike { c = "?"; w = 1 }
            if w == 0 { continue }
            if col + w > maxWidth { break }
            put(c, x: x + col, y: y, style: style, width: w)
            col += w
        }
        return col
    }

    /// Writes text truncated with "…" to fit `maxWidth` columns.
    @discardableResult
    public mutating func writeTruncated(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int) -> Int {
        guard maxWidth > 0 else { return 0 }
        if DisplayWidth.of(text) <= maxWidth { return write(text, x: x, y: y, style: style, maxWidth: maxWidth) }
        let used = write(text, x: x, y: y, style: style, maxWidth: maxWidth - 1)
        return used + write("…", x: x + used, y: y, style: style)
    }

    public mutating func fill(_ r: Rect, _ ch: Character = " ", style: Style) {
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            var x = r.x
            while x < r.maxX {
                x += max(1, put(ch, x: x, y: y, style: style))
            }
        }
    }

    /// A box with an optional title in the top border.
    public mutating func box(_ r: Rect, style: Style, title: String? = nil, titleStyle: Style? = nil) {
        guard r.width >= 2, r.height >= 2 else { return }
        let top = r.y, bottom = r.maxY - 1, left = r.x, right = r.maxX - 1
        for x in (left + 1)..<right {
            put("─", x: x, y: top, style: style)
            put("─", x: x, y: bottom, style: style)
        }
        for y in (top + 1)..<bottom {
            put("│", x: left, y: y, style: style)
            put("│", x: right, y: y, style: style)
        }
        put("┌", x: left, y: top, style: style)
        put("┐", x: right, y: top, style: style)
        put("└", x: left, y: bottom, style: style)
        put("┘", x: right, y: bottom, style: style)
        if let t = title, r.width > 4 {
            writeTruncated(" \(t) ", x: left + 1, y: top, style: titleStyle ?? style, maxWidth: r.width - 2)
        }
    }

    /// The characters of each row (continuation cells skipped, trailing spaces kept).
    public var rows: [String] {
        (0..<height).map { y in
            var s = ""
            for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].character) }
            return s
        }
    }

    /// The screen as text: one line per row, trailing spaces removed.
    public var text: String {
        rows.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }
}

extension Character {
    /// C0/C1 controls and DEL, which must never reach the terminal.
    var isControlLike: Bool {
        guard let s = unicodeScalars.first else { return false }
        return s.value < 0x20 || (s.value >= 0x7F && s.value < 0xA0)
    }
}
