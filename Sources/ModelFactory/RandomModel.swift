#if canImport(Glibc)
import Glibc
#endif
import CKernels
import Engine
import GGUF
import Tokenizer

/// Builds GGUF files with random weights and real shapes for every architecture the engine runs
/// (qwen3, qwen3moe, qwen2, llama, smollm3). They exercise exactly
/// the code paths (and the speed) of real downloads, which cannot be fetched here; tests and
/// benchmarks compare them against llama.cpp.
public struct RandomModelSpec: Sendable, Equatable, Codable {
    public var architecture = Qwen3.name
    public var layers = 2
    public var embedding = 128
    public var heads = 4
    public var kvHeads = 2
    public var headDim = 64
    public var feedForward = 256
    public var vocab = 512
    public var experts = 0
    public var expertsUsed = 0
    public var expertFeedForward = 0
    public var tiedEmbeddings = true
    /// Weight type name of the matrices: F32, F16, BF16 or Q8_0.
    public var weightType = "F32"
    public var contextLength = 4096
    public var ropeFreqBase: Float = 1_000_000
    /// gpt-oss: the sliding window of its even layers, and YaRN's factor and original context.
    public var slidingWindow = 128
    public var yarnFactor: Float = 32
    public var yarnOriginalContext = 4096
    /// The chat conventions of the synthetic vocabulary: "chatml" (Qwen), "deepseek-r1", "smollm3" or
    /// "harmony"; empty: harmony for gpt-oss, ChatML otherwise.
    public var chat = ""
    public var seed: UInt64 = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case architecture, layers, embedding, heads, kvHeads, headDim, feedForward, vocab, experts, expertsUsed,
             expertFeedForward, tiedEmbeddings, weightType, contextLength, ropeFreqBase, slidingWindow, yarnFactor,
             yarnOriginalContext, chat, seed
    }

    /// Decodes a spec in which every field is optional (missing fields keep their defaults).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ current: T) throws -> T { try c.decodeIfPresent(T.self, forKey: k) ?? current }
        architecture = try get(.architecture, architecture)
        layers = try get(.layers, layers)
        embedding = try get(.embedding, embedding)
        heads = try get(.heads, heads)
        kvHeads = try get(.kvHeads, kvHeads)
        headDim = try get(.headDim, headDim)
        feedForward = try get(.feedForward, feedForward)
        vocab = try get(.vocab, vocab)
        experts = try get(.experts, experts)
        expertsUsed = try get(.expertsUsed, expertsUsed)
        expertFeedForward = try get(.expertFeedForward, expertFeedForward)
        tiedEmbeddings = try get(.tiedEmbeddings, tiedEmbeddings)
        weightType = try get(.weightType, weightType)
        contextLength = try get(.contextLength, contextLength)
        ropeFreqBase = try get(.ropeFreqBase, ropeFreqBase)
        slidingWindow = try get(.slidingWindow, slidingWindow)
        yarnFactor = try get(.yarnFactor, yarnFactor)
        yarnOriginalContext = try get(.yarnOriginalContext, yarnOriginalContext)
        chat = try get(.chat, chat)
        seed = try get(.seed, seed)
    }

    /// Why this spec cannot be built, or nil.
    public var problem: String? {
        guard let t = GGMLType.named(weightType), RandomModel.writableTypes.contains(t) else {
            return "weightType must be one of F32, F16, BF16, Q8_0"
        }
        if layers < 1 || embedding < 1 || heads < 1 || kvHeads < 1 || headDim < 2 { return "sizes must be positive" }
        if heads % kvHeads != 0 { return "heads must be a multiple of kvHeads" }
        if vocab < 300 { return "vocab must be at least 300" }
        if experts > 0 && (expertsUsed < 1 || expertsUsed > experts || expertFeedForward < 1) {
            return "MoE needs 1 <= expertsUsed <= experts and expertFeedForward >= 1"
        }
        guard ArchitectureRegistry.architecture(named: architecture) != nil else {
            return "architecture must be one of " + ArchitectureRegistry.names.joined(separator: ", ")
        }
        let moe = architecture == Qwen3MoE.name || architecture == GptOss.name
        if (experts > 0) != moe { return "experts > 0 exactly when architecture is qwen3moe or gpt-oss" }
        if architecture == GptOss.name && (tiedEmbeddings || slidingWindow < 1 || yarnFactor < 1 || yarnOriginalContext < 1) {
            return "gpt-oss needs an untied output, slidingWindow >= 1, yarnFactor >= 1 and yarnOriginalContext >= 1"
        }
        if architecture == Qwen2.name && heads * headDim != embedding { return "qwen2 needs heads × headDim == embedding" }
        if SyntheticChat(rawValue: chatConventions) == nil { return "chat must be chatml, deepseek-r1, smollm3 or harmony" }
        let cols = [embedding, heads * headDim, feedForward, expertFeedForward].filter { $0 > 0 }
        if cols.contains(where: { $0 % t.blockSize != 0 }) { return "row lengths must be multiples of \(t.blockSize) for \(t.name)" }
        return nil
    }

    /// `chat`, or the architecture's usual conventions when empty.
    var chatConventions: String { chat.isEmpty ? (architecture == GptOss.name ? "harmony" : "chatml") : chat }

    /// Qwen3-0.6B's shapes (28 layers, hidden 1024, 16/8 heads of 128, FFN 3072, vocab 151936, tied).
    public static var qwen3_0_6B: RandomModelSpec {
        var s = RandomModelSpec()
        s.layers = 28; s.embedding = 1024; s.heads = 16; s.kvHeads = 8; s.headDim = 128
        s.feedForward = 3072; s.vocab = 151_936; s.contextLength = 40960
        return s
    }

    /// Qwen3-4B's shapes cut to `layers` layers (hidden 2560, 32/8 heads, FFN 9728, tied).
    public static func qwen3_4B(layers: Int = 8) -> RandomModelSpec {
        var s = RandomModelSpec()
        s.layers = layers; s.embedding = 2560; s.heads = 32; s.kvHeads = 8; s.headDim = 128
        s.feedForward = 9728; s.vocab = 151_936; s.contextLength = 40960
        return s
    }

    /// Qwen3-30B-A3B's shapes cut to `layers` layers (hidden 2048, 32/4 heads, 128 experts, top-8,
    /// expert FFN 768, untied output).
    public static func qwen3_30B_A3B(layers: Int = 4) -> RandomModelSpec {
        var s = RandomModelSpec()
        s.architecture = Qwen3MoE.name
        s.layers = layers; s.embedding = 2048; s.heads = 32; s.kvHeads = 4; s.headDim = 128
        s.feedForward = 6144; s.vocab = 151_936; s.experts = 128; s.expertsUsed = 8
        s.expertFeedForward = 768; s.tiedEmbeddings = false; s.contextLength = 40960
        return s
    }

    /// DeepSeek-R1-Distill-Qwen-1.5B's shapes (qwen2: 28 layers, hidden 1536, 12/2 heads of 128,
    /// FFN 8960, vocab 151936, RoPE base 10000, untied output).
    public static var r1DistillQwen1_5B: RandomModelSpec {
        var s = RandomModelSpec()
        s.architecture = Qwen2.name
        s.layers = 28; s.embedding = 1536; s.heads = 12; s.kvHeads = 2; s.headDim = 128
        s.feedForward = 8960; s.vocab = 151_936; s.ropeFreqBase = 10_000; s.tiedEmbeddings = false
        s.contextLength = 131_072; s.chat = "deepseek-r1"
        return s
    }

    /// DeepSeek-R1-Distill-Llama-8B's shapes cut to `layers` layers (llama: hidden 4096, 32/8 heads
    /// of 128, FFN 14336, vocab 128256, RoPE base 500000 with Llama-3.1 frequency divisors, untied).
    public static func r1DistillLlama8B(layers: Int = 4) -> RandomModelSpec {
        var s = RandomModelSpec()
        s.architecture = Llama.name
        s.layers = layers; s.embedding = 4096; s.heads = 32; s.kvHeads = 8; s.headDim = 128
        s.feedForward = 14_336; s.vocab = 128_256; s.ropeFreqBase = 500_000; s.tiedEmbeddings = false
        s.contextLength = 131_072; s.chat = "deepseek-r1"
        return s
    }

    /// SmolLM3-3B's shapes cut to `layers` layers (smollm3: hidden 2048, 16/4 heads of 128, FFN 11008,
    /// vocab 128256, RoPE base 5e6, tied, NoPE every 4th layer).
    public static func smolLM3_3B(layers: Int = 8) -> RandomModelSpec {
        var s = RandomModelSpec()
        s.architecture = SmolLM3.name
        s.layers = layers; s.embedding = 2048; s.heads = 16; s.kvHeads = 4; s.headDim = 128
        s.feedForward = 11_008; s.vocab = 128_256; s.ropeFreqBase = 5_000_000; s.contextLength = 65_536
        s.chat = "smollm3"
        return s
    }

    /// gpt-oss-20b's shapes cut to `layers` layers (hidden 2880, 64/8 heads of 64, 32 experts, top-4,
    /// expert FFN 2880, vocab 201088, RoPE base 150000 with YaRN x32 over 4096, window 128, untied).
    public static func gptOss20B(layers: Int = 4) -> RandomModelSpec {
        var s = RandomModelSpec()
        s.architecture = GptOss.name
        s.layers = layers; s.embedding = 2880; s.heads = 64; s.kvHeads = 8; s.headDim = 64
        s.feedForward = 2880; s.vocab = 201_088; s.experts = 32; s.expertsUsed = 4; s.expertFeedForward = 2880
        s.ropeFreqBase = 150_000; s.tiedEmbeddings = false; s.contextLength = 131_072
        return s
    }

    /// Named presets for the command line.
    public static func preset(_ name: String) -> RandomModelSpec? {
        switch name {
        case "qwen3-0.6b": return .qwen3_0_6B
        case "qwen3-4b-8l": return .qwen3_4B(layers: 8)
        case "qwen3-30b-a3b-4l": return .qwen3_30B_A3B(layers: 4)
        case "qwen3-30b-a3b-6l": return .qwen3_30B_A3B(layers: 6)
        case "r1-distill-qwen-1.5b": return .r1DistillQwen1_5B
        case "r1-distill-llama-8b-4l": return .r1DistillLlama8B(layers: 4)
        case "smollm3-3b-8l": return .smolLM3_3B(layers: 8)
        case "gpt-oss-20b-4l": return .gptOss20B(layers: 4)
        default: return nil
        }
    }

    public static let presetNames = ["qwen3-0.6b", "qwen3-4b-8l", "qwen3-30b-a3b-4l", "qwen3-30b-a3b-6l",
                                     "r1-distill-qwen-1.5b", "r1-distill-llama-8b-4l", "smollm3-3b-8l", "gpt-oss-20b-4l"]
}

