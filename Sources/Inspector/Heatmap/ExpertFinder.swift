import Reasoning

/// The expert finder of the inspector: SteerMoE's risk-difference ranking (`ExpertRanking`) of
/// the experts that fire more often while the model thinks than while it answers, or around
/// hesitation markers ("Wait") than in the rest of the thinking.
public enum FinderRanking: String, Sendable, Equatable, CaseIterable {
    case thinking, aroundWait

    public var title: String {
        switch self {
        case .thinking: return "thinking − answer"
        case .aroundWait: return "around \"Wait\" vs the rest"
        }
    }

    public var next: FinderRanking { self == .thinking ? .aroundWait : .thinking }
}

extension ExpertCounts {
    /// The `top` experts with the largest positive risk difference (thinking over answer); empty
    /// until both phases have tokens.
    public func thinkingExperts(top: Int) -> [FoundExpert] {
        ExpertRanking.riskDifference(layers: layers, experts: experts, a: { Int(thinking[$0]) }, aTokens: thinkingTokens,
                                     b: { Int(answer[$0]) }, bTokens: answerTokens, top: top)
    }
}

extension InspectorState {
    /// The finder's `top` experts: thinking against answer over the conversation's counts (the
    /// heatmap's), or around "Wait" over a run's tokens (a path of the branch tree).
    func foundExperts(_ ranking: FinderRanking, path: [TokenEvent], top: Int) -> [FoundExpert] {
        guard let e = model.experts, e > 0 else { return [] }
        switch ranking {
        case .thinking:
            return counts?.thinkingExperts(top: top) ?? []
        case .aroundWait:
            return ExpertRanking.aroundHesitations(path, markers: markers ?? ThinkingMarkers(hesitations: ["Wait"], switches: []),
                                                   layers: model.layers, experts: e, top: top)
        }
    }
}
