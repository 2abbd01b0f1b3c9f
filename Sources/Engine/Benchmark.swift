import Foundation

/// Prefill and decode speed of a model, measured the way the llama.cpp oracle measures it: the
/// same synthetic prompt, a warm-up round, then the median of `repeats` rounds.
public enum Benchmark {
    public struct Result: Sendable {
        public var prefillTPS: Double
        public var decodeTPS: Double
        /// Peak resident memory of the process (Linux VmHWM), if the system reports it.
        public var peakResidentBytes: Int?
        public var kvCacheBytes: Int
    }

    /// The process's peak resident set, from /proc/self/status (nil elsewhere).
    public static func peakResidentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// An observer that takes every tap and keeps routing counts, as the inspector does.
    final class InspectorLikeObserver: ForwardObserver {
        let stats: RoutingStatistics
        var maxLogit: Float = 0
        var taps: Set<TapPoint> { Set(TapPoint.allCases) }
        init(_ c: ModelConfig) { stats = RoutingStatistics(layers: c.layerCount, experts: max(c.expertCount, 1)) }
        func routing(_ tap: RoutingTap) { stats.routing(tap) }
        func logits(position: Int, _ logits: UnsafeBufferPointer<Float>) { maxLogit = logits[0] }
    }

    /// `depth`: positions of context filled before each round, untimed (llama-bench's `-d`); the
    /// prompt and the decoded tokens then go on top of it. Each round after the first rewinds to
    /// the depth and reuses those positions (the cache already holds them).
    public static func run(model: Model, promptTokens: Int, generateTokens: Int, threads: Int,
                           repeats: Int, hooks: Bool, depth: Int = 0, kvType: KVCacheType = .f16) throws -> Result {
        let session = Session(model: model, context: depth + promptTokens + generateTokens + 16, threads: threads,
                              kvType: kvType)
        session.observer = hooks ? InspectorLikeObserver(model.config) : nil
        try fill(session, depth: depth)
        var prefill: [Double] = [], decode: [Double] = []
        for round in 0...repeats {
            let (p, d) = try timedRound(session, promptTokens: promptTokens, generateTokens: generateTokens, from: depth)
            if round > 0 {
                prefill.append(p)
                decode.append(d)
            }
        }
        return Result(prefillTPS: median(prefill), decodeTPS: median(decode),
                      peakResidentBytes: peakResidentBytes(), kvCacheBytes: session.kvCacheBytes)
    }

    /// What the inspector's hooks cost: one session, rounds alternating without and with the
    /// observer after a warm-up, each pair's speed ratio, the median over `pairs` pairs.
    /// Adjacent rounds see the same machine load, which whole separate runs do not.
    /// Returns 1 - (with hooks / without), for prefill and decode.
    public static func hooksCost(model: Model, promptTokens: Int, generateTokens: Int, threads: Int,
                                 pairs: Int) throws -> (prefill: Double, decode: Double) {
        let session = Session(model: model, context: promptTokens + generateTokens + 16, threads: threads)
        let observer = InspectorLikeObserver(model.config)
        _ = try timedRound(session, promptTokens: promptTokens, generateTokens: generateTokens)
        var prefill: [Double] = [], decode: [Double] = []
        for pair in 0..<pairs {
            var speeds: [(Double, Double)] = []
            // Alternate which goes first, so a trend over time favours neither.
            for hooked in pair % 2 == 0 ? [false, true] : [true, false] {
                session.observer = hooked ? observer : nil
                speeds.append(try timedRound(session, promptTokens: promptTokens, generateTokens: generateTokens))
            }
            let (off, on) = pair % 2 == 0 ? (speeds[0], speeds[1]) : (speeds[1], speeds[0])
            prefill.append(1 - on.0 / off.0)
            decode.append(1 - on.1 / off.1)
        }
        return (median(prefill), median(decode))
    }

    /// Decode speed of `sequences` sequences stepping together (one forward pass per step), after
    /// the synthetic prompt is prefilled once and forked: the median over `repeats` rounds of
    /// tokens per second summed over the sequences, and that per sequence.
    public static func batchedDecode(model: Model, promptTokens: Int, generateTokens: Int, threads: Int,
                                     sequences: Int, repeats: Int) throws -> (total: Double, perSequence: Double) {
        let vocab = model.config.vocabSize
        let root = Session(model: model, context: promptTokens + generateTokens + 16, threads: threads)
        try root.evaluate((0..<promptTokens).map { ($0 * 7919 + 13) % min(vocab, 150_000) })
        var speeds: [Double] = []
        for round in 0...repeats {
            let group = (0..<sequences).map { _ in root.fork() }
            let t0 = monotonicSeconds()
            for i in 0..<generateTokens {
                try Session.evaluate(group.enumerated().map { ($1, [(i * 31 + $0 * 17) % min(vocab, 1000)]) })
            }
            if round > 0 { speeds.append(Double(generateTokens * sequences) / (monotonicSeconds() - t0)) }
        }
        let total = median(speeds)
        return (total, total / Double(sequences))
    }

    /// Prefills `depth` synthetic positions from position 0 (untimed).
    static func fill(_ session: Session, depth: Int) throws {
        guard depth > 0 else { return }
        let vocab = session.config.vocabSize
        session.rewind(to: 0)
        try session.evaluate((0..<depth).map { ($0 * 104_729 + 7) % min(vocab, 150_000) })
    }

    /// One prefill of the synthetic prompt from position `from` and `generateTokens` decode steps:
    /// (prefill, decode) tokens per second.
    static func timedRound(_ session: Session, promptTokens: Int, generateTokens: Int, from: Int = 0) throws -> (Double, Double) {
        let vocab = session.config.vocabSize
        let prompt = (0..<promptTokens).map { ($0 * 7919 + 13) % min(vocab, 150_000) }
        session.rewind(to: from)
        let t0 = monotonicSeconds()
        try session.evaluate(prompt)
        let t1 = monotonicSeconds()
        for i in 0..<generateTokens { try session.evaluate([(i * 31) % min(vocab, 1000)]) }
        let t2 = monotonicSeconds()
        return (Double(promptTokens) / (t1 - t0), Double(generateTokens) / (t2 - t1))
    }

    public static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

extension Benchmark {
    /// One session filled to a depth once, then timed rounds on demand (each rewinds to the depth):
    /// for comparisons that alternate engines round by round, so both see the same machine load.
    public final class DepthRounds {
        let session: Session
        public let depth: Int
        let promptTokens: Int
        let generateTokens: Int

        public init(model: Model, depth: Int, promptTokens: Int, generateTokens: Int, threads: Int,
                    kvType: KVCacheType = .f16) throws {
            session = Session(model: model, context: depth + promptTokens + generateTokens + 16, threads: threads, kvType: kvType)
            self.depth = depth
            self.promptTokens = promptTokens
            self.generateTokens = generateTokens
            try Benchmark.fill(session, depth: depth)
        }

        /// (prefill, decode) tokens per second of one round.
        public func round() throws -> (prefill: Double, decode: Double) {
            let r = try Benchmark.timedRound(session, promptTokens: promptTokens, generateTokens: generateTokens, from: depth)
            return (r.0, r.1)
        }
    }
}
