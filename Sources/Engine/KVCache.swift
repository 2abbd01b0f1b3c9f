/// Keys and values of every layer for up to `capacity` positions, stored as fp16 (llama.cpp's
/// default cache type). Keys are stored after QK-norm and RoPE. Layout per layer:
/// `[capacity][kvHeads * headDim]`.
final class KVCache {
    let layers: Int
    let capacity: Int
    let rowLength: Int
    let keys: [Buffer<UInt16>]
    let values: [Buffer<UInt16>]

    init(layers: Int, capacity: Int, rowLength: Int) {
        self.layers = layers
        self.capacity = capacity
        self.rowLength = rowLength
        keys = (0..<layers).map { _ in Buffer(zeroed: capacity * rowLength) }
        values = (0..<layers).map { _ in Buffer(zeroed: capacity * rowLength) }
    }

    /// Bytes the keys and values of every layer take.
    var byteCount: Int { 2 * layers * capacity * rowLength * MemoryLayout<UInt16>.size }

    func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
        keys[layer].pointer + position * rowLength
    }

    func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
        values[layer].pointer + position * rowLength
    }

    /// Copies positions 0..<count of every layer from `other`.
    func copyPrefix(from other: KVCache, count: Int) {
        precondition(other.rowLength == rowLength && count <= capacity && count <= other.capacity)
        for l in 0..<layers {
            keys[l].pointer.update(from: other.keys[l].pointer, count: count * rowLength)
            values[l].pointer.update(from: other.values[l].pointer, count: count * rowLength)
        }
    }
}
