import Foundation
import GGUF
import ModelFactory
import Testing

/// Runs the built `thinkscope` binary (next to the test bundle) and captures its output.
struct CLI {
    static let binary: URL = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("thinkscope")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return dir.appendingPathComponent("thinkscope")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        var env = ProcessInfo.processInfo.environment
        env["COLUMNS"] = "100"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID())-\(name)").path
    }
}

@Suite(.serialized) struct CLITests {
    static let moeModelPath = FileManager.default.temporaryDirectory.appendingPathComponent("thinkscope-cli-tests-moe-\(getpid()).gguf").path

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures").standardized

    /// A small random MoE model with think tokens, written once per test process and removed when
    /// the process exits (test runs used to leave one behind in the temporary directory).
    static let moeModel: String = {
        let path = moeModelPath
        atexit { try? FileManager.default.removeItem(atPath: CLITests.moeModelPath) }
        let spec = #"{"architecture":"qwen3moe","experts":8,"expertsUsed":2,"expertFeedForward":64,"vocab":600}"#
        _ = try? CLI.run(["random-model", "--spec", spec, "--out", path])
        return path
    }()

    @Test func benchReportsSpeedsMemoryAndHooksCost() throws {
        let r = try CLI.run(["bench", "--model", Self.moeModel, "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        for key in ["prefill_tps", "decode_tps", "file_mb", "kv_cache_mb", "peak_resident_mb"] {
            #expect((obj?[key] as? Double).map { $0 > 0 } == true, "\(key) in \(r.stdout)")
        }
        let c = try CLI.run(["bench", "--model", Self.moeModel, "-p", "8", "-n", "4", "-r", "3", "-t", "1", "--hooks-cost", "--json"])
        #expect(c.status == 0, "\(c.stderr)")
        let cost = try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any]
        #expect(cost?["hooks_cost_prefill"] is Double && cost?["hooks_cost_decode"] is Double && cost?["pairs"] as? Int == 3)
    }

