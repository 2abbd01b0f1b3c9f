/// An expert and how much more often it fires in one group of tokens than in another.
public struct FoundExpert: Sendable, Equatable, Codable {
    public var layer: Int
    public var expert: Int
    /// Share of group A's tokens routed to the expert minus share of group B's.
    public var riskDifference: Double

    public init(layer: Int, expert: Int, riskDifference: Double) {
        self.layer = layer
        self.expert = expert
        self.riskDifference = riskDifference
    }
}

/// Routing counts of a group of tokens: how many of them were routed to each (layer, expert).
public struct RoutingCounts: Sendable, Equatable {
    public let layers: Int
    public let experts: Int
    /// counts[layer * experts + expert]
    public private(set) var counts: [Int]
    public private(set) var tokens = 0

    public init(layers: Int, experts: Int) {
        self.layers = max(0, layers)
        self.experts = max(0, experts)
        counts = Array(repeating: 0, count: self.layers * self.experts)
    }

    /// Counts one token (its routing per layer); a token without routing is not counted.
    public mutating func add(_ routing: [LayerRouting]) {
        guard !routing.isEmpty else { return }
        for (l, r) in routing.prefix(layers).enumerated() {
            for e in Set(r.experts) where e >= 0 && e < experts { counts[l * experts + e] += 1 }
        }
        tokens += 1
    }

    public mutating func add(_ other: RoutingCounts) {
        guard other.layers == layers, other.experts == experts else { return }
        for i in counts.indices { counts[i] += other.counts[i] }
        tokens += other.tokens
    }

    public func count(layer: Int, expert: Int) -> Int { counts[layer * experts + expert] }
}

/// SteerMoE's ranking: experts by risk difference between two groups of tokens (share of group A's
/// tokens routed to the expert minus share of group B's), largest first, positive only. Ties go to
/// the lower layer, then the lower expert.
public enum ExpertRanking {
    public static func riskDifference(layers: Int, experts: Int, a: (Int) -> Int, aTokens: Int,
                                      b: (Int) -> Int, bTokens: Int, top: Int) -> [FoundExpert] {
        guard aTokens > 0, bTokens > 0, top > 0 else { return [] }
        var found: [FoundExpert] = []
        for l in 0..<layers {
            for e in 0..<experts {
                let i = l * experts + e
                let rd = Double(a(i)) / Double(aTokens) - Double(b(i)) / Double(bTokens)
                if rd > 0 { found.append(FoundExpert(layer: l, expert: e, riskDifference: rd)) }
            }
        }
        return Array(found.sorted { ($0.riskDifference, -$0.layer, -$0.expert) > ($1.riskDifference, -$1.layer, -$1.expert) }.prefix(top))
    }

    public static func riskDifference(_ a: RoutingCounts, over b: RoutingCounts, top: Int) -> [FoundExpert] {
        guard a.layers == b.layers, a.experts == b.experts else { return [] }
        return riskDifference(layers: a.layers, experts: a.experts, a: { a.counts[$0] }, aTokens: a.tokens,
                              b: { b.counts[$0] }, bTokens: b.tokens, top: top)
    }

    /// The experts as a mask's text (`L:E,…`).
    public static func maskText(_ found: [FoundExpert]) -> String {
        found.map { "\($0.layer):\($0.expert)" }.joined(separator: ",")
    }

    /// Experts that fire more often near hesitation markers ("Wait", "let me double-check" …,
    /// sampled or injected) than in the rest of the thinking: the thinking tokens of `tokens`
    /// within `radius` tokens of a marker against the other thinking tokens.
    public static func aroundHesitations(_ tokens: [TokenEvent], markers: ThinkingMarkers, layers: Int, experts: Int,
                                         radius: Int = HesitationWindows.radius, top: Int) -> [FoundExpert] {
        let thinking = tokens.filter { $0.phase == .thinking }
        let near = HesitationWindows.near(thinking.map(\.text), markers: markers, radius: radius)
        var a = RoutingCounts(layers: layers, experts: experts), b = a
        for (t, n) in zip(thinking, near) {
            if n { a.add(t.routing) } else { b.add(t.routing) }
        }
        return riskDifference(a, over: b, top: top)
    }
}
