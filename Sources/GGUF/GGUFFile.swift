/// A GGUF model file, memory-mapped and validated when opened: the header, every metadata record
/// and the tensor table are parsed and checked (types, shapes, alignment, bounds, overlaps), so the
/// engine never has to validate anything in its hot path. Tensor data is not read until used.
public final class GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// File offset of the tensor data section.
    public let dataOffset: Int
    public let fileSize: Int

    private let bytes: MappedBytes
    private let keyIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// Opens and validates the file at `path` (memory-mapped).
    public convenience init(path: String) throws(GGUFError) {
        try self.init(bytes: MappedBytes(path: path), path: path)
    }

    /// Parses a file image held in memory (tests and tools). `name` is used in error messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws(GGUFError) {
        if bytes.isEmpty { throw GGUFError(path: name, .emptyFile) }
        try self.init(bytes: MappedBytes(copying: bytes), path: name)
    }

    private init(bytes: MappedBytes, path: String) throws(GGUFError) {
        let parsed = try GGUFParser.parse(bytes.buffer, path: path)
        self.bytes = bytes
        self.path = path
        version = parsed.version
        metadata = parsed.metadata
        tensors = parsed.tensors
        alignment = parsed.alignment
        dataOffset = parsed.dataOffset
        fileSize = bytes.count
        keyIndex = Dictionary(uniqueKeysWithValues: parsed.metadata.enumerated().map { ($1.key, $0) })
        tensorIndex = Dictionary(uniqueKeysWithValues: parsed.tensors.enumerated().map { ($1.name, $0) })
    }

    // MARK: Metadata

    public subscript(key: String) -> GGUFValue? {
        keyIndex[key].map { metadata[$0].value }
    }

    /// `general.architecture`, if present.
    public var architecture: String? { self["general.architecture"]?.string }

    private func required(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = self[key] else { throw GGUFError(path: path, .missingKey(key)) }
        return v
    }

    private func typed<T>(_ key: String, _ expected: String, _ get: (GGUFValue) -> T?) throws(GGUFError) -> T {
        let v = try required(key)
        guard let t = get(v) else {
            throw GGUFError(path: path, .wrongType(key: key, expected: expected, found: v.typeDescription))
        }
        return t
    }

    public func string(_ key: String) throws(GGUFError) -> String { try typed(key, "a string") { $0.string } }
    public func int(_ key: String) throws(GGUFError) -> Int { try typed(key, "an integer") { $0.int } }
    public func double(_ key: String) throws(GGUFError) -> Double { try typed(key, "a number") { $0.double } }
    public func bool(_ key: String) throws(GGUFError) -> Bool { try typed(key, "a bool") { $0.bool } }
    public func strings(_ key: String) throws(GGUFError) -> [String] {
        try typed(key, "an array of strings") { $0.strings }
    }
    public func ints(_ key: String) throws(GGUFError) -> [Int] { try typed(key, "an array of integers") { $0.ints } }

    /// The value at `key` if present, checked for type when present.
    public func optionalInt(_ key: String) throws(GGUFError) -> Int? {
        self[key] == nil ? nil : try int(key)
    }
    public func optionalDouble(_ key: String) throws(GGUFError) -> Double? {
        self[key] == nil ? nil : try double(key)
    }
    public func optionalString(_ key: String) throws(GGUFError) -> String? {
        self[key] == nil ? nil : try string(key)
    }

    // MARK: Tensors

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError(path: path, .missingTensor(name)) }
        return t
    }

    /// Releases the memory `range` (bytes of this file, e.g. a tensor that was copied elsewhere)
    /// occupies while it is not read: a mapped file's pages are dropped and read again on the next
    /// touch; the bytes stay valid either way.
    public func dropResidency(_ range: UnsafeRawBufferPointer) { bytes.dropResidency(range) }

    /// The bytes of a tensor, valid as long as this file object lives.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes.buffer[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
    }

    /// Base address of the whole mapped file (for kernels that take raw pointers).
    public var baseAddress: UnsafeRawPointer? { bytes.base }
}

extension GGUFFile {
    /// FNV-1a (64-bit) of everything before the tensor data — header, metadata and tensor table —
    /// as 16 hex digits. Identifies a model cheaply (traces record it) without reading its weights.
    public var headerFingerprint: String {
        guard let base = baseAddress else { return Self.fingerprint(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return Self.fingerprint(UnsafeRawBufferPointer(start: base, count: min(dataOffset, fileSize)))
    }

    /// FNV-1a (64-bit) of `bytes` as 16 hex digits (the header fingerprint; also used for other files that
    /// identify a model, such as a Hugging Face tokenizer.json).
    public static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
