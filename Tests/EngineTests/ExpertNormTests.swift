import Foundation
import Testing
@testable import Engine
import GGUF
import ModelFactory

/// The expert-output-norm tap and the super-expert check built on it.
@Suite struct ExpertNormTests {
    static let spec: RandomModelSpec = {
        var s = RandomModelSpec()
        s.architecture = "qwen3moe"
        s.experts = 8
        s.expertsUsed = 2
        s.expertFeedForward = 64
        s.weightType = "F32"
        return s
    }()

    /// The random MoE model, with expert `loud` of the last layer's down projection scaled by `scale`.
    static func model(loud: Int, scale: Float) throws -> Model {
        var w = RandomModel.writer(spec)
        let name = "blk.\(spec.layers - 1).ffn_down_exps.weight"
        let t = try #require(w.tensors.first { $0.name == name })
        var floats = t.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let per = floats.count / spec.experts
        for i in (loud * per)..<((loud + 1) * per) { floats[i] *= scale }
        w.replaceTensor(name, type: t.type, shape: t.shape, data: floats.withUnsafeBytes { Array($0) })
        return try Model(file: GGUFFile(bytes: w.bytes(), name: "m.gguf"))
    }

    final class Norms: ForwardObserver {
        var taps: Set<TapPoint> { [.expertOutputNorms] }
        var table: ExpertNorms
        /// (layer, position, expert) → norm
        var each: [String: Float] = [:]
        init(_ c: ModelConfig) { table = ExpertNorms(layers: c.layerCount, experts: c.expertCount) }
        func expertNorms(_ tap: ExpertNormTap) {
            table.add(tap)
            for (e, n) in zip(tap.experts, tap.norms) { each["\(tap.layer)/\(tap.position)/\(e)"] = n }
        }
    }

    static let tokens = Array(3..<60)

    static func run(_ model: Model) throws -> (Norms, [UInt32]) {
        let s = Session(model: model, context: 128, threads: 1)
        let n = Norms(model.config)
        s.observer = n
        try s.evaluate(tokens)
        try s.evaluate([61])
        return (n, s.lastLogits.map(\.bitPattern))
    }

    @Test func theTapReportsEachExpertsOwnOutputNormAndChangesNoBit() throws {
        let plain = try Self.model(loud: 3, scale: 1)
        let loud = try Self.model(loud: 3, scale: 64)
        let (a, logitsWithTap) = try Self.run(plain)
        let (b, _) = try Self.run(loud)
        // The tap changes no bit of the logits.
        let bare = Session(model: plain, context: 128, threads: 1)
        try bare.evaluate(Self.tokens)
        try bare.evaluate([61])
        #expect(bare.lastLogits.map(\.bitPattern) == logitsWithTap)
        // The last layer reads the same input in both models: expert 3's output is exactly 64×,
        // the other experts' are unchanged, and the norms are measured before the routing weight.
        let last = Self.spec.layers - 1
        var seen3 = 0, seenOthers = 0
        for (key, n) in a.each where key.hasPrefix("\(last)/") {
            let m = try #require(b.each[key])
            if key.hasSuffix("/3") {
                #expect(abs(m - 64 * n) <= 1e-4 * m, "\(key): \(m) vs 64 × \(n)")
                seen3 += 1
            } else {
                #expect(m == n, "\(key)")
                seenOthers += 1
            }
            #expect(n > 0)
        }
        #expect(seen3 > 0 && seenOthers > 0)
        // Every token of every layer reported each of its k slots (distinct experts).
        #expect(a.each.count == Self.spec.layers * (Self.tokens.count + 1) * Self.spec.expertsUsed)
    }

    @Test func aMaskThatDropsALoudExpertNamesIt() throws {
        let last = Self.spec.layers - 1
        let (plain, _) = try Self.run(Self.model(loud: 3, scale: 1))
        let (loud, _) = try Self.run(Self.model(loud: 3, scale: 64))
        let mask = ExpertMask(droppedInLayer: [last: [3, 5]])
        #expect(plain.table.superExperts(droppedBy: mask).isEmpty)
        let found = loud.table.superExperts(droppedBy: mask)
        #expect(found.map { "\($0.layer):\($0.expert)" } == ["\(last):3"])
        let ratio = try #require(found.first?.ratio)
        let plainRatio = try #require(plain.table.ratio(layer: last, expert: 3))
        #expect(abs(ratio - 64 * plainRatio) < 1e-3 * ratio)
        // Another layer's expert 3 is not loud, and a mask that keeps it warns of nothing.
        #expect(loud.table.superExperts(droppedBy: ExpertMask(droppedInLayer: [0: [3]])).isEmpty)
        #expect(loud.table.superExperts(droppedBy: ExpertMask(dropped: [3])).map(\.layer) == [last])
    }

    @Test func normsOfNothingAreUnknown() {
        var t = ExpertNorms(layers: 2, experts: 4)
        #expect(t.mean(layer: 0, expert: 0) == nil && t.ratio(layer: 0, expert: 0) == nil)
        t.add(layer: 0, expert: 0, norm: 5)
        #expect(t.ratio(layer: 0, expert: 0) == nil)  // nobody to compare with
        t.add(layer: 0, expert: 1, norm: .nan)
        t.add(layer: 9, expert: 1, norm: 1)
        t.add(layer: 0, expert: -1, norm: 1)
        #expect(t.counts.reduce(0, +) == 1)
        t.add(layer: 0, expert: 1, norm: 0.5)
        t.add(layer: 0, expert: 2, norm: 0.25)
        t.add(layer: 0, expert: 2, norm: 0.75)
        // Others' means 0.5 and 0.5: median 0.5, ratio 10.
        #expect(t.ratio(layer: 0, expert: 0) == 10)
        #expect(t.superExperts(droppedBy: ExpertMask(dropped: [0])) == [SuperExpert(layer: 0, expert: 0, ratio: 10)])
    }
}
