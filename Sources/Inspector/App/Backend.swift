import Engine
import Reasoning

/// Carries out the reducer's effects that reach beyond the UI: running the model, or replaying.
public protocol InspectorBackend: AnyObject {
    func perform(_ effect: Effect)
    /// Stops any work and waits (briefly) for it to end.
    func shutdown()
}

/// A model that can forget the end of its context, so a follow-up prompt reuses the cached prefix.
public protocol RewindableModel: LanguageModel {
    func rewind(to position: Int)
}

extension EngineModel: RewindableModel {}
