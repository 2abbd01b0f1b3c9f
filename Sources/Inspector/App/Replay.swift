import Reasoning

extension InspectorState {
    /// The state for replaying a trace: the model from its header, the recorded prompt in the
    /// answer pane, the recorded budget on the slider. The events follow through `reduce`.
    public static func replay(_ trace: Trace, path: String, width: Int, height: Int, theme: Theme,
                              colorDepth: ColorDepth) -> InspectorState {
        let h = trace.header
        let name = h.model.file.isEmpty ? "trace" : h.model.file
        let model = ModelSummary(name: name, architecture: h.model.architecture, layers: h.model.layers ?? 0,
                                 experts: h.model.experts, thinks: true, mask: h.settings.mask)
        var s = InspectorState(width: width, height: height, model: model, mode: .replay(path: path),
                               theme: theme, colorDepth: colorDepth)
        s.slider = BudgetSlider(step: h.settings.thinking ? BudgetSlider.steps[BudgetSlider.index(for: h.settings.budget)] : .noThink)
        s.slider.mode = h.settings.policy == "Minimum" ? .exact : .cap
        s.slider.endStyle = EndStyle(rawValue: h.settings.endStyle) ?? .qwen
        let user = h.messages.last(where: { $0.role == "user" })?.content ?? ""
        s.conversation = [Turn(user: user)]
        if !user.isEmpty { s.answerPane.text.append("› " + DisplayText.sanitize(user) + "\n", kind: .user) }
        s.run = .running
        s.phase = .prompt
        s.runStartedAt = 0
        if trace.truncatedLastLine { s.say("the trace's last line was cut off (the run was interrupted)", seconds: 8) }
        if let p = trace.problems.first {
            s.say(DisplayText.sanitize(p.description) + (trace.problems.count > 1 ? " (and \(trace.problems.count - 1) more)" : ""), seconds: 12)
        }
        s.syncLayout()
        return s
    }
}
