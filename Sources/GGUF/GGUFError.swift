/// Why a GGUF file could not be read or used. The description names the file, where in it the
/// problem is (byte offset, key or tensor), and what was expected.
public struct GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        case cannotOpen(reason: String)
        case notARegularFile
        case emptyFile
        case truncated(needed: Int, available: Int, reading: String)
        case badMagic(found: [UInt8])
        case bigEndian
        case unsupportedVersion(UInt32)
        case countTooLarge(what: String, count: UInt64, limit: UInt64)
        case stringTooLong(length: UInt64, available: Int)
        case invalidUTF8(what: String)
        case emptyKey
        case duplicateKey(String)
        case unknownValueType(id: UInt32, key: String)
        case arrayNestingTooDeep(key: String)
        case badAlignment(String)
        case duplicateTensor(String)
        case emptyTensorName
        case badDimensionCount(tensor: String, count: UInt32)
        case badDimension(tensor: String, index: Int, value: UInt64)
        case shapeOverflow(tensor: String, shape: [UInt64])
        case unknownTensorType(tensor: String, id: UInt32)
        case notBlockMultiple(tensor: String, rowLength: Int, type: String, blockSize: Int)
        case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
        case tensorOutOfRange(tensor: String, end: UInt64, fileSize: Int)
        case overlappingTensors(String, String)
        case missingKey(String)
        case wrongType(key: String, expected: String, found: String)
        case missingTensor(String)
    }

    /// The file this is about.
    public var path: String
    /// Byte offset in the file, where one applies.
    public var offset: Int?
    public var problem: Problem

    public init(path: String, offset: Int? = nil, _ problem: Problem) {
        self.path = path
        self.offset = offset
        self.problem = problem
    }

    public var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        return "\(path)\(at): \(message)"
    }

    public var message: String {
        switch problem {
        case .cannotOpen(let reason): return "cannot open: \(reason)"
        case .notARegularFile: return "not a regular file"
        case .emptyFile: return "empty file; expected a GGUF model (starting with the magic \"GGUF\")"
        case .truncated(let needed, let available, let what):
            return "file ends early while reading \(what): needed \(needed) bytes, \(available) left"
        case .badMagic(let found):
            let shown = found.map { (0x20...0x7E).contains($0) ? String(UnicodeScalar($0)) : "." }.joined()
            return "not a GGUF file: expected magic \"GGUF\", found \"\(shown)\""
        case .bigEndian: return "big-endian GGUF files are not supported"
        case .unsupportedVersion(let v): return "unsupported GGUF version \(v); expected 2 or 3"
        case .countTooLarge(let what, let count, let limit):
            return "\(what) is \(count), more than this file can hold (at most \(limit))"
        case .stringTooLong(let length, let available):
            return "string length \(length) exceeds the \(available) bytes left in the file"
        case .invalidUTF8(let what): return "\(what) is not valid UTF-8"
        case .emptyKey: return "metadata key is empty"
        case .duplicateKey(let k): return "metadata key '\(k)' appears twice"
        case .unknownValueType(let id, let key): return "metadata '\(key)' has unknown value type \(id); expected 0...12"
        case .arrayNestingTooDeep(let key): return "metadata '\(key)' nests arrays too deeply"
        case .badAlignment(let s): return "general.alignment \(s); expected a UINT32 power of two"
        case .duplicateTensor(let n): return "tensor '\(n)' appears twice"
        case .emptyTensorName: return "tensor with an empty name"
        case .badDimensionCount(let t, let n): return "tensor '\(t)' has \(n) dimensions; expected 1...4"
        case .badDimension(let t, let i, let v): return "tensor '\(t)' dimension \(i) is \(v); expected 1...2^62"
        case .shapeOverflow(let t, let shape): return "tensor '\(t)' shape \(shape) is too large (element count overflows)"
        case .unknownTensorType(let t, let id): return "tensor '\(t)' has unknown ggml type id \(id)"
        case .notBlockMultiple(let t, let n, let type, let bs):
            return "tensor '\(t)' row length \(n) is not a multiple of the \(type) block size \(bs)"
        case .misalignedTensor(let t, let off, let a):
            return "tensor '\(t)' data offset \(off) is not a multiple of the alignment \(a)"
        case .tensorOutOfRange(let t, let end, let size):
            return "tensor '\(t)' data ends at byte \(end), past the end of the file (\(size) bytes)"
        case .overlappingTensors(let a, let b): return "tensors '\(a)' and '\(b)' overlap"
        case .missingKey(let k): return "missing metadata key '\(k)'"
        case .wrongType(let k, let expected, let found): return "metadata '\(k)' is \(found); expected \(expected)"
        case .missingTensor(let n): return "missing tensor '\(n)'"
        }
    }
}
