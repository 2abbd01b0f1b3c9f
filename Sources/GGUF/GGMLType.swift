/// A ggml tensor element type as stored in GGUF tensor records, with its block geometry.
///
/// Every id that ggml has ever assigned is named here, so an unsupported type can be reported by
/// name; which of them the engine can compute with is the engine's business, not this table's.
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
    public let id: UInt32
    public let name: String
    /// Elements per quantization block (1 for plain types).
    public let blockSize: Int
    /// Bytes per block.
    public let bytesPerBlock: Int

    public var description: String { name }

    public static let f32 = GGMLType(id: 0, name: "F32", blockSize: 1, bytesPerBlock: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockSize: 1, bytesPerBlock: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockSize: 32, bytesPerBlock: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockSize: 32, bytesPerBlock: 20)
    public static let q5_0 = GGMLType(id: 6, name: "Q5_0", blockSize: 32, bytesPerBlock: 22)
    public static let q5_1 = GGMLType(id: 7, name: "Q5_1", blockSize: 32, bytesPerBlock: 24)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockSize: 32, bytesPerBlock: 34)
    public static let q8_1 = GGMLType(id: 9, name: "Q8_1", blockSize: 32, bytesPerBlock: 36)
    public static let q2_K = GGMLType(id: 10, name: "Q2_K", blockSize: 256, bytesPerBlock: 84)
    public static let q3_K = GGMLType(id: 11, name: "Q3_K", blockSize: 256, bytesPerBlock: 110)
    public static let q4_K = GGMLType(id: 12, name: "Q4_K", blockSize: 256, bytesPerBlock: 144)
    public static let q5_K = GGMLType(id: 13, name: "Q5_K", blockSize: 256, bytesPerBlock: 176)
    public static let q6_K = GGMLType(id: 14, name: "Q6_K", blockSize: 256, bytesPerBlock: 210)
    public static let q8_K = GGMLType(id: 15, name: "Q8_K", blockSize: 256, bytesPerBlock: 292)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockSize: 1, bytesPerBlock: 2)

    /// Every type id a GGUF file may carry, indexed by id (nil for ids ggml removed).
    public static let all: [GGMLType?] = {
        let known: [GGMLType] = [
            .f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K,
            GGMLType(id: 16, name: "IQ2_XXS", blockSize: 256, bytesPerBlock: 66),
            GGMLType(id: 17, name: "IQ2_XS", blockSize: 256, bytesPerBlock: 74),
            GGMLType(id: 18, name: "IQ3_XXS", blockSize: 256, bytesPerBlock: 98),
            GGMLType(id: 19, name: "IQ1_S", blockSize: 256, bytesPerBlock: 50),
            GGMLType(id: 20, name: "IQ4_NL", blockSize: 32, bytesPerBlock: 18),
            GGMLType(id: 21, name: "IQ3_S", blockSize: 256, bytesPerBlock: 110),
            GGMLType(id: 22, name: "IQ2_S", blockSize: 256, bytesPerBlock: 82),
            GGMLType(id: 23, name: "IQ4_XS", blockSize: 256, bytesPerBlock: 136),
            GGMLType(id: 24, name: "I8", blockSize: 1, bytesPerBlock: 1),
            GGMLType(id: 25, name: "I16", blockSize: 1, bytesPerBlock: 2),
            GGMLType(id: 26, name: "I32", blockSize: 1, bytesPerBlock: 4),
            GGMLType(id: 27, name: "I64", blockSize: 1, bytesPerBlock: 8),
            GGMLType(id: 28, name: "F64", blockSize: 1, bytesPerBlock: 8),
            GGMLType(id: 29, name: "IQ1_M", blockSize: 256, bytesPerBlock: 56),
            .bf16,
            GGMLType(id: 34, name: "TQ1_0", blockSize: 256, bytesPerBlock: 54),
            GGMLType(id: 35, name: "TQ2_0", blockSize: 256, bytesPerBlock: 66),
            GGMLType(id: 39, name: "MXFP4", blockSize: 32, bytesPerBlock: 17),
            GGMLType(id: 40, name: "NVFP4", blockSize: 64, bytesPerBlock: 36),
            GGMLType(id: 41, name: "Q1_0", blockSize: 128, bytesPerBlock: 18),
            GGMLType(id: 42, name: "Q2_0", blockSize: 64, bytesPerBlock: 18),
        ]
        var table = [GGMLType?](repeating: nil, count: 43)
        for t in known { table[Int(t.id)] = t }
        return table
    }()

    /// The type with this id, or nil when ggml never defined it (or removed it).
    public static func byID(_ id: UInt32) -> GGMLType? {
        id < all.count ? all[Int(id)] : nil
    }

    /// The type with this name (case-insensitive), e.g. "q8_0".
    public static func named(_ name: String) -> GGMLType? {
        all.lazy.compactMap { $0 }.first { $0.name.lowercased() == name.lowercased() }
    }

    /// Bytes that `elements` values of this type occupy, or nil if `elements` is not a whole number
    /// of blocks or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }
}
