/// s1's prompt-conditional length controls: instead of forcing, ask the model in the prompt.
/// They are prompt transforms, so a sweep can compare them with budget forcing on equal terms.
public enum PromptControl: String, Sendable, Codable, CaseIterable {
    /// "Think for up to N tokens."
    case token
    /// "Think for up to N steps." (a step is about 100 tokens in s1)
    case step
    /// Class-conditional, long: think long and double-check.
    case long
    /// Class-conditional, short: think briefly.
    case short

    /// The user prompt with the control appended. Token and step controls need a budget.
    public func apply(to prompt: String, budget: Int?) -> String {
        switch self {
        case .token:
            return budget.map { "\(prompt)\n\nThink for up to \($0) tokens." } ?? prompt
        case .step:
            return budget.map { "\(prompt)\n\nThink for up to \(max(1, ($0 + 99) / 100)) steps." } ?? prompt
        case .long:
            return prompt + "\n\nAnswer after a long amount of thinking. If you feel like you are finished early, spend the extra time trying to double-check your work until you are absolutely sure that you have the correct answer."
        case .short:
            return prompt + "\n\nAnswer after a short amount of thinking. Do not spend excessive time double-checking your work."
        }
    }
}
