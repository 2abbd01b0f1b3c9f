import ArgumentParser
import Foundation
import Reasoning
import Remote
import Tokenizer

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Accuracy against thinking budget over a task file, with s1's Control / Scaling / Performance.",
        discussion: """
        Modes: cap (budget forcing; all budgets of a problem share one thinking run, forked at each \
        budget), exact (s1 min+max forcing with "Wait"), no-think, prompt-token / prompt-step \
        (s1's token- and step-conditional prompts, no forcing), prompt-class (short and long prompts), \
        effort (gpt-oss reasoning effort low / medium / high, harmony models only). \
        Task files are JSON Lines: {"prompt": "...", "answer": "42", "extract": "last-number"} (docs/TASK_FORMAT.md). \
        Built-in sets (--builtin) are the demo model's task families, fresh held-out problems made from --seed: \
        demo (all families), arith (add, sub, mul, word), or one of add, sub, mul, compare, count, sort, word.
        """
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "Task file (JSON Lines).") var tasks: String?
    @Option(help: "Built-in task set: \(BuiltinTasks.setNames.joined(separator: ", ")).") var builtin: String?
    @Option(help: "Problems per task family of a built-in set.") var count: Int = 20
    @Option(help: "Comma-separated budgets; inf = unlimited.") var budgets: String = "0,16,32,64,128,inf"
    @Option(help: "Comma-separated modes.") var modes: String = "cap,no-think"
    @Option(help: "Samples per problem.") var samples: Int = 1
    @Option(help: "End style for forced ends: qwen or bare.") var endStyle: String = "qwen"
    @Option(help: "Generated tokens at most per run.") var maxTokens: Int = 1024
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Afterwards, time the cap sweeps against independent runs at each budget and check they match.")
    var timing = false
    @Option(help: ArgumentHelp("MoE: count each run's expert routing and write, as JSON, the experts that fire more often in correct runs than in wrong ones and the reverse (risk difference, as SteerMoE), with a --mask of the wrong runs' top experts.", valueName: "file"))
    var expertsJson: String?
    @Option(help: "With --server: problems sent at once (a sweep over a cluster should use the cluster; llama-server pins slots --slot … --slot+N-1, start it with -np N).")
    var parallel: Int = 1
    @Flag(help: "Print the table as JSON.") var json = false
    @Flag(help: "Print the table as CSV.") var csv = false

    func parsedBudgets() throws -> [Int?] {
        try budgets.split(separator: ",").map { part in
            let s = part.trimmingCharacters(in: .whitespaces)
            if s == "inf" || s == "unlimited" { return nil }
            guard let v = Int(s), v >= 0 else { throw ValidationError("--budgets: '\(s)' is not a budget (0 or more, or inf)") }
            return v
        }
    }

    func parsedModes() throws -> [SweepMode] {
        try modes.split(separator: ",").map { part in
            let s = part.trimmingCharacters(in: .whitespaces)
            guard let m = SweepMode(rawValue: s) else {
                throw ValidationError("--modes: unknown mode '\(s)'; expected \(SweepMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return m
        }
    }

    func validate() throws {
        guard (tasks == nil) != (builtin == nil) else { throw ValidationError("give exactly one of --tasks FILE and --builtin NAME") }
        if let b = builtin, BuiltinTasks.sets[b] == nil {
            throw ValidationError("--builtin: unknown set '\(b)'; expected \(BuiltinTasks.setNames.joined(separator: ", "))")
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        _ = try parsedBudgets()
        _ = try parsedModes()
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard EndStyle(rawValue: endStyle) != nil else { throw ValidationError("--end-style must be qwen or bare") }
        guard !(json && csv) else { throw ValidationError("give at most one of --json and --csv") }
        try sampling.check()
        try serverOptions.check()
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        if parallel > 1 && !serverOptions.remote {
            throw ValidationError("--parallel needs --server: in process the runs already share this machine's cores")
        }
        if serverOptions.remote && !serverOptions.api.tokenLevel {
            throw ValidationError("sweep --api \(serverOptions.api.rawValue): a sweep forces budgets and forks thinking, which needs a token-level API (llama, vllm, sglang); \(serverOptions.api.title) only streams text")
        }
    }

    func run() throws {
        let (chat, makeModel, ledger, loaded, workerModel) = try open()
        guard chat.thinking.supportsThinking else {
            throw CLIError("this model has no think tokens; a thinking-budget sweep needs a thinking model")
        }
        if try parsedModes().contains(.effort) && chat.template != .harmony {
            throw CLIError("--modes effort needs a gpt-oss (harmony) model; this one uses the \(chat.template.rawValue) chat format")
        }
        let problems: [SweepTask]
        if let path = tasks {
            let (loaded, malformed) = try TaskFile.load(path: path)
            for p in malformed { err("skipped \(p)\n") }
            guard !loaded.isEmpty else { throw CLIError("\(path): no usable tasks") }
            problems = loaded
        } else {
            // The problems come from --seed too (1 if not given), so a set is reproducible.
            problems = BuiltinTasks.make(set: builtin!, perFamily: count, seed: sampling.seed ?? 1)!
            let asked = count * BuiltinTasks.sets[builtin!]!.count
            if problems.count < asked {  // a family with few held-out problems (count: word x letter pairs)
                err("note: \(problems.count) of \(asked) problems: some families have fewer distinct held-out problems\n")
            }
        }
        var base = GenerationSettings()
        base.endStyle = EndStyle(rawValue: endStyle)!
        base.maxTokens = maxTokens
        var sweep = Sweep(chat: chat, makeModel: makeModel, base: base,
                          thinkingSampling: sampling.parameters(thinking: true),
                          answerOnlySampling: sampling.parameters(thinking: false),
                          budgets: try parsedBudgets(), modes: try parsedModes(), samples: samples)
        if expertsJson != nil {
            guard let loaded else { throw CLIError("--experts-json needs the model in process: a server does not report routing") }
            let c = loaded.model.config
            guard c.isMoE else { throw CLIError("--experts-json: \(loaded.file.path) is a dense model (no experts)") }
            sweep.experts = SweepExperts(layers: c.layerCount, experts: c.expertCount)
        }
        let progress = ProgressBar(total: sweep.runCount(tasks: problems.count))
        let table = sweep.run(problems, parallel: parallel, workerModel: workerModel) { progress.update($0) }
        progress.finish()
        let modeNames = table.map(\.mode).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let summaries = modeNames.map { m in SweepSummary(mode: m, cells: table.filter { $0.mode == m }) }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Report: Encodable { var cells: [SweepCell]; var summaries: [SweepSummary] }
            out(String(decoding: try enc.encode(Report(cells: table, summaries: summaries)), as: UTF8.self) + "\n")
        } else if csv {
            out("mode,budget,runs,accuracy,mean_thinking_tokens,control\n")
            for c in table {
                out("\(c.mode),\(c.budget.map(String.init) ?? "inf"),\(c.runs),\(c.accuracy),\(c.meanThinkingTokens),\(c.control)\n")
            }
        } else {
            out(SweepChart.render(cells: table, summaries: summaries))
        }
        if let path = expertsJson, let experts = sweep.experts {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let report = experts.report()
            do {
                try (String(decoding: try enc.encode(report), as: UTF8.self) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("--experts-json: cannot write \(path): \(error.localizedDescription)")
            }
            func list(_ f: [FoundExpert]) -> String {
                f.prefix(4).map { String(format: "L%d e%d %+.3f", $0.layer, $0.expert, $0.riskDifference) }.joined(separator: ", ")
            }
            err("experts (\(report.runs.correct) correct, \(report.runs.wrong) wrong runs) written to \(path)\n"
                + "  more in correct runs: " + (report.moreInCorrectRuns.isEmpty ? "none" : list(report.moreInCorrectRuns)) + "\n"
                + "  more in wrong runs:   " + (report.moreInWrongRuns.isEmpty ? "none" : list(report.moreInWrongRuns))
                + (report.maskWrong.isEmpty ? "" : "  (try --mask \(report.maskWrong))") + "\n")
        }
        if let ledger { err("[server: \(ledger.summary)]\n") }
        if timing {
            let t = SweepTiming.measure(sweep, tasks: problems)
            out(String(format: """

                timing over %d problems x %d budgets (cap):
                  shared-prefix sweeps   %8.2f s
                  independent runs       %8.2f s   (sweep / independent = %.2f)
                  one full run each      %8.2f s   (sweep / full run = %.2f)
                  identical to the independent run: %d of %d

                """, t.problems, t.budgets, t.shared, t.independent, t.sharedOverIndependent, t.fullRun,
                t.sharedOverFullRun, t.identical, t.problems * t.budgets))
        }
    }
}

extension SweepCommand {
    /// The chat format, a maker of fresh models (in process, or sessions on `--server` that share
    /// one cost ledger).
    /// The chat format and a model maker: a served model (with its cost ledger), or the file in process.
    private func open() throws -> (ChatFormat, () -> LanguageModel, SegmentLedger?, LoadedModel?, ((Int) -> LanguageModel)?) {
        if serverOptions.remote {
            let remote = try serverOptions.connect(model: modelOptions.model, chatFormat: modelOptions.chatFormat)
            err("[model on \(remote.where_)\(parallel > 1 ? ", \(parallel) problems at once" : "")]\n")
            if parallel > remote.slots && remote.api == .llama {
                err("note: the server has \(remote.slots) slot(s) for --parallel \(parallel): workers share slots (start it with -np \(parallel))\n")
            }
            let ledger = SegmentLedger()
            return (remote.chat, { remote.languageModel(ledger: ledger) }, ledger, nil,
                    { worker in remote.languageModel(ledger: ledger, worker: worker) })
        }
        let loaded = try modelOptions.load()
        return (loaded.chat, { loaded.languageModel() }, nil, loaded, nil)
    }
}

/// The sweep as text: per mode, accuracy bars against mean thinking tokens, then s1's metrics.
enum SweepChart {
    static func render(cells: [SweepCell], summaries: [SweepSummary]) -> String {
        var s = "mode          budget  runs  thinking  accuracy\n"
        for c in cells {
            let filled = Int((c.accuracy * 30).rounded())
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 30 - filled)
            s += c.mode.padding(toLength: 13, withPad: " ", startingAt: 0)
                + (c.budget.map(String.init) ?? "inf").leftPad(7) + String(c.runs).leftPad(6)
                + String(format: "%10.1f", c.meanThinkingTokens) + "  " + bar + String(format: " %5.1f%%", c.accuracy * 100) + "\n"
        }
        s += "\nmode          control  scaling (pts/100 tok)  performance\n"
        for m in summaries {
            s += m.mode.padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(format: "%7.0f%%", m.control * 100)
                + (m.scaling.map { String(format: "%23.2f", $0) } ?? "                      –")
                + String(format: "%12.1f%%", m.performance * 100) + "\n"
        }
        return s
    }
}

extension String {
    func leftPad(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}

/// A progress bar on stderr (only when stderr is a terminal).
final class ProgressBar {
    let total: Int
    let enabled = isatty(STDERR_FILENO) != 0

    init(total: Int) { self.total = total }

    func update(_ done: Int) {
        guard enabled, total > 0 else { return }
        let width = 30, filled = done * width / total
        err("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done)/\(total) ")
    }

    func finish() { if enabled { err("\r" + String(repeating: " ", count: 50) + "\r") } }
}
