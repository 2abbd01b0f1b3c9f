import ArgumentParser
import Dispatch
import Engine
import Foundation
import GGUF
import Reasoning
import Remote
import Tokenizer

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate one answer without the UI: thinking to stderr, the answer to stdout (or events as JSON Lines)."
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "The user prompt.") var prompt: String
    @Option(help: "A system prompt.") var system: String?
    @OptionGroup var budget: BudgetOptions
    @Option(help: "Generated tokens at most.") var maxTokens: Int = 4096
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var probes: ProbeOptions
    @Flag(help: "Print the event stream as JSON Lines on stdout.") var json = false
    @Option(help: "Record a trace (JSON Lines) to this file.") var trace: String?
    @Flag(help: "Start the reply inside a think block (prefill <think>), for models that skip thinking.")
    var prefillThink = false

    func validate() throws {
        try budget.check()
        try sampling.check()
        try probes.check()
        try serverOptions.check()
        if serverOptions.remote && (probes.probeEvery ?? 0) > 0 {
            throw ValidationError("--probe-every needs the model's logits, which a server does not give")
        }
        if serverOptions.remote && !serverOptions.api.tokenLevel && budget.minBudget != nil {
            throw ValidationError("--min-budget: \(serverOptions.api.title) only streams text, so \"Wait\" cannot be forced; --budget goes to the engine's own knob")
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() throws {
        let (languageModel, chat, header) = try open()
        var settings = try budget.settings(for: chat)
        settings.maxTokens = maxTokens
        settings.sampling = sampling.parameters(thinking: budget.thinking)
        settings.probe = probes.settings()
        var messages: [ChatMessage] = []
        if let s = system { messages.append(.system(s)) }
        messages.append(.user(budget.promptControl.map { $0.apply(to: prompt, budget: budget.budget) } ?? prompt))
        var promptIDs = chat.render(messages, enableThinking: budget.thinking)
        if prefillThink && budget.thinking { promptIDs = chat.openingThinking(promptIDs) }

        let writer = try trace.map { [settings] path in
            try TraceWriter(path: path, header: header(messages, promptIDs, settings, budget.thinking))
        }
        let control = ReasoningControl()
        let interrupt = StopOnInterrupt(control)
        defer { withExtendedLifetime(interrupt) {} }

        if let chatModel = languageModel as? ChatModel {
            // A display-only server: the budget goes with the request; the loop forces nothing.
            chatModel.prepare(messages: messages, thinking: budget.thinking, budget: budget.budget, maxTokens: maxTokens)
            settings.policy = Unlimited()
            settings.grace = 0
        }
        let printer = StreamPrinter(json: json)
        let generator = Generator(model: languageModel, chat: chat, settings: settings)
        var writeError: Error?
        let reason = generator.run(prompt: promptIDs, control: control) { event in
            printer.show(event)
            do { try writer?.record(event) } catch { if writeError == nil { writeError = error } }
        }
        if let served = languageModel as? ServerModel { err("[server: \(served.ledger.summary)]\n") }
        if let c = languageModel as? ChatModel, let end = c.lastEnd, let n = end.outputTokens {
            err("[server: \(n) output tokens\(end.thinkingTokens.map { ", \($0) of them thinking" } ?? ""); counts above are the local tokenizer's]\n")
        }
        if let e = writeError { throw CLIError("\(e)") }
        if reason == .contextFull { throw CLIError("the context filled up (\(languageModel.capacity) tokens); use --context") }
    }

    /// The model in this process, or on `--server`; its chat format; how its traces are headed.
    private func open() throws -> (LanguageModel, ChatFormat,
                                   ([ChatMessage], [TokenID], GenerationSettings, Bool) -> TraceHeader) {
        if serverOptions.remote {
            let remote = try serverOptions.connect(model: modelOptions.model, chatFormat: modelOptions.chatFormat,
                                                   effort: modelOptions.reasoningEffort)
            err("[model on \(remote.where_)]\n")
            return (remote.languageModel(), remote.chat, { remote.traceHeader(messages: $0, promptTokens: $1, settings: $2, thinking: $3) })
        }
        let loaded = try modelOptions.load()
        return (loaded.languageModel(), loaded.chat, { loaded.traceHeader(messages: $0, promptTokens: $1, settings: $2, thinking: $3) })
    }
}

/// Turns Ctrl-C (and SIGTERM) into a stop command, so the trace ends cleanly.
final class StopOnInterrupt {
    private var sources: [DispatchSourceSignal] = []

    init(_ control: ReasoningControl) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { control.stop() }
            s.resume()
            sources.append(s)
        }
    }
}

/// Prints events: thinking dim on stderr, the answer on stdout, a summary on stderr (with the
/// answer probes, if any); or JSON Lines.
final class StreamPrinter {
    let json: Bool
    let dim = isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    private var probes: [Int: Probe] = [:]

    init(json: Bool) { self.json = json }

    func show(_ event: ReasoningEvent) {
        if json {
            out(event.jsonLine + "\n")
            return
        }
        switch event {
        case .token(let t) where t.phase == .thinking:
            let text = DisplayText.sanitize(t.text)
            err(dim ? "\u{1B}[2m\(text)\u{1B}[0m" : text)
        case .token(let t):
            out(DisplayText.sanitize(t.text))
        case .phase(.answer):
            err("\n")
        case .probe(let p):
            probes[p.tokenIndex] = p
        case .finished(let reason, let s):
            out("\n")
            if !probes.isEmpty { err(ProbeTable.text(probes.values.sorted { $0.tokenIndex < $1.tokenIndex })) }
            let summary = String(format: "[%@: prompt %d, thinking %d, answer %d, injected %d tokens; prefill %.1f tok/s, decode %.1f tok/s]\n",
                                 reason.rawValue, s.promptTokens, s.thinkingTokens, s.answerTokens, s.injectedTokens,
                                 s.prefillTokensPerSecond, s.decodeTokensPerSecond)
            err(summary)
        case .error(let m):
            err("error: \(m)\n")
        default:
            break
        }
    }
}

/// Unbuffered writes to stdout and stderr (streamed text appears as it is generated).
func out(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }
func err(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
