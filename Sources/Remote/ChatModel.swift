import Engine
import Foundation
import Reasoning
import Tokenizer

/// A display-only server behind the generation loop: the request goes out as messages (the chat
/// API renders them), and what streams back is read into ids with the local tokenizer so the
/// loop, the panes, the live counts and the traces work as they do for any model. Thinking
/// arrives between the local format's `<think>` and `</think>` ids, the answer after, and the
/// turn ends with its end-of-turn id. Counts are the local tokenizer's (the server's own total,
/// where it reports one, is in `lastEnd`). Nothing can be injected or refused mid-run: the
/// budget went with the request, so the loop runs this model with no budget of its own.
public final class ChatModel: MessageModel, @unchecked Sendable {
    public let server: any ChatServer
    let chat: ChatFormat
    public var vocabularySize: Int { chat.tokenizer.vocabularySize }
    /// The request the next run sends (set before each run).
    private var request: ChatRequest?
    private var stream: ChatStream?
    private var queue: [Int] = []
    private var phase: Phase = .prompt
    private var finished = false
    private var given: Int?
    public private(set) var transcript: [Int] = []
    /// How the latest reply ended, as the server said.
    public private(set) var lastEnd: ChatEnd?

    public init(server: any ChatServer, chat: ChatFormat) {
        self.server = server
        self.chat = chat
    }

    deinit { stream?.cancel() }

    /// The next run's request: the conversation (the API renders it), thinking on or off, the
    /// budget for the engine's knob.
    public func prepare(messages: [ChatMessage], thinking: Bool, budget: Int?, maxTokens: Int) {
        stream?.cancel()
        stream = nil
        request = ChatRequest(messages: messages, thinking: thinking, budget: budget, maxTokens: maxTokens, sampling: .greedy)
        queue = []
        phase = .prompt
        finished = false
        given = nil
        lastEnd = nil
    }

    /// Why a control cannot act on this model mid-run.
    public static let notForced = "the server only streams text: the budget goes with the request, nothing can be forced mid-run"

    public var position: Int { transcript.count }

    public func evaluate(_ tokens: [Int]) throws {
        if let g = given, tokens == [g] {
            given = nil
        } else if stream != nil || finished {
            throw ServerError(server.url.absoluteString, "\(server.engine): \(Self.notForced)")
        }
        transcript += tokens
    }

    public func next(_ sampling: SamplingParameters, suppressed: Set<Int>, plan: SegmentPlan) throws -> SampledToken {
        let url = server.url.absoluteString
        if !suppressed.isEmpty { throw ServerError(url, "\(server.engine): \(Self.notForced)") }
        while queue.isEmpty {
            if finished { throw ServerError(url, "\(server.engine): the reply is over") }
            if stream == nil {
                guard var r = request else {
                    throw ServerError(url, "\(server.engine): no conversation to send (a display-only server takes messages, not tokens)")
                }
                r.sampling = sampling
                stream = try server.stream(r)
            }
            let piece: ChatPiece?
            do { piece = try stream!.next() } catch {
                stream = nil
                finished = true
                throw error
            }
            switch piece {
            case .thinking(let text):
                if phase == .prompt, let start = chat.thinkStart { queue.append(Int(start)) }
                if phase != .answer { phase = .thinking }
                queue += chat.tokenizer.encodeUserText(text).map(Int.init)
            case .answer(let text):
                if phase == .thinking, let end = chat.thinkEnd { queue.append(Int(end)) }
                phase = .answer
                queue += chat.tokenizer.encodeUserText(text).map(Int.init)
            case .end(let e)?:
                lastEnd = e
                if phase == .thinking, let end = chat.thinkEnd { queue.append(Int(end)) }
                queue.append(Int(chat.endOfGeneration.sorted().first ?? 0))
                stream = nil
                finished = true
            case nil:
                throw ServerError(url, "\(server.engine): the reply ended without its end")
            }
        }
        let t = queue.removeFirst()
        given = t
        // No log-probability: the server gives text only.
        return SampledToken(token: t, logProbability: .nan, alternatives: [])
    }

    public func rewind(to position: Int) {
        stream?.cancel()
        stream = nil
        transcript = Array(transcript.prefix(position))
    }

    public var logits: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: nil, count: 0) }
    public var lastRouting: [LayerRouting] { [] }
    public func routing(ofLast count: Int) -> [[LayerRouting]] { Array(repeating: [], count: count) }
    public var expertShape: (layers: Int, experts: Int)? { nil }

    public func fork() -> LanguageModel { ChatModel(server: server, chat: chat) }
    public func fork(at position: Int) -> LanguageModel { ChatModel(server: server, chat: chat) }

    public func score(_ tokens: [Int], from: Int) throws -> [Double] {
        throw ServerError(server.url.absoluteString, "scoring tokens needs the model's logits, which a chat API does not give")
    }
}
