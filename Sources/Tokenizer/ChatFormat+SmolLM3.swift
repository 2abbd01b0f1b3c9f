import Foundation

extension ChatFormat {
    /// SmolLM3's template (see `Template.smolLM3`), without tools: a metadata system block (never closed
    /// by `<|im_end|>` when there are no tools, as the template writes it), ChatML turns, and an empty
    /// think block before every reply in `/no_think` mode.
    func smolLM3(_ messages: [ChatMessage], addGenerationPrompt: Bool, enableThinking: Bool,
                 _ b: inout SegmentBuilder) {
        let imStart = controls["<|im_start|>"]!, imEnd = controls["<|im_end|>"]!
        var think = enableThinking
        var instructions = ""
        let system = messages.first?.role == .system ? messages[0].content : ""
        if system.contains("/no_think") {
            think = false
        } else if system.contains("/think") {
            think = true
        }
        instructions = Self.trimTrailingWhitespace(
            system.replacingOccurrences(of: "/no_think", with: "").replacingOccurrences(of: "/think", with: ""))
        b.control(imStart)
        b.text("system\n")
        if system.contains("/system_override") {
            b.text(Self.trimTrailingWhitespace(instructions.replacingOccurrences(of: "/system_override", with: "")))
            b.control(imEnd); b.text("\n")
        } else {
            b.text("## Metadata\n\nKnowledge Cutoff Date: June 2025\nToday Date: \(Self.smolLM3Date(date))\n"
                   + "Reasoning Mode: \(think ? "/think" : "/no_think")\n\n## Custom Instructions\n\n")
            b.text(!instructions.isEmpty ? instructions + "\n\n" : think ? Self.smolLM3ThinkPersona : Self.smolLM3Persona)
        }
        let empty: (TokenID, TokenID)? = think ? nil : thinkTokens
        for m in messages {
            switch m.role {
            case .system:
                continue
            case .user:
                b.control(imStart); b.text("user\n" + m.content); b.control(imEnd); b.text("\n")
            case .assistant:
                b.control(imStart); b.text("assistant\n")
                if let (ts, te) = empty { b.control(ts); b.text("\n\n"); b.control(te); b.text("\n") }
                b.text(Self.dropLeadingNewlines(m.content)); b.control(imEnd); b.text("\n")
            }
        }
        guard addGenerationPrompt else { return }
        b.control(imStart); b.text("assistant\n")
        if let (ts, te) = empty { b.control(ts); b.text("\n\n"); b.control(te); b.text("\n") }
    }

    static func trimTrailingWhitespace(_ s: String) -> String {
        var u = s.unicodeScalars[...]
        while let last = u.last, last.properties.isWhitespace { u = u.dropLast() }
        return String(u)
    }

    /// A date as SmolLM3's template writes it (`strftime("%d %B %Y")`: "07 December 2026").
    static func smolLM3Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "dd MMMM yyyy"
        return f.string(from: date)
    }

    static let smolLM3Persona = "You are a helpful AI assistant named SmolLM, trained by Hugging Face.\n\n"
    static let smolLM3ThinkPersona = "You are a helpful AI assistant named SmolLM, trained by Hugging Face. "
        + "Your role as an assistant involves thoroughly exploring questions through a systematic thinking process "
        + "before providing the final precise and accurate solutions. This requires engaging in a comprehensive cycle "
        + "of analysis, summarizing, exploration, reassessment, reflection, backtracking, and iteration to develop "
        + "well-considered thinking process. Please structure your response into two main sections: Thought and "
        + "Solution using the specified format: <think> Thought section </think> Solution section. In the Thought "
        + "section, detail your reasoning process in steps. Each step should include detailed considerations such as "
        + "analysing questions, summarizing relevant findings, brainstorming new ideas, verifying the accuracy of the "
        + "current steps, refining any errors, and revisiting previous steps. In the Solution section, based on "
        + "various attempts, explorations, and reflections from the Thought section, systematically present the "
        + "final solution that you deem correct. The Solution section should be logical, accurate, and concise and "
        + "detail necessary steps needed to reach the conclusion.\n\n"
}
