import Foundation
import Testing
@testable import Engine
import GGUF
import ModelFactory

/// The committed llama.cpp reference (tools/parity/make_engine_fixtures.py).
/// A fixture case holding llama.cpp's logits at some positions (float32 rows, base64).
protocol ReferenceLogits {
    var logits: [String] { get }
}

extension ReferenceLogits {
    func referenceLogits(_ i: Int) -> [Float] {
        Data(base64Encoded: logits[i])!.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

struct ParityFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible, ReferenceLogits {
        var name: String
        var spec: RandomModelSpec
        var model_fnv1a64: String
        var ids: [Int]
        var positions: [Int]
        var logits: [String]
        var argmax: [Int]
        var greedy_prompt: [Int]
        var greedy: [Int]
        var testDescription: String { name }
    }
    var cases: [Case]

    static func load(_ file: String) -> ParityFixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/" + file).standardized.path
        let data = FileManager.default.contents(atPath: path)!
        return try! JSONDecoder().decode(ParityFixture.self, from: data)
    }

    /// Qwen3 and Qwen3-MoE (`make_engine_fixtures.py --set qwen3`).
    static let loaded = load("engine-parity.json")
    /// qwen2, llama and smollm3 (`make_engine_fixtures.py --set arch`).
    static let architectures = load("arch-parity.json")
    static var all: [Case] { loaded.cases + architectures.cases }
}

/// FNV-1a over little-endian 64-bit words (the file zero-padded to a multiple of 8).
func fnv1a64Words(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    var padded = bytes
    padded += [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8)
    padded.withUnsafeBytes { raw in
        for w in raw.bindMemory(to: UInt64.self) {
            h ^= UInt64(littleEndian: w)
            h = h &* 0x100_0000_01B3
        }
    }
    return String(h, radix: 16).leftPadded(to: 16)
}

extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

/// KL(p ‖ q) of the softmax distributions of two logit rows, in Double.
func klDivergence<Row: Collection>(reference p: [Float], _ q: Row) -> Double where Row.Element == Float {
    func logSoftmax<C: Collection>(_ x: C) -> [Double] where C.Element == Float {
        let m = Double(x.max()!)
        let lse = m + log(x.reduce(0.0) { $0 + exp(Double($1) - m) })
        return x.map { Double($0) - lse }
    }
    let lp = logSoftmax(p), lq = logSoftmax(q)
    var kl = 0.0
    for i in lp.indices { kl += exp(lp[i]) * (lp[i] - lq[i]) }
    return kl
}

/// The offset of the largest element (from the start, also for a slice).
func argmax<C: Collection>(_ x: C) -> Int where C.Element == Float, C.Index == Int {
    var best = x.startIndex
    for i in x.indices where x[i] > x[best] { best = i }
    return best - x.startIndex
}

/// Position `position`'s row of `Session.evaluateAll`'s logits.
func logitRow(_ all: [Float], _ position: Int, vocab: Int) -> ArraySlice<Float> {
    all[(position * vocab)..<((position + 1) * vocab)]
}

/// Arg-max agreement with a reference arg-max at every position of `Session.evaluateAll`'s logits.
func argmaxAgreement(_ all: [Float], vocab: Int, reference: [Int]) -> Int {
    reference.indices.filter { argmax(logitRow(all, $0, vocab: vocab)) == reference[$0] }.count
}

@Suite(.serialized) struct EngineParityTests {
    @Test(arguments: ParityFixture.all)
    func logitsMatchLlamaCpp(_ c: ParityFixture.Case) throws {
        let bytes = RandomModel.writer(c.spec).bytes()
        #expect(fnv1a64Words(bytes) == c.model_fnv1a64, "the random-model generator changed; regenerate the fixture")
        let model = try Model(file: GGUFFile(bytes: bytes, name: c.name))
        let vocab = model.config.vocabSize
        let all = try Session(model: model, context: c.ids.count + 8).evaluateAll(c.ids)
        // The engine sums in llama.cpp's orders (docs/DECISIONS.md), so every checked position's
        // logits are llama.cpp's, bit for bit; KL is reported for the record.
        var kls: [Double] = []
        for (i, pos) in c.positions.enumerated() {
            let row = logitRow(all, pos, vocab: vocab)
            let reference = c.referenceLogits(i)
            kls.append(klDivergence(reference: reference, row))
            #expect(row.map(\.bitPattern) == reference.map(\.bitPattern), "\(c.name): logits at position \(pos)")
        }
        // Arg-max at every position.
        let same = argmaxAgreement(all, vocab: vocab, reference: c.argmax)
        #expect(same == c.argmax.count, "\(c.name): top-1 agreement \(same)/\(c.argmax.count)")
        print("parity \(c.name): mean KL \(kls.reduce(0, +) / Double(kls.count)), top-1 \(same)/\(c.argmax.count)")
    }

    @Test(arguments: ParityFixture.all)
    func greedyContinuationMatchesLlamaCpp(_ c: ParityFixture.Case) throws {
        let model = try Model(file: GGUFFile(bytes: RandomModel.writer(c.spec).bytes(), name: c.name))
        let session = Session(model: model, context: 128)
        try session.evaluate(c.greedy_prompt)
        var out: [Int] = []
        for _ in 0..<c.greedy.count {
            let next = argmax(session.lastLogits)
            out.append(next)
            try session.evaluate([next])
        }
        let prefix = zip(out, c.greedy).prefix { $0 == $1 }.count
        print("greedy \(c.name): \(prefix)/\(c.greedy.count) tokens identical")
        #expect(out == c.greedy)
    }
}
