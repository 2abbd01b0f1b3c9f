import Foundation
@testable import Inspector
@testable import Reasoning
import Testing

/// Qwen3-30B-A3B's routing shape: 48 layers, 128 experts, 8 per token.
let moe48 = ModelSummary(name: "qwen3-30b-a3b.gguf", architecture: "qwen3moe", layers: 48, experts: 128)
let dense = ModelSummary(name: "qwen3-0.6b.gguf", architecture: "qwen3", layers: 28, experts: nil)

func makeState(_ w: Int, _ h: Int, model: ModelSummary = moe48, depth: ColorDepth = .truecolor) -> InspectorState {
    InspectorState(width: w, height: h, model: model, mode: .live, theme: .builtinDark, colorDepth: depth)
}

/// Builds the events a generation would send, with deterministic routing: each layer has a hot
/// expert, thinking leans on the lower half of the experts and answering on the upper half.
struct EventScript {
    var index = 0
    var layers = 48
    var experts = 128
    var perToken = 8

    mutating func token(_ text: String, _ phase: Phase, injected: Bool = false, id: Int? = nil) -> Action {
        defer { index += 1 }
        var routing: [LayerRouting] = []
        if experts > 0 {
            for l in 0..<layers {
                let half = phase == .thinking ? 0 : experts / 2
                var picks = [(l * 5) % experts]
                var j = 0
                while picks.count < perToken {
                    let e = half + (l * 3 + index * 7 + j * 11) % (experts / 2)
                    if !picks.contains(e) { picks.append(e) }
                    j += 1
                }
                let total = Float(perToken * (perToken + 1) / 2)
                let weights: [Float] = picks.indices.map { (i: Int) -> Float in Float(perToken - i) / total }
                routing.append(LayerRouting(experts: picks, weights: weights))
            }
        }
        let logp: Float? = injected ? nil : -Float(index % 7) * 0.25
        let alts: [TokenEvent.Alternative] = injected ? [] : [
            .init(id: 100 + index, text: text, logProbability: logp!),
            .init(id: 200 + index, text: " the", logProbability: -2.5),
            .init(id: 300 + index, text: "\n", logProbability: -3.1),
        ]
        return .engine(.token(TokenEvent(index: index, id: id ?? (1000 + index), text: text, phase: phase,
                                         origin: injected ? .injected : .sampled, logProbability: logp,
                                         alternatives: alts, routing: routing)))
    }

    /// Words of `text` as tokens (a word with its leading space, like BPE).
    mutating func words(_ text: String, _ phase: Phase, injected: Bool = false) -> [Action] {
        var out: [Action] = []
        var current = ""
        for ch in text {
            if (ch == " " || ch == "\n") && !current.isEmpty && current != " " {
                out.append(token(current, phase, injected: injected))
                current = ""
            }
            current.append(ch)
        }
        if !current.isEmpty { out.append(token(current, phase, injected: injected)) }
        return out
    }
}

func stats(prompt: Int, thinking: Int, answer: Int, injected: Int, budget: Int?, elapsed: Double,
           prefill: Double = 812.4, decode: Double = 21.7) -> GenerationStats {
    var s = GenerationStats()
    s.promptTokens = prompt
    s.thinkingTokens = thinking
    s.answerTokens = answer
    s.injectedTokens = injected
    s.budget = budget
    s.prefillTokensPerSecond = prefill
    s.decodeTokensPerSecond = decode
    s.elapsed = elapsed
    return s
}

/// The scenario of the screen snapshots: a prompt about strawberries, thinking that includes an
/// escape sequence from the model, the Qwen end phrase injected at the budget, and an answer with
/// CJK text and an emoji.
enum Scenario {
    static let thinking = "Okay, the user asks how many r's are in \"strawberry\". Let me spell it: s-t-r-a-w-b-e-r-r-y. The model printed \u{1B}[31m here, which must show escaped. Counting r: position 3, then 8 and 9. That makes three. Wait, let me double-check the double r in \"berry\": yes, two there plus one in \"straw\"."
    static let endPhrase = "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n"
    static let answer = "There are **3** r's in \"strawberry\" — s-t-**r**-a-w-b-e-**r**-**r**-y.\n\n答案是 3 个。🍓"

    // Built once at 80×24 (routing for 48 layers is slow to build in debug builds) and resized.
    static let cachedThinkingState = buildThinkingState(80, 24, model: moe48, depth: .truecolor)
    static let cachedAnsweringState = buildAnsweringState(80, 24, model: moe48, depth: .truecolor)
    static let cachedDoneState = buildDoneState(80, 24, model: moe48, depth: .truecolor)

    static func resized(_ state: InspectorState, _ w: Int, _ h: Int) -> InspectorState {
        var s = state
        _ = reduce(&s, .resize(width: w, height: h))
        return s
    }

    static func idle(_ w: Int, _ h: Int, model: ModelSummary = moe48, depth: ColorDepth = .truecolor) -> InspectorState {
        var s = makeState(w, h, model: model, depth: depth)
        _ = reduce(&s, .tick(100))
        s.slider = BudgetSlider(step: .tokens(256))
        return s
    }

    static func thinkingState(_ w: Int, _ h: Int, model: ModelSummary = moe48, depth: ColorDepth = .truecolor) -> InspectorState {
        if model == moe48 && depth == .truecolor { return resized(cachedThinkingState, w, h) }
        return buildThinkingState(w, h, model: model, depth: depth)
    }

