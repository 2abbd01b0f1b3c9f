import CKernels
import Testing
@testable import Engine
import GGUF
import ModelFactory

@Suite struct ModelLoadingTests {
    func load(_ edit: (inout GGUFWriter) -> Void, _ spec: RandomModelSpec = RandomModelSpec()) throws -> Model {
        var w = RandomModel.writer(spec)
        edit(&w)
        return try Model(file: GGUFFile(bytes: w.bytes(), name: "m.gguf"))
    }

    /// Replaces a tensor with zeros of another type or shape.
    func replacing(_ w: inout GGUFWriter, _ name: String, type: GGMLType? = nil, shape: [Int]? = nil) {
        let old = w.tensors.first { $0.name == name }!
        let ty = type ?? old.type, sh = shape ?? old.shape
        w.replaceTensor(name, type: ty, shape: sh, data: [UInt8](repeating: 0, count: ty.byteCount(elements: sh.reduce(1, *))!))
    }

    @Test func loadsBothArchitectures() throws {
        let dense = try load { _ in }
        #expect(dense.config.architecture == "qwen3" && !dense.config.isMoE)
        var spec = RandomModelSpec()
        spec.architecture = "qwen3moe"; spec.experts = 4; spec.expertsUsed = 2; spec.expertFeedForward = 64
        let moe = try load({ _ in }, spec)
        #expect(moe.config.expertCount == 4 && moe.config.expertUsedCount == 2)
    }

    /// Q8_0 matrices get a packed copy where the CPU level computes with one (AVX-512; the parity
    /// suites check that the bits stay llama.cpp's), other types and levels none.
    @Test func q8_0MatricesArePackedWhereTheLevelHasAPackedKernel() throws {
        var spec = RandomModelSpec()
        spec.weightType = "Q8_0"
        let m = try load({ _ in }, spec)
        let packs = ck_packed_type(Int32(GGMLType.q8_0.id)) >= 0
        #expect((m.weights.output.packed != nil) == packs)
        #expect(m.weights.layers.allSatisfy { ($0.wq.packed != nil) == packs && ($0.wo.packed != nil) == packs })
        let f32 = try load { _ in }
        #expect(f32.weights.output.packed == nil && f32.weights.layers[0].wq.packed == nil)
    }

    @Test func missingTensorIsNamed() {
        #expect(throws: GGUFError(path: "m.gguf", .missingTensor("blk.1.attn_k_norm.weight"))) {
            try load { $0.removeTensor("blk.1.attn_k_norm.weight") }
        }
    }

    @Test func wrongShapeNamesTensorExpectedAndFound() {
        #expect(throws: EngineError.tensorShape(file: "m.gguf", tensor: "blk.0.attn_q.weight", expected: "{128, 256}", found: "{128, 128}")) {
            try load { replacing(&$0, "blk.0.attn_q.weight", shape: [128, 128]) }
        }
    }

    @Test func unsupportedWeightTypeIsNamedAtLoad() throws {
        let iq2xxs = try #require(GGMLType.named("IQ2_XXS"))
        var spec = RandomModelSpec()
        spec.embedding = 256  // rows a whole number of IQ2_XXS blocks, so the file itself is valid
        do {
            _ = try load({ replacing(&$0, "blk.0.ffn_up.weight", type: iq2xxs) }, spec)
            Issue.record("IQ2_XXS accepted")
        } catch let e as EngineError {
            guard case .unsupportedWeightType(_, let tensor, let type, _) = e else { Issue.record("\(e)"); return }
            #expect(tensor == "blk.0.ffn_up.weight" && type == "IQ2_XXS")
            #expect(e.description.contains("supported:") && !e.description.contains("\n"))
        }
    }

    @Test("every type of issue 16 and MXFP4 loads as a matmul weight", arguments: ["Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "MXFP4", "Q2_K", "Q3_K", "IQ4_XS"])
    func addedTypesLoad(_ name: String) throws {
        let t = try #require(GGMLType.named(name))
        var spec = RandomModelSpec()
        spec.embedding = 256; spec.feedForward = 256
        let m = try load({ replacing(&$0, "blk.0.ffn_up.weight", type: t); replacing(&$0, "token_embd.weight", type: t) }, spec)
        #expect(m.file.tensor(named: "blk.0.ffn_up.weight")?.type == t)
    }

    @Test func unsupportedArchitectureAndBadHyperparameters() {
        #expect(throws: EngineError.unsupportedArchitecture(file: "m.gguf", found: "mamba", supported: ArchitectureRegistry.names)) {
            try load { $0.set("general.architecture", "mamba") }
        }
        #expect(throws: EngineError.invalidHyperparameter(file: "m.gguf", key: "qwen3.attention.head_count_kv", value: "3", expected: "a divisor of head_count 4")) {
            try load { $0.set("qwen3.attention.head_count_kv", uint32: 3) }
        }
        #expect(throws: GGUFError(path: "m.gguf", .missingKey("qwen3.attention.layer_norm_rms_epsilon"))) {
            try load { $0.remove(key: "qwen3.attention.layer_norm_rms_epsilon") }
        }
        #expect(throws: GGUFError(path: "m.gguf", .wrongType(key: "qwen3.block_count", expected: "an integer", found: "STRING"))) {
            try load { $0.set("qwen3.block_count", "two") }
        }
    }
}
