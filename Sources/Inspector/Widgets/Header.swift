import Reasoning

/// Row 0: the product, the model, the phase and the elapsed time.
enum TitleBar {
    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let bar = Style.role(.statusText, bg: .surface)
        b.fill(r, style: bar)
        var x = r.x
        x += b.write(" ThinkScope ", x: x, y: r.y, style: Style.role(.title, bg: .surface, .bold), maxWidth: r.maxX - x)
        let phase = phaseLabel(s)
        let right = " " + phase.text + "  " + Format.seconds(s.shownElapsed) + " "
        let hint = r.width >= 70 ? "  ? help  q quit " : ""
        let rightWidth = DisplayWidth.of(right) + DisplayWidth.of(hint)
        let modelText: String
        switch s.mode {
        case .replay(let p): modelText = "replay · " + DisplayText.sanitize(lastComponent(p)) + " · " + modelShape(s.model)
        case .noModel: modelText = "no model"
        case .live: modelText = DisplayText.sanitize(s.model.name) + (s.modelLoading ? "" : " · " + modelShape(s.model))
        }
        let maskText = s.expertMask.map { " · ⊘ " + $0.text } ?? ""
        let room = r.maxX - x - rightWidth
        if room > 3 {
            // The mask matters more than the model's shape: the model's text gives way to it.
            let maskWidth = min(DisplayWidth.of(maskText), max(0, room - 8))
            let w = b.writeTruncated("│ " + modelText, x: x, y: r.y, style: bar, maxWidth: room - maskWidth)
            if !maskText.isEmpty, room - w > 3 {
                b.writeTruncated(maskText, x: x + w, y: r.y, style: Style.role(.warning, bg: .surface, .bold), maxWidth: room - w)
            }
        }
        var rx = max(x, r.maxX - rightWidth)
        rx += b.write(" ", x: rx, y: r.y, style: bar, maxWidth: r.maxX - rx)
        rx += b.write(phase.text, x: rx, y: r.y, style: Style.role(phase.role, bg: .surface, .bold), maxWidth: r.maxX - rx)
        rx += b.write("  " + Format.seconds(s.shownElapsed) + " ", x: rx, y: r.y, style: bar, maxWidth: r.maxX - rx)
        if !hint.isEmpty { b.write(hint, x: rx, y: r.y, style: Style.role(.keyHint, bg: .surface), maxWidth: r.maxX - rx) }
    }

    static func modelShape(_ m: ModelSummary) -> String {
        if m.noRouting != nil { return m.architecture }
        if let e = m.experts, e > 0 { return "\(m.architecture) \(m.layers)L×\(e)E" }
        return "\(m.architecture) \(m.layers)L dense"
    }

    static func lastComponent(_ p: String) -> String { p.split(separator: "/").last.map(String.init) ?? p }

    static func phaseLabel(_ s: InspectorState) -> (text: String, role: Role) {
        if let c = s.compare {
            if c.running { return ("● comparing \(c.doneCount)/\(c.budgets.count)", .phaseThinking) }
            if c.failure != nil { return ("✕ compare failed", .error) }
            return c.stopped ? ("■ compare stopped", .warning) : ("✓ compared", .phaseDone)
        }
        if s.modelLoading && s.run != .running { return ("◌ loading model", .phasePrompt) }
        switch s.run {
        case .idle: return ("○ idle", .phaseDone)
        case .failed: return ("✕ error", .error)
        case .finished(let reason):
            switch reason {
            case .endOfTurn: return ("✓ done", .phaseDone)
            case .maxTokens: return ("■ token limit", .warning)
            case .stopped: return ("■ stopped", .warning)
            case .contextFull: return ("■ context full", .error)
            }
        case .running:
            switch s.phase {
            case .thinking: return ("● thinking", .phaseThinking)
            case .answer: return ("● answering", .phaseAnswer)
            default: return ("● reading prompt", .phasePrompt)
            }
        }
    }
}

/// Row 1: token counts, budget use and speeds, shortened to fit.
enum StatusLine {
    static func draw(_ s: InspectorState, into b: inout ScreenBuffer, _ r: Rect) {
        guard !r.isEmpty else { return }
        let used = s.live.thinking
        let budget = s.budgetLimit.map { "\(Format.count(used))/\(Format.count($0))" } ?? "\(Format.count(used))/∞"
        let prompt = Format.count(s.stats.promptTokens)
        let pre = Format.rate(s.stats.prefillTokensPerSecond), dec = Format.rate(s.stats.decodeTokensPerSecond)
        let forms: [[(String, String)]] = [
            [("prompt", prompt), ("thinking", Format.count(s.live.thinking)), ("answer", Format.count(s.live.answer)),
             ("injected", Format.count(s.live.injected)), ("budget", budget), ("prefill", pre + " tok/s"), ("decode", dec + " tok/s")],
            [("prompt", prompt), ("think", Format.count(s.live.thinking)), ("answer", Format.count(s.live.answer)),
             ("inj", Format.count(s.live.injected)), ("budget", budget), ("pre", pre), ("dec", dec + " t/s")],
            [("p", prompt), ("th", Format.count(s.live.thinking)), ("ans", Format.count(s.live.answer)),
             ("inj", Format.count(s.live.injected)), ("bud", budget), ("pre", pre), ("dec", dec + " t/s")],
            [("p", prompt), ("th", Format.count(s.live.thinking)), ("ans", Format.count(s.live.answer)),
             ("inj", Format.count(s.live.injected)), ("bud", budget), ("t/s", dec)],
            [("th", Format.count(s.live.thinking)), ("ans", Format.count(s.live.answer)), ("bud", budget)],
        ]
        let sep = " · "
        let chosen = forms.first { f in
            1 + f.map { DisplayWidth.of($0.0) + 1 + DisplayWidth.of($0.1) }.reduce(0, +) + (f.count - 1) * 3 <= r.width
        } ?? forms[forms.count - 1]
        var x = r.x + 1
        for (i, (label, value)) in chosen.enumerated() {
            if i > 0 { x += b.write(sep, x: x, y: r.y, style: .role(.muted), maxWidth: r.maxX - x) }
            x += b.write(label + " ", x: x, y: r.y, style: .role(.statusText), maxWidth: r.maxX - x)
            let overBudget = label.hasPrefix("bud") && s.budgetLimit.map { used >= $0 && $0 > 0 } == true
            x += b.write(value, x: x, y: r.y, style: .role(overBudget ? .warning : .brightText, [.bold]), maxWidth: r.maxX - x)
        }
    }
}
