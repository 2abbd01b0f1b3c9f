import Foundation
import EmbeddedModel
import Engine
import GGUF
import Testing

@Suite struct ExpertMaskTests {
    /// The router's choice as it was before masks existed (Session's own top-k and renormalisation).
    static func reference(_ p: [Float], k: Int) -> ([Int32], [Float]) {
        var out = [Int32](repeating: 0, count: k)
        var filled = 0
        for i in 0..<p.count {
            let v = p[i]
            if filled == k && v <= p[Int(out[k - 1])] { continue }
            var j = min(filled, k - 1)
            while j > 0 && p[Int(out[j - 1])] < v {
                out[j] = out[j - 1]
                j -= 1
            }
            out[j] = Int32(i)
            if filled < k { filled += 1 }
        }
        var sum = 0.0
        var w = out.map { p[Int($0)] }
        for x in w { sum += Double(x) }
        let denom = max(Float(sum), 6.103515625e-5)
        w = w.map { $0 / denom }
        return (out, w)
    }

    static func select(_ p: [Float], k: Int, layer: Int = 0, mask: ExpertMask?) -> ([Int32], [Float]) {
        var sel = [Int32](repeating: -1, count: k), w = [Float](repeating: .nan, count: k)
        p.withUnsafeBufferPointer { pp in
            ExpertRouting.select(pp.baseAddress!, count: p.count, k: k, layer: layer, mask: mask, selected: &sel, weights: &w)
        }
        return (sel, w)
    }

    /// Softmaxed router probabilities with some exact ties.
    static func probabilities(_ e: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var logits = (0..<e).map { _ in Float(rng.unitDouble() * 6 - 3) }
        if e > 4 { logits[3] = logits[1]; logits[e - 1] = logits[0] }
        let m = logits.max()!
        let ex = logits.map { expf($0 - m) }
        let s = ex.reduce(0, +)
        return ex.map { $0 / s }
    }

    @Test(arguments: [(8, 2), (16, 4), (128, 8), (60, 4)])
    func withoutAMaskTheChoiceIsTheRoutersBitForBit(shape: (Int, Int)) {
        for seed in 0..<50 as Range<UInt64> {
            let p = Self.probabilities(shape.0, seed: seed)
            let want = Self.reference(p, k: shape.1)
            for mask in [nil, ExpertMask()] as [ExpertMask?] {
                let got = Self.select(p, k: shape.1, mask: mask)
                #expect(got.0 == want.0)
                #expect(got.1.map(\.bitPattern) == want.1.map(\.bitPattern))
            }
        }
    }

