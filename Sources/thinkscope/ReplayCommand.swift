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

    func validate() throws {
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 or more") }
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
        let backend = ReplayBackend(events: recorded.events, queue: queue, tokensPerSecond: speed)
        try InspectorRunner.run(theme: theme, terminalOptions: terminalOptions, queue: queue, makeState: { w, h, depth in
            InspectorState.replay(recorded, path: trace, width: w, height: h, theme: theme, colorDepth: depth)
        }, backend: backend)
    }
}
