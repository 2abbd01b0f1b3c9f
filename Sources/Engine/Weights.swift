
import GGUF

/// A 2-D weight as the kernels see it: `rows` rows of `cols` elements of `type`, stored row after
/// row starting at `base` (a view into the memory-mapped file; nothing is copied).
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public let base: UnsafeRawPointer
    /// The same matrix in the kernels' packed layout (`PackedWeights`), when this CPU level has one;
    /// matmuls prefer it.
    var packed: UnsafeRawPointer? = nil

    /// Row `r` of the matrix.
    func row(_ r: Int) -> UnsafeRawPointer { base + r * rowBytes }
}

/// A stack of per-expert matrices stored as one 3-D tensor `{cols, rows, experts}`.
public struct ExpertWeights: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let experts: Int
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public let base: UnsafeRawPointer

    func expert(_ e: Int) -> WeightMatrix {
        WeightMatrix(name: name, type: type, rows: rows, cols: cols, rowBytes: rowBytes,
                     base: base + e * rows * rowBytes)
    }
}

/// Looks up tensors by name, checks their shapes and types once at load, and hands out views.
struct WeightLoader {
    let file: GGUFFile

    /// Types the matmul kernels can compute with.
    static var matmulTypes: [GGMLType] {
        GGMLType.all.compactMap { $0 }.filter { Kernels.supportsMatmul($0) }
    }

    private func tensor(_ name: String, shape: [Int]) throws -> GGUFTensorInfo {
        let t = try file.requireTensor(name)
        guard t.shape == shape else {
            throw EngineError.tensorShape(file: file.path, tensor: name,
                                          expected: "{" + shape.map(String.init).joined(separator: ", ") + "}",
                                          found: t.shapeDescription)
        }
        return t
    }

    private func base(_ t: GGUFTensorInfo) -> UnsafeRawPointer { file.data(of: t).baseAddress! }

    private func checkMatmulType(_ t: GGUFTensorInfo) throws {
        guard Kernels.supportsMatmul(t.type) else {
            throw EngineError.unsupportedWeightType(file: file.path, tensor: t.name, type: t.type.name,
                                                    supported: Self.matmulTypes.map(\.name))
        }
    }

    /// A matrix `{cols, rows}` used in matrix-vector products.
    func matrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let t = try tensor(name, shape: [cols, rows])
        try checkMatmulType(t)
        return WeightMatrix(name: name, type: t.type, rows: rows, cols: cols, rowBytes: t.rowBytes, base: base(t))
    }

    /// A matrix whose rows are only looked up (the token embedding); any dequantizable type.
    func lookupTable(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let t = try tensor(name, shape: [cols, rows])
        guard Kernels.supportsDequantize(t.type) else {
            throw EngineError.unsupportedWeightType(file: file.path, tensor: name, type: t.type.name,
                                                    supported: Self.matmulTypes.map(\.name))
        }
        return WeightMatrix(name: name, type: t.type, rows: rows, cols: cols, rowBytes: t.rowBytes, base: base(t))
    }

    func experts(_ name: String, experts: Int, rows: Int, cols: Int) throws -> ExpertWeights {
        let t = try tensor(name, shape: [cols, rows, experts])
        try checkMatmulType(t)
        return ExpertWeights(name: name, type: t.type, experts: experts, rows: rows, cols: cols,
                             rowBytes: t.rowBytes, base: base(t))
    }

    /// An F32 vector (norm weights). Other types are converted once to F32 at load.
    func vector(_ name: String, length: Int) throws -> [Float] {
        try vector(name, shape: [length])
    }

    /// A vector, or nil when the file has no tensor of that name.
    func optionalVector(_ name: String, length: Int) throws -> [Float]? {
        has(name) ? try vector(name, shape: [length]) : nil
    }

    /// A small tensor of any shape as F32 values, row after row (per-expert biases); nil when absent.
    func optionalVector(_ name: String, shape: [Int]) throws -> [Float]? {
        has(name) ? try vector(name, shape: shape) : nil
    }

    private func vector(_ name: String, shape: [Int]) throws -> [Float] {
        let t = try tensor(name, shape: shape)
        let length = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: length)
        guard Kernels.supportsDequantize(t.type) else {
            throw EngineError.unsupportedWeightType(file: file.path, tensor: name, type: t.type.name, supported: ["F32", "F16", "BF16"])
        }
        out.withUnsafeMutableBufferPointer { Kernels.dequantizeRow(t.type, base(t), $0.baseAddress!, count: length) }
        return out
    }

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }
}
