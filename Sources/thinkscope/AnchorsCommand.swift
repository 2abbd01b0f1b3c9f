import ArgumentParser
import Foundation
import Reasoning
import Tokenizer

struct AnchorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anchors",
        abstract: "Sentence importance (thought anchors) of a recorded trace: which thinking sentences its answer depends on.",
        discussion: """
        Each thinking sentence is resampled K times from its start (the sentence regenerated) and compared with K
        continuations resampled from the next sentence's start (the sentence kept): KL between the two answer
        distributions, and the shift in P(reference answer) (--expected, else the trace's own answer). All
        continuations run under the trace's settings and step together in shared forward passes.
        """
    )

    @Argument(help: "A trace file (JSON Lines).") var trace: String
    @Option(help: "GGUF model file (the model that made the trace).") var model: String
    @Option(help: "Continuations per sentence start (K).") var samples: Int = 4
    @Option(help: "The correct answer, when known (default: the trace's answer).") var expected: String?
    @Option(help: "Continuations in flight at most (each holds a copy of its prefix).") var inFlight: Int = 16
    @Option(help: "Seed of the resamples.") var seed: UInt64 = 1
    @Option(help: "Sentences listed (text output).") var top: Int = 5
    @Option(name: .customShort("t"), help: "Threads (default: all cores).") var threads: Int?
    @Flag(help: "One JSON object per sentence (in order), then one summary object.") var json = false

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
    }

    func run() throws {
        let recorded: Trace
        do { recorded = try Trace(path: trace) } catch { throw CLIError("\(error)") }
        for p in recorded.problems { err("warning: \(p)\n") }
        let tokens = recorded.events.compactMap { if case .token(let t) = $0 { t } else { nil } }
        let settings = recorded.header.settings.generationSettings
        let context = recorded.header.promptTokens.count + tokens.count + settings.maxTokens + 16
        let loaded = try LoadedModel(path: model, context: context, threads: threads)
        if loaded.file.headerFingerprint != recorded.header.model.headerHash {
            err("warning: \(model) is not the model that recorded \(trace) (\(recorded.header.model.file))\n")
        }
        let thinkingEnd = tokens.firstIndex { $0.phase == .answer } ?? tokens.count
        let lm = try loaded.languageModel(rereading: trace, recorded, through: thinkingEnd)
        let prompt = recorded.header.promptTokens
        let finder = AnchorFinder(chat: loaded.chat, settings: settings, prompt: prompt, samples: samples,
                                  maxInFlight: inFlight, seed: seed)
        let interactive = isatty(2) != 0 && !json
        let t0 = Date()
        let result = try finder.analyse(model: lm, tokens: tokens, reference: expected) { done, total in
            if interactive { err("\r\(done)/\(total) continuations") }
        }
        if interactive { err("\n") }
        let seconds = Date().timeIntervalSince(t0)
        let reference = expected ?? Probe.extractAnswer(tokens.filter { $0.phase == .answer }.map(\.text).joined())
        let thinking = tokens.count { $0.phase == .thinking && !$0.text.isEmpty }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for r in result { out(String(decoding: try enc.encode(r), as: UTF8.self) + "\n") }
            var obj: [String: Any] = ["type": "summary", "sentences": result.count, "samples": samples,
                                      "continuations": finder.runCount(sentences: result.count), "thinking_tokens": thinking,
                                      "seconds": (seconds * 100).rounded() / 100]
            if let reference { obj["reference"] = reference }
            out(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + "\n")
            return
        }
        out("\(result.count) sentences, \(thinking) thinking tokens, K=\(samples): \(finder.runCount(sentences: result.count)) continuations in \(String(format: "%.1f", seconds)) s; reference answer \(reference.map { DisplayText.sanitize($0) } ?? "—")\n")
        out("  #   KL     shift  sentence                                                  resampled → kept\n")
        for r in result.sorted(by: { ($0.kl, -$0.sentence.index) > ($1.kl, -$1.sentence.index) }).prefix(top) {
            let text = DisplayText.sanitize(r.sentence.text).replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            let dist = "\(Self.format(r.resampled)) → \(Self.format(r.kept))"
            out(String(format: "%3d  %5.2f  %+5.2f  ", r.sentence.index, r.kl, r.shift)
                + String(text.prefix(56)).padding(toLength: 58, withPad: " ", startingAt: 0) + dist + "\n")
        }
    }

    static func format(_ d: [String: Int]) -> String {
        d.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\(DisplayText.sanitize($0.key))×\($0.value)" }.joined(separator: " ")
    }
}
