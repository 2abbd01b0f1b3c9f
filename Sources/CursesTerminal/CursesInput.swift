import CNCurses
import Inspector

extension CursesTerminal {
    /// Waits up to `timeoutMilliseconds` for a key, then takes everything else already waiting.
    public func readInput(timeoutMilliseconds: Int) -> [Action] {
        var out: [Action] = []
        wtimeout(ts_stdscr(), Int32(timeoutMilliseconds))
        defer { wtimeout(ts_stdscr(), Int32(timeoutMilliseconds)) }
        while out.count < 1024 {
            guard let (code, isKey) = next() else { break }
            wtimeout(ts_stdscr(), 0)
            if isKey {
                if let a = functionKey(code) { out.append(a) }
            } else if let a = character(code) {
                out.append(a)
            }
        }
        return out
    }

    /// The next input unit: (code, true) for a function key, (code point, false) for a character.
    private func next(waiting ms: Int32? = nil) -> (UInt32, Bool)? {
        if let ms { wtimeout(ts_stdscr(), ms) }
        var ch: wint_t = 0
        let r = wget_wch(ts_stdscr(), &ch)
        if r == ts_err() { return nil }
        return (UInt32(ch), r == ts_key_code_yes())
    }

    private func functionKey(_ code: UInt32) -> Action? {
        let c = Int32(bitPattern: code)
        switch c {
        case ts_key_resize(): return .resize(width: width, height: height)
        case ts_key_mouse(): return mouseEvent()
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_DC: return .key(.delete)
        case KEY_IC: return .key(.insert)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_ENTER: return .key(.enter)
        case KEY_BTAB: return .key(.backTab)
        default:
            for n in 1...12 where c == ts_key_f(Int32(n)) { return .key(.function(n)) }
            if let name = keyname(c).map({ String(cString: $0) }) {
                if name.hasPrefix("kLFT") { return .key(.ctrlLeft) }
                if name.hasPrefix("kRIT") { return .key(.ctrlRight) }
            }
            return nil
        }
    }

    private func character(_ code: UInt32) -> Action? {
        switch code {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 8, 127: return .key(.backspace)
        case 27: return escape()
        case 1...26: return .key(.ctrl(Character(Unicode.Scalar(code + 96)!)))
        case 0, 28...31: return nil
        default:
            guard let s = Unicode.Scalar(code) else { return nil }
            return .key(.char(Character(s)))
        }
    }

    /// After Esc: a lone Esc, Alt plus a key, or a sequence curses did not know (bracketed paste
    /// among them).
    private func escape() -> Action? {
        guard let (c, isKey) = next(waiting: 30) else { return .key(.escape) }
        if isKey { return functionKey(c) }
        switch c {
        case 27: return .key(.escape)
        case 0x5B, 0x4F:  // CSI or SS3
            var seq = ""
            while seq.count < 16, let (d, k) = next(waiting: 30), !k, let s = Unicode.Scalar(d) {
                seq.unicodeScalars.append(s)
                if (0x40...0x7E).contains(d) { break }
            }
            if c == 0x5B && seq == "200~" { return .paste(readPaste()) }
            return nil
        default:
            guard let s = Unicode.Scalar(c) else { return nil }
            return .key(.alt(Character(s)))
        }
    }

    /// Text up to the end-of-paste marker ESC [201~.
    private func readPaste() -> String {
        var text = String.UnicodeScalarView()
        let end = Array("\u{1B}[201~".unicodeScalars)
        var matched = 0
        while text.count < 1_000_000, let (c, isKey) = next(waiting: 200) {
            if isKey { continue }
            guard let s = Unicode.Scalar(c) else { continue }
            text.append(s)
            if s == end[matched] {
                matched += 1
                if matched == end.count {
                    text.removeLast(end.count)
                    break
                }
            } else {
                matched = s == end[0] ? 1 : 0
            }
        }
        return String(String(text).map { $0 == "\r" ? "\n" : $0 })
    }

    private func mouseEvent() -> Action? {
        var ev = MEVENT()
        guard getmouse(&ev) != ts_err() else { return nil }
        let x = Int(ev.x), y = Int(ev.y)
        if ev.bstate & ts_button4_pressed() != 0 { return .mouse(MouseEvent(.wheelUp, x: x, y: y)) }
        if ev.bstate & ts_button5_pressed() != 0 { return .mouse(MouseEvent(.wheelDown, x: x, y: y)) }
        if ev.bstate & ts_button1_pressed() != 0 { return .mouse(MouseEvent(.press, x: x, y: y)) }
        return nil
    }
}
