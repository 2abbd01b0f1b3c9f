import ArgumentParser
import CursesTerminal
import Engine
import Foundation
import Inspector

/// Opens the curses terminal, runs the inspector loop, and gives the terminal back whatever
/// happens (normal quit, a thrown error, or a termination signal, which becomes exit 128+n).
enum InspectorRunner {
    static func run(theme: Theme, terminalOptions: CursesTerminal.Options, queue: EventQueue,
                    makeState: (Int, Int, ColorDepth) -> InspectorState,
                    backend: InspectorBackend?) throws {
        let terminal = try CursesTerminal(theme: theme, options: terminalOptions)
        let exit: InspectorApp.Exit
        do {
            var state = makeState(terminal.width, terminal.height, terminal.colorDepth)
            state.mouseEnabled = terminalOptions.mouse
            let app = InspectorApp(state: state, terminal: terminal, backend: backend, queue: queue, clock: monotonicSeconds)
            exit = app.run()
        }
        terminal.close()
        if case .signal(let sig) = exit {
            Foundation.exit(128 + sig)
        }
    }

    static func loadTheme(_ name: String?) throws -> Theme {
        do {
            return try ThemeLibrary.standard.resolve(name)
        } catch {
            throw CLIError("theme: \(error)")
        }
    }
}

extension ColorDepth: ExpressibleByArgument {}
