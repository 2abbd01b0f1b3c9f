/// What a piece of pane text is, which decides its style.
public enum GlyphKind: UInt8, Sendable {
    case thinking, answer, injected, user, note, escaped, separator
}

/// One character of a pane, with the token it came from.
public struct Glyph: Sendable, Equatable {
    public var character: Character
    /// Display columns (0 for a newline).
    public var width: UInt8
    public var kind: GlyphKind
    /// Index into the inspector's token list, or -1 for text that is not a token.
    public var token: Int32

    var isNewline: Bool { character == "\n" }
    var isSpace: Bool { character == " " }
}

/// The text of a pane, word-wrapped to a width with display widths (wide CJK and emoji take two
/// columns, combining marks none). Text is appended as it streams in and wrapped incrementally;
/// a new width rewraps everything.
public struct PaneText: Sendable, Equatable {
    public private(set) var glyphs: [Glyph] = []
    public private(set) var wrapWidth: Int
    /// Finished lines, as ranges of `glyphs` (newlines excluded).
    private var closed: [Range<Int>] = []
    private var openStart = 0
    private var openWidth = 0
    /// Where the open line may be broken (the next line would start there) and the width before it.
    private var breakAt: Int?
    private var breakWidth = 0

    public init(width: Int = 80) { wrapWidth = max(1, width) }

    public var lineCount: Int { closed.count + 1 }
    public var isEmpty: Bool { glyphs.isEmpty }

    /// The glyph range of display line `i` (the last line is the one still open).
    public func line(_ i: Int) -> Range<Int> {
        i < closed.count ? closed[i] : openStart..<glyphs.count
    }

    /// The line that holds glyph `g` (binary search).
    public func lineIndex(ofGlyph g: Int) -> Int {
        if g >= openStart { return closed.count }
        var lo = 0, hi = closed.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if closed[mid].lowerBound <= g { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The text of every line (for tests).
    public var lines: [String] {
        (0..<lineCount).map { i in String(glyphs[line(i)].map(\.character)) }
    }

    /// Appends text (already sanitized for display) of one kind, from one token or none.
    public mutating func append(_ text: String, kind: GlyphKind, token: Int = -1) {
        for ch in text {
            if ch == "\t" {
                let n = 4 - openWidth % 4
                for _ in 0..<n { push(Glyph(character: " ", width: 1, kind: kind, token: Int32(token))) }
                continue
            }
            if ch == "\n" || ch == "\r\n" {
                push(Glyph(character: "\n", width: 0, kind: kind, token: Int32(token)))
                continue
            }
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // A combining mark that arrived in a later token joins the previous character.
                if let last = glyphs.last, !last.isNewline, !ch.isControlLike {
                    let merged = String(last.character) + String(ch)
                    if merged.count == 1 { glyphs[glyphs.count - 1].character = Character(merged) }
                }
                continue
            }
            var k = kind
            if let s = ch.unicodeScalars.first, (0x2400...0x2421).contains(s.value) { k = .escaped }
            push(Glyph(character: ch, width: UInt8(w), kind: k, token: Int32(token)))
        }
    }

    /// Starts a new line unless the text already ends with one (or is empty).
    public mutating func ensureNewline(kind: GlyphKind = .note) {
        if let last = glyphs.last, !last.isNewline { append("\n", kind: kind) }
    }

    public mutating func rewrap(width: Int) {
        let w = max(1, width)
        guard w != wrapWidth else { return }
        wrapWidth = w
        closed.removeAll(keepingCapacity: true)
        openStart = 0
        openWidth = 0
        breakAt = nil
        for i in glyphs.indices { wrap(i) }
    }

    public mutating func removeAll() {
        self = PaneText(width: wrapWidth)
    }

    private mutating func push(_ g: Glyph) {
        glyphs.append(g)
        wrap(glyphs.count - 1)
    }

    private mutating func closeLine(at end: Int, nextStart: Int) {
        closed.append(openStart..<end)
        openStart = nextStart
        openWidth = 0
        breakAt = nil
    }

    /// Places glyph `i` on the open line, closing the line first if it does not fit.
    private mutating func wrap(_ i: Int) {
        let g = glyphs[i]
        if g.isNewline {
            closeLine(at: i, nextStart: i + 1)
            return
        }
        let w = Int(g.width)
        if g.isSpace {
            if openWidth + 1 > wrapWidth {
                closeLine(at: i, nextStart: i + 1)  // a space at the edge is swallowed by the break
                return
            }
            openWidth += 1
            breakAt = i + 1
            breakWidth = openWidth
            return
        }
        if openWidth > 0 && openWidth + w > wrapWidth {
            if w == 2 {
                closeLine(at: i, nextStart: i)  // wide characters may break anywhere
            } else if let b = breakAt, b > openStart, b <= i {
                let rest = openWidth - breakWidth
                closed.append(openStart..<b)
                openStart = b
                openWidth = rest
                breakAt = nil
                if openWidth > 0 && openWidth + w > wrapWidth { closeLine(at: i, nextStart: i) }
            } else {
                closeLine(at: i, nextStart: i)  // a word longer than the line is cut
            }
        }
        openWidth += w
        if w == 2 {
            breakAt = i + 1
            breakWidth = openWidth
        }
    }
}
