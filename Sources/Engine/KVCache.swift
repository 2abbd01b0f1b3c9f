/// Keys and values of every layer for up to `capacity` positions, in `type` (fp16 by default, as
/// llama.cpp). Keys are stored after QK-norm and RoPE. Layout per layer: `[heads][capacity][row]`,
/// a row holding one KV head's `headDim` values (fp16 values or Q8_0 blocks): a head's positions
/// follow one another, so attention streams each head's keys and values instead of taking a head's
/// slice of every position (rows `heads` times apart; 1.5-1.8x the attention speed at depth,
/// docs/DECISIONS.md). The buffers come from calloc, so untouched capacity costs nothing.
final class KVCache {
    let layers: Int
    let capacity: Int
    let heads: Int
    let type: KVCacheType
    /// Bytes of one head's row, and from one head's rows to the next's.
    let headRowBytes: Int
    let headBytes: Int
    let keys: [Buffer<UInt8>]
    let values: [Buffer<UInt8>]

    init(layers: Int, capacity: Int, heads: Int, headDim: Int, type: KVCacheType = .f16) {
        self.layers = layers
        self.capacity = capacity
        self.heads = heads
        self.type = type
        let rowBytes = type.rowBytes(headDim), layerBytes = heads * capacity * rowBytes
        headRowBytes = rowBytes
        headBytes = capacity * rowBytes
        keys = (0..<layers).map { _ in Buffer(zeroed: layerBytes) }
        values = (0..<layers).map { _ in Buffer(zeroed: layerBytes) }
    }

    /// Bytes the keys and values of every layer take.
    var byteCount: Int { 2 * layers * heads * headBytes }

    func key(layer: Int, head: Int, position: Int) -> UnsafeMutableRawPointer {
        keys[layer].raw + head * headBytes + position * headRowBytes
    }

    func value(layer: Int, head: Int, position: Int) -> UnsafeMutableRawPointer {
        values[layer].raw + head * headBytes + position * headRowBytes
    }

    /// Copies positions 0..<count of every layer and head from `other`.
    func copyPrefix(from other: KVCache, count: Int) {
        precondition(other.headRowBytes == headRowBytes && other.heads == heads && other.type == type
                     && count <= capacity && count <= other.capacity)
        for l in 0..<layers {
            for h in 0..<heads {
                key(layer: l, head: h, position: 0).copyMemory(from: other.key(layer: l, head: h, position: 0), byteCount: count * headRowBytes)
                value(layer: l, head: h, position: 0).copyMemory(from: other.value(layer: l, head: h, position: 0), byteCount: count * headRowBytes)
            }
        }
    }
}
