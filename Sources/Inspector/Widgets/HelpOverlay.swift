/// `?`: every key, grouped by where it applies, read from the key map.
enum HelpOverlay {
    /// `displayOnly`: the reason controls that force a run are off (they are listed as off).
    static func lines(_ keyMap: KeyMap, displayOnly: String? = nil) -> [(String, String, Bool)] {
        var out: [(String, String, Bool)] = []
        let order: [KeyScope] = [.global, .prompt, .view, .panes, .heatmap, .cursor, .branchMenu, .branches, .anchors, .compare, .help]
        for scope in order {
            out.append((scope.title, "", true))
            var seen = Set<Command>()
            for binding in keyMap.bindings where binding.scope == scope {
                guard seen.insert(binding.command).inserted || scope == .help else { continue }
                let keys = keyMap.bindings.filter { $0.scope == scope && $0.command == binding.command }
                    .flatMap(\.keys).map(\.description)
                var unique: [String] = []
                for k in keys where !unique.contains(k) { unique.append(k) }
                let off = displayOnly != nil && (binding.command.needsForcing || binding.command.movesBudget)
                out.append((unique.joined(separator: " "), binding.help + (off ? binding.command.movesBudget ? " (between runs only here)" : " (off here)" : ""), false))
            }
            if scope == .prompt {
                for (k, what) in KeyMap.editingHelp { out.append((k, what, false)) }
            }
            out.append(("", "", false))
        }
        if let displayOnly { out.append(("Off on this server", displayOnly, true)) }
        out.append(("Colours", "", true))
        out.append(("underlined", "injected text (forced end, \"Wait\")", false))
        out.append(("italic", "thinking", false))
        out.append(("␛ ␀ …", "control characters in model output, shown escaped", false))
        return out
    }

    static func draw(_ s: InspectorState, into b: inout ScreenBuffer) {
        guard s.showHelp else { return }
        let all = lines(s.keyMap, displayOnly: s.model.displayOnly)
        let width = min(s.width - 2, 78)
        let height = min(s.height - 2, all.count + 2)
        guard width >= 20, height >= 3 else {
            b.fill(Rect(x: 0, y: 0, width: s.width, height: s.height), style: .role(.text, bg: .surface))
            b.writeTruncated("Help: make the terminal larger. Esc closes.", x: 0, y: 0, style: .role(.text, bg: .surface), maxWidth: s.width)
            return
        }
        let r = Rect(x: (s.width - width) / 2, y: (s.height - height) / 2, width: width, height: height)
        b.fill(r, style: .role(.text, bg: .surface))
        b.box(r, style: .role(.focusBorder, bg: .surface), title: "Keys — Esc closes, ↑↓ scroll",
              titleStyle: .role(.focusBorder, bg: .surface, [.bold]))
        let inner = r.inset(1)
        let maxScroll = max(0, all.count - inner.height)
        let scroll = s.helpScroll.clamped(0, maxScroll)
        let keyW = min(26, inner.width / 2)
        for row in 0..<inner.height {
            let i = scroll + row
            guard i < all.count else { break }
            let (k, what, header) = all[i]
            let y = inner.y + row
            if header {
                b.writeTruncated(k, x: inner.x + 1, y: y, style: .role(.title, bg: .surface, [.bold]), maxWidth: inner.width - 1)
            } else {
                b.writeTruncated(k, x: inner.x + 2, y: y, style: .role(.keyHint, bg: .surface, [.bold]), maxWidth: keyW - 1)
                b.writeTruncated(what, x: inner.x + 1 + keyW, y: y, style: .role(.text, bg: .surface), maxWidth: inner.width - keyW - 1)
            }
        }
        if scroll < maxScroll { b.put("▼", x: r.maxX - 1, y: r.maxY - 2, style: .role(.keyHint, bg: .surface)) }
        if scroll > 0 { b.put("▲", x: r.maxX - 1, y: r.y + 1, style: .role(.keyHint, bg: .surface)) }
    }
}
