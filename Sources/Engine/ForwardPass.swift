import CKernels

/// One forward pass over rows 0..<rows of the driver session's scratch, which belong to one or
/// more sequences (`Session.Sequence`). These are the shared ops that an architecture's `forward`
/// composes, top to bottom. They work on named scratch buffers:
///
/// - `x`: the residual stream; `xn`: the normed input of a block;
/// - `q`, `k`, `v`: projections; `att`: attention output; `tmp`: a block's output before it is
///   added to `x`.
///
/// The matmuls see all rows at once, so every weight is read once per pass; attention keeps each
/// sequence to its own KV cache.
public struct ForwardPass {
    let session: Session
    let sequences: [Session.Sequence]
    let rows: Int
    let outputs: Session.Outputs
    var s: Scratch { session.s }
    var config: ModelConfig { session.config }
    public var weights: ModelWeights { session.model.weights }
    public var layers: [LayerWeights] { weights.layers }

    // MARK: Embedding and output

    /// x = the token embeddings; the RoPE angles of every row's position.
    public func embed() {
        let w = weights, d = config.embeddingLength, hd = config.headDim
        for q in sequences {
            for i in q.first..<(q.first + q.count) {
                Kernels.dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.row(Int(s.tokens[i])), s.x.pointer + i * d, count: d)
                w.rope.angles(s.ropeCache.pointer + i * hd, position: q.session.position + i - q.first)
            }
        }
    }

    /// The rows that get logits: RMSNorm(x) · output_norm into xn (row j of xn for the j-th
    /// output), then logits = output · xn.
    public func logits() {
        let w = weights, d = config.embeddingLength
        let outputCount: Int
        switch outputs {
        case .none: return
        case .rows(let r): outputCount = r.count
        case .lastRowOfEachSequence: outputCount = sequences.count
        }
        for j in 0..<outputCount {
            let i = if case .rows(let r) = outputs { r.lowerBound + j } else { sequences[j].first + sequences[j].count - 1 }
            rmsnorm(s.x.pointer + i * d, w.outputNorm, s.xn.pointer + j * d, d)
        }
        project(w.output, input: s.xn.pointer, inputStride: d, m: outputCount, output: s.logits.pointer)
    }

    // MARK: Attention

    /// xn = RMSNorm(x) · weight, row by row.
    public func norm(_ weight: [Float]) {
        let d = config.embeddingLength
        for i in 0..<rows { rmsnorm(s.x.pointer + i * d, weight, s.xn.pointer + i * d, d) }
    }

    /// q, k, v = Wq·xn, Wk·xn, Wv·xn, each plus its bias when the layer has one.
    public func projectQKV(_ lw: LayerWeights) {
        let d = config.embeddingLength
        projectTogether([(lw.wq, lw.qBias, s.q.pointer), (lw.wk, lw.kBias, s.k.pointer), (lw.wv, lw.vBias, s.v.pointer)],
                        input: s.xn.pointer, inputStride: d)
    }

    /// Per-head RMSNorm of every query and key head (Qwen3's QK-norm).
    public func normHeads(q qWeight: [Float], k kWeight: [Float]) {
        let c = config, hd = c.headDim
        for i in 0..<rows {
            let q = s.q.pointer + i * c.queryLength, k = s.k.pointer + i * c.kvLength
            for h in 0..<c.headCount { rmsnorm(q + h * hd, qWeight, q + h * hd, hd) }
            for h in 0..<c.kvHeadCount { rmsnorm(k + h * hd, kWeight, k + h * hd, hd) }
        }
    }

    /// Rotates every query and key head by its row's position.
    public func rope(_ style: RoPE.Style) {
        let c = config, hd = c.headDim
        for i in 0..<rows {
            let cs = s.ropeCache.pointer + i * hd
            RoPE.rotate(style, s.q.pointer + i * c.queryLength, heads: c.headCount, dims: hd, cs)
            RoPE.rotate(style, s.k.pointer + i * c.kvLength, heads: c.kvHeadCount, dims: hd, cs)
        }
    }

    /// Stores each row's key and value in its sequence's cache at layer `l`, then
    /// att = softmax(scale · q·Kᵀ) · V over the row's sequence up to its position: over its last
    /// `window` positions only when given (a sliding-window layer), with `sinks` (one logit per query
    /// head) joining each softmax when given.
    public func attend(layer l: Int, window: Int? = nil, sinks: [Float]? = nil) {
        let c = config
        let hd = c.headDim, qLen = c.queryLength, kvLen = c.kvLength
        // Per row: where its sequence's cache starts, how many positions it attends to, and the
        // order of its sums (QK and PV have one column per token of its sequence in this pass,
        // as llama.cpp runs each sequence's attention in its own KV stream).
        let keysOf = s.rowKeys.pointer, valuesOf = s.rowValues.pointer, lengthOf = s.rowLength.pointer
        let orderOf = s.rowOrder.pointer
        for q in sequences {
            let cache = q.session.kv
            for i in q.first..<(q.first + q.count) {
                let pos = q.session.position + i - q.first
                let qr = s.q.pointer + i * qLen, k = s.k.pointer + i * kvLen, v = s.v.pointer + i * kvLen
                if let r = cache.type.rotation(headDim: hd) {  // llama.cpp's Hadamard rotations (quantized cache)
                    ck_fwht(qr, Int32(r.k), Int32(qLen / r.k))
                    ck_fwht(k, Int32(r.k), Int32(kvLen / r.k))
                    ck_fwht(v, Int32(r.v), Int32(kvLen / r.v))
                }
                for h in 0..<c.kvHeadCount {  // each head's row in its own run of positions
                    let kh = k + h * hd, vh = v + h * hd
                    let kc = cache.key(layer: l, head: h, position: pos), vc = cache.value(layer: l, head: h, position: pos)
                    switch cache.type {
                    case .f16:
                        ck_fp32_to_fp16_row(kh, kc.assumingMemoryBound(to: UInt16.self), Int32(hd))
                        ck_fp32_to_fp16_row(vh, vc.assumingMemoryBound(to: UInt16.self), Int32(hd))
                    case .q8_0:  // as llama.cpp's set_rows: quantize_row_q8_0 (blocks never straddle heads)
                        ck_quantize_row_q8_0(kh, kc, Int32(hd))
                        ck_quantize_row_q8_0(vh, vc, Int32(hd))
                    }
                }
                keysOf[i] = UnsafeRawPointer(cache.key(layer: l, head: 0, position: 0))
                valuesOf[i] = UnsafeRawPointer(cache.value(layer: l, head: 0, position: 0))
                s.rowRowBytes[i] = cache.type == .q8_0 ? cache.headRowBytes : 0
                s.rowHeadBytes[i] = cache.headBytes
                lengthOf[i] = Int32(pos + 1)
                orderOf[i] = Kernels.order(columns: q.count)
            }
        }
        let group = c.groupSize
        let scale = c.attentionScale
        // One item per (token, KV head, part of its group): a part's query heads share each key read.
        // Groups are split only when there are fewer (token, KV head) pairs than threads, as in
        // decode; each head's sums are the same whichever part it is in.
        let pairs = rows * c.kvHeadCount
        let wanted = min(group, max(1, session.parallel.threads / pairs))
        let perPart = (group + wanted - 1) / wanted
        let parts = (group + perPart - 1) / perPart
        (sinks ?? []).withUnsafeBufferPointer { sinkBuffer in
            let box = UnsafeSendable((s, sinks == nil ? nil : sinkBuffer.baseAddress))
            session.parallel.forRanges(pairs * parts, align: 1) { items, slot in
                let (s, sinkBase) = box.value
                let scratch = s.scores.pointer + slot * s.attentionScratch
                let q16 = s.q16.pointer + slot * group * hd
                for item in items {
                    let pair = item / parts, h0 = item % parts * perPart
                    let i = pair / c.kvHeadCount, g = pair % c.kvHeadCount
                    let firstHead = i * qLen + (g * group + h0) * hd
                    let heads = Int32(min(perPart, group - h0))
                    let rowBytes = s.rowRowBytes[i], headKeys = s.rowKeys[i]! + g * s.rowHeadBytes[i]
                    let headValues = s.rowValues[i]! + g * s.rowHeadBytes[i]
                    if rowBytes > 0 {  // Q8_0 cache: llama.cpp's flash-attention order (no window or sinks)
                        ck_attention_heads_q8(s.q.pointer + firstHead, heads, Int32(hd), headKeys, headValues, rowBytes,
                                              s.rowLength[i], scale, scratch, q16, s.att.pointer + firstHead)
                    } else {
                        let first = window.map { max(0, Int(s.rowLength[i]) - $0) } ?? 0
                        ck_attention_heads_masked(s.q.pointer + firstHead, heads, Int32(hd),
                                                  headKeys.assumingMemoryBound(to: UInt16.self),
                                                  headValues.assumingMemoryBound(to: UInt16.self), hd,
                                                  s.rowLength[i], Int32(first), scale, sinkBase.map { $0 + g * group + h0 },
                                                  s.rowOrder[i], scratch, q16, s.att.pointer + firstHead)
                    }
                }
            }
        }
        // A rotated V cache gives rotated outputs; llama.cpp rotates them back before wo.
        for q in sequences {
            guard let r = q.session.kv.type.rotation(headDim: hd) else { continue }
            for i in q.first..<(q.first + q.count) { ck_fwht(s.att.pointer + i * qLen, Int32(r.v), Int32(qLen / r.v)) }
        }
    }

    /// x += Wo·att (+ its bias).
    public func addAttentionOutput(_ lw: LayerWeights) {
        project(lw.wo, bias: lw.oBias, input: s.att.pointer, inputStride: config.queryLength, output: s.tmp.pointer)
        ck_add(s.x.pointer, s.tmp.pointer, s.x.pointer, Int32(rows * config.embeddingLength))
    }

    // MARK: Feed-forward

    /// x += the layer's feed-forward block applied to xn: a dense SwiGLU, or its routed experts.
    public func addFeedForward(layer l: Int, _ ffn: FeedForward) {
        switch ffn {
        case .dense(let gate, let up, let down):
            let d = config.embeddingLength, ff = gate.rows
            projectTogether([(gate, nil, s.gate.pointer), (up, nil, s.up.pointer)], input: s.xn.pointer, inputStride: d)
            activate(.swiglu, rows: rows, ff)
            project(down, input: s.gate.pointer, inputStride: ff, output: s.tmp.pointer)
        case .experts(let x):
            route(layer: l, x)
            experts(layer: l, x)
        }
        ck_add(s.x.pointer, s.tmp.pointer, s.x.pointer, Int32(rows * config.embeddingLength))
    }

    /// Routes every row: router logits (+ bias), then the experts' gating (see `Experts.Gating`).
    /// Reports each row's routing to its session's observer.
    private func route(layer l: Int, _ x: Experts) {
        let c = config
        let e = c.expertCount, k = c.expertUsedCount
        let probs = s.router.pointer
        project(x.router, bias: x.routerBias, input: s.xn.pointer, inputStride: c.embeddingLength, output: probs)
        for q in sequences {
            let tap = q.session.tapRouting ? q.session.observer : nil
            for i in q.first..<(q.first + q.count) {
                let p = probs + i * e
                let sel = s.selected.pointer + i * k, wts = s.selectedWeights.pointer + i * k
                let mask = q.session.expertMask
                switch x.gating {
                case .softmaxThenTopK:
                    ck_softmax(p, Int32(e))
                    ExpertRouting.select(p, count: e, k: k, layer: l, mask: mask, selected: sel, weights: wts)
                case .topKThenSoftmax:
                    // Slots a mask leaves unfilled get weight 0, outside the softmax.
                    let chosen = ExpertRouting.topK(p, count: e, k: k, layer: l, mask: mask, into: sel)
                    for j in 0..<k { wts[j] = j < chosen ? p[Int(sel[j])] : 0 }
                    ck_softmax(wts, Int32(chosen))
                    if tap != nil { ck_softmax(p, Int32(e)) }  // the probabilities the routing tap reports
                }
                tap?.routing(RoutingTap(layer: l, position: q.session.position + i - q.first,
                                        probabilities: UnsafeBufferPointer(start: p, count: e),
                                        experts: UnsafeBufferPointer(start: sel, count: k),
                                        weights: UnsafeBufferPointer(start: wts, count: k)))
            }
        }
    }

    /// tmp = Σ_j w_j · expert_j(xn) over each row's selected experts, in selection order. The
    /// (token, slot) pairs are grouped by expert, so each expert's tokens are one matmul; the gates
    /// and ups of every used expert are one fork-join, their downs another.
    private func experts(layer l: Int, _ x: Experts) {
        let c = config
        let d = c.embeddingLength, e = c.expertCount, k = c.expertUsedCount, ff = x.gate.rows
        let slots = rows * k
        let counts = s.expertCounts.pointer
        counts.update(repeating: 0, count: e)
        for i in 0..<slots { counts[Int(s.selected[i])] += 1 }
        var offset: Int32 = 0
        for ex in 0..<e { s.expertOffsets[ex] = offset; offset += counts[ex] }
        counts.update(repeating: 0, count: e)
        for i in 0..<slots {
            let ex = Int(s.selected[i])
            s.expertSlots[Int(s.expertOffsets[ex] + counts[ex])] = Int32(i)
            counts[ex] += 1
        }
        // gathered[j]: the input of the j-th pair in expert order.
        for j in 0..<slots {
            (s.gathered.pointer + j * d).update(from: s.xn.pointer + Int(s.expertSlots[j]) / k * d, count: d)
        }
        var gateUp: [Projection] = [], down: [Projection] = []
        for ex in 0..<e where counts[ex] > 0 {
            let m = Int(counts[ex]), first = Int(s.expertOffsets[ex])
            let input = s.gathered.pointer + first * d, hidden = s.gate.pointer + first * ff
            gateUp.append(Projection(w: x.gate.expert(ex), bias: x.gateBias?[ex], input: input, inputStride: d, m: m, output: hidden))
            gateUp.append(Projection(w: x.up.expert(ex), bias: x.upBias?[ex], input: input, inputStride: d, m: m,
                                     output: s.up.pointer + first * ff))
            // The downs overwrite the gathered inputs, which were converted before the gates ran.
            down.append(Projection(w: x.down.expert(ex), bias: x.downBias?[ex], input: hidden, inputStride: ff, m: m, output: input))
        }
        projectGroup(gateUp, rowwise: true)
        activate(x.activation, rows: slots, ff)
        projectGroup(down, rowwise: true)
        for j in 0..<slots {
            (s.slotOutputs.pointer + Int(s.expertSlots[j]) * d).update(from: s.gathered.pointer + j * d, count: d)
        }
        reportExpertNorms(layer: l)
        // Weighted sum in selection order, as llama.cpp adds the expert views: ((y0 w0 + y1 w1) + y2 w2) …
        for i in 0..<rows {
            let acc = s.tmp.pointer + i * d
            for j in 0..<k {
                let y = s.slotOutputs.pointer + (i * k + j) * d
                ck_scale(y, s.selectedWeights[i * k + j], y, Int32(d))
                if j == 0 { acc.update(from: y, count: d) } else { ck_add(acc, y, acc, Int32(d)) }
            }
        }
    }

    /// The expert-norm tap: each row's slot outputs (before their weights) measured for the
    /// sessions whose observer asks; nothing is computed otherwise.
    private func reportExpertNorms(layer l: Int) {
        let d = config.embeddingLength, k = config.expertUsedCount
        for q in sequences where q.session.tapExpertNorms {
            guard let observer = q.session.observer else { continue }
            var norms = [Float](repeating: 0, count: k)
            for i in q.first..<(q.first + q.count) {
                for j in 0..<k {
                    let y = s.slotOutputs.pointer + (i * k + j) * d
                    var sum = 0.0
                    for c in 0..<d { sum += Double(y[c]) * Double(y[c]) }
                    norms[j] = Float(sum.squareRoot())
                }
                norms.withUnsafeBufferPointer { n in
                    observer.expertNorms(ExpertNormTap(layer: l, position: q.session.position + i - q.first,
                                                       experts: UnsafeBufferPointer(start: s.selected.pointer + i * k, count: k),
                                                       norms: n))
                }
            }
        }
    }

    // MARK: Shared steps

    private func rmsnorm(_ x: UnsafePointer<Float>, _ weight: [Float], _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        weight.withUnsafeBufferPointer { ck_rmsnorm(x, $0.baseAddress, y, Int32(n), config.rmsEpsilon) }
    }

    /// One matrix of a projection group: `output` row j = W · `input` row j (+ bias) for j in 0..<m;
    /// each output row is `w.rows` long.
    struct Projection {
        let w: WeightMatrix
        let bias: [Float]?
        let input: UnsafePointer<Float>
        let inputStride: Int
        let m: Int
        let output: UnsafeMutablePointer<Float>
    }

    /// output[j] = W · input[j] (+ bias) for j in 0..<m (default: every row of the pass), with
    /// activations converted to the weight's format; each output row is `w.rows` long.
    /// `rowwise`: llama.cpp's one-output-at-a-time order even for m > 1 (its MoE expert path).
    func project(_ w: WeightMatrix, bias: [Float]? = nil, input: UnsafePointer<Float>, inputStride: Int, m: Int? = nil,
                 output: UnsafeMutablePointer<Float>, rowwise: Bool = false) {
        projectGroup([Projection(w: w, bias: bias, input: input, inputStride: inputStride, m: m ?? rows, output: output)],
                     rowwise: rowwise)
    }

    /// Several projections of the same input (every row of the pass), as `project` computes each.
    func projectTogether(_ jobs: [(w: WeightMatrix, bias: [Float]?, output: UnsafeMutablePointer<Float>)],
                         input: UnsafePointer<Float>, inputStride: Int) {
        projectGroup(jobs.map { Projection(w: $0.w, bias: $0.bias, input: input, inputStride: inputStride, m: rows, output: $0.output) },
                     rowwise: false)
    }

    /// Projections computed in one fork-join over all their output rows: one thread hand-off instead
    /// of one per matrix, which counts in decode and for the many small matrices of MoE experts.
    /// Each job's input is converted to its weight's activation format first (once for a job that
    /// shares the previous job's input rows and format); jobs whose converted inputs do not fit the activation scratch
    /// together go in further fork-joins. Threads get equal shares of rows × columns × m, so an
    /// expert with many tokens is not one thread's alone. Every output equals what `project` gives:
    /// each is one matmul call over whichever rows a thread holds.
    func projectGroup(_ jobs: [Projection], rowwise: Bool) {
        let xq = s.activations.raw, capacity = s.activations.count
        var start = 0
        while start < jobs.count {
            var offsets: [Int] = [], used = 0, end = start
            while end < jobs.count {
                let j = jobs[end]
                if end > start && Self.sameActivations(jobs[end - 1], j) {  // Q, K, V; an expert's gate and up
                    offsets.append(offsets[end - 1 - start])
                } else {
                    let rowBytes = Kernels.activationRowBytes(for: j.w.type, n: j.w.cols), bytes = j.m * rowBytes
                    if end > start && used + bytes > capacity { break }
                    offsets.append(used)
                    for r in 0..<j.m {
                        Kernels.quantizeActivation(for: j.w.type, j.input + r * j.inputStride, xq + used + r * rowBytes, n: j.w.cols)
                    }
                    used += bytes
                }
                end += 1
            }
            let group = jobs[start..<end]
            let box = UnsafeSendable((xq, group, offsets))
            session.parallel.forWeightedRanges(group.map { ($0.w.rows, $0.m * $0.w.cols) }) { range, _ in
                let (xq, group, offsets) = box.value
                var first = 0
                for (j, o) in zip(group, offsets) {
                    let lo = max(range.lowerBound, first), hi = min(range.upperBound, first + j.w.rows)
                    if lo < hi {
                        Kernels.matmul(j.w, rows: (lo - first)..<(hi - first), xq: xq + o,
                                       xqStride: Kernels.activationRowBytes(for: j.w.type, n: j.w.cols), m: j.m,
                                       y: j.output, yStride: j.w.rows, rowwise: rowwise)
                    }
                    first += j.w.rows
                }
            }
            for j in group {
                guard let bias = j.bias else { continue }
                bias.withUnsafeBufferPointer { b in
                    for r in 0..<j.m { ck_add(j.output + r * j.w.rows, b.baseAddress, j.output + r * j.w.rows, Int32(j.w.rows)) }
                }
            }
            start = end
        }
    }

    /// Whether two jobs dot the same input rows in the same activation format.
    private static func sameActivations(_ a: Projection, _ b: Projection) -> Bool {
        a.input == b.input && a.inputStride == b.inputStride && a.m == b.m && a.w.cols == b.w.cols
            && Kernels.activationType(for: a.w.type) == Kernels.activationType(for: b.w.type)
    }

    /// gate = activation(gate, up), row by row (the vector/libm split of ck_swiglu is per row, as in ggml).
    private func activate(_ a: Experts.Activation, rows: Int, _ ff: Int) {
        for i in 0..<rows {
            let g = s.gate.pointer + i * ff, u = s.up.pointer + i * ff
            switch a {
            case .swiglu: ck_swiglu(g, u, g, Int32(ff))
            case .swigluOAI(let alpha, let limit): ck_swiglu_oai(g, u, g, Int32(ff), alpha, limit)
            }
        }
    }
}
