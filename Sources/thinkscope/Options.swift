import ArgumentParser
import EmbeddedModel
import Engine
import Foundation
import GGUF
import Reasoning
import Tokenizer

/// Which model to load, shared by `run`, `tui` and `sweep`.
struct ModelOptions: ParsableArguments {
    @Option(help: "GGUF model file (default: the embedded demo model).") var model: String?
    @Option(help: "KV-cache size in tokens (default: the model's trained context, capped by available memory).")
    var context: Int?
    @Option(name: .customShort("t"), help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "KV-cache type: f16 or q8_0 (llama.cpp's -ctk/-ctv; q8_0 uses its flash-attention numerics).")
    var kvType: KVCacheType = .f16
    @Option(help: "gpt-oss reasoning effort: low, medium or high (the harmony system message's Reasoning line).")
    var reasoningEffort: ChatFormat.ReasoningEffort?
    @Option(help: "Chat format: chatml, deepseek-r1, smollm3, harmony or s1 (default: detected from the file; s1 models need s1).")
    var chatFormat: ChatFormat.Template?
    @Option(help: "Expert mask (MoE): LAYER:EXPERT,… drops experts from routing (* for every layer; +LAYER:EXPERT forces one); the rest of the top-k renormalises.")
    var mask: String?

    func validate() throws { _ = try expertMask() }

    func expertMask() throws -> ExpertMask? {
        guard let mask else { return nil }
        switch ExpertMask.parse(mask) {
        case .success(let m): return m
        case .failure(let e): throw ValidationError("--mask: \(e)")
        }
    }

    func load() throws -> LoadedModel {
        guard let path = model ?? EmbeddedModel.path else {
            throw CLIError("no --model given, and this build has no embedded model")
        }
        let loaded = try open(path: path)
        if let notice = loaded.contextNotice { err("\(notice)\n") }
        if let notice = loaded.kvTypeNotice { err("\(notice)\n") }
        return loaded
    }

    /// The model at `path` with these options: context, threads, KV type, chat format, reasoning
    /// effort and expert mask (the inspector opens its model with this, on its loading queue).
    func open(path: String) throws -> LoadedModel {
        var loaded = try LoadedModel(path: path, context: context, threads: threads, kvType: kvType, chatFormat: chatFormat)
        if let effort = reasoningEffort {
            guard loaded.chat.template == .harmony else {
                throw CLIError("--reasoning-effort applies to gpt-oss (harmony) models; \(path) uses the "
                               + "\(loaded.chat.template.rawValue) chat format")
            }
            loaded.chat.reasoningEffort = effort
        }
        try loaded.apply(mask: expertMask())
        return loaded
    }
}

extension KVCacheType: ExpressibleByArgument {}
extension ChatFormat.ReasoningEffort: ExpressibleByArgument {}
extension ChatFormat.Template: ExpressibleByArgument {}

/// A model file opened for generation: engine, tokenizer and chat format.
struct LoadedModel {
    let file: GGUFFile
    let model: Model
    var chat: ChatFormat
    let threads: Int?
    let kvType: KVCacheType
    /// The KV-cache size: --context, or the model's trained context capped by available memory.
    let contextLength: Int
    /// "context capped at N tokens by available memory (model trained for M)", when that happened.
    let contextNotice: String?

    init(path: String, context: Int?, threads: Int?, kvType: KVCacheType = .f16,
         chatFormat: ChatFormat.Template? = nil) throws {
        file = try GGUFFile(path: path)
        model = try Model(file: file)
        chat = try ChatFormat(tokenizer: BPETokenizer(gguf: file), template: chatFormat)
        self.threads = threads
        self.kvType = kvType
        if let n = context {
            contextLength = n
            contextNotice = nil
        } else {
            let chosen = ContextSize.choose(model: model, type: kvType)
            contextLength = chosen.tokens
            contextNotice = chosen.notice
        }
    }

    /// "--kv-type q8_0: … uses f16", when the model cannot use the type asked for.
    var kvTypeNotice: String? {
        Session.kvTypeRefusal(kvType, for: model).map {
            "--kv-type \(kvType.rawValue): \(URL(fileURLWithPath: file.path).lastPathComponent) uses f16 instead (\($0))"
        }
    }

