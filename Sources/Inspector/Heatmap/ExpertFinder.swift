/// The expert finder: experts that fire more often while the model thinks than while it answers,
/// ranked by risk difference (share of thinking tokens routed to the expert minus share of answer
/// tokens), as SteerMoE ranks experts between two behaviours.
public struct FoundExpert: Sendable, Equatable {
    public var layer: Int
    public var expert: Int
    public var riskDifference: Double
}

extension ExpertCounts {
    /// The `top` experts with the largest positive risk difference (thinking over answer); empty
    /// until both phases have tokens.
    public func thinkingExperts(top: Int) -> [FoundExpert] {
        guard thinkingTokens > 0, answerTokens > 0, top > 0 else { return [] }
        var found: [FoundExpert] = []
        for l in 0..<layers {
            for e in 0..<experts {
                let rd = Double(thinking[l * experts + e]) / Double(thinkingTokens) - Double(answer[l * experts + e]) / Double(answerTokens)
                if rd > 0 { found.append(FoundExpert(layer: l, expert: e, riskDifference: rd)) }
            }
        }
        return Array(found.sorted { ($0.riskDifference, -$0.layer, -$0.expert) > ($1.riskDifference, -$1.layer, -$1.expert) }.prefix(top))
    }
}
