/// A fixed-size, zero-initialised heap array with a stable address, owned by a session. The hot
/// path works on raw pointers into these; nothing is allocated per token.
final class Buffer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(_ count: Int, _ zero: T) {
        self.count = max(count, 1)
        pointer = UnsafeMutablePointer<T>.allocate(capacity: self.count)
        pointer.initialize(repeating: zero, count: self.count)
    }

    deinit { pointer.deallocate() }

    subscript(i: Int) -> T {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    var raw: UnsafeMutableRawPointer { UnsafeMutableRawPointer(pointer) }
}
