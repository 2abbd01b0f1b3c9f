import Engine
import Foundation
import Reasoning
import Tokenizer

/// A model served elsewhere, behind the generation loop's `LanguageModel`: it holds the turn as
/// token ids (generated text is never sent back to be re-tokenized) and continues it with
/// streamed segments. The loop takes each streamed token with `evaluate`; anything else it
/// feeds (a "Wait", the forced end) closes the open segment, and the next token starts a new one
/// from the whole transcript, which the server's prompt cache mostly already holds.
public final class ServerModel: SamplingModel, @unchecked Sendable {
    public let server: any TokenServer
    public let vocabularySize: Int
    /// Texts of the stop ids (the end of thinking), for servers that stop on text.
    private let stopTexts: [Int: String]
    /// Ids after which a segment ends (the end of a turn). After these, the stop id, or the last
    /// token a segment asked for, its final item is read at once, so its cost is known even when
    /// the loop asks for nothing more.
    private let endOfGeneration: Set<Int>
    /// Items read ahead of time (the rest of a segment read whole for its routing).
    private var queue: [SegmentItem] = []
    /// The experts each position was routed to, where the server reported it.
    private var routed: [Int: [LayerRouting]] = [:]
    public private(set) var transcript: [Int]
    /// Every segment so far: what was asked and how it ended (the cost figures).
    public private(set) var segments: [SegmentRecord] = []
    /// Shared with every fork: what all of them cost the server.
    public let ledger: SegmentLedger
    private var open: TokenSegment?
    /// The token `next` gave and `evaluate` has not yet taken.
    private var given: Int?
    /// The tokenizer when it is the server's own (it learns token bytes from the stream, and a
    /// request of it that failed is raised here).
    private let codec: ServerCodec?

    /// One segment: the prompt it sent, the tokens it delivered, and how it ended (nil when the
    /// loop closed it first).
    public struct SegmentRecord: Sendable, Equatable {
        public var promptLength: Int
        public var plan: SegmentPlan
        public var banned: Set<Int>
        public var delivered = 0
        public var end: SegmentEnd?
    }

    public init(server: any TokenServer, chat: ChatFormat, transcript: [Int] = [], ledger: SegmentLedger = SegmentLedger()) {
        self.server = server
        self.ledger = ledger
        vocabularySize = chat.tokenizer.vocabularySize
        var texts: [Int: String] = [:]
        if let end = chat.thinkEnd { texts[Int(end)] = chat.tokenizer.decode([end]) }
        stopTexts = texts
        endOfGeneration = Set(chat.endOfGeneration.map(Int.init))
        codec = chat.tokenizer as? ServerCodec
        self.transcript = transcript
    }

    private init(copying m: ServerModel, transcript: [Int]) {
        server = m.server
        ledger = m.ledger
        vocabularySize = m.vocabularySize
        stopTexts = m.stopTexts
        endOfGeneration = m.endOfGeneration
        codec = m.codec
        self.transcript = transcript
        routed = m.routed.filter { $0.key < transcript.count }
    }

    deinit { open?.cancel() }

    public var position: Int { transcript.count }
    public var capacity: Int { server.contextLength }

    public func evaluate(_ tokens: [Int]) throws {
        guard transcript.count + tokens.count <= capacity else {
            throw EngineError.contextFull(capacity: capacity, requested: transcript.count + tokens.count)
        }
        if let g = given, tokens == [g] {
            given = nil
        } else {
            closeSegment()
        }
        transcript += tokens
    }

    public func next(_ sampling: SamplingParameters, suppressed: Set<Int>, plan: SegmentPlan) throws -> SampledToken {
        if given != nil || !suppressed.isEmpty { closeSegment() }
        // A banned token is refused for one position only: a one-token segment with the ban, then
        // the stream goes on without it (the budget may accept the same end later).
        var plan = suppressed.isEmpty ? plan : SegmentPlan(maxTokens: 1, stopAt: plan.stopAt)
        // Routing comes when a request ends: short segments, each read whole before its tokens go
        // out, so every token carries its routing (the heatmap fills segment by segment).
        let routing = server.routing
        if let routing { plan.maxTokens = min(plan.maxTokens, routing.segmentLength) }
        var emptySegments = 0
        // A request the server's tokenizer could not answer (the prompt, a "Wait") fails the turn here.
        if let f = codec?.takeFailure() { throw f }
        while true {
            if open == nil && queue.isEmpty && failure == nil {
                open = try server.segment(SegmentRequest(prompt: transcript, sampling: sampling, plan: plan,
                                                         stopText: plan.stopAt.flatMap { stopTexts[$0] }, banned: suppressed,
                                                         routingFrom: routing == nil ? nil : transcript.count))
                segments.append(SegmentRecord(promptLength: transcript.count, plan: plan, banned: suppressed))
                if routing != nil {
                    do { try readWhole() } catch {
                        open = nil
                        // What arrived before the failure is still the model's: hand it out first.
                        if queue.isEmpty { throw error }
                        failure = error
                    }
                }
            }
            let item: SegmentItem?
            do {
                if !queue.isEmpty {
                    item = queue.removeFirst()
                } else if let f = failure {
                    failure = nil
                    throw f
                } else {
                    item = try open?.next()
                    if let codec, let open { codec.learn(open.takePieces().map { (TokenID($0.0), $0.1) }) }
                }
            } catch {
                open = nil
                throw error
            }
            switch item {
            case .token(let t):
                segments[segments.count - 1].delivered += 1
                given = t.token
                let record = segments[segments.count - 1]
                if open != nil, queue.isEmpty,
                   t.token == record.plan.stopAt || endOfGeneration.contains(t.token) || record.delivered == record.plan.maxTokens {
                    // The final item follows at once: read it now (an error there is the next call's).
                    switch try? open!.next() {
                    case .end(let end)?: ended(end)
                    case let ahead?: queue.append(ahead)
                    case nil: break
                    }
                }
                return t
            case .end(let end):
                ended(end)
                if segments[segments.count - 1].delivered == 0 {
                    emptySegments += 1
                    if emptySegments >= 2 {
                        throw ServerError(server.url.absoluteString, "two segments in a row ended (\(end.reason.rawValue)) without a token; expected at least one")
                    }
                }
            case nil:
                open = nil
            }
        }
    }

