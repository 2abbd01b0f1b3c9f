import Foundation

/// What the app loop needs from a terminal. The curses backend is one; `MemoryTerminal` (tests)
/// is another.
public protocol TerminalDevice: AnyObject {
    var width: Int { get }
    var height: Int { get }
    var colorDepth: ColorDepth { get }
    /// Shows a frame: only cells that changed since the last frame are sent, unless `full`.
    func present(_ screen: ScreenBuffer, theme: Theme, full: Bool)
    /// Waits up to `timeoutMilliseconds` for input and returns everything that arrived.
    func readInput(timeoutMilliseconds: Int) -> [Action]
    /// A termination signal (SIGINT, SIGTERM, SIGHUP) received since the last call, if any.
    func takeSignal() -> Int32?
}

/// A terminal in memory: frames are kept, input is scripted.
public final class MemoryTerminal: TerminalDevice {
    public private(set) var width: Int
    public private(set) var height: Int
    public let colorDepth: ColorDepth
    public private(set) var frames = 0
    public private(set) var screen: ScreenBuffer
    public var input: [[Action]] = []
    public var signal: Int32?

    public init(width: Int, height: Int, colorDepth: ColorDepth = .c256) {
        self.width = width
        self.height = height
        self.colorDepth = colorDepth
        screen = ScreenBuffer(width: width, height: height)
    }

    public func present(_ screen: ScreenBuffer, theme: Theme, full: Bool) {
        self.screen = screen
        frames += 1
    }

    public func readInput(timeoutMilliseconds: Int) -> [Action] {
        guard !input.isEmpty else {
            Thread.sleepSeconds(Double(timeoutMilliseconds) / 1000)  // like a terminal with no key pressed
            return []
        }
        let batch = input.removeFirst()
        for case .resize(let w, let h) in batch {
            width = w
            height = h
        }
        return batch
    }

    public func takeSignal() -> Int32? {
        defer { signal = nil }
        return signal
    }
}
