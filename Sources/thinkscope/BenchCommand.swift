import ArgumentParser
import Engine
import Foundation

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
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Fill the depth, print \"ready\", then time one round per line read from stdin (JSON per round), for compare.py --interleave.")
    var serve = false

    func validate() throws {
        guard prompt >= 1, generate >= 1, threads >= 1, repeats >= 1 else {
            throw ValidationError("-p, -n, -t and -r must be at least 1")
        }
        guard depth >= 0 else { throw ValidationError("-d must be 0 or more") }
    }

    func run() throws {
        let m = try Model(path: model)
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
}
