import Foundation
import Tokenizer

/// One sentence of a run's thinking, at token granularity.
public struct ThinkingSentence: Sendable, Equatable, Codable {
    public var index: Int
    /// Index of its first token in the run's tokens.
    public var firstToken: Int
    public var tokenCount: Int
    public var text: String

    /// The thinking of `tokens` split into sentences as Thought Anchors splits a chain of thought
    /// (`split_solution_into_chunks`): after `.`, `?` or `!` followed by a space or a newline, and at
    /// a blank line; a piece shorter than 10 characters joins the next. Boundaries fall between
    /// tokens (a token that holds the end of one sentence and the start of the next stays whole).
    /// Injected text and the think delimiters belong to no sentence.
    public static func split(_ tokens: [TokenEvent]) -> [ThinkingSentence] {
        var pieces: [(first: Int, count: Int, text: String)] = []
        var current: (first: Int, count: Int, text: String)?
        func close() {
            if let c = current, !c.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { pieces.append(c) }
            current = nil
        }
        for (i, t) in tokens.enumerated() {
            guard t.phase == .thinking, t.origin == .sampled, !t.text.isEmpty else {
                if t.phase != .thinking || t.origin == .injected { close() }
                continue
            }
            if current == nil { current = (i, 0, "") }
            current!.count = i - current!.first + 1
            current!.text += t.text
            let next = i + 1 < tokens.count ? tokens[i + 1].text : "\n"
            if endsSentence(current!.text, next: next) { close() }
        }
        close()
        // Short pieces join the next one (the last joins the one before).
        var merged: [(first: Int, count: Int, text: String)] = []
        var carry: (first: Int, count: Int, text: String)?
        for p in pieces {
            var q = p
            if let c = carry {
                q = (c.first, p.first + p.count - c.first, c.text + p.text)
                carry = nil
            }
            if q.text.trimmingCharacters(in: .whitespacesAndNewlines).count < 10 { carry = q } else { merged.append(q) }
        }
        if let c = carry {
            if let last = merged.popLast() { merged.append((last.first, c.first + c.count - last.first, last.text + c.text)) } else { merged.append(c) }
        }
        return merged.enumerated().map { ThinkingSentence(index: $0, firstToken: $1.first, tokenCount: $1.count, text: $1.text) }
    }

    static func endsSentence(_ text: String, next: String) -> Bool {
        if text.hasSuffix("\n\n") { return true }
        let trimmed = text.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let last = trimmed.first, ".?!".contains(last) else { return false }
        let endsWithSpace = text.last.map { $0 == " " || $0.isNewline } ?? false
        return endsWithSpace || next.first.map { $0 == " " || $0.isNewline } ?? true
    }
}

/// How much the run's answer depends on one sentence (counterfactual resampling, as Thought
/// Anchors measures it): answers of K continuations resampled from the sentence's start (the
/// sentence regenerated) against K resampled from the next sentence's start (the sentence kept).
public struct SentenceImportance: Sendable, Equatable, Codable {
    public var sentence: ThinkingSentence
    /// Answers (count each) when resampled from this sentence's start: the sentence is replaced.
    public var resampled: [String: Int]
    /// Answers when resampled from the next sentence's start (the end of thinking for the last).
    public var kept: [String: Int]
    /// KL(kept ‖ resampled) over the answers seen, Laplace-smoothed (add one to every count).
    public var kl: Double
    /// P(reference answer | kept) − P(reference answer | resampled): how much keeping the sentence
    /// raises the reference answer (accuracy, when the reference is the correct answer).
    public var shift: Double

    /// "—" stands for a continuation that gave no answer.
    static let noAnswer = "—"

    init(sentence: ThinkingSentence, resampled: [String: Int], kept: [String: Int], reference: String?) {
        self.sentence = sentence
        self.resampled = resampled
        self.kept = kept
        let answers = Set(resampled.keys).union(kept.keys)
        let nk = Double(kept.values.reduce(0, +) + answers.count), nr = Double(resampled.values.reduce(0, +) + answers.count)
        kl = answers.reduce(0) { sum, a in
            let p = Double((kept[a] ?? 0) + 1) / nk, q = Double((resampled[a] ?? 0) + 1) / nr
            return sum + p * log(p / q)
        }
        func share(_ d: [String: Int]) -> Double {
            let n = d.values.reduce(0, +)
            guard n > 0, let r = reference else { return 0 }
            return Double(d[r] ?? 0) / Double(n)
        }
        shift = share(kept) - share(resampled)
    }
}

