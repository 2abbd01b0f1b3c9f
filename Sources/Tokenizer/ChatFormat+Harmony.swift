import Foundation

extension ChatFormat {
    /// OpenAI's harmony format as gpt-oss's template renders it (see `Template.harmony`), without tools:
    /// the system message with the date and reasoning effort, the user's system prompt as a developer
    /// message, earlier replies as their `final` message only. The generation prompt also opens the
    /// `analysis` channel (the template stops at `<|start|>assistant`; gpt-oss always writes
    /// `<|channel|>analysis<|message|>` next), so budgets count from the first thought, as for QwQ and R1.
    /// With thinking disabled the analysis message is closed empty and the `final` channel opened.
    func harmony(_ messages: [ChatMessage], addGenerationPrompt: Bool, enableThinking: Bool,
                 _ b: inout SegmentBuilder) {
        let start = controls["<|start|>"]!, message = controls["<|message|>"]!, end = controls["<|end|>"]!
        b.control(start)
        b.text("system")
        b.control(message)
        b.text("You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\n"
               + "Current date: \(Self.isoDate(date))\n\nReasoning: \(reasoningEffort.rawValue)\n\n"
               + "# Valid channels: analysis, commentary, final. Channel must be included for every message.")
        b.control(end)
        if let system = messages.first(where: { $0.role == .system }) {
            b.control(start); b.text("developer"); b.control(message)
            b.text("# Instructions\n\n" + system.content + "\n\n"); b.control(end)
        }
        for m in messages {
            switch m.role {
            case .system:
                continue
            case .user:
                b.control(start); b.text("user"); b.control(message); b.text(m.content); b.control(end)
            case .assistant:
                append(harmonyHeader(channel: "final", role: true), to: &b)
                b.text(m.content.components(separatedBy: "</think>").last ?? m.content); b.control(end)
            }
        }
        guard addGenerationPrompt else { return }
        b.control(start); b.text("assistant")
        append(harmonyHeader(channel: "analysis", role: false), to: &b)
        if !enableThinking {
            b.control(end)
            append(harmonyHeader(channel: "final", role: true), to: &b)
        }
    }

    /// `<|start|>assistant<|channel|>{channel}<|message|>` (without the role part when `role` is false).
    func harmonyHeader(channel: String, role: Bool) -> [TokenID] {
        var ids: [TokenID] = []
        if role { ids += [controls["<|start|>"]!] + tokenizer.encodeUserText("assistant") }
        return ids + [controls["<|channel|>"]!] + tokenizer.encodeUserText(channel) + [controls["<|message|>"]!]
    }

    private func append(_ ids: [TokenID], to b: inout SegmentBuilder) {
        // Control ids stay controls; the header words are re-encoded as the text they decode to.
        for id in ids {
            if controls.values.contains(id) { b.control(id) } else { b.text(tokenizer.decode([id])) }
        }
    }

    /// YYYY-MM-DD in the local time zone (the template's `strftime_now("%Y-%m-%d")`).
    static func isoDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date)
    }
}

extension ChatFormat {
    /// s1's format (see `Template.s1`): Qwen2.5 ChatML, the generation prompt followed by
    /// `<|im_start|>think` (thinking on) or `<|im_start|>answer\n` (off), as s1's evaluation code builds it.
    func s1(_ messages: [ChatMessage], addGenerationPrompt: Bool, enableThinking: Bool, _ b: inout SegmentBuilder) {
        let imStart = controls["<|im_start|>"]!, imEnd = controls["<|im_end|>"]!
        for m in messages {
            let content = m.role == .assistant ? (m.content.components(separatedBy: "<|im_start|>answer").last ?? m.content)
                : m.content
            b.control(imStart); b.text(m.role.rawValue + "\n" + content); b.control(imEnd); b.text("\n")
        }
        guard addGenerationPrompt else { return }
        b.control(imStart); b.text("assistant\n")
        b.control(imStart); b.text(enableThinking ? "think" : "answer\n")
    }
}
