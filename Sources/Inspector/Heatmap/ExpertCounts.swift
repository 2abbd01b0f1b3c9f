import Reasoning

/// Routing of one token kept compactly: `perLayer` expert ids per layer (best first) and their
/// weights quantized to 1/65535. Missing entries are 0xFFFF.
public struct CompactRouting: Sendable, Equatable {
    public let layers: Int
    public let perLayer: Int
    public let experts: [UInt16]
    public let weights: [UInt16]

    public init?(_ routing: [LayerRouting]) {
        guard !routing.isEmpty else { return nil }
        let k = routing.map(\.experts.count).max() ?? 0
        guard k > 0 else { return nil }
        var e = [UInt16](repeating: 0xFFFF, count: routing.count * k)
        var w = [UInt16](repeating: 0, count: routing.count * k)
        for (l, r) in routing.enumerated() {
            for (j, x) in r.experts.prefix(k).enumerated() where x >= 0 && x < 0xFFFF {
                e[l * k + j] = UInt16(x)
                let wt = j < r.weights.count ? r.weights[j] : 0
                w[l * k + j] = UInt16((Double(wt.isFinite ? wt : 0).clamped(0, 1) * 65535).rounded())
            }
        }
        layers = routing.count
        perLayer = k
        experts = e
        weights = w
    }

    /// (expert, weight) pairs of a layer, best first.
    public func layer(_ l: Int) -> [(expert: Int, weight: Double)] {
        guard l >= 0 && l < layers else { return [] }
        return (0..<perLayer).compactMap { j in
            let e = experts[l * perLayer + j]
            return e == 0xFFFF ? nil : (Int(e), Double(weights[l * perLayer + j]) / 65535)
        }
    }
}

/// What the heatmap shows.
public enum HeatmapView: String, CaseIterable, Sendable {
    case run, thinking, answer, difference, token

    public var title: String {
        switch self {
        case .run: return "whole run"
        case .thinking: return "thinking only"
        case .answer: return "answer only"
        case .difference: return "thinking − answer"
        case .token: return "selected token"
        }
    }
}

/// How counts become colours.
public enum HeatmapScale: String, CaseIterable, Sendable {
    case sqrt, log, linear

    func apply(_ v: Double) -> Double {
        switch self {
        case .sqrt: return v.squareRoot()
        case .log: return log1p(v)
        case .linear: return v
        }
    }
}

/// The values of one heatmap view: `values[layer * experts + expert]` in 0…1 (or -1…1 when
/// `diverging`), a per-layer summary figure, and what the extremes mean.
public struct HeatmapMatrix: Sendable, Equatable {
    public var layers: Int
    public var experts: Int
    public var values: [Double]
    public var diverging: Bool
    /// Per layer: normalised entropy (counts views), total variation distance (difference),
    /// top-1 weight (token). nil when the layer has no data.
    public var layerFigure: [Double?]
    public var figureName: String
    /// The raw value at 1.0 (count, share difference or weight), for the legend.
    public var maxRaw: Double
    public var isEmpty: Bool
}

/// Expert-routing counts per (layer, expert), split by phase, accumulated from token events so
/// that a replayed trace draws the same heatmap as the live run.
public struct ExpertCounts: Sendable, Equatable {
    public let layers: Int
    public let experts: Int
    public private(set) var thinking: [Int32]
    public private(set) var answer: [Int32]
    public private(set) var thinkingTokens = 0
    public private(set) var answerTokens = 0

    public init(layers: Int, experts: Int) {
        self.layers = max(0, layers)
        self.experts = max(0, experts)
        thinking = Array(repeating: 0, count: self.layers * self.experts)
        answer = thinking
    }

    public mutating func add(_ r: CompactRouting, phase: Phase) {
        let intoThinking = phase == .thinking
        for l in 0..<min(layers, r.layers) {
            for j in 0..<r.perLayer {
                let e = Int(r.experts[l * r.perLayer + j])
                guard e < experts else { continue }
                if intoThinking { thinking[l * experts + e] += 1 } else { answer[l * experts + e] += 1 }
            }
        }
        if intoThinking { thinkingTokens += 1 } else { answerTokens += 1 }
    }

    public func count(layer: Int, expert: Int, _ view: HeatmapView) -> Int {
        let i = layer * experts + expert
        switch view {
        case .thinking: return Int(thinking[i])
        case .answer: return Int(answer[i])
        default: return Int(thinking[i] + answer[i])
        }
    }

    public func matrix(_ view: HeatmapView, scale: HeatmapScale, token: CompactRouting?) -> HeatmapMatrix {
        let n = layers * experts
        var values = [Double](repeating: 0, count: n)
        var figure = [Double?](repeating: nil, count: layers)
        switch view {
        case .run, .thinking, .answer:
            var raw = [Double](repeating: 0, count: n)
            for i in 0..<n {
                raw[i] = Double(view == .thinking ? thinking[i] : view == .answer ? answer[i] : thinking[i] + answer[i])
            }
            let maxRaw = raw.max() ?? 0
            let top = scale.apply(maxRaw)
            if top > 0 { for i in 0..<n { values[i] = scale.apply(raw[i]) / top } }
            for l in 0..<layers { figure[l] = Self.normalisedEntropy(raw[(l * experts)..<((l + 1) * experts)]) }
            return HeatmapMatrix(layers: layers, experts: experts, values: values, diverging: false, layerFigure: figure,
                                 figureName: "balance (normalised entropy, 1 = even)", maxRaw: maxRaw, isEmpty: maxRaw == 0)
        case .difference:
            var maxAbs = 0.0
            for l in 0..<layers {
                let r = (l * experts)..<((l + 1) * experts)
                let st = Double(thinking[r].reduce(0, +)), sa = Double(answer[r].reduce(0, +))
                guard st > 0 || sa > 0 else { continue }
                var tvd = 0.0
                for i in r {
                    let d = (st > 0 ? Double(thinking[i]) / st : 0) - (sa > 0 ? Double(answer[i]) / sa : 0)
                    values[i] = d
                    maxAbs = max(maxAbs, abs(d))
                    tvd += abs(d)
                }
                figure[l] = tvd / 2
            }
            if maxAbs > 0 { for i in 0..<n { values[i] /= maxAbs } }
            return HeatmapMatrix(layers: layers, experts: experts, values: values, diverging: true, layerFigure: figure,
                                 figureName: "difference (total variation, 0 = same)", maxRaw: maxAbs, isEmpty: maxAbs == 0)
        case .token:
            guard let t = token else {
                return HeatmapMatrix(layers: layers, experts: experts, values: values, diverging: false, layerFigure: figure,
                                     figureName: "top-1 weight", maxRaw: 0, isEmpty: true)
            }
            for l in 0..<min(layers, t.layers) {
                let picks = t.layer(l)
                for p in picks where p.expert < experts { values[l * experts + p.expert] = max(p.weight, 0.02) }
                figure[l] = picks.first?.weight
            }
            return HeatmapMatrix(layers: layers, experts: experts, values: values, diverging: false, layerFigure: figure,
                                 figureName: "top-1 weight", maxRaw: 1, isEmpty: t.layers == 0)
        }
    }

    /// H(p) / ln(n) of a row of counts; nil when the row is empty.
    static func normalisedEntropy(_ row: ArraySlice<Double>) -> Double? {
        let total = row.reduce(0, +)
        guard total > 0, row.count > 1 else { return nil }
        var h = 0.0
        for c in row where c > 0 {
            let p = c / total
            h -= p * log(p)
        }
        return h / log(Double(row.count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
