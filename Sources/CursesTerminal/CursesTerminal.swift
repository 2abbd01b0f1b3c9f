import CNCurses
import Inspector
#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal could not be opened.
public struct TerminalError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The curses terminal: the only place that talks to ncursesw. Opening it saves the terminal's
/// mode and takes over the screen; `close()` (also called on deinit) always gives it back. SIGINT,
/// SIGTERM, SIGHUP and SIGQUIT are turned into `takeSignal()` results for the UI loop to end
/// cleanly; a crash restores the terminal from the signal handler before the process dies.
public final class CursesTerminal: TerminalDevice {
    public let colorDepth: ColorDepth
    private var colors: CursesColors
    private var previous: ScreenBuffer?
    private var open = true
    private let mouse: Bool
    private var cursorVisible: Int32 = -1

    public struct Options: Sendable {
        public var mouse = false
        /// Force a colour depth (otherwise detected; `NO_COLOR` means none).
        public var colorDepth: ColorDepth?
        public init() {}
    }

    public init(theme: Theme, options: Options = Options()) throws {
        guard isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 else {
            throw TerminalError(description: "the inspector needs a terminal (stdin and stdout must be a TTY); use `thinkscope run` for pipes")
        }
        setlocale(LC_ALL, "")
        if ts_locale_is_utf8() == 0 {
            // Wide characters need a UTF-8 locale; the C locale is the common culprit.
            if setlocale(LC_CTYPE, "C.UTF-8") == nil { setlocale(LC_CTYPE, "en_US.UTF-8") }
        }
        ts_install_signal_handlers()
        ts_set_escdelay(25)
        let screen: OpaquePointer? = Self.directColorTerminal().flatMap { name in ts_newterm(name) }
        guard screen != nil || initscr() != nil else {
            ts_restore_default_signals()
            throw TerminalError(description: "cannot initialise the terminal (TERM=\(getenv("TERM").map { String(cString: $0) } ?? "unset"))")
        }
        raw()  // Ctrl-C arrives as a key; the UI decides (stop generation, or quit)
        noecho()
        nonl()
        keypad(ts_stdscr(), true)
        intrflush(ts_stdscr(), false)
        mouse = options.mouse
        let depth = Self.detectDepth(forced: options.colorDepth)
        colorDepth = depth
        colors = CursesColors(depth: depth, theme: theme)
        if mouse {
            mousemask(ts_all_mouse_events(), nil)
            mouseinterval(0)
        }
        ts_write_stdout("\u{1B}[?2004h")  // bracketed paste: pasted text arrives in one piece
    }

    deinit { close() }

    /// Gives the terminal back (idempotent).
    public func close() {
        guard open else { return }
        open = false
        ts_write_stdout("\u{1B}[?2004l")
        if mouse { mousemask(0, nil) }
        curs_set(1)
        endwin()
        ts_restore_default_signals()
    }

    /// The colour depth to draw with (starting curses colours unless there are none): forced, or
    /// none under `NO_COLOR`, else what the terminal description says (COLORS is only known after
    /// start_color).
    static func detectDepth(forced: ColorDepth?) -> ColorDepth {
        if forced == ColorDepth.none { return .none }
        if forced == nil, let v = getenv("NO_COLOR"), v.pointee != 0 { return .none }
        guard has_colors() else { return .none }
        start_color()
        use_default_colors()
        let n = ts_colors()
        if let f = forced { return f == .truecolor && n < 0x100_0000 ? .c256 : f }
        if n >= 0x100_0000 { return .truecolor }
        if n >= 256 { return .c256 }
        return .c16
    }

    /// When the terminal says it does 24-bit colour (COLORTERM=truecolor or 24bit) but TERM names a
    /// 256-colour description, the matching "-direct" description if one is installed (xterm-direct,
    /// tmux-direct, …): curses can only send 24-bit colours through such a description.
    static func directColorTerminal() -> String? {
        guard let ct = getenv("COLORTERM").map({ String(cString: $0) }), ct == "truecolor" || ct == "24bit",
              let term = getenv("TERM").map({ String(cString: $0) }), !term.contains("direct"),
              let base = term.split(separator: "-").first else { return nil }
        let name = base + "-direct"
        var dirs = ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo"]
        if let home = getenv("HOME") { dirs.insert(String(cString: home) + "/.terminfo", at: 0) }
        if let t = getenv("TERMINFO") { dirs.insert(String(cString: t), at: 0) }
        for d in dirs where access("\(d)/\(name.first!)/\(name)", R_OK) == 0 { return String(name) }
        return nil
    }

    public var width: Int { Int(getmaxx(ts_stdscr())) }
    public var height: Int { Int(getmaxy(ts_stdscr())) }

    public func takeSignal() -> Int32? {
        let s = ts_take_signal()
        return s == 0 ? nil : s
    }

    // MARK: Output

    public func present(_ screen: ScreenBuffer, theme: Theme, full: Bool) {
        guard open else { return }
        colors.theme = theme
        var repaint = full || previous?.width != screen.width || previous?.height != screen.height
        if repaint { clearok(ts_stdscr(), true) }
        for pass in 0..<2 {
            for y in 0..<screen.height {
                for x in 0..<screen.width {
                    let cell = screen[x, y]
                    if cell.isContinuation { continue }
                    if !repaint, let p = previous, p[x, y] == cell, p[x + 1, y].isContinuation == (cell.width == 2) { continue }
                    draw(cell, x: x, y: y)
                }
            }
            // Recycling the colour pairs changes colours already on screen: paint everything again.
            if colors.recycled && pass == 0 {
                colors.recycled = false
                repaint = true
                continue
            }
            break
        }
        previous = screen
        if let c = screen.cursor, c.x < screen.width, c.y < screen.height {
            wmove(ts_stdscr(), Int32(c.y), Int32(c.x))
            setCursor(1)
        } else {
            setCursor(0)
        }
        wrefresh(ts_stdscr())
    }

    private func setCursor(_ v: Int32) {
        if v != cursorVisible {
            curs_set(v)
            cursorVisible = v
        }
    }

    private func draw(_ cell: Cell, x: Int, y: Int) {
        var chars = Self.wideChars(cell)
        let pair = colors.pair(cell.style)
        let attrs = CursesColors.attributes(cell.style.attributes)
        _ = chars.withUnsafeMutableBufferPointer { buf in
            ts_put_cell(Int32(y), Int32(x), buf.baseAddress, attrs, pair)
        }
    }

    /// The cell's character as curses takes it: one spacing character and up to four combining
    /// ones, NUL-terminated. When the C library measures the character differently from the
    /// inspector (an emoji newer than its tables), a stand-in of the inspector's width is drawn,
    /// so the rest of the row stays in place.
    static func wideChars(_ cell: Cell) -> [wchar_t] {
        let scalars = Array(cell.character.unicodeScalars)
        guard let first = scalars.first else { return [0x20, 0] }
        let cw = ts_wcwidth(first.value)
        if Int(cw) != Int(cell.width) {
            return cell.width == 2 ? [0xFF1F, 0] : [0x3F, 0]  // "？" or "?"
        }
        var out: [wchar_t] = [wchar_t(bitPattern: first.value)]
        for s in scalars.dropFirst() where out.count < 5 && ts_wcwidth(s.value) == 0 {
            out.append(wchar_t(bitPattern: s.value))
        }
        out.append(0)
        return out
    }
}
