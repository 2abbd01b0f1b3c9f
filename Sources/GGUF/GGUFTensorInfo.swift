/// One entry of the tensor table. `shape[0]` is the contiguous (fastest-varying) dimension, as in
/// ggml: a weight `{in, out}` holds `out` rows of `in` elements.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    public let shape: [Int]
    /// Offset of the data relative to the start of the data section.
    public let offset: Int
    /// Offset of the data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements per row (shape[0]).
    public var rowLength: Int { shape[0] }
    /// Number of rows across all other dimensions.
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
    /// Bytes per row.
    public var rowBytes: Int { rowLength / type.blockSize * type.bytesPerBlock }

    /// Shape written as ggml prints it, e.g. `{1024, 151936}`.
    public var shapeDescription: String { "{" + shape.map(String.init).joined(separator: ", ") + "}" }
}
