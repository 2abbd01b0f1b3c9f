import ArgumentParser
import Foundation
import Reasoning
import Tokenizer

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Answer probes of a recorded trace: what the model would have answered had thinking stopped every K tokens.",
        discussion: """
        Without --model, prints the probes recorded in the trace (run --probe-every K --trace FILE). With --model,
        computes them (the same answers the live probes give), scores the final answer at every point and finds the
        pivot: the token where P(final answer | stop here) rises most.
        """
    )

    @Argument(help: "A trace file (JSON Lines).") var trace: String
    @Option(help: "GGUF model file to compute probes with (the model that made the trace).") var model: String?
    @Option(help: "A probe every K thinking tokens (with --model; default: the trace's, else 32).") var every: Int?
    @Option(help: "Answer tokens a probe decodes at most.") var answerTokens: Int = 48
    @Option(name: .customShort("t"), help: "Threads (default: all cores).") var threads: Int?
    @Flag(help: "One JSON object per probe point (then one summary object).") var json = false

    func validate() throws {
        if let k = every, k < 1 { throw ValidationError("--every must be at least 1") }
        guard answerTokens >= 1 else { throw ValidationError("--answer-tokens must be at least 1") }
        if every != nil && model == nil { throw ValidationError("--every needs --model (probes are computed with the model)") }
    }

    func run() throws {
        let recorded: Trace
        do { recorded = try Trace(path: trace) } catch { throw CLIError("\(error)") }
        let tokens = recorded.events.compactMap { if case .token(let t) = $0 { t } else { nil } }
        var probes: [Probe]
        var pivot: Pivot?
        if let model {
            let loaded = try LoadedModel(path: model, context: recorded.header.promptTokens.count + tokens.count + 256, threads: threads)
            if loaded.file.headerFingerprint != recorded.header.model.headerHash {
                err("warning: \(model) is not the model that recorded \(trace) (\(recorded.header.model.file)); probes may mean little\n")
            }
            let style = EndStyle(rawValue: recorded.header.settings.endStyle) ?? .qwen
            let prober = try TraceProber(model: loaded.languageModel(rereading: trace, recorded, through: tokens.count),
                                         chat: loaded.chat, prompt: recorded.header.promptTokens, tokens: tokens, endStyle: style,
                                         alreadyRead: true)
            let k = every ?? recorded.header.settings.probeEvery ?? 32
            probes = prober.probe(prober.points(every: k), maxAnswerTokens: answerTokens)
            pivot = try prober.pivot(probes: probes)
        } else {
            probes = recorded.events.latestProbes
            if probes.isEmpty {
                throw CLIError("\(trace) has no probes; record with run --probe-every K, or compute them with --model")
            }
        }
        let thinkingText = tokens.filter { $0.phase == .thinking }.map(\.text).joined()
        let thinkingCount = recorded.footer?.stats.thinkingTokens ?? tokens.count { $0.phase == .thinking }
        let summary = ThinkingSummary(thinking: thinkingText, thinkingTokens: thinkingCount, probes: probes,
                                      markers: shippedThinkingMarkers())
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for p in probes { out(String(decoding: try enc.encode(p), as: UTF8.self) + "\n") }
            var obj: [String: Any] = ["type": "summary", "probes": probes.count, "thinking_tokens": thinkingCount,
                                      "hesitations": summary.hesitations, "switches": summary.switches]
            if let w = summary.wastedTail { obj["wasted_tail"] = w }
            if let s = summary.settledAt { obj["settled_at"] = s }
            if let pivot {
                obj["pivot"] = ["token_index": pivot.tokenIndex, "before": pivot.before, "after": pivot.after,
                                "answer": pivot.answer, "token": tokens.indices.contains(pivot.tokenIndex) ? tokens[pivot.tokenIndex].text : ""]
            }
            out(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + "\n")
        } else {
            out(ProbeTable.text(probes))
            out(ProbeTable.summaryLine(summary, thinkingTokens: thinkingCount) + "\n")
            if let pivot {
                let token = tokens.indices.contains(pivot.tokenIndex) ? tokens[pivot.tokenIndex].text : ""
                out("pivot: " + pivot.summary(token: token) + " (token \(pivot.tokenIndex))\n")
            }
        }
    }
}

/// Plain-text renderings of probes, shared by `run` and `probe`.
enum ProbeTable {
    static func text(_ probes: [Probe]) -> String {
        var s = "probe  thinking  answer                          mean logp  P(final)\n"
        for p in probes {
            let answer = DisplayText.sanitize(p.answer ?? "—").prefix(30)
            let final = p.finalAnswerProbability.map { String(format: "%.3f", $0) } ?? "—"
            s += String(format: "%5d  %8d  %@  %9.3f  %@\n", p.tokenIndex, p.thinkingTokens,
                        String(answer).padding(toLength: 30, withPad: " ", startingAt: 0), p.meanLogProbability, final)
        }
        return s
    }

    static func summaryLine(_ s: ThinkingSummary, thinkingTokens: Int) -> String {
        let tail = s.wastedTail.map { "\($0) of \(thinkingTokens) thinking tokens after the answer settled" } ?? "no probes"
        return "\(tail); \(s.hesitations) hesitations, \(s.switches) thought switches"
    }

}