    @Test func aDroppedExpertIsNeverChosenAndTheRestRenormalise() {
        for seed in 0..<50 as Range<UInt64> {
            let p = Self.probabilities(16, seed: seed)
            let best = Self.reference(p, k: 4).0
            let mask = ExpertMask(dropped: [Int(best[0])], droppedInLayer: [2: [Int(best[1])]])
            for layer in 0..<4 {
                let (sel, w) = Self.select(p, k: 4, layer: layer, mask: mask)
                #expect(!sel.contains(best[0]))
                #expect(layer != 2 || !sel.contains(best[1]))
                #expect(Set(sel).count == 4)
                // The best of the rest, best first; weights are their probabilities over their sum.
                let rest = (0..<16).filter { !mask.drops($0, layer: layer) }.sorted { (p[$0], -$0) > (p[$1], -$1) }.prefix(4)
                #expect(sel.map(Int.init) == Array(rest))
                let total = rest.reduce(0.0) { $0 + Double(p[$1]) }
                for (j, e) in sel.enumerated() { #expect(abs(Double(w[j]) - Double(p[Int(e)]) / total) < 1e-6) }
                #expect(abs(w.reduce(0, +) - 1) < 1e-5)
            }
        }
    }

    @Test func aForcedExpertIsChosenFirstAndWeighedByItsProbability() {
        let p = Self.probabilities(16, seed: 3)
        let worst = (0..<16).min { p[$0] < p[$1] }!
        let (sel, w) = Self.select(p, k: 4, mask: ExpertMask(forced: [worst]))
        #expect(sel[0] == Int32(worst))
        #expect(Array(sel.dropFirst()) == Array(Self.reference(p, k: 3).0))
        let total = sel.reduce(0.0) { $0 + Double(p[Int($1)]) }
        #expect(abs(Double(w[0]) - Double(p[worst]) / total) < 1e-6)
        // Forcing more than k keeps the first k (by expert order); a dropped expert is not forced.
        let many = Self.select(p, k: 2, mask: ExpertMask(dropped: [1], forced: [1, 5, 7, 9]))
        #expect(many.0 == [5, 7])
    }

    /// The masked top-k alone, as a router that takes the top-k before its softmax would use it.
    @Test func theMaskedTopKReportsHowManyItChose() {
        let p = Self.probabilities(8, seed: 2)
        var sel = [Int32](repeating: -1, count: 3)
        let all = p.withUnsafeBufferPointer { ExpertRouting.topK($0.baseAddress!, count: 8, k: 3, layer: 0, mask: nil, into: &sel) }
        #expect(all == 3 && sel == Self.reference(p, k: 3).0)
        let few = p.withUnsafeBufferPointer {
            ExpertRouting.topK($0.baseAddress!, count: 8, k: 3, layer: 0, mask: ExpertMask(dropped: [0, 1, 2, 3, 4, 5, 6]), into: &sel)
        }
        #expect(few == 1 && sel[0] == 7 && Set(sel).count == 3)
    }

    @Test func aLayerLeftWithTooFewExpertsGivesTheEmptySlotsNoWeight() {
        let p = Self.probabilities(8, seed: 1)
        let (sel, w) = Self.select(p, k: 4, mask: ExpertMask(dropped: [0, 1, 2, 3, 4, 5]))
        #expect(Array(sel.prefix(2)).sorted() == [6, 7])
        #expect(abs(w[0] + w[1] - 1) < 1e-6 && w[2] == 0 && w[3] == 0)
        #expect(Set(sel).count == 4)
        #expect(ExpertMask(dropped: [0, 1, 2, 3, 4, 5]).problem(layers: 2, experts: 8, used: 4) != nil)
    }

    @Test func masksParseAndAreCheckedAgainstTheModel() throws {
        let m = try ExpertMask.parse("2:5, *:3,+1:0").get()
        #expect(m == ExpertMask(dropped: [3], droppedInLayer: [2: [5]], forced: [], forcedInLayer: [1: [0]]))
        #expect(m.problem(layers: 4, experts: 8, used: 2) == nil)
        #expect(m.problem(layers: 2, experts: 8, used: 2)?.contains("layer 2") == true)
        #expect(m.problem(layers: 4, experts: 4, used: 2)?.contains("expert 5") == true)
        for bad in ["", "2", "x:1", "1:-1", "1:2:3", "1:e"] {
            guard case .failure = ExpertMask.parse(bad) else { Issue.record("'\(bad)' parsed"); continue }
        }
    }

    /// On the demo model: an empty mask changes no bit of the logits, and a dropped expert is
    /// never routed to in any layer.
    @Test func onTheDemoModelAnEmptyMaskChangesNothingAndADroppedExpertIsNeverUsed() throws {
        let path = try #require(EmbeddedModel.path, "the embedded demo model must be built into the package")
        let model = try Model(file: GGUFFile(path: path))
        let c = model.config
        let tokens = Array(100..<140)
        let plain = Session(model: model, context: 256)
        try plain.evaluate(tokens)
        let empty = Session(model: model, context: 256)
        empty.expertMask = ExpertMask()
        try empty.evaluate(tokens)
        let same = Array(plain.lastLogits).map(\.bitPattern) == Array(empty.lastLogits).map(\.bitPattern)
        #expect(same, "an empty mask changed the logits")

        final class Seen: ForwardObserver {
            var experts = Set<Int>()
            /// Each expert's total routing weight.
            var weight: [Int: Float] = [:]
            var taps: Set<TapPoint> { [.selectedExperts] }
            func routing(_ tap: RoutingTap) {
                for (e, w) in zip(tap.experts, tap.weights) {
                    experts.insert(Int(e))
                    weight[Int(e), default: 0] += w
                }
            }
        }
        let seenPlain = Seen()
        plain.observer = seenPlain
        try plain.evaluate([7, 8, 9, 10, 11, 12])
        // The expert that carries the most weight (one with a negligible weight could vanish in
        // the activations' Q8_0 rounding and leave the logits as they were).
        let dropped = try #require(seenPlain.weight.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key)
        let masked = Session(model: model, context: 256)
        masked.expertMask = ExpertMask(dropped: [dropped])
        let seen = Seen()
        masked.observer = seen
        try masked.evaluate(tokens + [7, 8, 9, 10, 11, 12])
        #expect(!seen.experts.contains(dropped) && seen.experts.count >= c.expertUsedCount)
        let changed = Array(masked.lastLogits).map(\.bitPattern) != Array(plain.lastLogits).map(\.bitPattern)
        #expect(changed, "dropping expert \(dropped) left the logits as they were")
    }
}
