import Foundation
import Tokenizer

/// Teacher-forced P(final answer | thinking stops after trace token i): the run's model is forked at
/// that point, the end of thinking goes in (the end style a probe uses), then the run's answer up to
/// the final answer ("The answer is "), then the final answer's own tokens ("8777"), whose
/// log-probabilities add up. One prefill per point, no decoding, and only the answer's rows go
/// through the output projection.
public struct AnswerScorer {
    public let model: LanguageModel
    /// Model position of trace token 0.
    public let replyStart: Int
    /// The end of thinking, as a probe inserts it.
    public let end: [Int]
    /// The run's answer before the final answer (forced, not scored).
    public let lead: [Int]
    /// The final answer's tokens: from the one where the extracted answer starts through the one
    /// that completes it (its first occurrence in the run's answer).
    public let target: [Int]
    /// The extracted final answer.
    public let answer: String
    /// Index of the first trace token after thinking (points past it are not thinking).
    public let thinkingEnd: Int

    /// nil when the run has no answer to score (no end of thinking, or nothing extractable).
    /// `model` must still hold the run's state (it is only forked, never fed).
    public init?(model: LanguageModel, replyStart: Int, tokens: [TokenEvent], chat: ChatFormat, endStyle: EndStyle,
                 rule: AnswerRule?) {
        guard let thinkEnd = chat.thinkEnd.map(Int.init), let end = chat.forcedEnd(endStyle),
              let close = tokens.firstIndex(where: { $0.id == thinkEnd }) else { return nil }
        let answerTokens = tokens[(close + 1)...].filter { $0.phase == .answer }
            .drop { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        let text = answerTokens.map(\.text).joined()
        guard let extracted = Probe.extractAnswer(text, rule: rule), !extracted.isEmpty else { return nil }
        var ids: [Int] = [], ends: [Int] = [], seen = ""
        for t in answerTokens.prefix(64) {
            ids.append(t.id)
            seen += t.text
            ends.append(seen.count)
            if seen.contains(extracted) { break }
        }
        guard let found = seen.range(of: extracted) else { return nil }
        let start = seen.distance(from: seen.startIndex, to: found.lowerBound)
        let split = ends.firstIndex { $0 > start } ?? 0
        self.model = model
        self.replyStart = replyStart
        self.end = end
        lead = Array(ids[..<split])
        target = Array(ids[split...])
        answer = extracted
        // The thinking region: after `<think>` (if the reply opened it) up to the end delimiter.
        thinkingEnd = tokens[..<close].lastIndex { $0.phase == .thinking && $0.origin == .sampled } .map { $0 + 1 } ?? close
    }

    /// P(target) from an answer decoded after the same end of thinking (a probe's, with each
    /// token's log-probability): known without a pass when that answer begins with `lead` and
    /// `target`, nil otherwise.
    public func probability(decoded ids: [Int], logProbabilities: [Double]) -> Double? {
        let forced = lead + target
        guard ids.count >= forced.count, logProbabilities.count == ids.count,
              ids.starts(with: forced) else { return nil }
        return exp(logProbabilities[lead.count..<forced.count].reduce(0, +))
    }

    /// P(target | the run's first `index` tokens, then the end of thinking).
    public func probability(at index: Int) throws -> Double {
        try probability(of: model.fork(at: replyStart + index), reading: end)
    }

    /// The same from `probe`, the model of the probe at that point (it has read the end of
    /// thinking there): forked before the end's last token, so only that token, `lead` and the
    /// target are read, not the whole end again.
    public func probability(probe: LanguageModel, at index: Int) throws -> Double {
        let resume = replyStart + index + end.count - 1
        guard let last = end.last, probe.position > resume else { return try probability(at: index) }
        return try probability(of: probe.fork(at: resume), reading: [last])
    }

    private func probability(of fork: LanguageModel, reading prefix: [Int]) throws -> Double {
        exp(try fork.score(prefix + lead + target, from: prefix.count + lead.count).reduce(0, +))
    }
}

/// Where the final answer formed: the token whose reading raised P(final answer | stop here) most.
public struct Pivot: Sendable, Codable, Equatable {
    /// Trace index of that token.
    public var tokenIndex: Int
    /// P before and after it.
    public var before: Double
    public var after: Double
    public var answer: String

    public init(tokenIndex: Int, before: Double, after: Double, answer: String) {
        self.tokenIndex = tokenIndex
        self.before = before
        self.after = after
        self.answer = answer
    }

    /// `P(8777) .18 → .81 at " carry"`, with `token` the pivot token's text.
    public func summary(token: String) -> String {
        func f(_ x: Double) -> String { x >= 0.995 ? "1.0" : String(format: ".%02d", Int((x * 100).rounded())) }
        return "P(\(DisplayText.sanitize(answer))) \(f(before)) → \(f(after)) at \(DisplayText.sanitize(token).debugDescription)"
    }

    /// Searches between known points (trace index, P) without scoring every token: the adjacent
    /// pair with the largest rise is bisected, each time keeping the half that rises more, until
    /// one token is left (about log2(gap) scorings). nil when P never rises.
    public static func search(points: [(index: Int, p: Double)], answer: String,
                              score: (Int) throws -> Double) rethrows -> Pivot? {
        let known = points.sorted { $0.index < $1.index }
        guard known.count >= 2 else { return nil }
        var best = 0
        for i in 1..<(known.count - 1) where known[i + 1].p - known[i].p > known[best + 1].p - known[best].p { best = i }
        var (a, b) = (known[best], known[best + 1])
        guard b.p > a.p else { return nil }
        while b.index - a.index > 1 {
            let m = (a.index + b.index) / 2
            let pm = try score(m)
            if pm - a.p >= b.p - pm { b = (m, pm) } else { a = (m, pm) }
        }
        return Pivot(tokenIndex: a.index, before: a.p, after: b.p, answer: answer)
    }
}
