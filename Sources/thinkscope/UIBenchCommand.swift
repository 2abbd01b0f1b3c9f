import ArgumentParser
import Engine
import Foundation
import Inspector
import Reasoning

/// How the inspector copes with a long thought: a trace of N thinking tokens (synthetic, or a
/// recorded one) replayed into the state, then the time of a frame (render) and of each key
/// (reduce + render) on the full state.
struct UIBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ui",
        abstract: "Time the inspector on a long trace: event handling, frames and keys (milliseconds)."
    )

    @Option(help: "Thinking tokens of the synthetic trace.") var tokens: Int = 32768
    @Option(help: "Use this recorded trace instead of a synthetic one.") var trace: String?
    @Option(help: "Synthetic routing: layers (0 = a dense model).") var layers: Int = 28
    @Option(help: "Synthetic routing: experts per layer (0 = a dense model).") var experts: Int = 0
    @Option(help: "Screen width.") var width: Int = 160
    @Option(help: "Screen height.") var height: Int = 48
    @Option(name: .customShort("r"), help: "Repeats per key.") var repeats: Int = 9
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let path: String
        if let t = trace {
            path = t
        } else {
            path = NSTemporaryDirectory() + "thinkscope-ui-bench-\(getpid()).jsonl"
            try UIBenchCommand.writeSyntheticTrace(path: path, tokens: tokens, layers: layers, experts: experts)
        }
        defer { if trace == nil { try? FileManager.default.removeItem(atPath: path) } }
        let t0 = monotonicSeconds()
        let recorded = try Trace(path: path)
        let loadSeconds = monotonicSeconds() - t0
        var state = InspectorState.replay(recorded, path: path, width: width, height: height, theme: .builtinDark,
                                          colorDepth: .truecolor)
        // Stream every event through reduce, drawing a frame every 64 events as the app would at
        // ~30 frames a second while text streams; the last 1,000 token events are timed apart,
        // so per-event work that grows with the trace shows up.
        var reduceSeconds = 0.0, renderSeconds = 0.0, frames = 0, lastThousand = 0.0
        let tokenEvents = recorded.events.filter { if case .token = $0 { return true } else { return false } }.count
        var seen = 0
        for (i, e) in recorded.events.enumerated() {
            let a = monotonicSeconds()
            _ = reduce(&state, .engine(e))
            let b = monotonicSeconds()
            reduceSeconds += b - a
            if case .token = e {
                seen += 1
                if seen > tokenEvents - 1000 { lastThousand += b - a }
            }
            if i % 64 == 63 {
                let c = monotonicSeconds()
                _ = render(state)
                renderSeconds += monotonicSeconds() - c
                frames += 1
            }
        }
        // A frame on the whole trace, and keys: each reduce + the frame it triggers.
        let frame = UIBenchCommand.median((0..<repeats).map { _ in UIBenchCommand.time { _ = render(state) } })
        let keys: [(String, [Key])] = [
            ("PgUp", [.pageUp]), ("↑", [.up]), ("↓", [.down]), ("Home", [.home]), ("End", [.end]), ("Tab", [.tab]),
            ("c (cursor on, off)", [.char("c"), .char("c")]), ("c ← → (cursor moves)", [.char("c"), .left, .right, .char("c")]),
            ("v (heatmap view)", [.char("v")]), ("[ ] (budget)", [.char("["), .char("]")]), ("? (help on, off)", [.char("?"), .escape]),
        ]
        var keyTimes: [(String, Double)] = []
        for (name, seq) in keys {
            let per = UIBenchCommand.median((0..<repeats).map { _ in
                UIBenchCommand.time {
                    for k in seq {
                        _ = reduce(&state, .key(k))
                        _ = render(state)
                    }
                } / Double(seq.count)
            })
            keyTimes.append((name, per))
        }
        let shown = state.thinkingPane.text.glyphs.count
        if json {
            var obj: [String: Any] = ["tokens": tokenEvents, "events": recorded.events.count, "glyphs": shown,
                                      "width": width, "height": height, "load_ms": loadSeconds * 1e3,
                                      "reduce_per_event_us": reduceSeconds / Double(max(1, recorded.events.count)) * 1e6,
                                      "reduce_last_1000_tokens_us": lastThousand / 1000 * 1e6,
                                      "stream_frame_ms": renderSeconds / Double(max(1, frames)) * 1e3, "frame_ms": frame * 1e3]
            for (k, v) in keyTimes { obj["key \(k) ms"] = v * 1e3 }
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print(String(format: "%d token events (%d events, %d glyphs in the thinking pane), %dx%d; trace load %.0f ms",
                     tokenEvents, recorded.events.count, shown, width, height, loadSeconds * 1e3))
        print(String(format: "reduce: %.1f µs per event on average, %.1f µs per token over the last 1,000",
                     reduceSeconds / Double(max(1, recorded.events.count)) * 1e6, lastThousand / 1000 * 1e6))
        print(String(format: "frames while streaming: %.2f ms on average (%d frames); a frame on the whole trace: %.2f ms",
                     renderSeconds / Double(max(1, frames)) * 1e3, frames, frame * 1e3))
        for (k, v) in keyTimes { print(String(format: "key %-22@ %.2f ms (reduce + frame, median of %d)", k, v * 1e3, repeats)) }
    }

    static func time(_ body: () -> Void) -> Double {
        let a = monotonicSeconds()
        body()
        return monotonicSeconds() - a
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    /// A trace of `tokens` thinking tokens (English-like words, a line break every dozen words,
    /// five alternatives each; MoE routing when `experts` > 0), an injected end, a short answer.
    static func writeSyntheticTrace(path: String, tokens: Int, layers: Int, experts: Int) throws {
        let words = ["Let", " me", " think", " about", " the", " number", " seven", ",", " which", " is", " prime", ".",
                     " Wait", " perhaps", " I", " should", " check", " again", ":", " 7", " =", " 1", " ×", " 7", "\n"]
        guard let out = OutputStream(toFileAtPath: path, append: false) else { throw CLIError("\(path): cannot write") }
        out.open()
        defer { out.close() }
        func line(_ obj: [String: Any]) throws {
            var data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            data.append(0x0A)
            _ = data.withUnsafeBytes { out.write($0.bindMemory(to: UInt8.self).baseAddress!, maxLength: data.count) }
        }
        try line(["type": "header", "format": "thinkscope-trace", "version": 1, "created": "2026-01-01T00:00:00Z",
                  "messages": [["role": "user", "content": "Think about the number 7 for a long time."]],
                  "model": ["architecture": experts > 0 ? "qwen3moe" : "qwen3", "file": "synthetic.gguf", "headerHash": "0",
                            "layers": layers, "size": 0] as [String: Any],
                  "promptTokens": [1, 2, 3],
                  "settings": ["budget": tokens, "endStyle": "qwen", "grace": 0, "maxTokens": tokens + 64, "minP": 0,
                               "minimum": tokens, "policy": "Minimum", "seed": 1, "temperature": 0.6, "thinking": true,
                               "topK": 20, "topP": 0.95] as [String: Any]])
        try line(["type": "phase", "phase": "prompt"])
        try line(["type": "phase", "phase": "thinking"])
        var index = 0
        func token(_ text: String, _ phase: String, injected: Bool) throws {
            var routing: [[String: Any]] = []
            if experts > 0 {
                for l in 0..<layers {
                    let picks = (0..<8).map { (l * 5 + index * 7 + $0 * 11) % experts }
                    routing.append(["experts": picks, "weights": (0..<8).map { Float(8 - $0) / 36 }])
                }
            }
            var obj: [String: Any] = ["type": "token", "index": index, "id": 1000 + index % 50_000, "text": text, "phase": phase,
                                      "origin": injected ? "injected" : "sampled", "routing": routing,
                                      "alternatives": injected ? [] : (0..<5).map { ["id": 2000 + $0, "text": words[$0], "logProbability": -Float($0) - 0.5] }]
            if !injected { obj["logProbability"] = -Float(index % 7) * 0.25 }
            try line(obj)
            index += 1
        }
        for i in 0..<tokens { try token(words[i % words.count], "thinking", injected: false) }
        for w in [" Considering", " the", " limited", " time", ",", " I", " answer", " now", ".\n"] { try token(w, "thinking", injected: true) }
        try line(["type": "phase", "phase": "answer"])
        for w in ["7", " is", " prime", "."] { try token(w, "answer", injected: false) }
        try line(["type": "phase", "phase": "done"])
        try line(["type": "footer", "reason": "endOfTurn",
                  "stats": ["answerTokens": 4, "budget": tokens, "decodeTokensPerSecond": 10.0, "elapsed": 1.0, "injectedTokens": 9,
                            "prefillTokensPerSecond": 100.0, "promptTokens": 3, "thinkingTokens": tokens + 9] as [String: Any]])
    }
}
