/// A bounds-checked little-endian cursor over untrusted bytes. Every read checks the remaining
/// length first, so a truncated or lying file produces an error, never a trap.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    func error(_ problem: GGUFError.Problem, at: Int? = nil) -> GGUFError {
        GGUFError(path: path, offset: at ?? offset, problem)
    }

    mutating func need(_ n: Int, _ what: String) throws(GGUFError) {
        if n > remaining { throw error(.truncated(needed: n, available: remaining, reading: what)) }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    mutating func readBytes(_ n: Int, _ what: String) throws(GGUFError) -> UnsafeRawBufferPointer {
        try need(n, what)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        offset += n
        return slice
    }

    /// A GGUF string: u64 length, then that many UTF-8 bytes.
    mutating func readString(_ what: String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, "length of \(what)")
        guard length <= UInt64(remaining) else {
            throw error(.stringTooLong(length: length, available: remaining), at: start)
        }
        let raw = try readBytes(Int(length), what)
        guard let s = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw error(.invalidUTF8(what: what), at: start)
        }
        return s
    }

    /// A count that must be satisfiable by the rest of the file, given each item takes at least
    /// `minimumItemSize` bytes. Rejects lies like 2^62 tensors before anything is allocated.
    mutating func readCount(_ what: String, minimumItemSize: Int) throws(GGUFError) -> Int {
        let start = offset
        let count = try read(UInt64.self, what)
        let limit = UInt64(remaining / max(minimumItemSize, 1))
        guard count <= limit else { throw error(.countTooLarge(what: what, count: count, limit: limit), at: start) }
        return Int(count)
    }
}
