#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// A token chosen by the sampler, with what the model thought of it.
public struct SampledToken: Sendable, Equatable {
    public var token: Int
    /// log p(token) under the model's raw distribution (softmax of the logits, temperature 1).
    public var logProbability: Float
    /// The most likely tokens under the raw distribution, best first, with their log-probabilities.
    public var alternatives: [Alternative]

    public init(token: Int, logProbability: Float, alternatives: [Alternative]) {
        self.token = token
        self.logProbability = logProbability
        self.alternatives = alternatives
    }

    public struct Alternative: Sendable, Equatable {
        public var token: Int
        public var logProbability: Float

        public init(token: Int, logProbability: Float) {
            self.token = token
            self.logProbability = logProbability
        }
    }
}

/// One step of the sampling chain: narrows or reshapes the candidate set.
protocol SamplingStep {
    func apply(_ c: inout Candidates)
}

/// The candidate tokens of one sampling step: ids and logits in parallel, `count` of them live,
/// `sorted` once they are in descending logit order. Storage is allocated once per sampler.
struct Candidates {
    var ids: [Int32]
    var logits: [Float]
    var count: Int
    var sorted = false

    init(capacity: Int) {
        ids = [Int32](repeating: 0, count: capacity)
        logits = [Float](repeating: 0, count: capacity)
        count = 0
    }

    /// Sorts the live candidates by descending logit (ties: lower id first), keeping at most `limit`.
    mutating func sortDescending(limit: Int? = nil) {
        let keep = min(limit ?? count, count)
        var best: [(Float, Int32)]
        if keep <= 64 {
            best = bestK(keep, count: count, logit: { logits[$0] }, id: { ids[$0] })
        } else {
            best = (0..<count).map { (logits[$0], ids[$0]) }
            best.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            best.removeLast(count - keep)
        }
        for (i, (l, id)) in best.enumerated() { logits[i] = l; ids[i] = id }
        count = keep
        sorted = true
    }

    /// Probabilities of the live candidates (softmax of their logits).
    func probabilities() -> [Double] {
        let m = logits[..<count].max() ?? 0
        var p = (0..<count).map { exp(Double(logits[$0] - m)) }
        let s = p.reduce(0, +)
        for i in p.indices { p[i] /= s }
        return p
    }
}

/// The k best of `count` entries (largest logit, then lowest id), best first. Keeps a sorted
/// buffer of k, so selecting the top 20 of 151,936 logits touches each logit once.
func bestK(_ k: Int, count: Int, logit: (Int) -> Float, id: (Int) -> Int32) -> [(Float, Int32)] {
    func better(_ a: (Float, Int32), _ b: (Float, Int32)) -> Bool { a.0 != b.0 ? a.0 > b.0 : a.1 < b.1 }
    var best: [(Float, Int32)] = []
    guard k > 0 else { return best }
    best.reserveCapacity(k + 1)
    for i in 0..<count {
        let e = (logit(i), id(i))
        if best.count == k, !better(e, best[k - 1]) { continue }
        var lo = 0, hi = best.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if better(best[mid], e) { lo = mid + 1 } else { hi = mid }
        }
        best.insert(e, at: lo)
        if best.count > k { best.removeLast() }
    }
    return best
}

/// Nucleus: the shortest prefix (by probability) whose mass reaches p, measured on untempered
/// logits as llama.cpp does (temperature comes last in its chain).
struct TopP: SamplingStep {
    let p: Float
    func apply(_ c: inout Candidates) {
        if !c.sorted { c.sortDescending() }
        let probs = c.probabilities()
        var cum = 0.0
        for i in 0..<c.count {
            cum += probs[i]
            if cum >= Double(p) {
                c.count = i + 1
                return
            }
        }
    }
}

/// Keeps tokens whose probability is at least minP times the best one's.
struct MinP: SamplingStep {
    let minP: Float
    func apply(_ c: inout Candidates) {
        let maxLogit = c.logits[..<c.count].max() ?? 0
        let threshold = maxLogit + logf(minP)
        var kept = 0
        for i in 0..<c.count where c.logits[i] >= threshold {
            c.ids[kept] = c.ids[i]
            c.logits[kept] = c.logits[i]
            kept += 1
        }
        c.count = max(kept, 1)
    }
}

struct Temperature: SamplingStep {
    let t: Float
    func apply(_ c: inout Candidates) {
        for i in 0..<c.count { c.logits[i] /= t }
    }
}

