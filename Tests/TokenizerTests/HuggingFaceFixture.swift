import Foundation
import GGUF
import Tokenizer

/// Hugging Face tokenizer folders for tests, written at test time (the Qwen3 tokenizer.json is about 5 MB, too
/// big to commit). `qwen3()` lays the committed Qwen3 GGUF vocabulary out as the Hub's Qwen checkpoints do,
/// exactly as tools/make_hf_tokenizer.py writes it (that script checks the layout with the `tokenizers`
/// package): NORMAL tokens in `model.vocab`, CONTROL and USER_DEFINED ones in `added_tokens`, `special` set
/// as on the Hub (the FIM and repo tokens are not marked special), no `[PAD<id>]` entries, and a
/// `config.json` whose `vocab_size` restores them. Shared by TokenizerTests and CLITests (symlinked).
enum HuggingFaceFixture {
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pre-tokenizer Qwen's tokenizer.json has (a Split on `regex`, then ByteLevel).
    static func preTokenizer(_ regex: String = qwen2Regex) -> [String: Any] {
        ["type": "Sequence", "pretokenizers": [
            ["type": "Split", "pattern": ["Regex": regex], "behavior": "Isolated", "invert": false],
            ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
        ]]
    }

    static func addedToken(_ id: Int, _ content: String, special: Bool) -> [String: Any] {
        ["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false,
         "special": special]
    }

    /// A tokenizer.json object from its parts (`merges`: strings or pairs).
    static func tokenizerJSON(vocab: [String: Int], merges: [Any], added: [[String: Any]],
                              preTokenizer: Any = preTokenizer(), ignoreMerges: Bool = false) -> [String: Any] {
        ["version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
         "normalizer": ["type": "NFC"], "pre_tokenizer": preTokenizer,
         "post_processor": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
         "decoder": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
         "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "",
                   "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "ignore_merges": ignoreMerges,
                   "vocab": vocab, "merges": merges]]
    }

    static func write(_ object: Any, to path: String) throws {
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// A fresh empty folder.
    static func folder(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "thinkscope-hf-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private static let made: Result<String, any Error> = Result {
        let dir = try folder("qwen3")
        let file = try GGUFFile(path: ggufPath)
        let tokens = file["tokenizer.ggml.tokens"]?.strings ?? []
        let types = file["tokenizer.ggml.token_type"]?.ints ?? []
        let merges = file["tokenizer.ggml.merges"]?.strings ?? []
        var vocab: [String: Int] = [:]
        var added: [[String: Any]] = []
        for (i, (t, ty)) in zip(tokens, types).enumerated() {
            switch TokenType(rawValue: Int32(ty)) {
            case .normal: vocab[t] = i
            case .control: added.append(addedToken(i, t, special: !(t.hasPrefix("<|fim_") || t == "<|repo_name|>" || t == "<|file_sep|>")))
            case .userDefined: added.append(addedToken(i, t, special: false))
            default: break
            }
        }
        func text(_ key: String) -> Any { file[key]?.int.map { tokens[$0] } ?? NSNull() }
        try write(tokenizerJSON(vocab: vocab, merges: merges, added: added), to: dir + "/tokenizer.json")
        try write(["add_bos_token": false, "bos_token": NSNull(), "eos_token": text("tokenizer.ggml.eos_token_id"),
                   "pad_token": text("tokenizer.ggml.padding_token_id"), "model_max_length": 131072,
                   "chat_template": file["tokenizer.chat_template"]?.string ?? NSNull(),
                   "tokenizer_class": "Qwen2Tokenizer", "unk_token": NSNull()] as [String: Any],
                  to: dir + "/tokenizer_config.json")
        try write(["model_type": "qwen3", "vocab_size": tokens.count, "num_hidden_layers": 28] as [String: Any],
                  to: dir + "/config.json")
        return dir
    }

    /// The folder (tokenizer.json, tokenizer_config.json, config.json) of the Qwen3 fixture vocabulary.
    static func qwen3() throws -> String { try made.get() }

    static var ggufPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/qwen3-vocab.gguf").path
    }
}
