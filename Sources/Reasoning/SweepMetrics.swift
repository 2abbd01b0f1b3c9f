/// One (mode, budget) cell of a sweep, with s1's metrics computed over its runs.
public struct SweepCell: Sendable, Equatable, Codable {
    public var mode: String
    /// The budget in tokens (nil: unlimited or not applicable).
    public var budget: Int?
    public var runs = 0
    public var correct = 0
    /// Runs whose sampled thinking stayed within the budget (s1 "Control").
    public var withinBudget = 0
    public var thinkingTokens = 0

    public init(mode: String, budget: Int?) {
        self.mode = mode
        self.budget = budget
    }

    public var accuracy: Double { runs == 0 ? 0 : Double(correct) / Double(runs) }
    public var meanThinkingTokens: Double { runs == 0 ? 0 : Double(thinkingTokens) / Double(runs) }
    public var control: Double { runs == 0 ? 0 : Double(withinBudget) / Double(runs) }
}

/// s1's three numbers for one mode (Muennighoff et al. 2025, §3.2).
public struct SweepSummary: Sendable, Equatable, Codable {
    public var mode: String
    /// Share of runs that respected their budget.
    public var control: Double
    /// Average pairwise slope of accuracy (percentage points) per 100 thinking tokens.
    public var scaling: Double?
    /// Best accuracy.
    public var performance: Double

    public init(mode: String, cells: [SweepCell]) {
        self.mode = mode
        let runs = cells.reduce(0) { $0 + $1.runs }
        control = runs == 0 ? 0 : Double(cells.reduce(0) { $0 + $1.withinBudget }) / Double(runs)
        performance = cells.map(\.accuracy).max() ?? 0
        let points = cells.map { ($0.meanThinkingTokens, $0.accuracy * 100) }.sorted { $0.0 < $1.0 }
        var slopes: [Double] = []
        for i in points.indices {
            for j in points.indices where j > i && points[j].0 > points[i].0 {
                slopes.append((points[j].1 - points[i].1) / (points[j].0 - points[i].0) * 100)
            }
        }
        scaling = slopes.isEmpty ? nil : slopes.reduce(0, +) / Double(slopes.count)
    }
}