    /// An error met while reading a segment whole, raised once its tokens are handed out.
    private var failure: Error?

    /// Reads the open segment to its end: its tokens queue up, its end (and routing) is noted now.
    private func readWhole() throws {
        while let item = try open?.next() {
            if case .end(let end) = item {
                if let r = end.routing {
                    for (i, row) in r.rows.enumerated() where !row.isEmpty { routed[r.firstPosition + i] = row }
                }
                // A segment without tokens ends through the loop below (which counts empty segments).
                if queue.isEmpty { queue.append(item) } else { ended(end) }
                return
            }
            queue.append(item)
        }
        if let codec, let open { codec.learn(open.takePieces().map { (TokenID($0.0), $0.1) }) }
    }

    /// The open segment ended by itself.
    private func ended(_ end: SegmentEnd) {
        segments[segments.count - 1].end = end
        ledger.add(segments[segments.count - 1])
        open = nil
    }

    /// Ends the open segment: the server stops generating, the cache keeps what it decoded.
    private func closeSegment() {
        if open != nil, let last = segments.last { ledger.add(last) }
        open?.cancel()
        open = nil
        given = nil
        queue = []
        failure = nil
    }

    /// Truncates the transcript (the server's cache truncates to the common prefix by itself).
    public func rewind(to position: Int) {
        closeSegment()
        transcript = Array(transcript.prefix(position))
        routed = routed.filter { $0.key < position }
    }

    // A server hands out tokens, not logits; routing where it reports it (vLLM, SGLang).
    public var logits: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: nil, count: 0) }
    public var lastRouting: [LayerRouting] { transcript.isEmpty ? [] : routed[transcript.count - 1] ?? [] }
    public func routing(ofLast count: Int) -> [[LayerRouting]] {
        (max(0, transcript.count - count)..<transcript.count).map { routed[$0] ?? [] }
    }
    public var expertShape: (layers: Int, experts: Int)? { server.routing.map { ($0.layers, $0.experts) } }

    public func fork() -> LanguageModel { ServerModel(copying: self, transcript: transcript) }
    public func fork(at position: Int) -> LanguageModel {
        ServerModel(copying: self, transcript: Array(transcript.prefix(position)))
    }

    public func score(_ tokens: [Int], from: Int) throws -> [Double] {
        throw ServerError(server.url.absoluteString, "scoring tokens needs the model's logits, which a server does not give")
    }
}

/// What segments cost a server, summed over a model and its forks (a sweep's trunk and branches).
public final class SegmentLedger: @unchecked Sendable {
    private let lock = NSLock()
    public private(set) var segments = 0
    public private(set) var cancelled = 0
    public private(set) var promptEvaluated = 0
    public private(set) var promptCached = 0
    /// Tokens the server reported generating (segments that ended), and tokens the client took.
    public private(set) var generated = 0
    public private(set) var delivered = 0

    public init() {}

    func add(_ r: ServerModel.SegmentRecord) {
        lock.lock()
        defer { lock.unlock() }
        segments += 1
        delivered += r.delivered
        guard let end = r.end else {
            cancelled += 1
            return
        }
        promptEvaluated += end.promptEvaluated ?? 0
        promptCached += end.promptCached ?? 0
        generated += end.generated ?? 0
    }

    /// One line for the end of a run or a sweep.
    public var summary: String {
        lock.lock()
        defer { lock.unlock() }
        return "\(segments) segments (\(cancelled) cancelled), prompt tokens evaluated \(promptEvaluated), "
            + "from cache \(promptCached), generated \(generated) (ended segments), tokens taken \(delivered)"
    }
}
