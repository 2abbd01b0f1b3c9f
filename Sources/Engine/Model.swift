import GGUF

/// A loaded model: the mapped file, its hyperparameters and weight views. Immutable and shareable;
/// generation state lives in `Session`.
public final class Model: Sendable {
    public let file: GGUFFile
    public let weights: ModelWeights
    /// The architecture whose forward pass runs this model.
    public let architecture: any Architecture.Type
    public var config: ModelConfig { weights.config }
    /// Owns the packed copies `weights` points to.
    private let packed = PackedWeights()

    public init(file: GGUFFile) throws {
        let arch = try file.string("general.architecture")
        guard let a = ArchitectureRegistry.architecture(named: arch) else {
            throw EngineError.unsupportedArchitecture(file: file.path, found: arch, supported: ArchitectureRegistry.names)
        }
        self.file = file
        architecture = a
        weights = packed.pack(try a.load(file: file), file: file)
    }

    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }
}