public enum RandomModel {
    public static let writableTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0]

    /// A GGUF writer holding a complete random model for `spec` (tokenizer included): the synthetic
    /// vocabulary, or `vocabulary`'s records (then the spec's `chat` is not used).
    public static func writer(_ spec: RandomModelSpec, vocabulary: BorrowedVocabulary? = nil) -> GGUFWriter {
        precondition(spec.problem == nil, spec.problem ?? "")
        precondition(vocabulary.map { $0.size == spec.vocab } ?? true, "the borrowed vocabulary's size is not the spec's")
        let type = GGMLType.named(spec.weightType)!
        var rng = SplitMix64(seed: spec.seed)
        var w = GGUFWriter()
        let a = spec.architecture
        func key(_ t: String) -> String { ModelConfig.Key.resolve(t, a) }
        w.set("general.architecture", a)
        w.set("general.name", "random-\(a)")
        w.set(key(ModelConfig.Key.blockCount), uint32: spec.layers)
        w.set(key(ModelConfig.Key.contextLength), uint32: spec.contextLength)
        w.set(key(ModelConfig.Key.embeddingLength), uint32: spec.embedding)
        w.set(key(ModelConfig.Key.feedForwardLength), uint32: spec.feedForward)
        w.set(key(ModelConfig.Key.headCount), uint32: spec.heads)
        w.set(key(ModelConfig.Key.kvHeadCount), uint32: spec.kvHeads)
        w.set(key(ModelConfig.Key.keyLength), uint32: spec.headDim)
        w.set(key(ModelConfig.Key.valueLength), uint32: spec.headDim)
        w.set(key(ModelConfig.Key.rmsEpsilon), float32: 1e-6)
        w.set(key(ModelConfig.Key.ropeFreqBase), float32: Double(spec.ropeFreqBase))
        let gptOss = a == GptOss.name
        if gptOss {
            w.set(key(ModelConfig.Key.slidingWindow), uint32: spec.slidingWindow)
            w.set(key(ModelConfig.Key.ropeScalingType), "yarn")
            w.set(key(ModelConfig.Key.ropeScalingFactor), float32: Double(spec.yarnFactor))
            w.set(key(ModelConfig.Key.ropeScalingOriginalContext), uint32: spec.yarnOriginalContext)
        }
        if spec.experts > 0 {
            w.set(key(ModelConfig.Key.expertCount), uint32: spec.experts)
            w.set(key(ModelConfig.Key.expertUsedCount), uint32: spec.expertsUsed)
            w.set(key(ModelConfig.Key.expertFeedForwardLength), uint32: spec.expertFeedForward)
        }
        if let vocabulary {
            vocabulary.add(to: &w)
        } else {
            addSyntheticVocabulary(&w, size: spec.vocab, chat: SyntheticChat(rawValue: spec.chatConventions)!,
                                   llama: a == Llama.name)
        }
        let qkNorm = a == Qwen3.name || a == Qwen3MoE.name
        let qkvBias = a == Qwen2.name || gptOss

        let d = spec.embedding, q = spec.heads * spec.headDim, kv = spec.kvHeads * spec.headDim
        func matrix(_ name: String, _ cols: Int, _ rows: Int, _ extra: Int = 1) {
            let values = rng.normals(cols * rows * extra, scale: 1 / Float(cols).squareRoot())
            w.addTensor(name, type: type, shape: extra > 1 ? [cols, rows, extra] : [cols, rows],
                        data: encode(values, as: type))
        }
        func norm(_ name: String, _ n: Int) {
            w.addTensor(name, shape: [n], floats: rng.normals(n, scale: 0.1).map { 1 + $0 })
        }
        func bias(_ name: String, _ n: Int) {
            w.addTensor(name, shape: [n], floats: rng.normals(n, scale: 0.5))
        }
        if a == Llama.name {  // Llama-3.1's frequency divisors (the converter's rule, default settings)
            w.addTensor("rope_freqs.weight", shape: [spec.headDim / 2],
                        floats: llama3FrequencyDivisors(dims: spec.headDim, base: spec.ropeFreqBase))
        }
        // Small embeddings keep a tied output from simply echoing the input token; an untied output
        // spreads logits over a few units, as in trained models.
        let embd = rng.normals(d * spec.vocab, scale: 0.15)
        w.addTensor("token_embd.weight", type: type, shape: [d, spec.vocab], data: encode(embd, as: type))
        norm("output_norm.weight", d)
        if !spec.tiedEmbeddings {
            let out = rng.normals(d * spec.vocab, scale: 3 / Float(d).squareRoot())
            w.addTensor("output.weight", type: type, shape: [d, spec.vocab], data: encode(out, as: type))
        }
        for l in 0..<spec.layers {
            let p = "blk.\(l)."
            norm(p + "attn_norm.weight", d)
            matrix(p + "attn_q.weight", d, q)
            matrix(p + "attn_k.weight", d, kv)
            matrix(p + "attn_v.weight", d, kv)
            if qkvBias {
                bias(p + "attn_q.bias", q)
                bias(p + "attn_k.bias", kv)
                bias(p + "attn_v.bias", kv)
            }
            if qkNorm {
                norm(p + "attn_q_norm.weight", spec.headDim)
                norm(p + "attn_k_norm.weight", spec.headDim)
            }
            matrix(p + "attn_output.weight", q, d)
            if gptOss {
                bias(p + "attn_output.bias", d)
                w.addTensor(p + "attn_sinks.weight", shape: [spec.heads], floats: rng.normals(spec.heads, scale: 1))
            }
            norm(p + (gptOss ? "post_attention_norm.weight" : "ffn_norm.weight"), d)
            if spec.experts > 0 {
                w.addTensor(p + "ffn_gate_inp.weight", shape: [d, spec.experts],
                            floats: rng.normals(d * spec.experts, scale: 2 / Float(d).squareRoot()))
                if gptOss {
                    bias(p + "ffn_gate_inp.bias", spec.experts)
                    w.addTensor(p + "ffn_gate_exps.bias", shape: [spec.expertFeedForward, spec.experts],
                                floats: rng.normals(spec.expertFeedForward * spec.experts, scale: 0.5))
                    w.addTensor(p + "ffn_up_exps.bias", shape: [spec.expertFeedForward, spec.experts],
                                floats: rng.normals(spec.expertFeedForward * spec.experts, scale: 0.5))
                    w.addTensor(p + "ffn_down_exps.bias", shape: [d, spec.experts], floats: rng.normals(d * spec.experts, scale: 0.5))
                }
                matrix(p + "ffn_gate_exps.weight", d, spec.expertFeedForward, spec.experts)
                matrix(p + "ffn_up_exps.weight", d, spec.expertFeedForward, spec.experts)
                matrix(p + "ffn_down_exps.weight", spec.expertFeedForward, d, spec.experts)
            } else {
                matrix(p + "ffn_gate.weight", d, spec.feedForward)
                matrix(p + "ffn_up.weight", d, spec.feedForward)
                matrix(p + "ffn_down.weight", spec.feedForward, d)
            }
        }
        return w
    }

    /// Llama-3.1 RoPE scaling as per-pair divisors of the angle (factor 8, low 1, high 4, original
    /// context 8192): 1 for short wavelengths, 8 for long ones, blended in between.
    static func llama3FrequencyDivisors(dims: Int, base: Float) -> [Float] {
        let factor = 8.0, low = 1.0, high = 4.0, original = 8192.0
        return (0..<(dims / 2)).map { i in
            let freq = 1 / pow(Double(base), Double(2 * i) / Double(dims))
            let wavelength = 2 * Double.pi / freq
            if wavelength < original / high { return 1 }
            if wavelength > original / low { return Float(factor) }
            let smooth = (original / wavelength - low) / (high - low)
            return Float(1 / ((1 - smooth) / factor + smooth))
        }
    }

    /// Writes a random model to `path` (with `vocabulary`'s tokenizer, if given).
    public static func write(_ spec: RandomModelSpec, vocabulary: BorrowedVocabulary? = nil, to path: String) throws {
        try writer(spec, vocabulary: vocabulary).write(to: path)
    }

    /// Encodes F32 values as `type` (F32, F16, BF16 or Q8_0).
    static func encode(_ values: [Float], as type: GGMLType) -> [UInt8] {
        switch type {
        case .f32:
            return values.withUnsafeBytes { Array($0) }
        case .f16, .bf16:
            var out = [UInt16](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    if type == .f16 {
                        ck_fp32_to_fp16_row(src.baseAddress, dst.baseAddress, Int32(values.count))
                    } else {
                        ck_fp32_to_bf16_row(src.baseAddress, dst.baseAddress, Int32(values.count))
                    }
                }
            }
            return out.withUnsafeBytes { Array($0) }
        case .q8_0:
            var out = [UInt8](repeating: 0, count: type.byteCount(elements: values.count)!)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBytes { ck_quantize_row_q8_0(src.baseAddress, $0.baseAddress, Int32(values.count)) }
            }
            return out
        default:
            preconditionFailure("random models are written as F32, F16, BF16 or Q8_0; quantize further with llama.cpp")
        }
    }

    /// A byte-level BPE vocabulary of exactly `size` distinct tokens: the 256 byte symbols, pairs
    /// and triples of them (with merges), and the chat format's control tokens at the end.
    static func addSyntheticVocabulary(_ w: inout GGUFWriter, size: Int, chat: SyntheticChat = .chatml,
                                       llama: Bool = false) {
        let specials = chat.specials
        precondition(size >= 256 + specials.count, "vocabulary needs room for bytes and control tokens")
        let symbols = ByteLevel.byteToScalar.map { String($0) }
        var tokens = symbols, types = [Int](repeating: 1, count: 256), merges: [String] = []
        // Every pair of symbols, then pair+symbol triples: all distinct, each with its merge.
        var k = 0
        while tokens.count < size - specials.count {
            let (left, right): (String, String)
            if k < 65_536 {
                (left, right) = (symbols[k >> 8], symbols[k & 255])
            } else {
                let j = k - 65_536
                (left, right) = (symbols[(j >> 16) & 255] + symbols[(j >> 8) & 255], symbols[j & 255])
            }
            k += 1
            tokens.append(left + right)
            types.append(1)
            merges.append(left + " " + right)
        }
        for (text, type) in specials {
            tokens.append(text)
            types.append(type)
        }
        let first = size - specials.count
        w.set("tokenizer.ggml.model", "gpt2")
        w.set("tokenizer.ggml.pre", chat.preTokenizer(llama: llama))
        w.set("tokenizer.ggml.tokens", strings: tokens)
        w.set("tokenizer.ggml.token_type", int32s: types)
        w.set("tokenizer.ggml.merges", strings: merges)
        w.set("tokenizer.ggml.eos_token_id", uint32: first + chat.eos)
        w.set("tokenizer.ggml.bos_token_id", uint32: first + chat.bos)
        w.set("tokenizer.ggml.padding_token_id", uint32: first + chat.bos)
        w.set("tokenizer.ggml.add_bos_token", .bool(chat == .deepSeekR1))
        if let template = chat.template { w.set("tokenizer.chat_template", template) }
    }
}

