import CKernels

/// Generation state for one sequence: the KV cache, the position, and every scratch buffer the
/// forward pass needs, allocated once at creation. `evaluate` runs tokens through the model.
/// A session is used from one thread at a time; the work inside a call is spread over threads.
public final class Session {
    public let model: Model
    /// Positions the KV cache can hold.
    public let capacity: Int
    /// Tokens processed so far (the next token's position).
    public internal(set) var position: Int = 0
    /// Tokens processed per forward pass during prefill (at most).
    public let batchSize: Int
    public let parallel: Parallel
    /// Installed observer, if any; its taps are read once when set.
    public var observer: ForwardObserver? {
        didSet {
            let taps = observer?.taps ?? []
            tapRouting = !taps.isDisjoint(with: [.routerProbabilities, .selectedExperts])
            tapLogits = taps.contains(.logits)
        }
    }

    /// Experts dropped from or forced into this session's routing (nil: the router's choice).
    public var expertMask: ExpertMask?
    private(set) var tapRouting = false
    private(set) var tapLogits = false
    let kv: KVCache
    let s: Scratch

    /// - Parameters:
    ///   - context: KV-cache capacity; default the model's trained context, capped by available
    ///     memory (`ContextSize.choose`).
    ///   - threads: worker threads; default all cores.
    ///   - kvType: how keys and values are stored (fp16, or Q8_0 with llama.cpp's flash-attention
    ///     numerics); a head size that Q8_0 blocks cannot split falls back to fp16.
    public init(model: Model, context: Int? = nil, threads: Int? = nil, batchSize: Int = 64,
                kvType: KVCacheType = .f16) {
        let c = model.config
        self.model = model
        let type: KVCacheType = kvType.supports(headDim: c.headDim) ? kvType : .f16
        capacity = max(1, context ?? ContextSize.choose(model: model, type: type).tokens)
        self.batchSize = max(1, batchSize)
        parallel = Parallel(threads: threads ?? ProcessInfoThreads.available)
        kv = KVCache(layers: c.layerCount, capacity: capacity, rowLength: c.kvLength, type: type)
        s = Scratch(weights: model.weights, batch: self.batchSize, capacity: capacity, threads: parallel.threads)
    }

    public var config: ModelConfig { model.config }

    /// Bytes of the KV cache (keys and values, every layer, `capacity` positions).
    public var kvCacheBytes: Int { kv.byteCount }

    /// How the KV cache stores keys and values.
    public var kvType: KVCacheType { kv.type }