/// Sentence importance for a whole run: every sentence start (and the end of thinking) is
/// resampled K times, all continuations stepping together in shared forward passes, at most
/// `maxInFlight` at a time (each holds a copy of its prefix).
public struct AnchorFinder {
    public var chat: ChatFormat
    /// The run's settings (budget policy, end style, token limit, sampling); probes are not run.
    public var settings: GenerationSettings
    /// The rendered prompt the run read.
    public var prompt: [Int]
    public var samples: Int
    public var maxInFlight: Int
    public var rule: AnswerRule?
    public var seed: UInt64

    public init(chat: ChatFormat, settings: GenerationSettings, prompt: [Int], samples: Int = 4, maxInFlight: Int = 16,
                rule: AnswerRule? = nil, seed: UInt64 = 1) {
        self.chat = chat
        self.settings = settings
        self.settings.probe = nil
        self.prompt = prompt
        self.samples = max(1, samples)
        self.maxInFlight = max(1, maxInFlight)
        self.rule = rule
        self.seed = seed
    }

    /// Continuations this analysis runs for `sentences` sentences.
    public func runCount(sentences: Int) -> Int { sentences == 0 ? 0 : (sentences + 1) * samples }

    /// - Parameters:
    ///   - model: holds the prompt and then at least the run's thinking (it is only forked).
    ///   - tokens: the run's tokens.
    ///   - reference: the answer `shift` measures (the correct one when known; default: the run's).
    ///   - progress: continuations done, of `runCount`.
    public func analyse(model: LanguageModel, tokens: [TokenEvent], reference: String? = nil,
                        control: ReasoningControl = ReasoningControl(),
                        progress: (Int, Int) -> Void = { _, _ in }) throws -> [SentenceImportance] {
        let sentences = ThinkingSentence.split(tokens)
        guard !sentences.isEmpty else { return [] }
        let reference = reference ?? Probe.extractAnswer(tokens.filter { $0.phase == .answer }.map(\.text).joined(), rule: rule)
        // Fork points: each sentence's start, then the end of its thinking (the last sentence kept).
        let last = sentences.last!
        let points = sentences.map(\.firstToken) + [last.firstToken + last.tokenCount]
        guard model.position >= prompt.count + points.last! else {
            throw BranchError.modelPosition(expected: prompt.count + points.last!, found: model.position)
        }
        let generator = Generator(model: model, chat: chat, settings: settings)
        var jobs: [(point: Int, seed: UInt64)] = []
        for p in points.indices {
            for k in 0..<samples { jobs.append((p, seed &+ UInt64(p * samples + k + 1) &* 0x9E37_79B9_7F4A_7C15)) }
        }
        var answers = Array(repeating: [String: Int](), count: points.count)
        var active: [(point: Int, run: GenerationRun, tokens: TokenCollector)] = []
        var next = 0, done = 0
        let total = jobs.count
        progress(0, total)
        while done < total {
            while active.count < maxInFlight && next < jobs.count {
                let (p, s) = jobs[next]
                next += 1
                let collector = TokenCollector()
                let at = points[p]
                let fork = try model.fork(at: prompt.count + at, lastToken: at > 0 ? tokens[at - 1].id : prompt.last ?? 0)
                let run = try GenerationRun.resuming(generator, model: fork, prompt: prompt,
                                                     prefix: Array(tokens[..<points[p]]), seed: s, control: control) { collector.take($0) }
                active.append((p, run, collector))
            }
            GenerationRun.stepTogether(active.map(\.run))
            for a in active where a.run.finished != nil {
                // A stopped continuation (the user stopped the analysis) counts for nothing.
                if a.run.finished != .stopped {
                    let text = a.tokens.tokens.filter { $0.phase == .answer }.map(\.text).joined()
                    answers[a.point][Probe.extractAnswer(text, rule: rule) ?? SentenceImportance.noAnswer, default: 0] += 1
                }
                done += 1
                progress(done, total)
            }
            active.removeAll { $0.run.finished != nil }
        }
        return sentences.map { s in
            SentenceImportance(sentence: s, resampled: answers[s.index], kept: answers[s.index + 1], reference: reference)
        }
    }
}
