import ArgumentParser
import CursesTerminal
import Foundation
import Inspector
import Reasoning

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Open a recorded trace (run --trace FILE) in the inspector, without a model."
    )

    @Argument(help: "A trace file (JSON Lines).") var trace: String
    @Option(help: "Play tokens at this rate (tokens per second); 0 shows the whole run at once.") var speed: Double = 0
    @Option(help: "Theme: a name in themes/ or a base16 YAML file.") var theme: String?
    @Option(help: "Colours: truecolor, 256, 16 or none (default: detected).") var color: ColorDepth?
    @Flag(help: "Use the mouse.") var mouse = false
    @Option(help: "The GGUF model that recorded the trace: computes answer probes for a trace without them, and the pivot (P).")
    var model: String?
    @Option(help: "With --model: a probe every K thinking tokens (default: the trace's, else 32).") var probeEvery: Int?
    @Option(name: .customShort("t"), help: "Threads (default: all cores).") var threads: Int?

    func validate() throws {
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 or more") }
        if let k = probeEvery, k < 1 { throw ValidationError("--probe-every must be at least 1") }
        if probeEvery != nil && model == nil { throw ValidationError("--probe-every needs --model") }
    }

    func run() throws {
        let recorded: Trace
        do {
            recorded = try Trace(path: trace)
        } catch {
            throw CLIError("\(error)")
        }
        let theme = try InspectorRunner.loadTheme(self.theme)
        var terminalOptions = CursesTerminal.Options()
        terminalOptions.mouse = mouse
        terminalOptions.colorDepth = color
        let queue = EventQueue()
        var events = recorded.events
        var prober: TraceProber?
        if let model {
            let tokens = events.compactMap { if case .token(let t) = $0 { t } else { nil } }
            let loaded = try LoadedModel(path: model, context: recorded.header.promptTokens.count + tokens.count + 256, threads: threads)
            if loaded.file.headerFingerprint != recorded.header.model.headerHash {
                err("warning: \(model) is not the model that recorded \(trace) (\(recorded.header.model.file))\n")
            }
            let p = try TraceProber(model: loaded.languageModel(rereading: trace, recorded, through: tokens.count),
                                    chat: loaded.chat, prompt: recorded.header.promptTokens, tokens: tokens,
                                    endStyle: EndStyle(rawValue: recorded.header.settings.endStyle) ?? .qwen, alreadyRead: true)
            let recordedProbes = !events.latestProbes.isEmpty
            if !recordedProbes || probeEvery != nil {
                err("computing answer probes…\n")
                events.removeAll { if case .probe = $0 { true } else { false } }
                let computed = p.probe(p.points(every: probeEvery ?? recorded.header.settings.probeEvery ?? 32))
                // Before the footer, as a live run reports them.
                let end = events.lastIndex { if case .finished = $0 { true } else { false } } ?? events.count
                events.insert(contentsOf: computed.map { .probe($0) }, at: end)
            }
            prober = p
        }
        let backend = ReplayBackend(events: events, queue: queue, tokensPerSecond: speed, prober: prober,
                                    branches: recorded.branches)
        try InspectorRunner.run(theme: theme, terminalOptions: terminalOptions, queue: queue, makeState: { w, h, depth in
            var s = InspectorState.replay(recorded, path: trace, width: w, height: h, theme: theme, colorDepth: depth)
            s.markers = shippedThinkingMarkers()
            s.showProbes = !events.latestProbes.isEmpty
            return s
        }, backend: backend)
    }
}