    @Test func benchSequencesReportsBatchedDecodeSpeeds() throws {
        let r = try CLI.run(["bench", "--model", Self.moeModel, "-p", "8", "-n", "4", "-r", "1", "-t", "1",
                             "--sequences", "1,2,4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let rows = try #require(obj?["batched_decode"] as? [[String: Any]])
        #expect(rows.map { $0["sequences"] as? Int } == [1, 2, 4])
        #expect(rows.allSatisfy { ($0["decode_tps"] as? Double ?? 0) > 0 })
        let bad = try CLI.run(["bench", "--model", Self.moeModel, "--sequences", "1,x"])
        #expect(bad.status != 0 && bad.stderr.contains("--sequences takes"), "\(bad.stderr)")
    }

    /// Probes on the shipped demo model: recorded by `run`, read back and recomputed by `probe`.
    @Test func probesAreRecordedReadBackAndRecomputed() throws {
        let demo = Self.fixtures.appendingPathComponent("../../Sources/EmbeddedModel/thinkscope-demo.gguf").standardized.path
        let trace = CLI.temp("probed.jsonl")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let r = try CLI.run(["run", "--model", demo, "--prompt", "What is 4821 + 3956?", "--temperature", "0",
                             "--probe-every", "32", "--json", "--trace", trace])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let probeLines = lines.filter { $0.contains(#""type":"probe""#) }
        // Four points (32 … 128), each reported live and again with P(final answer), before the footer.
        #expect(probeLines.count == 8, "\(probeLines)")
        #expect(lines.last?.contains("\"footer\"") == true)
        #expect(probeLines.last?.contains(#""answer":"8777""#) == true)

        let read = try CLI.run(["probe", trace])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.contains("8777") && read.stdout.contains("thinking tokens after the answer settled"))

        let computed = try CLI.run(["probe", trace, "--model", demo, "--every", "32", "--json"])
        #expect(computed.status == 0, "\(computed.stderr)")
        let records = computed.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 5)
        let recorded = probeLines.suffix(4).map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.prefix(4).map { $0?["text"] as? String } == recorded.map { $0?["text"] as? String },
                "computed probes give the live probes' answers")
        let summary = try #require(records.last ?? nil)
        #expect(summary["type"] as? String == "summary")
        let pivot = try #require(summary["pivot"] as? [String: Any])
        #expect(pivot["answer"] as? String == "8777")
        #expect((pivot["after"] as? Double ?? 0) > (pivot["before"] as? Double ?? 1))

        let plain = CLI.temp("plain.jsonl")
        defer { try? FileManager.default.removeItem(atPath: plain) }
        _ = try CLI.run(["run", "--model", demo, "--prompt", "What is 12 + 7?", "--max-tokens", "8", "--trace", plain])
        let none = try CLI.run(["probe", plain])
        #expect(none.status != 0 && none.stderr.contains("has no probes"), "\(none.stderr)")
        let noModel = try CLI.run(["probe", plain, "--every", "8"])
        #expect(noModel.status != 0 && noModel.stderr.contains("--every needs --model"), "\(noModel.stderr)")
        let missing = try CLI.run(["probe", CLI.temp("missing.jsonl")])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"), "\(missing.stderr)")
    }

    /// `sweep --experts-json`: routing counts of correct and wrong runs, ranked.
    @Test func sweepWritesTheExpertsOfCorrectAndWrongRuns() throws {
        let demo = Self.fixtures.appendingPathComponent("../../Sources/EmbeddedModel/thinkscope-demo.gguf").standardized.path
        let path = CLI.temp("experts.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run(["sweep", "--model", demo, "--builtin", "add", "--count", "4", "--budgets", "8,inf", "--modes", "cap",
                             "--experts-json", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("more in wrong runs"), "\(r.stderr)")
        let data = try #require(FileManager.default.contents(atPath: path))
        let j = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let runs = try #require(j["runs"] as? [String: Int]), tokens = try #require(j["tokenCounts"] as? [String: Int])
        #expect(runs["correct"]! + runs["wrong"]! == 8, "4 problems × 2 budgets")
        #expect(runs["correct"]! > 0 && runs["wrong"]! > 0, "budget 8 gets some wrong, unlimited some right: \(runs)")
        // Every counted token picks k distinct experts in every layer.
        let counts = try #require(j["counts"] as? [String: [[Int]]])
        for side in ["correct", "wrong"] {
            let rows = try #require(counts[side])
            #expect(rows.count == 4 && rows.allSatisfy { $0.count == 8 })
            let k = rows[0].reduce(0, +) / max(1, tokens[side]!)
            #expect(k >= 1 && rows.allSatisfy { $0.reduce(0, +) == k * tokens[side]! }, "\(side)")
        }
        let wrong = try #require(j["moreInWrongRuns"] as? [[String: Any]])
        #expect(!wrong.isEmpty && (j["maskWrong"] as? String)?.isEmpty == false)
        let d = wrong.map { $0["riskDifference"] as? Double ?? -1 }
        #expect(d == d.sorted(by: >) && d.allSatisfy { $0 > 0 })
    }

    /// `branch` and `anchors` on a recorded demo run; `--mask` checked against the model.
    @Test func branchesAndAnchorsOfARecordedRun() throws {
        let demo = Self.fixtures.appendingPathComponent("../../Sources/EmbeddedModel/thinkscope-demo.gguf").standardized.path
        let trace = CLI.temp("run.jsonl")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let run = try CLI.run(["run", "--model", demo, "--prompt", "What is 12 + 7?", "--seed", "3", "--trace", trace])
        #expect(run.status == 0, "\(run.stderr)")

        let b = try CLI.run(["branch", trace, "--model", demo, "--at", "6", "--resample", "2", "--json"])
        #expect(b.status == 0, "\(b.stderr)")
        let records = b.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 3)
        #expect(records.prefix(2).allSatisfy { ($0["intervention"] as? [String: Any])?["kind"] as? String == "resample" && $0["at"] as? Int == 6 })
        #expect(records.prefix(2).allSatisfy { $0["group"] as? Int == 1 && $0["reason"] as? String == "endOfTurn" })
        #expect(records.last?["type"] as? String == "summary")
        let again = try CLI.run(["branch", trace, "--model", demo, "--at", "6", "--resample", "2", "--json"])
        #expect(again.stdout.split(separator: "\n").prefix(2).map { String($0).replacingOccurrences(of: #""elapsed":[0-9.e-]+"#, with: "", options: .regularExpression) }
                == b.stdout.split(separator: "\n").prefix(2).map { String($0).replacingOccurrences(of: #""elapsed":[0-9.e-]+"#, with: "", options: .regularExpression) },
                "the same seed gives the same branches")

        let masked = try CLI.run(["branch", trace, "--model", demo, "--at", "6", "--resample", "1", "--mask", "*:0"])
        #expect(masked.status == 0 && masked.stdout.contains("#1 resample"), "\(masked.stderr)")
        // A run's --mask is in its trace's header, and branches of that trace read the prefix with it.
        let maskedTrace = CLI.temp("masked.jsonl")
        defer { try? FileManager.default.removeItem(atPath: maskedTrace) }
        let maskedRun = try CLI.run(["run", "--model", demo, "--prompt", "What is 12 + 7?", "--seed", "3", "--mask", "*:0,1:2",
                                     "--max-tokens", "24", "--trace", maskedTrace])
        #expect(maskedRun.status == 0, "\(maskedRun.stderr)")
        func headerSettings(_ path: String) throws -> [String: Any] {
            let first = try #require(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first)
            let h = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
            return try #require(h["settings"] as? [String: Any])
        }
        let mask = try #require(try headerSettings(maskedTrace)["mask"] as? [String: Any])
        #expect(mask["dropped"] as? [Int] == [0] && (mask["droppedInLayer"] as? [String: [Int]]) == ["1": [2]], "\(mask)")
        #expect(try headerSettings(trace)["mask"] == nil)
        let fromMasked = try CLI.run(["branch", maskedTrace, "--model", demo, "--at", "4", "--resample", "1"])
        #expect(fromMasked.status == 0, "\(fromMasked.stderr)")
        let badMask = try CLI.run(["run", "--model", demo, "--prompt", "x", "--mask", "0:99"])
        #expect(badMask.status != 0 && badMask.stderr.contains("expert 99"), "\(badMask.stderr)")
        let beyond = try CLI.run(["branch", trace, "--model", demo, "--at", "99999"])
        #expect(beyond.status != 0 && beyond.stderr.contains("beyond"), "\(beyond.stderr)")

        let a = try CLI.run(["anchors", trace, "--model", demo, "--samples", "1", "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let sentences = a.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let summary = try #require(sentences.last)
        #expect(summary["type"] as? String == "summary" && summary["samples"] as? Int == 1)
        #expect(sentences.count == (summary["sentences"] as? Int ?? -1) + 1 && sentences.count > 2)
        #expect(sentences.dropLast().allSatisfy { $0["kl"] is Double && $0["sentence"] is [String: Any] })
    }

    @Test func helpListsEveryCommand() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        for cmd in ["run", "info", "tokenize", "logits", "bench", "random-model", "probe", "branch", "anchors"] {
            #expect(r.stdout.contains("\n  \(cmd) "), "\(cmd) missing from --help")
        }
    }

    @Test(arguments: ["empty", "text", "truncated", "missing", "directory"])
    func infoOnBadFilesPrintsOneErrorLine(kind: String) throws {
        let path = CLI.temp(kind + ".gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        switch kind {
        case "empty": FileManager.default.createFile(atPath: path, contents: Data())
        case "text": FileManager.default.createFile(atPath: path, contents: Data("just some text\n".utf8))
        case "truncated":
            let full = try Data(contentsOf: URL(fileURLWithPath: Self.moeModel))
            // Cut inside the tensor table: well past the metadata, well before the data.
            FileManager.default.createFile(atPath: path, contents: full.prefix(20_000))
        case "directory": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        default: break
        }
        let r = try CLI.run(["info", path])
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(path))
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack"))
    }

    /// A random model whose blk.0.ffn_up.weight and blk.1.ffn_up.weight are IQ2_XXS (zeros), a type
    /// ThinkScope cannot run.
    static func iq2xxsModel() throws -> String {
        let t = try #require(GGMLType.named("IQ2_XXS"))
        var spec = RandomModelSpec()
        spec.embedding = 256
        var w = RandomModel.writer(spec)
        for name in ["blk.0.ffn_up.weight", "blk.1.ffn_up.weight"] {
            let old = try #require(w.tensors.first { $0.name == name })
            w.replaceTensor(name, type: t, shape: old.shape,
                            data: [UInt8](repeating: 0, count: t.byteCount(elements: old.shape.reduce(1, *))!))
        }
        let path = CLI.temp("iq2xxs.gguf")
        try Data(w.bytes()).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func infoWarnsAboutTypesItCannotRunAndListsTypesPerKind() throws {
        let path = try Self.iq2xxsModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run(["info", path])
        #expect(r.status == 0, "\(r.stderr)")
        let warning = r.stdout.split(separator: "\n").filter { $0.hasPrefix("warning") }
        #expect(warning.count == 1, "\(r.stdout)")
        #expect(warning.first?.contains("IQ2_XXS") == true && warning.first?.contains("blk.0.ffn_up.weight") == true
                && warning.first?.contains("blk.1.ffn_up.weight") == true, "\(warning)")
        #expect(r.stdout.contains("  ffn_up.weight") && r.stdout.contains("2 × IQ2_XXS"), "\(r.stdout)")
        let j = try CLI.run(["info", path, "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect((obj["unsupported_types"] as? [String: [String]])?["IQ2_XXS"] == ["blk.0.ffn_up.weight", "blk.1.ffn_up.weight"])
        #expect(((obj["weight_types_by_kind"] as? [String: [String: Int]])?["ffn_up.weight"]) == ["IQ2_XXS": 2])
        // A file the engine can run has no warning.
        let ok = try CLI.run(["info", Self.moeModel])
        #expect(!ok.stdout.contains("warning"), "\(ok.stdout)")
    }

    @Test func loadingAnUnsupportedTypeFailsWithOneLineNamingTypeAndTensor() throws {
        let path = try Self.iq2xxsModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for args in [["run", "--model", path, "--prompt", "hi", "--max-tokens", "2"], ["bench", "--model", path, "-p", "4", "-n", "2", "-r", "1"]] {
            let r = try CLI.run(args)
            #expect(r.status != 0)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args[0]): \(r.stderr)")
            #expect(r.stderr.contains("IQ2_XXS") && r.stderr.contains("blk.0.ffn_up.weight"), "\(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
        }
    }

    @Test func infoDescribesAModel() throws {
        let r = try CLI.run(["info", Self.moeModel])
        #expect(r.status == 0)
        #expect(r.stdout.contains("qwen3moe"))
        #expect(r.stdout.contains("8, 2 active"))
        let j = try CLI.run(["info", Self.moeModel, "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        #expect(obj["architecture"] as? String == "qwen3moe")
        #expect(obj["vocab_size"] as? Int == 600)
        #expect((obj["thinking"] as? [String: Any])?["mode"] as? String == "hybrid")
    }

    @Test func runJSONPrintsOneParsableEventPerLine() throws {
        let trace = CLI.temp("t.jsonl")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let r = try CLI.run(["run", "--model", Self.moeModel, "--prompt", "hi", "--max-tokens", "12", "--seed", "1",
                             "--json", "--trace", trace])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count >= 12)
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(obj?["type"] is String, "\(line)")
        }
        #expect(lines.last?.contains("\"footer\"") == true)
        let traceLines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        #expect(traceLines.first?.contains("\"thinkscope-trace\"") == true)
        #expect(traceLines.count == lines.count + 1)
    }

    @Test(arguments: [
        (["--budget=-3"], "--budget must be 0 or more"),
        (["--end-style", "polite"], "--end-style must be one of: qwen, bare"),
        (["--min-budget", "50", "--budget", "10"], "--min-budget (50) is above --budget (10)"),
        (["--no-think", "--budget", "10"], "--no-think turns thinking off"),
        (["--temperature=-1"], "temperature must be 0 (greedy) or positive"),
        (["--top-p", "1.5"], "top-p must be in (0, 1]"),
    ])
    func badRunArgumentsGiveClearErrors(args: [String], message: String) throws {
        let r = try CLI.run(["run", "--model", Self.moeModel, "--prompt", "x"] + args)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func budgetOnAModelWithoutThinkTokensIsRefused() throws {
        let path = CLI.temp("nothink.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The vocabulary-only Qwen3 fixture has think tokens; build a model without them by hand.
        let spec = #"{"vocab":300}"#
        _ = try CLI.run(["random-model", "--spec", spec, "--out", path])
        // Remove the think tokens by renaming them: the tokenizer then finds none.
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        for (from, to) in [("<think>", "<thonk>"), ("</think>", "</thonk>")] {
            while let r = data.range(of: Data(from.utf8)) { data.replaceSubrange(r, with: Data(to.utf8)) }
        }
        try data.write(to: URL(fileURLWithPath: path))
        let r = try CLI.run(["run", "--model", path, "--prompt", "x", "--budget", "5"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no think tokens"), "\(r.stderr)")
    }
}
