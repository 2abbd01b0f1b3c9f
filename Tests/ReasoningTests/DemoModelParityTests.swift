import EmbeddedModel
import Engine
import Foundation
import GGUF
import Testing

/// The shipped demo model against the PyTorch model it was exported from (and llama.cpp), on the
/// committed sample `Tests/Fixtures/demo-parity.json` (tools/demo_model/parity.py).
@Suite struct DemoModelParityTests {
    struct Fixture: Decodable {
        struct Position: Decodable {
            var position: Int
            var top_ids: [Int]
            var torch_logits: [Double]
            var torch_logsumexp: Double
        }
        var ids: [Int]
        var positions: [Position]
        var torch_greedy: [Int]
    }

    static let fixture: Fixture = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/demo-parity.json").standardized.path
        return try! JSONDecoder().decode(Fixture.self, from: FileManager.default.contents(atPath: path)!)
    }()

    func model() throws -> Model {
        try Model(file: GGUFFile(path: try #require(EmbeddedModel.path, "the demo model must be built into the package")))
    }

    @Test func logitsAgreeWithPyTorch() throws {
        let f = Self.fixture
        let m = try model()
        let session = Session(model: m, context: f.ids.count + 8)
        let vocab = m.config.vocabSize
        let all = try session.evaluateAll(f.ids)
        for p in f.positions {
            let row = Array(all[(p.position * vocab)..<((p.position + 1) * vocab)])
            let m = Double(row.max()!)
            let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            // KL(PyTorch ‖ ThinkScope) over the 64 most likely tokens, which hold the mass.
            var kl = 0.0
            for (id, l) in zip(p.top_ids, p.torch_logits) {
                let lt = l - p.torch_logsumexp, lo = Double(row[id]) - lse
                kl += exp(lt) * (lt - lo)
            }
            #expect(kl <= 1e-3, "position \(p.position): KL \(kl)")
            #expect(p.top_ids.first == row.indices.max { row[$0] < row[$1] })
        }
    }

    @Test func greedyContinuationMatchesPyTorch() throws {
        let f = Self.fixture
        let session = Session(model: try model(), context: f.ids.count + f.torch_greedy.count + 8)
        try session.evaluate(f.ids)
        var out: [Int] = []
        for _ in f.torch_greedy {
            let logits = session.lastLogits
            let next = logits.indices.max { logits[$0] < logits[$1] }!
            out.append(next)
            try session.evaluate([next])
        }
        #expect(out == f.torch_greedy)
    }
}
