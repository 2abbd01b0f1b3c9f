import GGUF

/// One model architecture: its `general.architecture` name, which tensors it loads, and its
/// forward pass, stated top to bottom from the shared ops of `ForwardPass` (as llama.cpp's
/// `src/models/*.cpp`). Adding an architecture is a new file in `Architectures/` plus a line in
/// the registry.
public protocol Architecture {
    static var name: String { get }
    static func load(file: GGUFFile) throws -> ModelWeights
    /// Runs the pass's rows through the model and leaves the normed final hidden states for the
    /// output projection (`ForwardPass.logits`).
    static func forward(_ p: ForwardPass)
}

/// Architectures by `general.architecture`.
public enum ArchitectureRegistry {
    public static let all: [any Architecture.Type] = [Qwen3.self, Qwen3MoE.self, Qwen2.self, Llama.self, SmolLM3.self,
                                                      GptOss.self]

    public static func architecture(named name: String) -> (any Architecture.Type)? {
        all.first { $0.name == name }
    }

    public static var names: [String] { all.map { $0.name } }
}