    /// Routing of every session this model makes (nil: the router's own).
    private(set) var expertMask: ExpertMask?

    /// Checks `mask` against the model and installs it for every session.
    mutating func apply(mask: ExpertMask?) throws {
        guard let mask else { return }
        let c = model.config
        guard c.isMoE else { throw CLIError("--mask: \(file.path) is a dense model (no experts)") }
        if let why = mask.problem(layers: c.layerCount, experts: c.expertCount, used: c.expertUsedCount) {
            throw CLIError("--mask: \(why)")
        }
        expertMask = mask
    }

    func languageModel() -> EngineModel {
        let session = Session(model: model, context: contextLength, threads: threads, kvType: kvType)
        session.expertMask = expertMask
        return EngineModel(session: session)
    }

    /// A model that has re-read `trace`'s prompt and its first `count` tokens as the run read them:
    /// with the expert mask the run started with, switched where the run's changed (a model such a
    /// mask does not fit is an error). Forks of it continue as the run did at their point.
    func languageModel(rereading trace: String, _ recorded: Trace, through count: Int) throws -> EngineModel {
        let c = model.config
        for (m, at) in [(recorded.header.settings.mask, "the start")] + recorded.maskChanges.map({ ($0.mask, "token \($0.tokenIndex)") }) {
            guard let m, !m.isEmpty else { continue }
            if let why = c.isMoE ? m.problem(layers: c.layerCount, experts: c.expertCount, used: c.expertUsedCount) : "the model has no experts" {
                throw CLIError("\(trace) was recorded with the expert mask \(m.text) from \(at), which does not fit \(file.path): \(why)")
            }
        }
        let lm = languageModel()
        if let m = recorded.header.settings.mask, !m.isEmpty { lm.expertMask = m }
        let tokens = recorded.events.compactMap { if case .token(let t) = $0 { t.id } else { nil } }
        try lm.reread(prompt: recorded.header.promptTokens, tokens: Array(tokens.prefix(count)), changes: recorded.maskChanges)
        return lm
    }

    /// The header of a run's trace; `mask`: the one the run started with (default: `--mask`).
    func traceHeader(messages: [ChatMessage], promptTokens: [TokenID], settings: GenerationSettings, thinking: Bool,
                     mask: ExpertMask?? = nil) -> TraceHeader {
        let c = model.config
        return TraceHeader(
            model: .init(file: URL(fileURLWithPath: file.path).lastPathComponent, size: file.fileSize,
                         headerHash: file.headerFingerprint, architecture: c.architecture, layers: c.layerCount,
                         experts: c.isMoE ? c.expertCount : nil),
            settings: TraceSettings(thinking: thinking, settings: settings, mask: mask ?? expertMask),
            messages: messages.map { TraceMessage(role: $0.role.rawValue, content: $0.content) },
            promptTokens: promptTokens.map(Int.init),
            created: ISO8601DateFormatter().string(from: Date()))
    }
}

/// Thinking mode and budget flags.
struct BudgetOptions: ParsableArguments {
    @Flag(help: "Disable thinking (the empty think block).") var noThink = false
    @Option(help: "Cap thinking at N tokens, then force the end.") var budget: Int?
    @Option(help: "Think at least N tokens: an early end is replaced by \"Wait\" (s1).") var minBudget: Int?
    @Option(help: "How a forced end is written: qwen or bare.") var endStyle: String = "qwen"
    @Option(help: "After the budget, tokens the model may use to finish its line.") var grace: Int = 0
    @Option(help: "Text injected when the model ends thinking too early.") var waitText: String = "Wait"
    @Option(help: "At most this many injected \"Wait\"s.") var maxWaits: Int = 2
    @Option(help: "Ask for a length in the prompt instead of (or besides) forcing: token, step, long, short.")
    var promptControl: PromptControl?

    var thinking: Bool { !noThink }

