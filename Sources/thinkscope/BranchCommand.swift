import ArgumentParser
import Foundation
import Engine
import Reasoning
import Tokenizer

struct BranchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "branch",
        abstract: "Branch a recorded trace at a token: force an alternative, resample K times, or edit the text from there.",
        discussion: """
        The model reads the trace's prompt and its tokens before --at, then each branch continues to the end of its
        answer under the trace's settings; K resamples step together in shared forward passes. --timing also runs one
        continuation alone and prints the wall-time ratio.
        """
    )

    @Argument(help: "A trace file (JSON Lines).") var trace: String
    @Option(help: "GGUF model file (the model that made the trace).") var model: String
    @Option(help: "Fork before this token (its index in the trace).") var at: Int
    @Option(help: "Resample K continuations from the token (default when no other intervention is given: 4).") var resample: Int?
    @Option(help: "Force this token id at --at.") var alternative: Int?
    @Option(help: "Replace the text from --at with this text (off-policy).") var edit: String?
    @Option(help: "Seed of the resamples.") var seed: UInt64 = 1
    @Option(help: "Expert mask for the branches (LAYER:EXPERT,…, as --mask of run): the prefix is read with the mask the trace was recorded with, if any.")
    var mask: String?
    @Flag(help: "Also run each branch alone, and print the batch's wall time against one continuation's (their mean).") var timing = false
    @Option(name: .customShort("t"), help: "Threads (default: all cores).") var threads: Int?
    @Flag(help: "One JSON object per branch (a `branch` trace line), then a summary.") var json = false

    func validate() throws {
        if let k = resample, k < 1 { throw ValidationError("--resample must be at least 1") }
        if [resample != nil, alternative != nil, edit != nil].count(where: { $0 }) > 1 {
            throw ValidationError("give one of --resample, --alternative, --edit")
        }
        if let e = edit, e.isEmpty { throw ValidationError("--edit needs some text") }
        guard at >= 0 else { throw ValidationError("--at must be 0 or more") }
    }

    func run() throws {
        let recorded: Trace
        do { recorded = try Trace(path: trace) } catch { throw CLIError("\(error)") }
        let tokens = recorded.events.compactMap { if case .token(let t) = $0 { t } else { nil } }
        guard at <= tokens.count else { throw CLIError("--at \(at) is beyond the trace's \(tokens.count) tokens") }
        let settings = recorded.header.settings.generationSettings
        let prompt = recorded.header.promptTokens
        let loaded = try LoadedModel(path: model, context: prompt.count + tokens.count + settings.maxTokens + 16, threads: threads)
        if loaded.file.headerFingerprint != recorded.header.model.headerHash {
            err("warning: \(model) is not the model that recorded \(trace) (\(recorded.header.model.file))\n")
        }
        let lm = try loaded.languageModel(rereading: trace, recorded, through: at)
        if let mask {
            guard case .success(let m) = ExpertMask.parse(mask) else { throw CLIError("--mask: '\(mask)' is not LAYER:EXPERT,…") }
            let c = loaded.model.config
            if let why = m.problem(layers: c.layerCount, experts: c.expertCount, used: c.expertUsedCount) { throw CLIError("--mask: \(why)") }
            lm.expertMask = m  // every branch forks from here and keeps it
        }
        let interventions: [Intervention]
        if let a = alternative {
            guard a >= 0 && a < lm.vocabularySize else { throw CLIError("--alternative \(a) is not a token id of this model") }
            interventions = [.alternative(token: a, text: loaded.chat.tokenizer.decode([TokenID(a)]))]
        } else if let e = edit {
            interventions = [.edit(text: e)]
        } else {
            interventions = BranchRunner.resamples(base: seed, count: resample ?? 4)
        }
        let runner = BranchRunner(chat: loaded.chat, settings: settings, prompt: prompt)
        let t0 = Date()
        let outcomes = try runner.run(from: lm, path: tokens, at: at, interventions: interventions)
        let seconds = Date().timeIntervalSince(t0)
        // Each branch alone (the same tokens: one sequence per pass decodes the same bits as in a batch
        // only up to rounding, so lengths may differ slightly); one continuation = their mean.
        var single: Double?
        if timing {
            var total = 0.0
            for i in interventions {
                let t1 = Date()
                _ = try runner.run(from: lm, path: tokens, at: at, interventions: [i])
                total += Date().timeIntervalSince(t1)
            }
            single = total / Double(interventions.count)
        }
        var tree = BranchTree(run: tokens, reason: recorded.footer?.reason, stats: recorded.footer?.stats ?? GenerationStats())
        let ids = interventions.count > 1 ? tree.addGroup(parent: 0, at: at, interventions: interventions)
                                          : [tree.add(parent: 0, at: at, intervention: interventions[0])]
        for (id, o) in zip(ids, outcomes) { tree.finish(id, tokens: o.tokens, reason: o.reason, stats: o.stats) }
        let generated = outcomes.map(\.tokens.count).reduce(0, +)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for id in ids { out(String(decoding: try enc.encode(tree[id]), as: UTF8.self) + "\n") }
            var obj: [String: Any] = ["type": "summary", "branches": ids.count, "tokens": generated,
                                      "seconds": (seconds * 1000).rounded() / 1000]
            if let single { obj["single_seconds"] = (single * 1000).rounded() / 1000 }
            out(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + "\n")
            return
        }
        let original = tree.root.answer.map { DisplayText.sanitize($0) } ?? "—"
        out("fork at token \(at) (\(Format.token(tokens, at))); the trace answered \(original)\n")
        for id in ids {
            let n = tree[id]
            out("#\(id) \(DisplayText.sanitize(n.intervention.label)): \(n.answer.map { DisplayText.sanitize($0) } ?? "—")  "
                + "(think \(n.thinkingTokens), answer \(n.answerTokens), \(n.reason?.rawValue ?? "—"))\n")
        }
        if let g = tree[ids[0]].group {
            out("answers: " + tree.histogram(group: g).map { "\(DisplayText.sanitize($0.answer))×\($0.count)" }.joined(separator: " ") + "\n")
        }
        out(String(format: "%d branches, %d tokens in %.2f s", ids.count, generated, seconds))
        if let single { out(String(format: "; one continuation alone %.2f s on average (%.2fx)", single, seconds / max(single, 1e-9))) }
        out("\n")
    }
}

enum Format {
    static func token(_ tokens: [TokenEvent], _ i: Int) -> String {
        tokens.indices.contains(i) ? DisplayText.sanitize(tokens[i].text).debugDescription : "the end"
    }
}
