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
            tapExpertNorms = taps.contains(.expertOutputNorms)
        }
    }

    /// Experts dropped from or forced into this session's routing (nil: the router's choice).
    public var expertMask: ExpertMask?
    private(set) var tapRouting = false
    private(set) var tapLogits = false
    private(set) var tapExpertNorms = false
    let kv: KVCache
    let s: Scratch

    /// - Parameters:
    ///   - context: KV-cache capacity; default the model's trained context, capped by available
    ///     memory (`ContextSize.choose`).
    ///   - threads: worker threads; default all cores.
    ///   - kvType: how keys and values are stored (fp16, or Q8_0 with llama.cpp's flash-attention
    ///     numerics); a head size that Q8_0 blocks cannot split, or a model with sliding windows or
    ///     attention sinks, falls back to fp16.
    public init(model: Model, context: Int? = nil, threads: Int? = nil, batchSize: Int = 64,
                kvType: KVCacheType = .f16) {
        let c = model.config
        self.model = model
        let type = Self.kvType(kvType, for: model)
        capacity = max(1, context ?? ContextSize.choose(model: model, type: type).tokens)
        self.batchSize = max(1, batchSize)
        parallel = Parallel(threads: threads ?? ProcessInfoThreads.available)
        kv = KVCache(layers: c.layerCount, capacity: capacity, heads: c.kvHeadCount, headDim: c.headDim, type: type)
        s = Scratch(weights: model.weights, batch: self.batchSize, capacity: capacity, threads: parallel.threads)
    }

    public var config: ModelConfig { model.config }

    /// The KV-cache type a session of `model` uses when `requested` is asked for: fp16 where the
    /// requested type cannot go (`kvTypeRefusal`).
    public static func kvType(_ requested: KVCacheType, for model: Model) -> KVCacheType {
        kvTypeRefusal(requested, for: model) == nil ? requested : .f16
    }

    /// Why `model` cannot keep its cache as `requested` (nil: it can). Sliding windows and sinks run
    /// in the fp16 path only (the Q8_0 cache follows llama.cpp's flash attention, which this engine
    /// does not mask or sink yet), and Q8_0 blocks must split the head size.
    public static func kvTypeRefusal(_ requested: KVCacheType, for model: Model) -> String? {
        let c = model.config
        guard requested != .f16 else { return nil }
        if c.slidingWindow > 0 || model.weights.layers.contains(where: { $0.sinks != nil }) {
            return "its sliding-window or sink attention runs with an f16 cache only"
        }
        return requested.supports(headDim: c.headDim) ? nil : "its head size \(c.headDim) does not split into \(requested.rawValue) blocks"
    }

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

    /// Runs s.tokens[0..<rows] (this session's scratch) through the model's architecture. Each
    /// sequence writes its keys and values into its own cache and attends over it; the matmuls see
    /// all rows at once, so every weight is read once per pass. Logits go to each sequence's own
    /// logits buffer (row 0 for `.lastRowOfEachSequence`; this session's buffer, row after row, for
    /// `.rows`).
    func forward(_ sequences: [Sequence], rows n: Int, outputs: Outputs) {
        model.architecture.forward(ForwardPass(session: self, sequences: sequences, rows: n, outputs: outputs))
        for q in sequences { q.session.position += q.count }
        let vocab = config.vocabSize
        switch outputs {
        case .none:
            return
        case .rows(let r):
            s.lastLogitsRow = r.count - 1
            if tapLogits, let o = observer {
                for j in 0..<r.count {
                    o.logits(position: position - n + r.lowerBound + j,
                             UnsafeBufferPointer(start: s.logits.pointer + j * vocab, count: vocab))
                }
            }
        case .lastRowOfEachSequence:
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
    }
}
