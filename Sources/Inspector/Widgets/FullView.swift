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
