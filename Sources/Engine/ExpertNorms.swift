/// How loud each expert is: the mean L2 norm of its own output (before the routing weight) per
/// (layer, expert), over the tokens routed to it, from the `expertOutputNorms` tap. An expert far
/// louder than the others of its layer is a candidate "super expert" (Su et al. 2025: removing
/// the few of Qwen3-30B-A3B breaks the model), which masking should warn about.
public struct ExpertNorms: Sendable, Equatable {
    public let layers: Int
    public let experts: Int
    /// Sum of norms and number of tokens, per `layer * experts + expert`.
    public private(set) var sums: [Double]
    public private(set) var counts: [Int]

    /// An expert counts as a super expert from this many times its layer's median on.
    public static let superExpertRatio = 10.0

    public init(layers: Int, experts: Int) {
        self.layers = max(0, layers)
        self.experts = max(0, experts)
        sums = Array(repeating: 0, count: self.layers * self.experts)
        counts = Array(repeating: 0, count: self.layers * self.experts)
    }

    public mutating func add(layer: Int, expert: Int, norm: Float) {
        guard layer >= 0, layer < layers, expert >= 0, expert < experts, norm.isFinite else { return }
        sums[layer * experts + expert] += Double(norm)
        counts[layer * experts + expert] += 1
    }

    public mutating func add(_ tap: ExpertNormTap) {
        for (e, n) in zip(tap.experts, tap.norms) { add(layer: tap.layer, expert: Int(e), norm: n) }
    }

    /// Mean output norm of the expert, nil when it was never selected.
    public func mean(layer: Int, expert: Int) -> Double? {
        guard layer >= 0, layer < layers, expert >= 0, expert < experts else { return nil }
        let i = layer * experts + expert
        return counts[i] > 0 ? sums[i] / Double(counts[i]) : nil
    }

    /// The expert's mean norm over the median of the other seen experts' means in its layer; nil
    /// when either is unknown (or the median is 0).
    public func ratio(layer: Int, expert: Int) -> Double? {
        guard let m = mean(layer: layer, expert: expert) else { return nil }
        let others = (0..<experts).filter { $0 != expert }.compactMap { mean(layer: layer, expert: $0) }.sorted()
        guard !others.isEmpty else { return nil }
        let n = others.count
        let median = n % 2 == 1 ? others[n / 2] : (others[n / 2 - 1] + others[n / 2]) / 2
        return median > 0 ? m / median : nil
    }

    /// The experts `mask` drops whose ratio is at least `threshold`, loudest first.
    public func superExperts(droppedBy mask: ExpertMask, threshold: Double = superExpertRatio) -> [SuperExpert] {
        var found: [SuperExpert] = []
        for l in 0..<layers {
            for e in 0..<experts where mask.drops(e, layer: l) {
                if let r = ratio(layer: l, expert: e), r >= threshold { found.append(SuperExpert(layer: l, expert: e, ratio: r)) }
            }
        }
        return found.sorted { ($0.ratio, -$0.layer, -$0.expert) > ($1.ratio, -$1.layer, -$1.expert) }
    }
}

/// An expert whose output norm is `ratio` times its layer's median.
public struct SuperExpert: Sendable, Equatable {
    public var layer: Int
    public var expert: Int
    public var ratio: Double

    public init(layer: Int, expert: Int, ratio: Double) {
        self.layer = layer
        self.expert = expert
        self.ratio = ratio
    }
}