    func check() throws {
        if let b = budget, b < 0 { throw ValidationError("--budget must be 0 or more, got \(b)") }
        if let m = minBudget, m < 0 { throw ValidationError("--min-budget must be 0 or more, got \(m)") }
        if let b = budget, let m = minBudget, m > b { throw ValidationError("--min-budget (\(m)) is above --budget (\(b))") }
        guard EndStyle(rawValue: endStyle) != nil else {
            throw ValidationError("--end-style must be one of: \(EndStyle.allCases.map(\.rawValue).joined(separator: ", ")); got '\(endStyle)'")
        }
        if grace < 0 { throw ValidationError("--grace must be 0 or more") }
        if maxWaits < 0 { throw ValidationError("--max-waits must be 0 or more") }
        if noThink && (budget != nil || minBudget != nil) {
            throw ValidationError("--no-think turns thinking off; a thinking budget has nothing to limit")
        }
        if (promptControl == .token || promptControl == .step) && budget == nil {
            throw ValidationError("--prompt-control \(promptControl!.rawValue) needs --budget (the N in the prompt)")
        }
    }

    /// The generation settings these flags ask for, checked against the model.
    func settings(for chat: ChatFormat) throws -> GenerationSettings {
        if (budget != nil || minBudget != nil) && !chat.thinking.supportsThinking {
            throw CLIError("this model has no think tokens (<think>, </think>), so a thinking budget cannot apply")
        }
        var s = GenerationSettings()
        s.endStyle = EndStyle(rawValue: endStyle)!
        s.grace = grace
        switch (minBudget, budget) {
        case (let m?, let b): s.policy = Minimum(m, cap: b, wait: waitText, maxWaits: maxWaits)
        case (nil, let b?): s.policy = Cap(b)
        case (nil, nil): s.policy = Unlimited()
        }
        return s
    }
}

extension PromptControl: ExpressibleByArgument {}

/// Sampling flags; defaults follow Qwen's recommendation for the mode.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Temperature (0 = greedy). Default 0.6 thinking / 0.7 no-think.") var temperature: Float?
    @Option(help: "Top-k (0 = off). Default 20.") var topK: Int?
    @Option(help: "Top-p. Default 0.95 thinking / 0.8 no-think.") var topP: Float?
    @Option(help: "Min-p. Default 0.") var minP: Float?
    @Option(help: "Presence penalty. Default 0.") var presencePenalty: Float?
    @Option(help: "Random seed (default: from the clock).") var seed: UInt64?

    func parameters(thinking: Bool) -> SamplingParameters {
        var p: SamplingParameters = thinking ? .qwenThinking : .qwenNonThinking
        if let v = temperature { p.temperature = v }
        if let v = topK { p.topK = v }
        if let v = topP { p.topP = v }
        if let v = minP { p.minP = v }
        if let v = presencePenalty { p.presencePenalty = v }
        p.seed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        return p
    }

    func check() throws {
        if let problem = parameters(thinking: true).problem { throw ValidationError(problem) }
    }
}

/// Answer-probe flags, shared by `run`, `tui` and `replay`.
struct ProbeOptions: ParsableArguments {
    @Option(help: "Answer probes: every K thinking tokens, what the model would answer if thinking stopped there (0 = off).")
    var probeEvery: Int?
    @Option(help: "Answer tokens a probe decodes at most.") var probeAnswerTokens: Int = 48

    func check() throws {
        if let k = probeEvery, k < 0 { throw ValidationError("--probe-every must be 0 (off) or more, got \(k)") }
        guard probeAnswerTokens >= 1 else { throw ValidationError("--probe-answer-tokens must be at least 1") }
    }

    /// The probe settings asked for (nil = off), with `defaultEvery` when --probe-every is absent.
    func settings(defaultEvery: Int? = nil, rule: AnswerRule? = nil) -> ProbeSettings? {
        guard let k = probeEvery ?? defaultEvery, k > 0 else { return nil }
        return ProbeSettings(every: k, maxAnswerTokens: probeAnswerTokens, rule: rule)
    }
}

/// Loads the hesitation and thought-switch words shipped with the app (nil, with a warning on
/// stderr, when the file is missing or malformed: the counts are then left out).
func shippedThinkingMarkers() -> ThinkingMarkers? {
    guard let path = EmbeddedModel.markersPath else { return nil }
    do {
        return try ThinkingMarkers.load(path: path)
    } catch {
        FileHandle.standardError.write(Data("warning: \(error)\n".utf8))
        return nil
    }
}
