extension ChatFormat {
    /// DeepSeek-R1's template (see `Template.deepSeekR1`), as its distills ship it: the system message
    /// comes first as bare text, earlier replies keep only what follows their last `</think>`, and the
    /// generation prompt opens the think block. With thinking disabled the block is closed at once, as
    /// llama.cpp does for R1 (`<think>\n</think>`).
    func deepSeekR1(_ messages: [ChatMessage], addGenerationPrompt: Bool, enableThinking: Bool,
                    _ b: inout SegmentBuilder) {
        let user = controls["<｜User｜>"]!, assistant = controls["<｜Assistant｜>"]!
        let end = controls["<｜end▁of▁sentence｜>"]!
        if let system = messages.last(where: { $0.role == .system }) { b.text(system.content) }
        for m in messages {
            switch m.role {
            case .system:
                continue
            case .user:
                b.control(user); b.text(m.content)
            case .assistant:
                let answer = m.content.components(separatedBy: "</think>").last ?? m.content
                b.control(assistant); b.text(answer); b.control(end)
            }
        }
        guard addGenerationPrompt else { return }
        b.control(assistant)
        guard case let (ts, te)? = thinkTokens, thinking.mode != .unsupported else { return }
        if !enableThinking || thinking.mode == .alwaysOff {
            b.control(ts); b.text("\n"); b.control(te)
        } else if thinking.mode == .alwaysOn {
            b.control(ts); b.text("\n")
        }
    }
}