/// The sampling chain, in llama.cpp's order: penalties → top-k → top-p → min-p → temperature →
/// draw (or arg-max when the temperature is 0). Seeded: the same seed gives the same tokens.
public final class Sampler {
    public let parameters: SamplingParameters
    private var rng: SplitMix64
    private let steps: [any SamplingStep]
    private var candidates: Candidates
    private var penalized: [Float]
    private var recent: [Int] = []
    /// `prepare`'s work for the logits it was given, taken by the next `sample`.
    private var prepared: Analysis?

    /// Everything `sample` computes from the logits before its random draw.
    private struct Analysis {
        let logits: UnsafePointer<Float>?
        let count: Int
        /// The greedy pick (temperature 0), else -1; the candidates are in `candidates`.
        var chosen: Int
        var logZ: Double
        var alternatives: [SampledToken.Alternative]
    }

    public init(_ p: SamplingParameters, vocabularySize: Int) throws {
        if let problem = p.problem { throw EngineError.invalidSampling(problem) }
        parameters = p
        rng = SplitMix64(seed: p.seed)
        var steps: [any SamplingStep] = []  // top-k is applied while the candidates are gathered
        if p.topP < 1 { steps.append(TopP(p: p.topP)) }
        if p.minP > 0 { steps.append(MinP(minP: p.minP)) }
        if p.temperature > 0 && p.temperature != 1 { steps.append(Temperature(t: p.temperature)) }
        self.steps = steps
        candidates = Candidates(capacity: vocabularySize)
        penalized = [Float](repeating: 0, count: vocabularySize)
    }

    /// An independent sampler in the same state (same random stream position, same history), so
    /// a forked generation continues exactly as the original would.
    public func copy() -> Sampler {
        let c = try! Sampler(parameters, vocabularySize: penalized.count)
        c.rng = rng
        c.recent = recent
        return c
    }

    /// Tokens that the penalties count (the prompt, then every accepted token).
    public func accept(_ token: Int) {
        guard parameters.penaltyWindow > 0 else { return }
        recent.append(token)
        if recent.count > parameters.penaltyWindow { recent.removeFirst(recent.count - parameters.penaltyWindow) }
    }

    public func reset() {
        recent.removeAll()
        rng = SplitMix64(seed: parameters.seed)
    }

    /// The greedy choice and its log-probability, without alternatives: the token a greedy sampler
    /// picks (same ties), for callers that sample many sequences per step (answer probes).
    public static func greedy(_ logits: UnsafeBufferPointer<Float>) -> (token: Int, logProbability: Float) {
        let token = max(0, Int(ck_argmax(logits.baseAddress, Int32(logits.count))))
        // The argmax's value is the maximum the log-normaliser needs: one pass less.
        return (token, Float(Double(logits[token]) - ck_logsumexp_with_max(logits.baseAddress, Int32(logits.count), logits[token])))
    }

    /// log p(token) under `logits` (teacher-forced scoring).
    public static func logProbability(of token: Int, in logits: UnsafeBufferPointer<Float>) -> Double {
        Double(logits[token]) - ck_logsumexp(logits.baseAddress, Int32(logits.count))
    }

    /// Does the work of the next `sample` of `logits` that does not depend on the random stream
    /// (penalties, candidates, the log-normaliser, the alternatives), so that several sequences'
    /// samplers can do it on several threads at once; `sample` then only draws. The logits must not
    /// change before that `sample`. The result is the same, bit for bit, as without it.
    public func prepare(_ logits: UnsafeBufferPointer<Float>) {
        prepared = analyse(logits, suppressed: [])
    }

    /// Prepares each sampler with its logits, spread over `parallel`'s threads.
    public static func prepareTogether(_ items: [(sampler: Sampler, logits: UnsafeBufferPointer<Float>)], on parallel: Parallel) {
        guard items.count > 1, parallel.threads > 1 else {
            for item in items { item.sampler.prepare(item.logits) }
            return
        }
        let box = UnsafeSendable(items)
        parallel.forRanges(items.count, align: 1) { r, _ in
            for i in r { box.value[i].sampler.prepare(box.value[i].logits) }
        }
    }

    /// Forgets what `prepare` did (its logits are about to change without a `sample`).
    public func discardPrepared() { prepared = nil }

    /// Chooses the next token from `logits`, never choosing a token in `suppressed`.
    public func sample(_ logits: UnsafeBufferPointer<Float>, suppressed: Set<Int> = []) -> SampledToken {
        let a: Analysis
        if suppressed.isEmpty, let p = prepared, p.logits == logits.baseAddress, p.count == logits.count {
            a = p
        } else {
            a = analyse(logits, suppressed: suppressed)
        }
        prepared = nil
        var chosen = a.chosen
        if parameters.temperature > 0 {
            if candidates.count > 0 {
                for step in steps { step.apply(&candidates) }
                let probs = candidates.probabilities()
                let u = rng.unitDouble()
                var cum = 0.0, pick = candidates.count - 1
                for i in 0..<candidates.count {
                    cum += probs[i]
                    if cum > u { pick = i; break }
                }
                chosen = Int(candidates.ids[pick])
            }
        }
        if chosen < 0 { chosen = max(0, Int(ck_argmax(logits.baseAddress, Int32(logits.count)))) }
        return SampledToken(token: chosen, logProbability: Float(Double(logits[chosen]) - a.logZ), alternatives: a.alternatives)
    }

