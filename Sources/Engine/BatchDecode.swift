/// Several sequences of one model stepped through one forward pass: a run and its forks (probes,
/// branches, resamples) each add their next tokens, and every weight is read once for all of them.
/// Each sequence keeps its own KV cache and position; a fork's prefix is copied once, at the fork.
///
/// Numerics: the matmuls see all rows of the pass, so with two or more rows they sum in llama.cpp's
/// multi-token order; each sequence's attention sums in the order of its own token count, as
/// llama.cpp computes a multi-sequence batch with one KV stream per sequence (`kv_unified` off).
/// A sequence's logits therefore equal llama.cpp's for the same batch, bit for bit.
extension Session {
    /// Feeds each session its tokens, all in as few forward passes as the batch size allows
    /// (one, when the tokens fit), and leaves each session's next-token logits in its
    /// `lastLogits`. The sessions must be distinct and share one model.
    public static func evaluate(_ batch: [(session: Session, tokens: [Int])]) throws {
        for (i, item) in batch.enumerated() {
            guard item.session.model === batch[0].session.model else {
                throw EngineError.invalidBatch("sequence \(i) belongs to another model")
            }
            guard !batch[..<i].contains(where: { $0.session === item.session }) else {
                throw EngineError.invalidBatch("sequence \(i) appears twice")
            }
            guard !item.tokens.isEmpty else { throw EngineError.emptyInput }
            try item.session.checkRoom(for: item.tokens)
        }
        var pending = batch[...]
        while let first = pending.first {
            // The pass runs in its first sequence's scratch, so that session's logits are never
            // overwritten by a pass it is not in. A sequence longer than a pass runs on its own
            // (its prefill is split as usual).
            let driver = first.session
            guard first.tokens.count <= driver.batchSize else {
                pending.removeFirst()
                try driver.evaluate(first.tokens)
                continue
            }
            var sequences: [Sequence] = [], rows = 0
            while let next = pending.first, next.tokens.count <= driver.batchSize - rows,
                  next.session.capacity <= driver.capacity {  // the attention scratch fits
                for (j, t) in next.tokens.enumerated() { driver.s.tokens[rows + j] = Int32(t) }
                sequences.append(Sequence(session: next.session, first: rows, count: next.tokens.count))
                rows += next.tokens.count
                pending.removeFirst()
            }
            driver.forward(sequences, rows: rows, outputs: .lastRowOfEachSequence)
        }
    }
}
