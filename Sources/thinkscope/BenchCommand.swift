import ArgumentParser
import Engine
import Foundation
import Reasoning

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prefill and decode speed (tokens per second; median of repeats after a warm-up)."
    )

    @Option(help: "GGUF model file.") var model: String
    @Option(name: .customShort("p"), help: "Prompt tokens to prefill.") var prompt: Int = 128
    @Option(name: .customShort("n"), help: "Tokens to decode.") var generate: Int = 64
    @Option(name: .customShort("t"), help: "Threads.") var threads: Int = ProcessInfoThreads.available
    @Option(name: .customShort("r"), help: "Measured repeats.") var repeats: Int = 3
    @Option(name: .customShort("d"), help: "Depth: context tokens prefilled (untimed) before each measurement, as llama-bench -d.")
    var depth: Int = 0
    @Option(help: "KV-cache type: f16 or q8_0.") var kvType: KVCacheType = .f16
    @Flag(help: "Install a routing/logits observer, as the inspector does.") var hooks = false
    @Flag(help: "Measure what the hooks cost instead: alternate rounds without and with them in one session (-r pairs).")
    var hooksCost = false
    @Option(help: ArgumentHelp("Measure decode of several sequences stepping together instead (forks of one prompt, one forward pass per step), e.g. 1,2,4,8.",
                                valueName: "n,n,..."))
    var sequences: String?
    @Option(help: "Measure what live answer probes every K thinking tokens cost instead: one greedy run with thinking held to --thinking tokens, without and with probes (-r alternating rounds).")
    var probeEvery: Int?
    @Option(help: "Thinking tokens of the --probe-every run.") var thinking: Int = 256
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Fill the depth, print \"ready\", then time one round per line read from stdin (JSON per round), for compare.py --interleave.")
    var serve = false

    /// The sequence counts of --sequences.
    var sequenceCounts: [Int]? {
        sequences.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    }

    func validate() throws {
        guard prompt >= 1, generate >= 1, threads >= 1, repeats >= 1 else {
            throw ValidationError("-p, -n, -t and -r must be at least 1")
        }
        if let counts = sequenceCounts, counts.isEmpty || counts.contains(where: { $0 < 1 || $0 > 64 })
            || counts.count != sequences!.split(separator: ",").count {
            throw ValidationError("--sequences takes a comma-separated list of counts from 1 to 64, e.g. 1,2,4,8")
        }
        if let k = probeEvery, k < 1 || thinking < 1 { throw ValidationError("--probe-every and --thinking must be at least 1") }
        guard depth >= 0 else { throw ValidationError("-d must be 0 or more") }
    }

    func run() throws {
        if let k = probeEvery {
            try runProbeCost(every: k)
            return
        }
        let m = try Model(path: model)
        if let counts = sequenceCounts {
            try runSequences(m, counts: counts)
            return
        }
        if serve {
            let rounds = try Benchmark.DepthRounds(model: m, depth: depth, promptTokens: prompt, generateTokens: generate,
                                                   threads: threads, kvType: kvType)
            out("ready\n")
            while readLine() != nil {
                let r = try rounds.round()
                out("{\"prefill_tps\": \(r.prefill), \"decode_tps\": \(r.decode)}\n")
            }
            return
        }
        if hooksCost {
            let c = try Benchmark.hooksCost(model: m, promptTokens: prompt, generateTokens: generate, threads: threads, pairs: repeats)
            if json {
                let obj: [String: Any] = ["engine": "thinkscope", "threads": threads, "prompt_tokens": prompt, "gen_tokens": generate,
                                          "pairs": repeats, "hooks_cost_prefill": c.prefill, "hooks_cost_decode": c.decode]
                print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print(String(format: "hooks cost: prefill %+.1f%%, decode %+.1f%% (median of %d alternating pairs, %d threads)",
                             c.prefill * 100, c.decode * 100, repeats, threads))
            }
            return
        }
        let result = try Benchmark.run(model: m, promptTokens: prompt, generateTokens: generate,
                                       threads: threads, repeats: repeats, hooks: hooks, depth: depth, kvType: kvType)
        if json {
            var obj: [String: Any] = [
                "engine": "thinkscope", "threads": threads, "prompt_tokens": prompt, "gen_tokens": generate,
                "hooks": hooks, "depth": depth, "kv_type": kvType.rawValue, "prefill_tps": result.prefillTPS, "decode_tps": result.decodeTPS,
                "file_mb": Double(m.file.fileSize) / 1e6, "kv_cache_mb": Double(result.kvCacheBytes) / 1e6,
            ]
            if let rss = result.peakResidentBytes { obj["peak_resident_mb"] = Double(rss) / 1e6 }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "prefill %.1f tok/s (%d tokens), decode %.1f tok/s (%d tokens), %d threads%@%@",
                         result.prefillTPS, prompt, result.decodeTPS, generate, threads, hooks ? ", hooks on" : "",
                         depth > 0 ? " at depth \(depth)" : ""))
            let rss = result.peakResidentBytes.map(formatBytes) ?? "unknown"
            print("file \(formatBytes(m.file.fileSize)), KV cache \(formatBytes(result.kvCacheBytes)), peak resident \(rss)")
        }
    }

    /// The extra wall time of live probes, on the 4821 + 3956 prompt.
    private func runProbeCost(every k: Int) throws {
        let loaded = try LoadedModel(path: model, context: thinking + 512, threads: threads)
        guard loaded.chat.thinking.supportsThinking else { throw CLIError("\(model): this model has no think tokens, so it has no probes") }
        let prompt = loaded.chat.render([.user("What is 4821 + 3956?")], enableThinking: true)
        let c = ProbeCost.measure(makeModel: { loaded.languageModel() }, chat: loaded.chat, prompt: prompt, thinking: thinking,
                                  every: k, rounds: repeats)
        if json {
            let obj: [String: Any] = ["engine": "thinkscope", "threads": threads, "thinking_tokens": thinking, "probe_every": k,
                                      "probes": c.probes, "rounds": c.rounds, "plain_s": c.plain, "probed_s": c.probed,
                                      "probe_cost": c.extra, "run_identical": c.identical]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "probes every %d of %d thinking tokens (%d probes): %+.1f%% wall time (%.2f s → %.2f s, median of %d rounds, %d threads)%@",
                         k, thinking, c.probes, c.extra * 100, c.plain, c.probed, c.rounds, threads,
                         c.identical ? "" : "; WARNING: the run differed with probes"))
        }
    }

    /// Decode tokens per second with 1, 2, 4 … sequences per forward pass, and each count's speed-up
    /// over the first count.
    private func runSequences(_ m: Model, counts: [Int]) throws {
        var rows: [[String: Any]] = []
        var base: Double?
        for n in counts {
            let r = try Benchmark.batchedDecode(model: m, promptTokens: prompt, generateTokens: generate, threads: threads,
                                                sequences: n, repeats: repeats)
            let speedup = r.total / (base ?? r.total)
            base = base ?? r.total
            rows.append(["sequences": n, "decode_tps": r.total, "decode_tps_per_sequence": r.perSequence, "speedup": speedup])
            if !json {
                print(String(format: "%2d sequences: decode %.1f tok/s (%.1f per sequence), %.2fx the first row",
                             n, r.total, r.perSequence, speedup))
            }
        }
        if json {
            let obj: [String: Any] = ["engine": "thinkscope", "threads": threads, "prompt_tokens": prompt, "gen_tokens": generate,
                                      "batched_decode": rows]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        }
    }
}