    /// Penalties and suppression applied (on a copy, only when they change something), then the
    /// greedy pick or the candidates, and the raw distribution's log-normaliser and alternatives.
    private func analyse(_ logits: UnsafeBufferPointer<Float>, suppressed: Set<Int>) -> Analysis {
        let n = min(logits.count, penalized.count)
        let p = parameters
        let penalize = !recent.isEmpty && (p.presencePenalty != 0 || p.repetitionPenalty != 1)
        let changed = penalize || suppressed.contains { $0 < n }
        return penalized.withUnsafeMutableBufferPointer { buffer -> Analysis in
            // Unchanged logits are read in place: the same values as a copy.
            var source = UnsafePointer(logits.baseAddress!)
            if changed {
                buffer.baseAddress!.update(from: logits.baseAddress!, count: n)
                applyPenalties(buffer)
                for t in suppressed where t < n { buffer[t] = -.infinity }
                source = UnsafePointer(buffer.baseAddress!)
            }
            var chosen = -1
            if p.temperature == 0 {
                chosen = Int(ck_argmax(source, Int32(n)))
            } else {
                gatherCandidates(source, n)
            }
            // The raw maximum is the first candidate when nothing changed the logits (ck_top_k and
            // the maximum both skip NaN), so the log-normaliser needs one pass, not two.
            let rawTop = !changed && p.temperature > 0 && p.topK > 0 && n == logits.count && candidates.count > 0
            let logZ = rawTop ? ck_logsumexp_with_max(logits.baseAddress, Int32(logits.count), candidates.logits[0])
                : ck_logsumexp(logits.baseAddress, Int32(logits.count))
            var alts: [SampledToken.Alternative] = []
            let k = min(p.alternatives, logits.count)
            if k > 0 {
                if !changed && p.temperature > 0 && p.topK >= k && n == logits.count {
                    // The raw top k are the first of the candidates (ck_top_k's order and skips).
                    alts = (0..<min(k, candidates.count)).map {
                        .init(token: Int(candidates.ids[$0]), logProbability: Float(Double(candidates.logits[$0]) - logZ))
                    }
                } else {
                    var ids = [Int32](repeating: 0, count: k), vals = [Float](repeating: 0, count: k)
                    let found = Int(ck_top_k(logits.baseAddress, Int32(logits.count), Int32(k), &ids, &vals))
                    alts = (0..<found).map { .init(token: Int(ids[$0]), logProbability: Float(Double(vals[$0]) - logZ)) }
                }
            }
            return Analysis(logits: logits.baseAddress, count: logits.count, chosen: chosen, logZ: logZ, alternatives: alts)
        }
    }

    /// The candidates from `source` (the logits after penalties and suppression): the top k (in C,
    /// sorted) when top-k is on, else every token with a finite logit.
    private func gatherCandidates(_ source: UnsafePointer<Float>, _ n: Int) {
        candidates.sorted = false
        if parameters.topK > 0 {
            let k = min(parameters.topK, n)
            var ids = candidates.ids, vals = candidates.logits
            candidates.ids = []
            candidates.logits = []
            let found = ids.withUnsafeMutableBufferPointer { i in
                vals.withUnsafeMutableBufferPointer { v in ck_top_k(source, Int32(n), Int32(k), i.baseAddress, v.baseAddress) }
            }
            candidates.ids = ids
            candidates.logits = vals
            candidates.count = Int(found)
            candidates.sorted = true
        } else {
            candidates.count = 0
            for i in 0..<n where source[i] > -.infinity {
                candidates.ids[candidates.count] = Int32(i)
                candidates.logits[candidates.count] = source[i]
                candidates.count += 1
            }
        }
    }

    private func applyPenalties(_ penalized: UnsafeMutableBufferPointer<Float>) {
        let p = parameters
        guard !recent.isEmpty, p.presencePenalty != 0 || p.repetitionPenalty != 1 else { return }
        var seen = Set<Int>()
        for t in recent where t < penalized.count && seen.insert(t).inserted {
            var l = penalized[t]
            l = l <= 0 ? l * p.repetitionPenalty : l / p.repetitionPenalty
            penalized[t] = l - p.presencePenalty
        }
    }
}
