import Foundation
import Tokenizer

/// Answer probes for a finished run (a recorded trace, or the inspector's last run): the model
/// reads the prompt and the run's tokens once, then each probe point is a fork of that state that
/// ends thinking and answers greedily, several points at a time in shared forward passes. Also
/// scores the final answer at any point and finds the pivot. The results equal the live probes'.
public final class TraceProber {
    public let model: LanguageModel
    public let chat: ChatFormat
    public let tokens: [TokenEvent]
    public let endStyle: EndStyle
    public let rule: AnswerRule?
    /// Model position of the run's first token.
    public let replyStart: Int
    /// The final answer's scorer (nil when the run has no answer to score).
    public let scorer: AnswerScorer?

    /// Feeds `prompt` and the run's tokens to `model` (which must be fresh, or hold exactly the
    /// prompt and the run already: `alreadyRead`; a recorded run whose mask changed must be read
    /// with `reread`).
    public init(model: LanguageModel, chat: ChatFormat, prompt: [Int], tokens: [TokenEvent], endStyle: EndStyle,
                rule: AnswerRule? = nil, alreadyRead: Bool = false) throws {
        self.model = model
        self.chat = chat
        self.tokens = tokens
        self.endStyle = endStyle
        self.rule = rule
        if !alreadyRead {
            try model.evaluate(prompt + tokens.map(\.id))
        }
        replyStart = model.position - tokens.count
        scorer = AnswerScorer(model: model, replyStart: replyStart, tokens: tokens, chat: chat, endStyle: endStyle, rule: rule)
    }

    /// (thinking tokens so far, trace index) at every `every` thinking tokens, where a cap would
    /// cut (at a whole UTF-8 character), as the live probes choose them.
    public func points(every: Int) -> [(thinking: Int, index: Int)] {
        let every = max(1, every)
        var decoder = chat.tokenizer.streamingDecoder()
        var thinking = 0, nextAt = every, open = false
        var out: [(Int, Int)] = []
        for (i, t) in tokens.enumerated() {
            // The run decides between steps, and an injected sequence is one step.
            let betweenSteps = !(i > 0 && tokens[i - 1].origin == .injected && t.origin == .injected)
            if open && betweenSteps && thinking >= nextAt && decoder.pendingByteCount == 0 {
                out.append((thinking, i))
                nextAt = (thinking / every + 1) * every
            }
            if t.phase == .answer || t.id == chat.thinkEnd.map(Int.init) { break }
            guard t.phase == .thinking else { continue }
            open = true
            if t.id == chat.thinkStart.map(Int.init) { continue }
            _ = decoder.append(TokenID(t.id))
            thinking += 1
        }
        return out
    }

    /// Probes at `points`, `concurrent` at a time (each holds a copy of its prefix), with the final
    /// answer's probability where it is known. `onProbe` hears each as it is done.
    public func probe(_ points: [(thinking: Int, index: Int)], maxAnswerTokens: Int = 48, concurrent: Int = 8,
                      onProbe: (Probe) -> Void = { _ in }) -> [Probe] {
        guard let end = chat.forcedEnd(endStyle) else { return [] }
        var results: [Probe] = []
        var queue = points[...]
        var active: [ProbeDecoder] = []
        while !queue.isEmpty || !active.isEmpty {
            while active.count < max(1, concurrent), let p = queue.popFirst() {
                active.append(ProbeDecoder(model: model.fork(at: replyStart + p.index), thinkingTokens: p.thinking,
                                           tokenIndex: p.index, end: end, chat: chat, limit: maxAnswerTokens))
            }
            _ = ProbeDecoder.stepAll(active)
            for d in active where d.done {
                var probe = d.result(rule: rule)
                probe.finalAnswerProbability = try? scorer?.probability(at: d.tokenIndex)
                results.append(probe)
                onProbe(probe)
            }
            active.removeAll { $0.done }
        }
        return results.sorted { $0.tokenIndex < $1.tokenIndex }
    }

    /// The pivot of the final answer, searched from the given probe points (plus the start and the
    /// end of thinking).
    public func pivot(probes: [Probe]) throws -> Pivot? {
        guard let scorer else { return nil }
        let first = tokens.firstIndex { $0.phase == .thinking && $0.origin == .sampled && $0.id != chat.thinkStart.map(Int.init) }
            ?? 0
        var points: [(index: Int, p: Double)] = []
        for i in Set([first, scorer.thinkingEnd] + probes.map(\.tokenIndex)).sorted() where i >= first && i <= scorer.thinkingEnd {
            if let known = probes.first(where: { $0.tokenIndex == i })?.finalAnswerProbability {
                points.append((i, known))
            } else {
                points.append((i, try scorer.probability(at: i)))
            }
        }
        return try Pivot.search(points: points, answer: scorer.answer) { try scorer.probability(at: $0) }
    }
}
