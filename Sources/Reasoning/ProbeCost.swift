import Engine
import Tokenizer

/// What live answer probes cost: the same run (greedy, thinking held to exactly `thinking` tokens)
/// without and with probes every `every` tokens, in alternating rounds; the median of the rounds'
/// time ratios. The run's own tokens must be the same both ways (probes never change the run).
public struct ProbeCost: Sendable, Equatable {
    public var rounds = 0
    public var probes = 0
    /// Median seconds of a run without and with probes.
    public var plain = 0.0
    public var probed = 0.0
    /// Median of (with / without) - 1 over the rounds.
    public var extra = 0.0
    /// Every round's run tokens were identical with and without probes.
    public var identical = true

    /// - Parameter makeModel: a fresh model state for each run.
    public static func measure(makeModel: () -> LanguageModel, chat: ChatFormat, prompt: [TokenID], thinking: Int,
                               every: Int, answerTokens: Int = 48, rounds: Int = 3) -> ProbeCost {
        var settings = GenerationSettings()
        settings.policy = Minimum.exact(thinking)
        settings.sampling = .greedy
        settings.maxTokens = thinking + 96
        var probing = settings
        probing.probe = ProbeSettings(every: every, maxAnswerTokens: answerTokens)
        // Start inside thinking (a random-weight model never opens it itself).
        let prompt = chat.openingThinking(prompt)
        func run(_ s: GenerationSettings) -> (Double, [Int], Int) {
            var ids: [Int] = [], probes = 0
            let start = monotonicSeconds()
            Generator(model: makeModel(), chat: chat, settings: s).run(prompt: prompt) { e in
                if case .token(let t) = e { ids.append(t.id) }
                if case .probe(let p) = e, p.finalAnswerProbability == nil { probes += 1 }
            }
            return (monotonicSeconds() - start, ids, probes)
        }
        _ = run(settings)  // warm-up
        var c = ProbeCost(rounds: max(1, rounds))
        var ratios: [Double] = [], plain: [Double] = [], probed: [Double] = []
        for r in 0..<c.rounds {
            // Alternate which goes first, so a trend in machine load favours neither.
            let first = run(r % 2 == 0 ? settings : probing), second = run(r % 2 == 0 ? probing : settings)
            let (a, b) = r % 2 == 0 ? (first, second) : (second, first)
            plain.append(a.0)
            probed.append(b.0)
            ratios.append(b.0 / max(a.0, 1e-9))
            c.probes = b.2
            if a.1 != b.1 { c.identical = false }
        }
        c.plain = Benchmark.median(plain)
        c.probed = Benchmark.median(probed)
        c.extra = Benchmark.median(ratios) - 1
        return c
    }
}
