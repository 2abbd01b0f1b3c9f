/// An intervention on Mixture-of-Experts routing: experts dropped from the selection, or forced
/// into it, in every layer or in chosen layers. With an empty mask routing is unchanged.
public struct ExpertMask: Sendable, Hashable, Codable {
    /// Experts never selected, in every layer.
    public var dropped: Set<Int> = []
    /// Experts never selected, per layer.
    public var droppedInLayer: [Int: Set<Int>] = [:]
    /// Experts always selected (before the router's own best), in every layer.
    public var forced: Set<Int> = []
    /// Experts always selected, per layer.
    public var forcedInLayer: [Int: Set<Int>] = [:]

    public init(dropped: Set<Int> = [], droppedInLayer: [Int: Set<Int>] = [:], forced: Set<Int> = [],
                forcedInLayer: [Int: Set<Int>] = [:]) {
        self.dropped = dropped
        self.droppedInLayer = droppedInLayer
        self.forced = forced
        self.forcedInLayer = forcedInLayer
    }

    /// The mask as `parse` reads it (layers and experts in order).
    public var text: String {
        var items: [String] = dropped.sorted().map { "*:\($0)" }
        for l in droppedInLayer.keys.sorted() { items += droppedInLayer[l]!.sorted().map { "\(l):\($0)" } }
        items += forced.sorted().map { "+*:\($0)" }
        for l in forcedInLayer.keys.sorted() { items += forcedInLayer[l]!.sorted().map { "+\(l):\($0)" } }
        return items.joined(separator: ",")
    }

    public var isEmpty: Bool { dropped.isEmpty && droppedInLayer.isEmpty && forced.isEmpty && forcedInLayer.isEmpty }

    public func drops(_ expert: Int, layer: Int) -> Bool {
        dropped.contains(expert) || droppedInLayer[layer]?.contains(expert) == true
    }

    /// Forced experts of `layer`, ascending (a dropped one is not forced).
    public func forced(layer: Int) -> [Int] {
        forced.union(forcedInLayer[layer] ?? []).filter { !drops($0, layer: layer) }.sorted()
    }

    /// Parses `L:E,L:E…` (`*:E` for every layer; a leading `+` forces instead of dropping), as
    /// `--mask` takes it. Nil with the reason for anything else.
    public static func parse(_ text: String) -> Result<ExpertMask, ExpertMaskError> {
        var m = ExpertMask()
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            var item = raw.trimmingWhitespace()
            let force = item.hasPrefix("+")
            if force { item.removeFirst() }
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let e = Int(parts[1]), e >= 0 else {
                return .failure(ExpertMaskError("'\(raw)' is not LAYER:EXPERT (LAYER a number or *, EXPERT a number; + forces)"))
            }
            if parts[0] == "*" {
                if force { m.forced.insert(e) } else { m.dropped.insert(e) }
            } else if let l = Int(parts[0]), l >= 0 {
                if force { m.forcedInLayer[l, default: []].insert(e) } else { m.droppedInLayer[l, default: []].insert(e) }
            } else {
                return .failure(ExpertMaskError("'\(raw)': the layer must be a number or *"))
            }
        }
        return .success(m)
    }

    /// Why the mask does not fit a model with `layers` layers of `experts` experts, `used` per
    /// token, or nil: every expert and layer must exist, and each layer must keep `used` experts.
    public func problem(layers: Int, experts: Int, used: Int) -> String? {
        let all = dropped.union(forced).union(droppedInLayer.values.flatMap { $0 }).union(forcedInLayer.values.flatMap { $0 })
        if let e = all.first(where: { $0 >= experts }) { return "expert \(e) does not exist (the model has \(experts) per layer)" }
        if let l = Set(droppedInLayer.keys).union(forcedInLayer.keys).first(where: { $0 >= layers }) {
            return "layer \(l) does not exist (the model has \(layers))"
        }
        for l in 0..<layers where (0..<experts).count(where: { !drops($0, layer: l) }) < used {
            return "layer \(l) would keep fewer than the \(used) experts a token uses"
        }
        return nil
    }
}

public struct ExpertMaskError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// The Qwen3-MoE router's choice for one token, with an optional mask.
public enum ExpertRouting {
    /// Chooses `k` of `e` experts from the softmaxed router probabilities `p`, best first, and
    /// their weights renormalised over the chosen (summed in double, as `ggml_sum_rows`): the
    /// Qwen3-MoE router (softmax, then top-k). Slots `topK` could not fill get weight 0 (their
    /// outputs count for nothing). Without a mask the result is the router's, bit for bit.
    public static func select(_ p: UnsafePointer<Float>, count e: Int, k: Int, layer: Int, mask: ExpertMask?,
                              selected sel: UnsafeMutablePointer<Int32>, weights wts: UnsafeMutablePointer<Float>) {
        let filled = topK(p, count: e, k: k, layer: layer, mask: mask, into: sel)
        var sum = 0.0  // in double, as ggml_sum_rows
        for j in 0..<filled { wts[j] = p[Int(sel[j])]; sum += Double(wts[j]) }
        let denom = max(Float(sum), 6.103515625e-5)
        for j in 0..<filled { wts[j] /= denom }
        for j in filled..<k { wts[j] = 0 }
    }

    /// The indices of the `k` largest of `p` (ties: the lower index first), best first, with the
    /// mask of `layer` applied: dropped experts are skipped, forced ones take the first slots (by
    /// expert order), the rest are the best of the others. Returns how many were chosen; when the
    /// mask leaves fewer than `k`, the remaining slots hold distinct unchosen experts (give them
    /// weight 0). Without a mask it is the router's plain top-k.
    @discardableResult
    public static func topK(_ p: UnsafePointer<Float>, count e: Int, k: Int, layer: Int, mask: ExpertMask?,
                            into sel: UnsafeMutablePointer<Int32>) -> Int {
        let mask = mask?.isEmpty == false ? mask : nil
        var filled = 0
        if let mask {
            for f in mask.forced(layer: layer) where filled < k && f < e {
                sel[filled] = Int32(f)
                filled += 1
            }
        }
        let fixed = filled
        // The best of the rest, by insertion.
        for i in 0..<e where fixed < k {
            if let mask, mask.drops(i, layer: layer) || (0..<fixed).contains(where: { sel[$0] == Int32(i) }) { continue }
            let v = p[i]
            if filled == k && v <= p[Int(sel[k - 1])] { continue }
            var j = min(filled, k - 1)
            while j > fixed && p[Int(sel[j - 1])] < v {
                sel[j] = sel[j - 1]
                j -= 1
            }
            sel[j] = Int32(i)
            if filled < k { filled += 1 }
        }
        let chosen = filled
        var spare = 0
        while filled < k {
            while (0..<filled).contains(where: { sel[$0] == Int32(spare) }) { spare += 1 }
            sel[filled] = Int32(min(spare, e - 1))
            filled += 1
        }
        return chosen
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
