import Reasoning

/// The UI loop: reads input (waiting at most a few milliseconds, so a key is answered well
/// within 50 ms even while the engine generates), folds input and engine events through
/// `reduce`, hands effects to the backend, and draws at most ~30 frames a second while text
/// streams (at once after a key).
public final class InspectorApp {
    public private(set) var state: InspectorState
    let terminal: TerminalDevice
    let backend: InspectorBackend?
    let queue: EventQueue
    let clock: () -> Double
    /// Milliseconds to wait for input per loop.
    public var pollMilliseconds = 10
    public var frameInterval = 1.0 / 30

    public init(state: InspectorState, terminal: TerminalDevice, backend: InspectorBackend?, queue: EventQueue,
                clock: @escaping () -> Double) {
        self.state = state
        self.terminal = terminal
        self.backend = backend
        self.queue = queue
        self.clock = clock
    }

    /// Why the loop ended.
    public enum Exit: Equatable, Sendable {
        case quit
        case signal(Int32)
    }

    private var lastDraw = -1.0
    /// Something changed since the last frame.
    private var pendingFrame = false
    private var drawnGeneration = 0
    private var lastElapsedShown = -1
    private var exit: Exit?

    /// Runs until the user quits or a termination signal arrives.
    @discardableResult
    public func run() -> Exit {
        start()
        while exit == nil { step() }
        return exit!
    }

    /// Sizes the state to the terminal and draws the first frame.
    public func start() {
        send(.resize(width: terminal.width, height: terminal.height))
        send(.tick(clock()))
        drawnGeneration = state.redrawGeneration
        terminal.present(render(state), theme: state.theme, full: true)
        lastDraw = clock()
    }

    /// One turn of the loop: input (waiting up to `pollMilliseconds`), engine events, the clock,
    /// and a frame if anything changed (at once after input, else at most `1/frameInterval` a second).
    public func step() {
        guard exit == nil else { return }
        if let sig = terminal.takeSignal() {
            backend?.perform(.stop)
            backend?.shutdown()
            exit = .signal(sig)
            return
        }
        var dirty = pendingFrame
        var urgent = false
        for action in terminal.readInput(timeoutMilliseconds: pollMilliseconds) {
            send(action)
            dirty = true
            urgent = true
        }
        for action in queue.drain(limit: 4096) {
            send(action)
            dirty = true
        }
        let now = clock()
        send(.tick(now))
        let tenths = Int(state.shownElapsed * 10)
        if tenths != lastElapsedShown && (state.isRunning || state.isComparing) {
            lastElapsedShown = tenths
            dirty = true
        }
        if state.message != nil { dirty = true }
        if dirty && (urgent || now - lastDraw >= frameInterval) {
            let full = drawnGeneration != state.redrawGeneration
            drawnGeneration = state.redrawGeneration
            terminal.present(render(state), theme: state.theme, full: full)
            lastDraw = now
            dirty = false
        }
        pendingFrame = dirty
        if state.shouldQuit {
            backend?.shutdown()
            exit = .quit
        }
    }

    /// Applies one action and carries out its effects.
    public func send(_ action: Action) {
        let effects = reduce(&state, action)
        for e in effects where e != .quit { backend?.perform(e) }
    }
}
