import EmbeddedModel
import Engine
import Foundation
import GGUF
import Reasoning
@testable import Remote
import Testing
import Tokenizer

/// The embedded demo model and its chat format.
enum Demo {
    static let loaded: (Model, ChatFormat, String)? = {
        guard let path = EmbeddedModel.path, let file = try? GGUFFile(path: path), let model = try? Model(file: file),
              let chat = try? ChatFormat(tokenizer: BPETokenizer(gguf: file)) else { return nil }
        return (model, chat, path)
    }()

    static func require() throws -> (Model, ChatFormat, String) {
        try #require(loaded, "the embedded demo model must be built into the package")
    }

    static let question = "What is 17+25?"
}

/// One turn's events.
struct Turn {
    var events: [ReasoningEvent] = []
    var reason: FinishReason?
    var tokens: [TokenEvent] { events.compactMap { if case .token(let t) = $0 { t } else { nil } } }
    var ids: [Int] { tokens.map(\.id) }
    var errors: [String] { events.compactMap { if case .error(let m) = $0 { m } else { nil } } }
    var stats: GenerationStats? { events.compactMap { if case .finished(_, let s) = $0 { s } else { nil } }.last }
    func count(_ phase: Phase, _ origin: TokenOrigin) -> Int { tokens.filter { $0.phase == phase && $0.origin == origin }.count }
    func text(_ phase: Phase) -> String { tokens.filter { $0.phase == phase }.map(\.text).joined() }
}

/// Greedy settings for `policy`, as the CLI's `--temperature 0` gives.
func greedySettings(_ policy: any BudgetPolicy, maxTokens: Int = 160) -> GenerationSettings {
    var s = GenerationSettings()
    s.policy = policy
    s.sampling = .greedy
    s.maxTokens = maxTokens
    return s
}

/// Runs one turn of the demo question on `model`; `onToken` may steer it through the control.
func runTurn(_ model: LanguageModel, _ chat: ChatFormat, _ settings: GenerationSettings, thinking: Bool = true,
             onToken: (TokenEvent, ReasoningControl) -> Void = { _, _ in }) -> Turn {
    let control = ReasoningControl()
    var turn = Turn()
    let prompt = chat.render([.user(Demo.question)], enableThinking: thinking)
    turn.reason = Generator(model: model, chat: chat, settings: settings).run(prompt: prompt, control: control) { e in
        turn.events.append(e)
        if case .token(let t) = e { onToken(t, control) }
    }
    return turn
}

/// A token server that is the in-process engine: each segment reads the whole prompt into a new
/// session and samples greedily with the same sampler the loop uses, so the loop's segment logic
/// can be checked token for token against the in-process run without a server.
final class LocalTokenServer: TokenServer, @unchecked Sendable {
    let model: Model
    let chat: ChatFormat
    var url: URL { URL(string: "local://engine")! }
    var engine: String { "local" }
    var contextLength: Int { 1024 }
    private(set) var requests: [(prompt: [Int], plan: SegmentPlan, banned: Set<Int>)] = []

    init(model: Model, chat: ChatFormat) {
        self.model = model
        self.chat = chat
    }

    func tokenize(_ text: String) throws -> [Int] { chat.tokenizer.encode(text, parseSpecial: true).map(Int.init) }

    func segment(_ r: SegmentRequest) throws -> TokenSegment {
        let (prompt, sampling, plan, banned) = (r.prompt, r.sampling, r.plan, r.banned)
        requests.append((prompt, plan, banned))
        let m = EngineModel(session: Session(model: model, context: contextLength))
        try m.evaluate(prompt)
        let sampler = try Sampler(sampling, vocabularySize: m.vocabularySize)
        for t in prompt { sampler.accept(t) }
        var items: [SegmentItem] = []
        var reason = SegmentEnd.Reason.limit
        for _ in 0..<plan.maxTokens {
            let s = sampler.sample(m.logits, suppressed: banned)
            items.append(.token(s))
            if chat.endOfGeneration.contains(TokenID(s.token)) { reason = .endOfTurn; break }
            if s.token == plan.stopAt { reason = .stop; break }
            sampler.accept(s.token)
            try m.evaluate([s.token])
        }
        items.append(.end(SegmentEnd(reason: reason)))
        return RecordedSegment(items)
    }
}

/// A segment that plays back items.
final class RecordedSegment: TokenSegment {
    private var items: [SegmentItem]
    private(set) var cancelled = false
    init(_ items: [SegmentItem]) { self.items = items }
    func next() throws -> SegmentItem? { cancelled || items.isEmpty ? nil : items.removeFirst() }
    func cancel() { cancelled = true }
}

/// Events' data played back to a segment, as a live stream would hand them over.
final class RecordedFeed: EventFeed {
    let server = "http://recorded:8080"
    private var data: [String]
    let failure: Error?
    init(_ data: [String], failure: Error? = nil) {
        self.data = data
        self.failure = failure
    }
    func next() throws -> String? {
        if data.isEmpty, let failure { throw failure }
        return data.isEmpty ? nil : data.removeFirst()
    }
    func cancel() { data = [] }
}
