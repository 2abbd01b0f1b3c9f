import CKernels
import Foundation
import GGUF

/// Copies of weight matrices in a layout the kernels of this CPU level read faster than the file's
/// (ck_packed_type; today Q8_0 at AVX-512: each group of 8 rows holds per block their 8 scales
/// together and their quants pre-biased for vpdpbusd, so the decode tile's shared work per block
/// is one load for the scales and one per pair of rows, instead of a scalar scale gather and two
/// loads, an insert and a bias per pair). The bits are the plain
/// layout's. Made once at load for every dense matrix (attention, dense feed-forward, output);
/// the file's bytes stay as they are for embedding lookups and the row ranges the packed layout
/// cannot serve. Experts are left as they are: they are most of a MoE file, and each token reads
/// few of them.
final class PackedWeights: @unchecked Sendable {
    private var buffers: [UnsafeMutableRawPointer] = []
    private var file: GGUFFile?

    deinit { for b in buffers { free(b) } }

    /// `weights` with a packed copy of every matrix that has a packed layout at this level. The
    /// file's pages of a packed matrix are dropped from memory (`file` reads them again if an
    /// embedding lookup or an unaligned range touches them), so packing does not double what the
    /// model holds.
    func pack(_ weights: ModelWeights, file: GGUFFile) -> ModelWeights {
        self.file = file
        var w = weights
        w.output = pack(w.output)
        for i in w.layers.indices {
            var l = w.layers[i]
            l.wq = pack(l.wq)
            l.wk = pack(l.wk)
            l.wv = pack(l.wv)
            l.wo = pack(l.wo)
            if case .dense(let g, let u, let d) = l.ffn { l.ffn = .dense(gate: pack(g), up: pack(u), down: pack(d)) }
            w.layers[i] = l
        }
        return w
    }

    private func pack(_ m: WeightMatrix) -> WeightMatrix {
        guard ck_packed_type(Int32(m.type.id)) >= 0, m.rows >= 8 else { return m }
        let bytes = m.rows * m.rowBytes
        guard let buffer = aligned_alloc(64, (bytes + 63) / 64 * 64) else { return m }
        ck_q8_0_pack(m.base, m.rowBytes, Int32(m.rows), Int32(m.cols), buffer)
        buffers.append(buffer)
        file?.dropResidency(UnsafeRawBufferPointer(start: m.base, count: bytes))
        var packed = m
        packed.packed = UnsafeRawPointer(buffer)
        return packed
    }
}