    static func buildThinkingState(_ w: Int, _ h: Int, model: ModelSummary, depth: ColorDepth) -> InspectorState {
        var s = idle(w, h, model: model, depth: depth)
        var script = EventScript()
        script.experts = model.experts ?? 0
        for ch in "How many r's are in \"strawberry\"?" { _ = reduce(&s, .key(.char(ch))) }
        _ = reduce(&s, .key(.enter))
        _ = reduce(&s, .engine(.phase(.prompt)))
        _ = reduce(&s, .engine(.stats(stats(prompt: 21, thinking: 0, answer: 0, injected: 0, budget: 256, elapsed: 0.03, decode: 0))))
        _ = reduce(&s, .engine(.phase(.thinking)))
        _ = reduce(&s, script.token("", .thinking, id: 151667))  // <think>
        for a in script.words(thinking, .thinking) { _ = reduce(&s, a) }
        _ = reduce(&s, .engine(.stats(stats(prompt: 21, thinking: s.live.thinking, answer: 0, injected: 0, budget: 256, elapsed: 3.4))))
        _ = reduce(&s, .tick(103.4))
        return s
    }

    static func answeringState(_ w: Int, _ h: Int, model: ModelSummary = moe48, depth: ColorDepth = .truecolor) -> InspectorState {
        if model == moe48 && depth == .truecolor { return resized(cachedAnsweringState, w, h) }
        return buildAnsweringState(w, h, model: model, depth: depth)
    }

    static func buildAnsweringState(_ w: Int, _ h: Int, model: ModelSummary, depth: ColorDepth) -> InspectorState {
        var s = buildThinkingState(w, h, model: model, depth: depth)
        var script = EventScript(index: s.tokens.count)
        script.experts = model.experts ?? 0
        for a in script.words(endPhrase, .thinking, injected: true) { _ = reduce(&s, a) }
        _ = reduce(&s, .engine(.phase(.answer)))
        _ = reduce(&s, script.token("", .thinking, injected: true, id: 151668))  // </think>
        _ = reduce(&s, script.token("\n\n", .answer, injected: true))
        let words = script.words(answer, .answer)
        for a in words.prefix(words.count / 2) { _ = reduce(&s, a) }
        _ = reduce(&s, .engine(.stats(stats(prompt: 21, thinking: s.live.thinking, answer: s.live.answer,
                                            injected: s.live.injected, budget: 256, elapsed: 5.1))))
        _ = reduce(&s, .tick(105.1))
        return s
    }

    static func doneState(_ w: Int, _ h: Int, model: ModelSummary = moe48, depth: ColorDepth = .truecolor) -> InspectorState {
        if model == moe48 && depth == .truecolor { return resized(cachedDoneState, w, h) }
        return buildDoneState(w, h, model: model, depth: depth)
    }

    static func buildDoneState(_ w: Int, _ h: Int, model: ModelSummary, depth: ColorDepth) -> InspectorState {
        var s = buildAnsweringState(w, h, model: model, depth: depth)
        var script = EventScript(index: s.tokens.count)
        script.experts = model.experts ?? 0
        let words = script.words(answer, .answer)
        for a in words.suffix(words.count - words.count / 2) { _ = reduce(&s, a) }
        _ = reduce(&s, .tick(106.0))
        let final = stats(prompt: 21, thinking: s.live.thinking, answer: s.live.answer, injected: s.live.injected,
                          budget: 256, elapsed: 6.0)
        _ = reduce(&s, .engine(.phase(.done)))
        _ = reduce(&s, .engine(.finished(.endOfTurn, final)))
        return s
    }
}

/// Text snapshots of the screen, committed under Snapshots/. THINKSCOPE_RECORD_SNAPSHOTS=1
/// rewrites them.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static var recording: Bool { ProcessInfo.processInfo.environment["THINKSCOPE_RECORD_SNAPSHOTS"] == "1" }

    static let keyAlphabet: [Character] = Array(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~"
            + "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩбвгджзийклмнпфцчшщъыьэюяБГДЖЗИЙЛПФЦЧШЩЪЫЬЭЮЯ")

    /// The screen as text: a header, the characters, then one style key per column and the keys'
    /// meanings (so colours, underlines and reverse video are part of the snapshot).
    static func text(_ b: ScreenBuffer) -> String {
        var out = "size \(b.width)x\(b.height)"
        if let c = b.cursor { out += " cursor \(c.x),\(c.y)" }
        out += "\n" + b.rows.joined(separator: "\n") + "\n--- styles ---\n"
        var keys: [Style: Character] = [:]
        var legend: [String] = []
        for y in 0..<b.height {
            var row = ""
            for x in 0..<b.width {
                var cell = b[x, y]
                if cell.isContinuation && x > 0 { cell = b[x - 1, y] }
                if keys[cell.style] == nil {
                    let k = keys.count < keyAlphabet.count ? keyAlphabet[keys.count] : "?"
                    keys[cell.style] = k
                    legend.append("\(k) \(cell.style.snapshotDescription)")
                }
                row.append(keys[cell.style]!)
            }
            out += row + "\n"
        }
        return out + "--- legend ---\n" + legend.joined(separator: "\n") + "\n"
    }

    static func check(_ b: ScreenBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = directory.appendingPathComponent(name + ".txt")
        let actual = text(b)
        if recording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("missing snapshot \(name).txt; run with THINKSCOPE_RECORD_SNAPSHOTS=1 to record it", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            var line = min(a.count, e.count)
            for i in 0..<min(a.count, e.count) where a[i] != e[i] {
                line = i
                break
            }
            let saved = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".actual.txt")
            try? actual.write(to: saved, atomically: true, encoding: .utf8)
            Issue.record("""
                snapshot \(name) differs at line \(line + 1) (actual saved to \(saved.path)):
                expected: \(line < e.count ? String(e[line]) : "<end>")
                actual:   \(line < a.count ? String(a[line]) : "<end>")
                """, sourceLocation: sourceLocation)
        }
    }
}
