import Engine
import Synchronization

/// Live commands for a running generation, safe to send from any thread (the UI's). The loop
/// reads them before each token, so a change takes effect on the next token.
public final class ReasoningControl: Sendable {
    private struct Pending {
        var budget: Int??
        var endThinking = false
        var stop = false
        var mask: ExpertMask??
    }

    private let state = Mutex(Pending())

    public init() {}

    /// Sets the thinking budget (nil = unlimited). A budget below the tokens already spent ends
    /// thinking at once.
    public func setBudget(_ budget: Int?) { state.withLock { $0.budget = .some(budget) } }
    /// Ends thinking now (the end sequence is injected at the next token boundary).
    public func endThinkingNow() { state.withLock { $0.endThinking = true } }
    /// Stops generation. A stop stays set: every run that reads this control (a budget sweep's
    /// trunk and branches share one) stops at its next token.
    public func stop() { state.withLock { $0.stop = true } }
    /// Replaces the running model's expert mask (nil: the router's own choice) from the next token
    /// on: the live mask toggle. The model keeps it after the run.
    public func setExpertMask(_ mask: ExpertMask?) { state.withLock { $0.mask = .some(mask) } }

    /// Takes the pending commands (the loop calls this); a stop is not taken away.
    func take() -> (budget: Int??, endThinking: Bool, stop: Bool, mask: ExpertMask??) {
        let taken = state.withLock { p in
            let taken = p
            p = Pending(stop: taken.stop)
            return taken
        }
        return (taken.budget, taken.endThinking, taken.stop, taken.mask)
    }
}