    /// Logits of the last evaluated position (valid until the next call).
    public var lastLogits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: s.logits.pointer + (s.lastLogitsRow * config.vocabSize), count: config.vocabSize)
    }

    /// Runs `tokens` at the current position; afterwards `lastLogits` holds the next-token logits.
    public func evaluate(_ tokens: [Int]) throws {
        try run(tokens, logitsFrom: tokens.count, into: nil)
    }

    /// Runs `tokens` like `evaluate` and returns the logits of the last `lastRows` positions
    /// (default: every position), row after row (`lastRows × vocabSize`). Only those rows go
    /// through the output projection.
    public func evaluateAll(_ tokens: [Int], lastRows: Int? = nil) throws -> [Float] {
        let k = min(tokens.count, max(1, lastRows ?? tokens.count))
        var all = [Float](repeating: 0, count: k * config.vocabSize)
        try all.withUnsafeMutableBufferPointer { try run(tokens, logitsFrom: tokens.count - k, into: $0.baseAddress) }
        return all
    }

    /// Runs `tokens`; the logits of positions from `logitsFrom` on go to `into` (row after row).
    private func run(_ tokens: [Int], logitsFrom: Int, into: UnsafeMutablePointer<Float>?) throws {
        guard !tokens.isEmpty else { throw EngineError.emptyInput }
        try checkRoom(for: tokens)
        let vocab = config.vocabSize
        var done = 0
        while done < tokens.count {
            // A one-token pass sums in llama.cpp's single-token order (see Kernels.order), so a
            // prompt never ends in a one-token chunk: the same prompt in one llama.cpp batch
            // gives the same bits.
            var n = min(batchSize, tokens.count - done)
            if tokens.count - done - n == 1 && n > 2 { n -= 1 }
            let isLast = done + n == tokens.count
            for i in 0..<n { s.tokens[i] = Int32(tokens[done + i]) }
            let wanted = min(n, max(logitsFrom, done) - done)..<n
            let outputs: Outputs = into != nil && !wanted.isEmpty ? .rows(wanted) : (isLast ? .lastRowOfEachSequence : .none)
            forward([Sequence(session: self, first: 0, count: n)], rows: n, outputs: outputs)
            if let all = into, case .rows(let r) = outputs {
                (all + (done + r.lowerBound - logitsFrom) * vocab).update(from: s.logits.pointer, count: r.count * vocab)
            }
            done += n
        }
    }

    /// Throws unless `tokens` are valid ids and fit in the cache after the current position.
    func checkRoom(for tokens: [Int]) throws {
        guard position + tokens.count <= capacity else {
            throw EngineError.contextFull(capacity: capacity, requested: position + tokens.count)
        }
        let vocab = config.vocabSize
        for t in tokens where t < 0 || t >= vocab { throw EngineError.tokenOutOfRange(token: t, vocabSize: vocab) }
    }

    /// Convenience: evaluate one token and return the next-token logits.
    @discardableResult
    public func decode(_ token: Int) throws -> UnsafeBufferPointer<Float> {
        try evaluate([token])
        return lastLogits
    }

    /// Forgets positions from `newPosition` on (the cache beyond it is simply overwritten later).
    public func rewind(to newPosition: Int) {
        position = max(0, min(position, newPosition))
    }

    /// A new session holding a copy of this one's first `at` positions (default: all); it
    /// continues exactly as this one would. Used to share a thinking prefix across budgets.
    public func fork(at: Int? = nil) -> Session {
        let keep = min(at ?? position, position)
        let other = Session(model: model, context: capacity, threads: parallel.threads, batchSize: batchSize,
                            kvType: kv.type)
        other.kv.copyPrefix(from: kv, count: keep)
        other.position = keep
        if keep == position {  // the next-token logits come along (one row)
            let vocab = config.vocabSize
            other.s.logits.pointer.update(from: s.logits.pointer + s.lastLogitsRow * vocab, count: vocab)
            other.s.lastLogitsRow = 0
        }
        return other
    }

    // MARK: Forward pass

    /// One sequence's rows in a forward pass: rows first..<first+count of the pass are `session`'s
    /// next tokens, at its positions position..<position+count, attending over its own KV cache.
    struct Sequence {
        let session: Session
        let first: Int
        let count: Int
    }

    /// Which rows of a pass get logits.
    enum Outputs: Equatable {
        case none, lastRowOfEachSequence
        /// These rows of a one-sequence pass (logits row j is pass row lowerBound + j).
        case rows(Range<Int>)
    }

    /// Runs s.tokens[0..<rows] (this session's scratch) through the model. Each sequence writes its
    /// keys and values into its own cache and attends over it; the matmuls see all rows at once, so
    /// every weight is read once per pass. Logits go to each sequence's own logits buffer (row 0 for
    /// `.lastRowOfEachSequence`; this session's buffer, row after row, for `.rows`).
    func forward(_ sequences: [Sequence], rows n: Int, outputs: Outputs) {
        let c = config, w = model.weights
        let d = c.embeddingLength
        let x = s.x.pointer
        for q in sequences {
            for i in q.first..<(q.first + q.count) {
                Kernels.dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.row(Int(s.tokens[i])), x + i * d, count: d)
                ck_rope_cache_row(s.ropeCache.pointer + i * c.headDim, c, position: q.session.position + i - q.first)
            }
        }
        for (l, layer) in w.layers.enumerated() {
            attention(layer: l, weights: layer, sequences, n: n)
            switch layer.ffn {
            case .dense(let gate, let up, let down):
                denseFFN(layer, gate: gate, up: up, down: down, n: n)
            case .experts(let router, let gate, let up, let down):
                expertFFN(layer: l, layer, router: router, gate: gate, up: up, down: down, sequences, n: n)
            }
        }
        for q in sequences { q.session.position += q.count }
        let outputCount: Int
        switch outputs {
        case .none: return
        case .rows(let r): outputCount = r.count
        case .lastRowOfEachSequence: outputCount = sequences.count
        }
        for j in 0..<outputCount {
            let i = if case .rows(let r) = outputs { r.lowerBound + j } else { sequences[j].first + sequences[j].count - 1 }
            rmsnorm(x + i * d, w.outputNorm, s.xn.pointer + j * d, d)
        }
        let vocab = c.vocabSize
        project(w.output, input: s.xn.pointer, inputStride: d, m: outputCount, output: s.logits.pointer, outputStride: vocab)
        if case .rows(let r) = outputs {
            s.lastLogitsRow = r.count - 1
            if tapLogits, let o = observer {
                for j in 0..<r.count {
                    o.logits(position: position - n + r.lowerBound + j,
                             UnsafeBufferPointer(start: s.logits.pointer + j * vocab, count: vocab))
                }
            }
            return
        }
        // Each sequence's row moves to the front of its own buffer (this session's stays in place).
        for (j, q) in sequences.enumerated() {
            let row = s.logits.pointer + j * vocab
            let other = q.session
            if other !== self {
                other.s.logits.pointer.update(from: row, count: vocab)
                other.s.lastLogitsRow = 0
            } else {
                s.lastLogitsRow = j
            }
            if other.tapLogits, let o = other.observer {
                o.logits(position: other.position - 1, UnsafeBufferPointer(start: row, count: vocab))
            }
        }
    }

    private func rmsnorm(_ x: UnsafePointer<Float>, _ weight: [Float], _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        weight.withUnsafeBufferPointer { ck_rmsnorm(x, $0.baseAddress, y, Int32(n), config.rmsEpsilon) }
    }

    /// output[j] = W · input[j] for j in 0..<m, with activations converted to the weight's format.
    /// `rowwise`: llama.cpp's one-output-at-a-time order even for m > 1 (its MoE expert path).
    private func project(_ w: WeightMatrix, input: UnsafePointer<Float>, inputStride: Int, m: Int,
                         output: UnsafeMutablePointer<Float>, outputStride: Int, rowwise: Bool = false) {
        let rowBytes = Kernels.activationRowBytes(for: w.type, n: w.cols)
        let xq = s.activations.raw
        for j in 0..<m {
            Kernels.quantizeActivation(for: w.type, input + j * inputStride, xq + j * rowBytes, n: w.cols)
        }
        let box = UnsafeSendable((xq, output))
        parallel.forRanges(w.rows) { rows, _ in
            Kernels.matmul(w, rows: rows, xq: box.value.0, xqStride: rowBytes, m: m, y: box.value.1, yStride: outputStride,
                           rowwise: rowwise)
        }
    }

    private func attention(layer l: Int, weights lw: LayerWeights, _ sequences: [Sequence], n: Int) {
        let c = config
        let d = c.embeddingLength, hd = c.headDim, qLen = c.queryLength, kvLen = c.kvLength
        let x = s.x.pointer, xn = s.xn.pointer
        for i in 0..<n { rmsnorm(x + i * d, lw.attentionNorm, xn + i * d, d) }
        project(lw.wq, input: xn, inputStride: d, m: n, output: s.q.pointer, outputStride: qLen)
        project(lw.wk, input: xn, inputStride: d, m: n, output: s.k.pointer, outputStride: kvLen)
        project(lw.wv, input: xn, inputStride: d, m: n, output: s.v.pointer, outputStride: kvLen)
        // Per row: where its sequence's cache starts, how many positions it attends to, and the
        // order of its sums (QK and PV have one column per token of its sequence in this pass,
        // as llama.cpp runs each sequence's attention in its own KV stream).
        let keysOf = s.rowKeys.pointer, valuesOf = s.rowValues.pointer, lengthOf = s.rowLength.pointer
        let orderOf = s.rowOrder.pointer
        for q in sequences {
            let cache = q.session.kv
            for i in q.first..<(q.first + q.count) {
                let pos = q.session.position + i - q.first
                let qr = s.q.pointer + i * qLen, k = s.k.pointer + i * kvLen
                for h in 0..<c.headCount { rmsnorm(qr + h * hd, lw.qNorm, qr + h * hd, hd) }
                for h in 0..<c.kvHeadCount { rmsnorm(k + h * hd, lw.kNorm, k + h * hd, hd) }
                let cs = s.ropeCache.pointer + i * hd
                ck_rope_neox(qr, Int32(c.headCount), Int32(hd), Int32(hd), cs)
                ck_rope_neox(k, Int32(c.kvHeadCount), Int32(hd), Int32(hd), cs)
                switch cache.type {
                case .f16:
                    ck_fp32_to_fp16_row(k, cache.keyRow(layer: l, position: pos).assumingMemoryBound(to: UInt16.self), Int32(kvLen))
                    ck_fp32_to_fp16_row(s.v.pointer + i * kvLen,
                                        cache.valueRow(layer: l, position: pos).assumingMemoryBound(to: UInt16.self), Int32(kvLen))
                case .q8_0:  // as llama.cpp's set_rows: quantize_row_q8_0, after its Hadamard rotations
                    let v = s.v.pointer + i * kvLen
                    if let r = cache.type.rotation(headDim: hd) {
                        ck_fwht(qr, Int32(r.k), Int32(qLen / r.k))
                        ck_fwht(k, Int32(r.k), Int32(kvLen / r.k))
                        ck_fwht(v, Int32(r.v), Int32(kvLen / r.v))
                    }
                    ck_quantize_row_q8_0(k, cache.keyRow(layer: l, position: pos), Int32(kvLen))
                    ck_quantize_row_q8_0(v, cache.valueRow(layer: l, position: pos), Int32(kvLen))
                }
                keysOf[i] = UnsafeRawPointer(cache.keyRow(layer: l, position: 0))
                valuesOf[i] = UnsafeRawPointer(cache.valueRow(layer: l, position: 0))
                s.rowRowBytes[i] = cache.type == .q8_0 ? cache.rowBytes : 0
                lengthOf[i] = Int32(pos + 1)
                orderOf[i] = Kernels.order(columns: q.count)
            }
        }
        let group = c.groupSize
        let scale = 1 / Float(hd).squareRoot()
        let box = UnsafeSendable(s)
        // One item per (token, KV head, part of its group): a part's query heads share each key read.
        // Groups are split only when there are fewer (token, KV head) pairs than threads, as in
        // decode; each head's sums are the same whichever part it is in.
        let pairs = n * c.kvHeadCount
        let wanted = min(group, max(1, parallel.threads / pairs))
        let perPart = (group + wanted - 1) / wanted
        let parts = (group + perPart - 1) / perPart
        parallel.forRanges(pairs * parts, align: 1) { items, slot in
            let s = box.value
            let scratch = s.scores.pointer + slot * s.attentionScratch
            let q16 = s.q16.pointer + slot * group * hd
            for item in items {
                let pair = item / parts, h0 = item % parts * perPart
                let i = pair / c.kvHeadCount, g = pair % c.kvHeadCount
                let first = i * qLen + (g * group + h0) * hd
                let heads = Int32(min(perPart, group - h0))
                let rowBytes = s.rowRowBytes[i]
                if rowBytes > 0 {  // Q8_0 cache: llama.cpp's flash-attention order
                    let headBytes = rowBytes / c.kvHeadCount  // one KV head of Q8_0 blocks
                    ck_attention_heads_q8(s.q.pointer + first, heads, Int32(hd), s.rowKeys[i]! + g * headBytes,
                                          s.rowValues[i]! + g * headBytes, rowBytes, s.rowLength[i], scale,
                                          scratch, q16, s.att.pointer + first)
                } else {
                    ck_attention_heads(s.q.pointer + first, heads, Int32(hd),
                                       s.rowKeys[i]!.assumingMemoryBound(to: UInt16.self) + g * hd,
                                       s.rowValues[i]!.assumingMemoryBound(to: UInt16.self) + g * hd, kvLen,
                                       s.rowLength[i], scale, s.rowOrder[i], scratch, q16, s.att.pointer + first)
                }
            }
        }
        // A rotated V cache gives rotated outputs; llama.cpp rotates them back before wo.
        for q in sequences {
            guard let r = q.session.kv.type.rotation(headDim: hd) else { continue }
            for i in q.first..<(q.first + q.count) { ck_fwht(s.att.pointer + i * qLen, Int32(r.v), Int32(qLen / r.v)) }
        }
        project(lw.wo, input: s.att.pointer, inputStride: qLen, m: n, output: s.tmp.pointer, outputStride: d)
        ck_add(x, s.tmp.pointer, x, Int32(n * d))
    }

    private func denseFFN(_ lw: LayerWeights, gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix, n: Int) {
        let d = config.embeddingLength, ff = gate.rows
        let x = s.x.pointer, xn = s.xn.pointer
        for i in 0..<n { rmsnorm(x + i * d, lw.ffnNorm, xn + i * d, d) }
        project(gate, input: xn, inputStride: d, m: n, output: s.gate.pointer, outputStride: ff)
        project(up, input: xn, inputStride: d, m: n, output: s.up.pointer, outputStride: ff)
        swiglu(rows: n, ff)
        project(down, input: s.gate.pointer, inputStride: ff, m: n, output: s.tmp.pointer, outputStride: d)
        ck_add(x, s.tmp.pointer, x, Int32(n * d))
    }

    private func expertFFN(layer l: Int, _ lw: LayerWeights, router: WeightMatrix, gate: ExpertWeights,
                           up: ExpertWeights, down: ExpertWeights, _ sequences: [Sequence], n: Int) {
        let c = config
        let d = c.embeddingLength, e = c.expertCount, k = c.expertUsedCount, ff = gate.rows
        let x = s.x.pointer, xn = s.xn.pointer
        for i in 0..<n { rmsnorm(x + i * d, lw.ffnNorm, xn + i * d, d) }
        let probs = s.router.pointer
        project(router, input: xn, inputStride: d, m: n, output: probs, outputStride: e)
        // Route every token: softmax over all experts, top-k, renormalised weights.
        for q in sequences {
            let tap = q.session.tapRouting ? q.session.observer : nil
            for i in q.first..<(q.first + q.count) {
                let p = probs + i * e
                ck_softmax(p, Int32(e))
                let sel = s.selected.pointer + i * k, wts = s.selectedWeights.pointer + i * k
                ExpertRouting.select(p, count: e, k: k, layer: l, mask: q.session.expertMask, selected: sel, weights: wts)
                tap?.routing(RoutingTap(layer: l, position: q.session.position + i - q.first,
                                        probabilities: UnsafeBufferPointer(start: p, count: e),
                                        experts: UnsafeBufferPointer(start: sel, count: k),
                                        weights: UnsafeBufferPointer(start: wts, count: k)))
            }
        }
        // Group (token, slot) pairs by expert so each expert's tokens are computed together.
        let counts = s.expertCounts.pointer
        counts.update(repeating: 0, count: e)
        for i in 0..<(n * k) { counts[Int(s.selected[i])] += 1 }
        var offset: Int32 = 0
        for ex in 0..<e { s.expertOffsets[ex] = offset; offset += counts[ex] }
        counts.update(repeating: 0, count: e)
        for i in 0..<(n * k) {
            let ex = Int(s.selected[i])
            s.expertSlots[Int(s.expertOffsets[ex] + counts[ex])] = Int32(i)
            counts[ex] += 1
        }
        for ex in 0..<e where counts[ex] > 0 {
            let m = Int(counts[ex]), first = Int(s.expertOffsets[ex])
            for j in 0..<m {
                let token = Int(s.expertSlots[first + j]) / k
                (s.gathered.pointer + j * d).update(from: xn + token * d, count: d)
            }
            project(gate.expert(ex), input: s.gathered.pointer, inputStride: d, m: m, output: s.gate.pointer,
                    outputStride: ff, rowwise: true)
            project(up.expert(ex), input: s.gathered.pointer, inputStride: d, m: m, output: s.up.pointer,
                    outputStride: ff, rowwise: true)
            swiglu(rows: m, ff)
            project(down.expert(ex), input: s.gate.pointer, inputStride: ff, m: m, output: s.tmp.pointer,
                    outputStride: d, rowwise: true)
            for j in 0..<m {
                let slot = Int(s.expertSlots[first + j])
                (s.slotOutputs.pointer + slot * d).update(from: s.tmp.pointer + j * d, count: d)
            }
        }
        // Weighted sum in selection order, as llama.cpp adds the expert views: ((y0 w0 + y1 w1) + y2 w2) …
        for i in 0..<n {
            let acc = s.tmp.pointer
            for j in 0..<k {
                let y = s.slotOutputs.pointer + (i * k + j) * d
                ck_scale(y, s.selectedWeights[i * k + j], y, Int32(d))
                if j == 0 { acc.update(from: y, count: d) } else { ck_add(acc, y, acc, Int32(d)) }
            }
            ck_add(x + i * d, acc, x + i * d, Int32(d))
        }
    }

    /// gate = silu(gate) * up, row by row (the vector/libm split of ck_swiglu is per row, as in ggml).
    private func swiglu(rows: Int, _ ff: Int) {
        for i in 0..<rows { ck_swiglu(s.gate.pointer + i * ff, s.up.pointer + i * ff, s.gate.pointer + i * ff, Int32(ff)) }
    }
}

/// RoPE angles for one position of a Qwen3-family model (plain RoPE: no YaRN scaling).
private func ck_rope_cache_row(_ cs: UnsafeMutablePointer<Float>, _ c: ModelConfig, position: Int) {
    ck_rope_cache(cs, Int32(c.headDim), Int32(position), c.ropeFreqBase, 1, 0, 1, 0, 0)
}