/// The chat conventions a random model's vocabulary carries (its control tokens and the template
/// text `ChatFormat` detects them by), so each family opens in its own format.
enum SyntheticChat: String {
    case chatml, deepSeekR1 = "deepseek-r1", smolLM3 = "smollm3", harmony

    /// (text, token type) of the control tokens, appended after the ordinary tokens.
    var specials: [(String, Int)] {
        switch self {
        case .chatml, .smolLM3:
            [("<|endoftext|>", 3), ("<|im_start|>", 3), ("<|im_end|>", 3), ("<think>", 4), ("</think>", 4)]
        case .deepSeekR1:
            [("<｜end▁of▁sentence｜>", 3), ("<｜User｜>", 3), ("<｜Assistant｜>", 3), ("<｜begin▁of▁sentence｜>", 3),
             ("<think>", 4), ("</think>", 4)]
        case .harmony:
            [("<|endoftext|>", 3), ("<|start|>", 4), ("<|end|>", 3), ("<|message|>", 4), ("<|channel|>", 4),
             ("<|return|>", 3), ("<|call|>", 3), ("<|constrain|>", 4)]
        }
    }

    /// Offsets among `specials` of the EOS and BOS tokens.
    var eos: Int {
        switch self {
        case .chatml, .smolLM3: 2
        case .deepSeekR1: 0
        case .harmony: 5
        }
    }
    var bos: Int { self == .deepSeekR1 ? 3 : 0 }

    func preTokenizer(llama: Bool) -> String {
        switch self {
        case .chatml: "qwen2"
        case .deepSeekR1: llama ? "llama-bpe" : "deepseek-r1-qwen"
        case .smolLM3: "smaug-bpe"
        case .harmony: "gpt-4o"
        }
    }

    /// Template text with the markers `ChatFormat` detects the family by (not a full template).
    var template: String? {
        switch self {
        case .chatml, .harmony: nil
        case .deepSeekR1: #"{% if add_generation_prompt %}{{'<｜Assistant｜><think>\n'}}{% endif %}"#
        case .smolLM3: #"{%- if enable_thinking -%}{{- "Reasoning Mode: " + reasoning_mode + "\n\n" -}}"#
        }
    }
}

extension SplitMix64 {
    /// `count` samples of N(0, scale²) (Box–Muller).
    mutating func normals(_ count: Int, scale: Float) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = max(unit(), 1e-7), u2 = unit()
            let r = (-2 * logf(u1)).squareRoot() * scale
            out[i] = r * cosf(2 * .pi * u2)
            if i + 1 < count { out[i + 1] = r * sinf(2 * .pi * u2) }
            i += 2
        }
        return out
    }
}
