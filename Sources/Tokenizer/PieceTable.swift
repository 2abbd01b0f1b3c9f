/// The bytes each token renders to, in one arena.
struct PieceTable: Sendable {
    private let arena: [UInt8]
    private let offsets: [Int32]

    init(arena: [UInt8], offsets: [Int32]) {
        self.arena = arena
        self.offsets = offsets
    }

    /// Calls `body` with the bytes of token `id` (which must be in range).
    @inline(__always)
    func withBytes<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = Int(offsets[id]), e = Int(offsets[id + 1])
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[s..<e])) }
    }

    func bytes(_ id: Int) -> [UInt8] { withBytes(id) { Array($0) } }
}
