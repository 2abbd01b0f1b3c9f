import Foundation

/// A fixed-size, zero-initialised heap array with a stable address, owned by a session. The hot
/// path works on raw pointers into these; nothing is allocated per token.
final class Buffer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    /// `count` zeroed elements of a plain numeric type. The memory comes from calloc, so large
    /// buffers (a KV cache sized for 40,960 positions, a fork's copy) cost nothing until written.
    init(zeroed count: Int) {
        self.count = max(count, 1)
        guard let raw = calloc(self.count, MemoryLayout<T>.stride) else {
            fatalError("out of memory: \(self.count * MemoryLayout<T>.stride) bytes")
        }
        pointer = raw.bindMemory(to: T.self, capacity: self.count)
    }

    deinit { free(pointer) }

    subscript(i: Int) -> T {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    var raw: UnsafeMutableRawPointer { UnsafeMutableRawPointer(pointer) }
}
