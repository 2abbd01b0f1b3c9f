import CKernels

/// Every activation buffer of the forward pass, sized once for `batch` tokens.
/// Shapes are in comments as [rows][columns].
final class Scratch {
    let batch: Int
    let threads: Int
    let attentionScratch: Int
    let tokens: Buffer<Int32>        // [batch]
    let x: Buffer<Float>             // [batch][d] residual stream
    let xn: Buffer<Float>            // [batch][d] normed input of a block
    let q: Buffer<Float>             // [batch][heads * hd]
    let k: Buffer<Float>             // [batch][kvHeads * hd]
    let v: Buffer<Float>             // [batch][kvHeads * hd]
    let att: Buffer<Float>           // [batch][heads * hd] attention output
    let tmp: Buffer<Float>           // [batch][d] block output
    let gate: Buffer<Float>          // [batch][ff] (dense) or [batch * k][ffExpert], grouped by expert
    let up: Buffer<Float>            // same as gate
    let ropeCache: Buffer<Float>     // [batch][hd] cos/sin pairs per position
    // Per row of a pass, for attention: its sequence's cache (layer being computed), the positions
    // it attends to, and the order of its sums.
    let rowKeys: Buffer<UnsafeRawPointer?>    // [batch]
    let rowValues: Buffer<UnsafeRawPointer?>  // [batch]
    let rowRowBytes: Buffer<Int>     // [batch] bytes per cache row of one head for a Q8_0 cache, 0 for fp16
    let rowHeadBytes: Buffer<Int>    // [batch] bytes from one KV head's cache rows to the next's
    let rowLength: Buffer<Int32>     // [batch]
    let rowOrder: Buffer<Int32>      // [batch]
    let scores: Buffer<Float>        // [threads][attentionScratch] one GQA group's scores and partial sums
    let q16: Buffer<UInt16>          // [threads][group * hd] the group's queries rounded to fp16 (or Q8_0)
    let activations: Buffer<UInt8>   // [batch][largest activation row] (experts: [batch * k]) matmul input
    let logits: Buffer<Float>        // [batch][vocab]
    var lastLogitsRow = 0
    // Mixture of experts
    let router: Buffer<Float>        // [batch][experts] router logits, then probabilities
    let selected: Buffer<Int32>      // [batch][k] chosen experts, best first
    let selectedWeights: Buffer<Float> // [batch][k] renormalised weights
    let expertCounts: Buffer<Int32>  // [experts]
    let expertOffsets: Buffer<Int32> // [experts]
    let expertSlots: Buffer<Int32>   // [batch * k] (token * k + slot), grouped by expert
    let gathered: Buffer<Float>      // [batch * k][d] expert inputs, then outputs, grouped by expert
    let slotOutputs: Buffer<Float>   // [batch * k][d] expert outputs before weighting

    init(weights w: ModelWeights, batch: Int, capacity: Int, threads: Int) {
        let c = w.config
        self.batch = batch
        self.threads = threads
        let d = c.embeddingLength
        let e = max(c.expertCount, 1), kk = max(c.expertUsedCount, 1)
        let ff = c.isMoE ? kk * c.expertFeedForwardLength : c.feedForwardLength
        tokens = Buffer(zeroed: batch)
        x = Buffer(zeroed: batch * d)
        xn = Buffer(zeroed: batch * d)
        q = Buffer(zeroed: batch * c.queryLength)
        k = Buffer(zeroed: batch * c.kvLength)
        v = Buffer(zeroed: batch * c.kvLength)
        att = Buffer(zeroed: batch * c.queryLength)
        tmp = Buffer(zeroed: batch * d)
        gate = Buffer(zeroed: batch * ff)
        up = Buffer(zeroed: batch * ff)
        ropeCache = Buffer(zeroed: batch * c.headDim)
        rowKeys = Buffer(zeroed: batch)
        rowValues = Buffer(zeroed: batch)
        rowRowBytes = Buffer(zeroed: batch)
        rowHeadBytes = Buffer(zeroed: batch)
        rowLength = Buffer(zeroed: batch)
        rowOrder = Buffer(zeroed: batch)
        let group = c.groupSize
        attentionScratch = max(ck_attention_scratch_floats(Int32(capacity), Int32(group)),
                               ck_attention_q8_scratch_floats(Int32(capacity), Int32(group), Int32(c.headDim)))
        scores = Buffer(zeroed: threads * attentionScratch)
        q16 = Buffer(zeroed: threads * group * c.headDim)
        var widest = 0
        var all: [WeightMatrix] = [w.output]
        for l in w.layers {
            all += [l.wq, l.wk, l.wv, l.wo]
            switch l.ffn {
            case .dense(let g, let u, let dn): all += [g, u, dn]
            case .experts(let x):
                all.append(x.router)
                // Every (token, slot) pair's input at once.
                for m in [x.gate.expert(0), x.up.expert(0), x.down.expert(0)] {
                    widest = max(widest, kk * Kernels.activationRowBytes(for: m.type, n: m.cols))
                }
            }
        }
        for m in all { widest = max(widest, Kernels.activationRowBytes(for: m.type, n: m.cols)) }
        activations = Buffer(zeroed: batch * widest)
        logits = Buffer(zeroed: batch * c.vocabSize)
        router = Buffer(zeroed: batch * e)
        selected = Buffer(zeroed: batch * kk)
        selectedWeights = Buffer(zeroed: batch * kk)
        expertCounts = Buffer(zeroed: e)
        expertOffsets = Buffer(zeroed: e)
        expertSlots = Buffer(zeroed: batch * kk)
        gathered = Buffer(zeroed: c.isMoE ? batch * kk * d : 1)
        slotOutputs = Buffer(zeroed: c.isMoE ? batch * kk * d : 1)
    }
}
