/// A view that covers everything below the title bar (the branch tree, the thought anchors): a header
/// row with its title, the body, and a footer row of key hints (or the status message) when there is
/// room.
struct FullView {
    var header = Rect.zero, body = Rect.zero, footer = Rect.zero

    /// Paints the view's background and header with `title`; returns the view and the x after the title.
    static func open(_ s: InspectorState, title: String, into b: inout ScreenBuffer) -> (FullView, Int) {
        var v = FullView()
        var rest = Rect(x: 0, y: 1, width: s.width, height: s.height - 1)
        (v.header, rest) = rest.splitTop(1)
        if rest.height >= 3 { (v.footer, rest) = rest.splitBottom(1) }
        v.body = rest
        b.fill(Rect(x: 0, y: v.header.y, width: s.width, height: s.height - 1), style: .role(.text, bg: .background))
        b.fill(v.header, style: .role(.statusText, bg: .surface))
        let x = b.write(title, x: 0, y: v.header.y, style: .role(.title, bg: .surface, [.bold]), maxWidth: v.header.width)
        return (v, x)
    }

    /// The footer: the status message when there is one, else as many `keys` (key, what) as fit.
    func drawFooter(_ s: InspectorState, keys: [(String, String)], into b: inout ScreenBuffer) {
        guard !footer.isEmpty else { return }
        if let msg = s.message {
            b.writeTruncated(" " + msg, x: footer.x, y: footer.y, style: .role(.warning, [.bold]), maxWidth: footer.width)
            return
        }
        var fx = footer.x + 1
        for (k, what) in keys {
            let w = DisplayWidth.of(k) + DisplayWidth.of(what) + 3
            if fx + w > footer.maxX { break }
            fx += b.write(k, x: fx, y: footer.y, style: .role(.keyHint, [.bold]))
            fx += b.write(" " + what + "  ", x: fx, y: footer.y, style: .role(.muted))
        }
    }
}

/// A box centred over the screen for a small dialog (the branch menu, the live mask editor): at most
/// `maxWidth` wide and tall enough for `lines` rows, filled and framed with `title`. Nil — after
/// writing "`name`: make the terminal larger" on the last row — when the terminal cannot hold it.
enum Dialog {
    static func open(_ s: InspectorState, name: String, maxWidth: Int, lines: Int, title: String, frame: Role,
                     into b: inout ScreenBuffer) -> Rect? {
        let width = min(s.width - 2, maxWidth)
        let height = min(s.height - 2, lines + 2)
        guard width >= 16, height >= 3 else {
            b.writeTruncated("\(name): make the terminal larger (Esc closes)", x: 0, y: max(0, s.height - 1),
                             style: .role(.warning, bg: .surface), maxWidth: s.width)
            return nil
        }
        let r = Rect(x: (s.width - width) / 2, y: max(1, (s.height - height) / 2), width: width, height: height)
        b.fill(r, style: .role(.text, bg: .surface))
        b.box(r, style: .role(frame, bg: .surface), title: title, titleStyle: .role(.accent, bg: .surface, [.bold]))
        return r.inset(1)
    }
}
