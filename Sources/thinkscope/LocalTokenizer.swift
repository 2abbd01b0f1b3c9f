import Foundation
import GGUF
import Remote
import Tokenizer

/// The served model's tokenizer and chat format, held locally for a token-level server: from a GGUF, or from
/// a Hugging Face checkpoint's `tokenizer.json` (a file, or the folder holding it with `tokenizer_config.json`
/// and, for `--routing`, `config.json`).
struct LocalTokenizer: @unchecked Sendable {
    enum Source {
        case gguf(GGUFFile)
        case huggingFace(HuggingFaceTokenizerFiles)
    }

    /// What `--tokenizer` (or `--model`) named.
    let path: String
    let source: Source
    let chat: ChatFormat
    let architecture: String
    /// How traces name it: the file, its size and a fingerprint.
    let fileName: String
    let size: Int
    let fingerprint: String

    init(path: String, chatFormat: ChatFormat.Template?) throws {
        self.path = path
        if let files = HuggingFaceTokenizerFiles(path: path) {
            source = .huggingFace(files)
            chat = try ChatFormat(tokenizer: BPETokenizer(huggingFace: files.tokenizer), template: chatFormat)
            let config = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files.modelConfig)))
            architecture = ((config as? [String: Any])?["model_type"] as? String) ?? "unknown"
            let data = (try? Data(contentsOf: URL(fileURLWithPath: files.tokenizer))) ?? Data()
            let dir = URL(fileURLWithPath: files.directory).lastPathComponent
            fileName = dir.isEmpty || dir == "." ? "tokenizer.json" : "\(dir)/\(URL(fileURLWithPath: files.tokenizer).lastPathComponent)"
            size = data.count
            fingerprint = data.withUnsafeBytes { GGUFFile.fingerprint($0) }
        } else {
            let file = try GGUFFile(path: path)
            source = .gguf(file)
            chat = try ChatFormat(tokenizer: BPETokenizer(gguf: file), template: chatFormat)
            architecture = file["general.architecture"]?.string ?? "unknown"
            fileName = URL(fileURLWithPath: file.path).lastPathComponent
            size = file.fileSize
            fingerprint = file.headerFingerprint
        }
    }

    /// The routing shape (layers, experts, top-k) for `--routing`: from the GGUF's metadata, or from the
    /// `config.json` beside a tokenizer.json.
    func routingShape(segment: Int?) throws -> RoutingShape? {
        guard let segment else { return nil }
        switch source {
        case .gguf(let file):
            let arch = file["general.architecture"]?.string ?? ""
            guard let layers = file["\(arch).block_count"]?.int, let experts = file["\(arch).expert_count"]?.int, experts > 0,
                  let topK = file["\(arch).expert_used_count"]?.int, topK > 0 else {
                throw CLIError("--routing: \(path) does not say the model's experts (\(arch).expert_count, expert_used_count); pass the served MoE model's GGUF (or its Hugging Face folder with config.json) as --tokenizer")
            }
            return RoutingShape(layers: layers, experts: experts, topK: topK, segmentLength: segment)
        case .huggingFace(let files):
            let ask = "pass the served MoE model's config.json beside its tokenizer.json (or its GGUF) as --tokenizer"
            guard FileManager.default.fileExists(atPath: files.modelConfig) else {
                throw CLIError("--routing: a tokenizer.json does not say the model's layers and experts, and \(files.modelConfig) does not exist; \(ask)")
            }
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: files.modelConfig)),
                  let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw CLIError("--routing: \(files.modelConfig) is not a JSON object; \(ask)")
            }
            // Multimodal checkpoints nest the language model's settings in text_config.
            let config = top["num_hidden_layers"] == nil ? (top["text_config"] as? [String: Any]) ?? top : top
            func int(_ keys: [String]) -> Int? {
                for k in keys { if let v = config[k] as? Int, v > 0 { return v } }
                return nil
            }
            guard let layers = int(["num_hidden_layers"]),
                  let experts = int(["num_experts", "num_local_experts", "n_routed_experts"]),
                  let topK = int(["num_experts_per_tok", "experts_per_token"]) else {
                throw CLIError("--routing: \(files.modelConfig) does not say the model's experts (num_hidden_layers, num_experts or num_local_experts, num_experts_per_tok); \(ask)")
            }
            return RoutingShape(layers: layers, experts: experts, topK: topK, segmentLength: segment)
        }
    }
}
