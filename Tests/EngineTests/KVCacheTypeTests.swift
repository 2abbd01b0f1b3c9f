import Foundation
import Testing
@testable import Engine
import GGUF
import ModelFactory

/// The committed llama.cpp reference for a Q8_0 KV cache (tools/parity/make_kv_fixtures.py:
/// llama.cpp with -ctk q8_0 -ctv q8_0 and flash attention, which a quantized V cache needs).
struct KVParityFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible, ReferenceLogits {
        var name: String
        var spec: RandomModelSpec
        var model_fnv1a64: String
        var kv_type: String
        var prompt: [Int]
        var decode: [Int]
        var positions: [Int]
        var logits: [String]
        var decode_positions: [Int]
        var decode_logits: [String]
        var argmax: [Int]
        var testDescription: String { name }
    }
    var cases: [Case]

    static let loaded: KVParityFixture = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/kv-parity.json").standardized.path
        return try! JSONDecoder().decode(KVParityFixture.self, from: FileManager.default.contents(atPath: path)!)
    }()
}

@Suite(.serialized) struct KVCacheTypeTests {
    @Test(arguments: KVParityFixture.loaded.cases)
    func q8CacheLogitsMatchLlamaCpp(_ c: KVParityFixture.Case) throws {
        let bytes = RandomModel.writer(c.spec).bytes()
        #expect(fnv1a64Words(bytes) == c.model_fnv1a64, "the random-model generator changed; regenerate the fixture")
        let model = try Model(file: GGUFFile(bytes: bytes, name: c.name))
        let vocab = model.config.vocabSize
        let session = Session(model: model, context: c.prompt.count + c.decode.count + 8, kvType: KVCacheType(rawValue: c.kv_type)!)
        #expect(session.kvType == .q8_0)
        // The prompt in 64-token passes (llama.cpp: one batch; Q8_0 attention is row by row, so
        // the split does not change a bit).
        let all = try session.evaluateAll(c.prompt)
        for (i, pos) in c.positions.enumerated() {
            let row = logitRow(all, pos, vocab: vocab)
            #expect(row.map(\.bitPattern) == c.referenceLogits(i).map(\.bitPattern), "\(c.name): logits at position \(pos)")
        }
        #expect(argmaxAgreement(all, vocab: vocab, reference: c.argmax) == c.argmax.count)
        // Then one token at a time (llama.cpp's single-token path).
        for (j, t) in c.decode.enumerated() {
            try session.evaluate([t])
            let pos = c.prompt.count + j
            if let i = c.decode_positions.firstIndex(of: pos) {
                let reference = Data(base64Encoded: c.decode_logits[i])!.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                #expect(Array(session.lastLogits).map(\.bitPattern) == reference.map(\.bitPattern), "\(c.name): decode logits at \(pos)")
            }
        }
    }

    @Test func q8CacheIsSmallerAndForksKeepTheType() throws {
        let spec = KVParityFixture.loaded.cases[0].spec
        let model = try Model(file: GGUFFile(bytes: RandomModel.writer(spec).bytes(), name: "m"))
        let f16 = Session(model: model, context: 256), q8 = Session(model: model, context: 256, kvType: .q8_0)
        #expect(q8.kvCacheBytes * 32 == f16.kvCacheBytes * 17)
        let ids = Array(0..<40)
        try q8.evaluate(ids)
        let fork = q8.fork(at: 30)
        #expect(fork.kvType == .q8_0)
        try fork.evaluate(Array(ids[30...]))
        #expect(Array(fork.lastLogits).map(\.bitPattern) == Array(q8.lastLogits).map(\.bitPattern))
    }

    /// gpt-oss's sliding windows and sinks run with an f16 cache only: a Q8_0 request falls back
    /// (the CLI says so), a plain model keeps it.
    @Test func slidingWindowAndSinkModelsFallBackToAnF16Cache() throws {
        let gptOSS = try Model(file: GGUFFile(path: QuantFixture.directory.appendingPathComponent("quant/gpt-oss-mxfp4.gguf").path))
        #expect(gptOSS.config.slidingWindow > 0)
        #expect(Session.kvType(.q8_0, for: gptOSS) == .f16)
        #expect(Session.kvTypeRefusal(.q8_0, for: gptOSS)?.contains("sliding-window") == true)
        #expect(Session.kvTypeRefusal(.f16, for: gptOSS) == nil)
        #expect(Session(model: gptOSS, context: 64, kvType: .q8_0).kvType == .f16)
        let spec = KVParityFixture.loaded.cases[0].spec
        let plain = try Model(file: GGUFFile(bytes: RandomModel.writer(spec).bytes(), name: "m"))
        #expect(Session.kvType(.q8_0, for: plain) == .q8_0 && Session.kvType(.f16, for: plain) == .f16)
    }

    @Test func defaultContextIsTheTrainedOneUnlessMemoryIsShort() {
        let gib = 1 << 30
        // 0.6B shape: 28 layers x 1024 KV values x 2 (K, V) x 2 bytes = 112 KiB per token.
        let perToken = 2 * 28 * KVCacheType.f16.rowBytes(1024)
        let roomy = ContextSize.choose(trained: 40960, bytesPerToken: perToken, fileBytes: 640_000_000, availableBytes: 20 * gib)
        #expect(roomy.tokens == 40960 && !roomy.cappedByMemory && roomy.notice == nil)
        let tight = ContextSize.choose(trained: 40960, bytesPerToken: perToken, fileBytes: 640_000_000, availableBytes: 3 * gib)
        #expect(tight.cappedByMemory && tight.tokens % 256 == 0 && tight.tokens < 40960)
        #expect(tight.tokens * perToken <= 3 * gib - 640_000_000 - ContextSize.headroomBytes)
        #expect(tight.notice == "context capped at \(tight.tokens) tokens by available memory (model trained for 40960)")
        let q8 = ContextSize.choose(trained: 40960, bytesPerToken: 2 * 28 * KVCacheType.q8_0.rowBytes(1024),
                                    fileBytes: 640_000_000, availableBytes: 3 * gib)
        #expect(q8.tokens > tight.tokens)
        #expect(ContextSize.choose(trained: 40960, bytesPerToken: perToken, fileBytes: 0, availableBytes: nil).tokens == 40960)
        #expect(ContextSize.choose(trained: 40960, bytesPerToken: perToken, fileBytes: 10 * gib, availableBytes: gib).tokens == 256)
    }

    @Test func benchmarkAtDepth() throws {
        let spec = KVParityFixture.loaded.cases[2].spec
        let model = try Model(file: GGUFFile(bytes: RandomModel.writer(spec).bytes(), name: "m"))
        for type in KVCacheType.allCases {
            let r = try Benchmark.run(model: model, promptTokens: 8, generateTokens: 4, threads: 1, repeats: 1, hooks: false,
                                      depth: 100, kvType: type)
            #expect(r.prefillTPS > 0 && r.decodeTPS > 0)
            #expect(r.kvCacheBytes == 2 * spec.layers * type.rowBytes(spec.kvHeads * spec.headDim) * (100 + 8 + 4 + 16))
        }
    }
}
