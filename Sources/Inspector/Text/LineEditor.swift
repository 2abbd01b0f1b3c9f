/// The prompt line's text and cursor, edited by character (grapheme cluster), so a CJK character
/// or an emoji moves and deletes as one unit.
public struct LineEditor: Sendable, Equatable {
    public private(set) var characters: [Character] = []
    /// Cursor position, 0…count (before the character at that index).
    public private(set) var cursor = 0

    public init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    public mutating func insert(_ s: String) {
        let new = Array(s)
        characters.insert(contentsOf: new, at: cursor)
        cursor += new.count
        // Inserting may merge with a neighbour into one grapheme (e.g. a combining accent).
        let merged = Array(String(characters))
        if merged.count != characters.count {
            let before = String(characters[..<cursor]).count
            characters = merged
            cursor = min(before, merged.count)
        }
    }

    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func left() { cursor = max(0, cursor - 1) }
    public mutating func right() { cursor = min(characters.count, cursor + 1) }
    public mutating func home() { cursor = 0 }
    public mutating func end() { cursor = characters.count }

    /// To the start of the previous word.
    public mutating func wordLeft() {
        while cursor > 0 && characters[cursor - 1].isWhitespace { cursor -= 1 }
        while cursor > 0 && !characters[cursor - 1].isWhitespace { cursor -= 1 }
    }

    /// To the end of the next word.
    public mutating func wordRight() {
        while cursor < characters.count && characters[cursor].isWhitespace { cursor += 1 }
        while cursor < characters.count && !characters[cursor].isWhitespace { cursor += 1 }
    }

    /// Ctrl-W: deletes the word before the cursor.
    public mutating func deleteWordBackward() {
        let end = cursor
        wordLeft()
        characters.removeSubrange(cursor..<end)
    }

    /// Ctrl-U: deletes everything before the cursor.
    public mutating func deleteToStart() {
        characters.removeSubrange(0..<cursor)
        cursor = 0
    }

    /// Ctrl-K: deletes everything after the cursor.
    public mutating func deleteToEnd() {
        characters.removeSubrange(cursor...)
    }

    public mutating func clear() { self = LineEditor() }

    public mutating func set(_ text: String) { self = LineEditor(text) }

    /// What to draw in `columns` columns: the visible characters (a newline shown as `↵`) and the
    /// cursor's column, scrolling horizontally so the cursor stays in view.
    public func view(columns: Int) -> (text: String, cursorColumn: Int) {
        guard columns > 0 else { return ("", 0) }
        let shown = characters.map { $0 == "\n" || $0 == "\r\n" ? "↵" : ($0.isControlLike ? "?" : $0) }
        let widths = shown.map { max(1, DisplayWidth.of($0)) }
        // First visible character: as far left as possible while the cursor fits.
        var start = 0
        var widthToCursor = widths[..<cursor].reduce(0, +)
        while widthToCursor >= columns && start < cursor {
            widthToCursor -= widths[start]
            start += 1
        }
        var out = "", used = 0
        for i in start..<shown.count {
            if used + widths[i] > columns { break }
            out.append(shown[i])
            used += widths[i]
        }
        return (out, widthToCursor)
    }
}

extension LineEditor {
    /// The line-editing keys (the prompt line's, and any other text field's).
    mutating func apply(_ key: Key) {
        switch key {
        case .char(let c): insert(String(c))
        case .left, .ctrl("b"): left()
        case .right, .ctrl("f"): right()
        case .home, .ctrl("a"): home()
        case .end, .ctrl("e"): end()
        case .ctrlLeft, .alt("b"): wordLeft()
        case .ctrlRight, .alt("f"): wordRight()
        case .backspace, .ctrl("h"): deleteBackward()
        case .delete: deleteForward()
        case .ctrl("w"), .alt("\u{7F}"): deleteWordBackward()
        case .ctrl("u"): deleteToStart()
        case .ctrl("k"): deleteToEnd()
        default: break
        }
    }
}
