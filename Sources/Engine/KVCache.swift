/// Keys and values of every layer for up to `capacity` positions, in `type` (fp16 by default, as
/// llama.cpp). Keys are stored after QK-norm and RoPE. Layout per layer:
/// `[capacity][row]`, a row holding `kvHeads * headDim` values (fp16 values or Q8_0 blocks, a
/// head's values contiguous). The buffers come from calloc, so untouched capacity costs nothing.
final class KVCache {
    let layers: Int
    let capacity: Int
    let rowLength: Int
    let type: KVCacheType
    /// Bytes of one row.
    let rowBytes: Int
    let keys: [Buffer<UInt8>]
    let values: [Buffer<UInt8>]

    init(layers: Int, capacity: Int, rowLength: Int, type: KVCacheType = .f16) {
        self.layers = layers
        self.capacity = capacity
        self.rowLength = rowLength
        self.type = type
        let bytes = type.rowBytes(rowLength)
        rowBytes = bytes
        keys = (0..<layers).map { _ in Buffer(zeroed: capacity * bytes) }
        values = (0..<layers).map { _ in Buffer(zeroed: capacity * bytes) }
    }

    /// Bytes the keys and values of every layer take.
    var byteCount: Int { 2 * layers * capacity * rowBytes }

    func keyRow(layer: Int, position: Int) -> UnsafeMutableRawPointer {
        keys[layer].raw + position * rowBytes
    }

    func valueRow(layer: Int, position: Int) -> UnsafeMutableRawPointer {
        values[layer].raw + position * rowBytes
    }

    /// Copies positions 0..<count of every layer from `other`.
    func copyPrefix(from other: KVCache, count: Int) {
        precondition(other.rowBytes == rowBytes && other.type == type && count <= capacity && count <= other.capacity)
        for l in 0..<layers {
            keys[l].pointer.update(from: other.keys[l].pointer, count: count * rowBytes)
            values[l].pointer.update(from: other.values[l].pointer, count: count * rowBytes)
        }
    }
}
