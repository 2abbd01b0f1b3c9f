import Engine
@testable import Inspector
import Reasoning
import Tokenizer

/// A byte-level vocabulary with ChatML and think tokens: ids 0–255 are bytes, then
/// <|endoftext|> 256, <|im_start|> 257, <|im_end|> 258, <think> 259, </think> 260.
func fakeChat() throws -> ChatFormat {
    var tokens = ByteLevel.byteToScalar.map { String($0) }
    var types = [TokenType](repeating: .normal, count: 256)
    tokens += ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
    types += [.control, .control, .control, .userDefined, .userDefined]
    let vocab = try Vocabulary(tokens: tokens, types: types, merges: [], eosID: 258)
    return try ChatFormat(tokenizer: BPETokenizer(vocabulary: vocab))
}

/// A thinking model that follows a script: `<think>`, `thought` bytes for `thinkLength` tokens,
/// `</think>`, then `answer`, then `<|im_end|>`. It reports routing for 4 layers × 8 experts and
/// can rewind, like the engine.
final class FakeThinker: RewindableModel {
    let chat: ChatFormat
    private(set) var thought: [Int]
    private(set) var answer: [Int]
    let thinkLength: Int
    /// Seconds each evaluate takes (to look like a real model).
    let delay: Double
    private(set) var fed: [Int] = []
    private(set) var rewinds: [Int] = []
    private var buffer: [Float]

    init(chat: ChatFormat, thought: String = "hmm ", thinkLength: Int = 12, answer: String = "42", delay: Double = 0) {
        self.chat = chat
        self.thought = Array(thought.utf8).map(Int.init)
        self.answer = Array(("\n\n" + answer).utf8).map(Int.init)
        self.thinkLength = thinkLength
        self.delay = delay
        buffer = [Float](repeating: 0, count: chat.tokenizer.vocabularySize)
    }

    var vocabularySize: Int { buffer.count }
    var position: Int { fed.count }
    var expertShape: (layers: Int, experts: Int)? { (4, 8) }
    var lastRouting: [LayerRouting] {
        (0..<4).map { l in LayerRouting(experts: [(fed.count + l) % 8, (l * 3) % 8 == (fed.count + l) % 8 ? 7 : (l * 3) % 8], weights: [0.7, 0.3]) }
    }

    func rewind(to p: Int) {
        rewinds.append(p)
        fed.removeSubrange(min(p, fed.count)...)
    }

    func evaluate(_ tokens: [Int]) throws {
        if delay > 0 { Thread.sleepSeconds(delay) }
        fed += tokens
        refresh()
    }

    private func refresh() {
        buffer = [Float](repeating: 0, count: buffer.count)
        buffer[next()] = 10
    }

    var logits: UnsafeBufferPointer<Float> { buffer.withUnsafeBufferPointer { $0 } }

    /// A copy that continues on its own (its rewinds are its own too).
    func fork() -> LanguageModel { fork(at: fed.count) }

    func fork(at p: Int) -> LanguageModel {
        let m = FakeThinker(chat: chat, thinkLength: thinkLength, delay: delay)
        m.thought = thought
        m.answer = answer
        m.fed = Array(fed.prefix(p))
        m.refresh()
        return m
    }

    private func next() -> Int {
        let turn = (fed.lastIndex(of: Int(chat.turnStart)) ?? -1) + 1
        let tail = fed[turn...]
        if let i = tail.lastIndex(of: Int(chat.thinkEnd!)) {
            let n = fed.count - i - 1
            return n < answer.count ? answer[n] : Int(chat.turnEnd)
        }
        if let i = tail.lastIndex(of: Int(chat.thinkStart!)) {
            let n = fed.count - i - 1
            return n >= thinkLength ? Int(chat.thinkEnd!) : thought[n % thought.count]
        }
        return Int(chat.thinkStart!)
    }
}

import Foundation
