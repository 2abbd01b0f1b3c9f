import Engine
import Reasoning
import Tokenizer

/// A byte-level vocabulary with ChatML and think tokens: ids 0–255 are bytes, then
/// <|endoftext|>, <|im_start|>, <|im_end|>, <think>, </think>.
func testVocabulary(thinkTokens: Bool = true) throws -> Vocabulary {
    var tokens = ByteLevel.byteToScalar.map { String($0) }
    var types = [TokenType](repeating: .normal, count: 256)
    tokens += ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types += [.control, .control, .control]
    if thinkTokens {
        tokens += ["<think>", "</think>"]
        types += [.userDefined, .userDefined]
    }
    return try Vocabulary(tokens: tokens, types: types, merges: [], eosID: 258)
}

func testChat(thinkTokens: Bool = true) throws -> ChatFormat {
    try ChatFormat(tokenizer: BPETokenizer(vocabulary: testVocabulary(thinkTokens: thinkTokens)))
}

/// A byte-level test chat format in each family's conventions: ChatML as `testChat()`; DeepSeek-R1
/// (its own turn tokens and BOS, the template opening `<think>\n`); SmolLM3 (ChatML after a metadata
/// system block, the model opening `<think>` itself); harmony (the analysis channel opened by the prompt,
/// `<|end|>` ending it); s1 (`<|im_start|>think`, ended by the next `<|im_start|>`).
func testChat(_ template: ChatFormat.Template) throws -> ChatFormat {
    switch template {
    case .chatML:
        return try testChat()
    case .deepSeekR1:
        var tokens = ByteLevel.byteToScalar.map { String($0) }
        tokens += ["<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜begin▁of▁sentence｜>", "<think>", "</think>"]
        let types = [TokenType](repeating: .normal, count: 256) + [.control, .control, .control, .control, .userDefined, .userDefined]
        return try ChatFormat(tokenizer: BPETokenizer(vocabulary: Vocabulary(
            tokens: tokens, types: types, merges: [], preTokenizer: "deepseek-r1-qwen", bosID: 259, eosID: 256,
            addBOS: true, chatTemplate: #"{% if add_generation_prompt %}{{'<｜Assistant｜><think>\n'}}{% endif %}"#)))
    case .harmony:
        var tokens = ByteLevel.byteToScalar.map { String($0) }
        tokens += ["<|endoftext|>", "<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|return|>", "<|call|>"]
        let types = [TokenType](repeating: .normal, count: 256) + [TokenType](repeating: .control, count: 7)
        return try ChatFormat(tokenizer: BPETokenizer(vocabulary: Vocabulary(
            tokens: tokens, types: types, merges: [], preTokenizer: "gpt-4o", eosID: 261)))
    case .s1:
        return try ChatFormat(tokenizer: BPETokenizer(vocabulary: testVocabulary(thinkTokens: false)), template: .s1)
    case .smolLM3:
        let v = try testVocabulary()
        return try ChatFormat(tokenizer: BPETokenizer(vocabulary: Vocabulary(
            tokens: v.tokens, types: v.types, merges: [], eosID: 258,
            chatTemplate: #"{{- "Reasoning Mode: " + reasoning_mode + "\n\n" -}} enable_thinking"#)))
    }
}

/// A fake model that follows a script, whatever was injected: it opens `<think>`, thinks the
/// bytes of `thought` for `thinkLength` tokens, wants `</think>` (its second choice is to keep
/// thinking), then answers `answer` and ends its turn. Logits are 10 for the wanted token, 5 for
/// the second choice, 0 elsewhere, so greedy decoding follows the script exactly.
final class ScriptedModel: LanguageModel {
    let chat: ChatFormat
    private(set) var thought: [Int]
    private(set) var answer: [Int]
    let thinkLength: Int
    let opensThinking: Bool
    var fed: [Int] = []
    /// The context size (thinking must end before it fills).
    var capacity = Int.max
    /// Where the reply starts (the length of the first evaluated batch, the prompt).
    var replyStart: Int?
    /// Forks made of this model and of its forks, and the tokens all of them read, counted together.
    final class Tally { var forks = 0, tokensRead = 0 }
    private(set) var tally = Tally()
    private var buffer: [Float]

    init(chat: ChatFormat, thought: String = "step by step. ", thinkLength: Int = 20, answer: String = "42",
         opensThinking: Bool = true) {
        self.chat = chat
        self.thought = Array(thought.utf8).map(Int.init)
        self.answer = ([10, 10] + Array(answer.utf8)).map(Int.init)
        self.thinkLength = thinkLength
        self.opensThinking = opensThinking
        buffer = [Float](repeating: 0, count: chat.tokenizer.vocabularySize)
    }

    var vocabularySize: Int { buffer.count }
    var position: Int { fed.count }
    var lastRouting: [LayerRouting] { [] }
    var expertShape: (layers: Int, experts: Int)? { nil }

    func evaluate(_ tokens: [Int]) throws {
        guard fed.count + tokens.count <= capacity else {
            throw EngineError.contextFull(capacity: capacity, requested: fed.count + tokens.count)
        }
        fed += tokens
        tally.tokensRead += tokens.count
        if replyStart == nil { replyStart = fed.count }
        refresh()
    }

    private func refresh() {
        buffer = [Float](repeating: 0, count: buffer.count)
        let (want, second) = next()
        buffer[want] = 10
        if let s = second { buffer[s] = 5 }
    }

    var logits: UnsafeBufferPointer<Float> { buffer.withUnsafeBufferPointer { $0 } }

    func fork() -> LanguageModel { fork(at: fed.count) }

    func fork(at p: Int) -> LanguageModel {
        let m = ScriptedModel(chat: chat, thinkLength: thinkLength, opensThinking: opensThinking)
        m.thought = thought
        m.answer = answer
        m.fed = Array(fed.prefix(p))
        m.replyStart = replyStart
        tally.forks += 1
        m.tally = tally
        m.refresh()
        return m
    }

    private func next() -> (Int, Int?) {
        let promptEnd = min(replyStart ?? fed.count, fed.count)
        let prompt = fed[..<promptEnd]
        let generated = fed[promptEnd...]
        let imEnd = Int(chat.turnEnd)
        let end = chat.thinkEnd.map(Int.init)
        // A prompt whose last turn already closed thinking (the empty think block, harmony's empty
        // analysis and open final channel, s1's `<|im_start|>answer`) is answered at once.
        let lastTurn = (prompt.lastIndex(of: Int(chat.turnStart)) ?? -1) + 1
        var closedAt: Int? = nil
        switch chat.template {
        case .s1:
            if fed[lastTurn..<promptEnd].starts(with: Array("answer".utf8).map(Int.init)) { closedAt = promptEnd - 1 }
        case .harmony:
            if prompt.map(TokenID.init).reversed().starts(with: chat.answerOpener.reversed()) { closedAt = promptEnd - 1 }
        default:
            closedAt = end.flatMap { fed[lastTurn..<promptEnd].lastIndex(of: $0) }
        }
        if let i = end.flatMap({ generated.lastIndex(of: $0) }) ?? closedAt {
            // The answer counts from the end of thinking, past a header or forced opener after it
            // (harmony's `<|start|>assistant<|channel|>final<|message|>`, s1's `answer\nFinal Answer:`);
            // an s1 model writes `answer` itself after a natural end.
            var from = i, script = answer
            if chat.template == .harmony, let m = chat.thinkStart.flatMap({ s in fed[i...].lastIndex(of: Int(s)) }) {
                from = m
            } else if chat.template == .s1, fed[(i + 1)...].starts(with: chat.answerOpener.map(Int.init)) {
                from = i + chat.answerOpener.count
            } else if chat.template == .s1, i >= promptEnd {
                script = Array("answer\n".utf8).map(Int.init) + answer
            }
            let n = fed.count - from - 1
            return (n < script.count ? script[n] : imEnd, nil)
        }
        // Thinking: opened by the prompt, or by the model's own think token.
        var thinkingFrom: Int? = chat.promptOpensThinking(prompt.map(TokenID.init)) ? promptEnd - 1 : nil
        if let start = chat.thinkStart.map(Int.init), let i = generated.lastIndex(of: start) { thinkingFrom = i }
        if let i = thinkingFrom {
            let n = fed.count - i - 1
            let keepThinking = thought[n % thought.count]
            return n >= thinkLength ? (end!, keepThinking) : (keepThinking, nil)
        }
        if opensThinking, let start = chat.thinkStart { return (Int(start), nil) }
        let n = fed.count - promptEnd + 2  // the answer script starts with "\n\n"
        return (n < answer.count ? answer[n] : imEnd, nil)
    }
}
