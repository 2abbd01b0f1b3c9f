import ArgumentParser
import EmbeddedModel
import CursesTerminal
import Foundation
import Inspector
import Reasoning
import Remote
import Tokenizer

struct TUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Open the inspector (the default): thinking and answer panes, live counts, a budget slider, expert heatmaps.",
        discussion: "Keys: ? lists them all. Enter runs the prompt, Esc stops, [ and ] move the budget, Tab switches panes, q quits."
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "Theme: a name in themes/ (thinkscope-dark, thinkscope-light, high-contrast) or a base16 YAML file.")
    var theme: String?
    @Option(help: "Colours: truecolor, 256, 16 or none (default: detected; NO_COLOR turns them off).")
    var color: ColorDepth?
    @Flag(help: "Use the mouse: click panes and budget steps, scroll with the wheel.") var mouse = false
    @Option(help: "Initial thinking budget in tokens (default: unlimited).") var budget: Int?
    @Flag(help: "Start with thinking off.") var noThink = false
    @Option(help: "How a forced end is written: qwen or bare.") var endStyle: String = "qwen"
    @Option(help: "Generated tokens per reply at most.") var maxTokens: Int = 4096
    @Flag(help: "Start each reply inside a think block (prefill <think>), for models that skip thinking.")
    var prefillThink = false
    @Option(help: "Write every run as a trace (JSON Lines) into this directory, again as its branches finish; w writes one by hand.")
    var traceDir: String?
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var probes: ProbeOptions

    func validate() throws {
        try sampling.check()
        try probes.check()
        try serverOptions.check()
        if let b = budget, b < 0 { throw ValidationError("--budget must be 0 or more, got \(b)") }
        guard EndStyle(rawValue: endStyle) != nil else {
            throw ValidationError("--end-style must be one of: \(EndStyle.allCases.map(\.rawValue).joined(separator: ", ")); got '\(endStyle)'")
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        if let d = traceDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: d, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.isWritableFile(atPath: d) else {
                throw ValidationError("--trace-dir \(d): not a writable directory")
            }
        }
    }

    func run() throws {
        let theme = try InspectorRunner.loadTheme(self.theme)
        var terminalOptions = CursesTerminal.Options()
        terminalOptions.mouse = mouse
        terminalOptions.colorDepth = color
        let queue = EventQueue()

        var slider = BudgetSlider(step: noThink ? .noThink : BudgetSlider.steps[BudgetSlider.index(for: budget)])
        slider.endStyle = EndStyle(rawValue: endStyle)!

        guard modelOptions.model != nil || EmbeddedModel.path != nil else {
            let why = "This build has no embedded demo model yet. Start with: thinkscope tui --model FILE.gguf (a test model: thinkscope random-model --preset … --out m.gguf), or open a recorded run: thinkscope replay TRACE."
            let summary = ModelSummary(name: "none", architecture: "none", layers: 0, experts: nil, thinks: false)
            try InspectorRunner.run(theme: theme, terminalOptions: terminalOptions, queue: queue, makeState: { w, h, depth in
                InspectorState(width: w, height: h, model: summary, mode: .noModel(why), theme: theme, colorDepth: depth)
            }, backend: nil)
            return
        }
        let path = modelOptions.model ?? EmbeddedModel.path!
        // With a server, --model may be the served model's name rather than a file.
        guard serverOptions.remote || FileManager.default.isReadableFile(atPath: path) else { throw CLIError("\(path): cannot read the file") }
        let name = serverOptions.remote ? (modelOptions.model ?? "demo model")
            : modelOptions.model.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "demo model"
        let modelSettings = modelOptions
        var options = GeneratorBackend.Options()
        options.thinkingSampling = sampling.parameters(thinking: true)
        options.answerSampling = sampling.parameters(thinking: false)
        options.maxTokens = maxTokens
        options.prefillThink = prefillThink
        options.probe = probes.settings(defaultEvery: 32)
        options.traceDirectory = traceDir
        let markers = shippedThinkingMarkers()
        let server = serverOptions
        if server.remote { options.probe = nil }  // probes need logits; a server gives tokens
        let chatFormat = modelOptions.chatFormat
        let modelArgument = modelOptions.model
        let effort = modelOptions.reasoningEffort
        // The UI opens at once; the model (and its tokenizer) loads on the generation queue.
        let backend = GeneratorBackend(options: options, queue: queue) {
            if server.remote {
                let remote = try server.connect(model: modelArgument, chatFormat: chatFormat, effort: effort)
                let shape = remote.routingShape
                // The header says where the model runs (a chat API: which model, and that it only streams text).
                let display = remote.displayOnly != nil
                var summary = ModelSummary(name: display ? remote.where_ : "\(URL(fileURLWithPath: name).lastPathComponent) on \(remote.where_)",
                                           architecture: display ? "text only" : remote.architecture, layers: shape?.layers ?? 0,
                                           experts: shape?.experts, thinks: remote.chat.thinking.supportsThinking)
                summary.noRouting = remote.noRouting
                summary.displayOnly = remote.displayOnly
                return GeneratorBackend.Loaded(model: remote.languageModel(), chat: remote.chat, summary: summary) { messages, prompt, settings, thinking, _ in
                    remote.traceHeader(messages: messages, promptTokens: prompt.map { TokenID($0) }, settings: settings, thinking: thinking)
                }
            }
            let loaded = try modelSettings.open(path: path)
            let c = loaded.model.config
            let summary = ModelSummary(name: name, architecture: c.architecture, layers: c.layerCount,
                                       experts: c.isMoE ? c.expertCount : nil, thinks: loaded.chat.thinking.supportsThinking,
                                       mask: loaded.expertMask)
            return GeneratorBackend.Loaded(model: loaded.languageModel(), chat: loaded.chat, summary: summary) { messages, prompt, settings, thinking, mask in
                loaded.traceHeader(messages: messages, promptTokens: prompt.map { TokenID($0) }, settings: settings, thinking: thinking,
                                   mask: .some(mask))
            }
        }
        try InspectorRunner.run(theme: theme, terminalOptions: terminalOptions, queue: queue, makeState: { w, h, depth in
            let placeholder = ModelSummary(name: name, architecture: "", layers: 0, experts: nil)
            var s = InspectorState(width: w, height: h, model: placeholder, mode: .live, theme: theme, colorDepth: depth)
            s.modelLoading = true
            s.slider = slider
            s.probeEvery = options.probe?.every
            s.markers = markers
            return s
        }, backend: backend)
    }
}
