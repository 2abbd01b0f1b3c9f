import Foundation

/// The files of a Hugging Face checkpoint's tokenizer: `tokenizer.json` (vocabulary, merges, added tokens,
/// pre-tokenizer) and, beside it, `tokenizer_config.json` (chat template, special tokens, BOS/EOS flags),
/// `chat_template.jinja` (newer checkpoints keep the template there) and `config.json` (the model's shape).
public struct HuggingFaceTokenizerFiles: Sendable, Equatable {
    /// `tokenizer.json`.
    public let tokenizer: String
    /// The folder holding it (where the other files are looked for).
    public let directory: String

    public var config: String { directory + "/tokenizer_config.json" }
    public var chatTemplate: String { directory + "/chat_template.jinja" }
    public var modelConfig: String { directory + "/config.json" }

    /// `path` is a `tokenizer.json` (any name ending in `.json`) or a folder holding one; nil for anything
    /// else (a GGUF file).
    public init?(path: String) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            directory = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            tokenizer = directory + "/tokenizer.json"
        } else if path.lowercased().hasSuffix(".json") {
            tokenizer = path
            let dir = (path as NSString).deletingLastPathComponent
            directory = dir.isEmpty ? "." : dir
        } else {
            return nil
        }
    }

    /// The JSON object in `path` (nil when the file does not exist and `optional`).
    static func object(_ path: String, optional: Bool = false) throws(VocabularyError) -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: path) else {
            if optional { return nil }
            throw VocabularyError(source: path, .unreadable("no such file; expected a Hugging Face tokenizer.json (or a folder holding one)"))
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VocabularyError(source: path, .unreadable("cannot read the file: \(error.localizedDescription)"))
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw VocabularyError(source: path, .unreadable("not valid JSON (\(error.localizedDescription))"))
        }
        guard let o = parsed as? [String: Any] else {
            throw VocabularyError(source: path, .unreadable("the top level is \(JSONField.describe(parsed)); expected a JSON object"))
        }
        return o
    }
}

/// Typed access to the fields of a parsed JSON object, every failure naming the file and the field's path.
struct JSONField {
    let source: String
    let path: String
    let value: Any?

    static func describe(_ v: Any?) -> String {
        switch v {
        case nil, is NSNull: "missing (or null)"
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case let n as NSNumber: isBool(n) ? "a bool" : "a number"
        default: "a \(type(of: v!))"
        }
    }

    /// JSON `true` and `false` (numbers whose Objective-C type is `char`), as opposed to 0 and 1.
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    func fail(_ expected: String, found: String? = nil) -> VocabularyError {
        VocabularyError(source: source, .invalidField(key: path, found: found ?? Self.describe(value), expected: expected))
    }

    subscript(key: String) -> JSONField {
        JSONField(source: source, path: path.isEmpty ? key : "\(path).\(key)", value: (value as? [String: Any])?[key])
    }

    var isNull: Bool { value == nil || value is NSNull }

    func object(_ expected: String = "an object") throws(VocabularyError) -> [String: Any] {
        guard let o = value as? [String: Any] else { throw fail(expected) }
        return o
    }

    func array(_ expected: String = "an array") throws(VocabularyError) -> [JSONField] {
        guard let a = value as? [Any] else { throw fail(expected) }
        return a.enumerated().map { JSONField(source: source, path: "\(path)[\($0.offset)]", value: $0.element) }
    }

    func string(_ expected: String = "a string") throws(VocabularyError) -> String {
        guard let s = value as? String else { throw fail(expected) }
        return s
    }

    func int(_ expected: String = "an integer") throws(VocabularyError) -> Int {
        guard let n = value as? NSNumber, !Self.isBool(n), let i = Int(exactly: n.doubleValue) else {
            throw fail(expected)
        }
        return i
    }

    /// A bool, or nil when the field is absent or null.
    func optionalBool() throws(VocabularyError) -> Bool? {
        if isNull { return nil }
        guard let n = value as? NSNumber, Self.isBool(n) else { throw fail("true or false") }
        return n.boolValue
    }
}

extension Vocabulary {
    /// Loads a byte-level BPE tokenizer from a Hugging Face `tokenizer.json` (or a folder holding one), with
    /// the chat template and special tokens of `tokenizer_config.json` (or `chat_template.jinja`) beside it.
    ///
    /// The result is what llama.cpp's converter would write to a GGUF: `model.vocab` and the `added_tokens`
    /// (CONTROL when `special` or spelled like a control token, `<|…|>` or `<｜…｜>`, else USER_DEFINED),
    /// ids no token names as UNUSED `[PAD<id>]` entries (up to `config.json`'s `vocab_size` when present),
    /// `model.merges` in either spelling (`"a b"` or `["a", "b"]`), and the `tokenizer.ggml.pre` whose regex
    /// the `pre_tokenizer` splits with (`PreTokenizer.Pattern.huggingFaceRegex`). A `normalizer` other than
    /// none or NFC is refused; NFC is not applied (llama.cpp does not apply it either).
    public init(huggingFace files: HuggingFaceTokenizerFiles) throws(VocabularyError) {
        let src = files.tokenizer
        let root = JSONField(source: src, path: "", value: try HuggingFaceTokenizerFiles.object(src))
        let model = root["model"]
        _ = try model.object()
        if !model["type"].isNull {
            let type = try model["type"].string()
            guard type == "BPE" else { throw model["type"].fail("\"BPE\" (byte-level BPE)", found: "\"\(type)\"") }
        }
        if try model["byte_fallback"].optionalBool() == true {
            throw model["byte_fallback"].fail("false (a byte-level BPE vocabulary)", found: "true")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] where !model[key].isNull {
            if let s = model[key].value as? String, s.isEmpty { continue }
            throw model[key].fail("null (a byte-level BPE vocabulary)", found: Self.shortDescription(model[key].value))
        }
        if !root["normalizer"].isNull {
            let type = try root["normalizer"]["type"].string()
            guard type == "NFC" else {
                throw root["normalizer"]["type"].fail("null or \"NFC\"", found: "\"\(type)\"")
            }
        }
        let preName = try Self.preTokenizer(root["pre_tokenizer"],
                                            ignoreMerges: try model["ignore_merges"].optionalBool() ?? false)

        // Tokens by id: the vocabulary, then the added tokens (which may restate vocabulary ids).
        var byID: [Int: (String, TokenType)] = [:]
        let vocab = model["vocab"]
        for (text, id) in try vocab.object("an object mapping token texts to ids") {
            let field = JSONField(source: src, path: "model.vocab[\(String(reflecting: text))]", value: id)
            let i = try field.int(Self.idExpectation)
            guard i >= 0 && i < Self.maxTokens else { throw field.fail(Self.idExpectation, found: "\(i)") }
            if let other = byID[i] {
                throw field.fail("one token per id", found: "id \(i), also given to \(String(reflecting: other.0))")
            }
            byID[i] = (text, .normal)
        }
        for added in try root["added_tokens"].isNull ? [] : root["added_tokens"].array() {
            let id = try added["id"].int()
            guard id >= 0 && id < Self.maxTokens else { throw added["id"].fail(Self.idExpectation, found: "\(id)") }
            let text = try added["content"].string()
            let special = try added["special"].optionalBool() ?? false
            byID[id] = (text, special || Self.looksLikeControl(text) ? .control : .userDefined)
        }
        guard let maxID = byID.keys.max() else { throw vocab.fail("at least one token", found: "empty") }
        var count = maxID + 1
        let modelConfig = try HuggingFaceTokenizerFiles.object(files.modelConfig, optional: true)
        if let size = modelConfig?["vocab_size"] as? Int, size > count, size <= Self.maxTokens { count = size }
        var tokens: [String] = []
        var types: [TokenType] = []
        tokens.reserveCapacity(count)
        types.reserveCapacity(count)
        for i in 0..<count {
            let (t, ty) = byID[i] ?? ("[PAD\(i)]", .unused)
            tokens.append(t)
            types.append(ty)
        }

        var merges: [String] = []
        let mergeField = model["merges"]
        let mergeList = try mergeField.array("an array of merges (\"a b\" or [\"a\", \"b\"])")
        merges.reserveCapacity(mergeList.count)
        for m in mergeList {
            if let s = m.value as? String {
                merges.append(s)
            } else if let pair = m.value as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String,
                      !a.isEmpty, !b.isEmpty, !a.contains(" "), !b.contains(" ") {
                merges.append(a + " " + b)
            } else {
                throw m.fail("\"a b\" or a pair [\"a\", \"b\"] of non-empty texts without spaces",
                             found: Self.shortDescription(m.value))
            }
        }

        // tokenizer_config.json: special tokens, BOS/EOS flags, chat template.
        let configObject = try HuggingFaceTokenizerFiles.object(files.config, optional: true)
        let config = JSONField(source: files.config, path: "", value: configObject)
        var idOf: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where types[i] != .unused { idOf[t] = i }
        func specialID(_ key: String) throws(VocabularyError) -> TokenID? {
            var f = config[key]
            if f.isNull { return nil }
            if f.value is [String: Any] { f = f["content"] }
            let text = try f.string("a token text (or an object with \"content\")")
            guard let id = idOf[text] else { throw f.fail("the text of a token in \(src)", found: String(reflecting: text)) }
            return TokenID(id)
        }
        let bos = try specialID("bos_token")
        let eos = try specialID("eos_token")
        let pad = try specialID("pad_token")
        let addBOS = try config["add_bos_token"].optionalBool() ?? PreTokenizerRules(preName).addsBOSByDefault
        let addEOS = try config["add_eos_token"].optionalBool() ?? false
        var template: String? = nil
        let t = config["chat_template"]
        if let s = t.value as? String {
            template = s
        } else if !t.isNull {
            // the older form: a list of {"name", "template"}, "default" being the chat template
            var named: [(name: String, template: String)] = []
            for n in try t.array("a string or a list of {\"name\", \"template\"}") {
                named.append((try n["name"].string(), try n["template"].string()))
            }
            template = (named.first { $0.name == "default" } ?? named.first)?.template
        } else if FileManager.default.fileExists(atPath: files.chatTemplate) {
            do { template = try String(contentsOfFile: files.chatTemplate, encoding: .utf8) } catch {
                throw VocabularyError(source: files.chatTemplate, .unreadable("cannot read the chat template as UTF-8 text"))
            }
        }

        do {
            try self.init(tokens: tokens, types: types, merges: merges, preTokenizer: preName, bosID: bos, eosID: eos,
                          padID: pad, addBOS: addBOS, addEOS: addEOS, chatTemplate: template, source: src)
        } catch let e {
            // The array initializer names GGUF keys; say which tokenizer.json field it was.
            if case .malformedMerge(let i, let text) = e.problem {
                throw VocabularyError(source: src, .invalidField(key: "model.merges[\(i)]", found: String(reflecting: text),
                                                                 expected: "two non-empty parts separated by a space"))
            }
            throw e
        }
    }

    /// Opens a `tokenizer.json` or a folder holding one.
    public init(huggingFace path: String) throws(VocabularyError) {
        guard let files = HuggingFaceTokenizerFiles(path: path) else {
            throw VocabularyError(source: path, .unreadable("expected a Hugging Face tokenizer.json or a folder holding one"))
        }
        try self.init(huggingFace: files)
    }

    /// Ids are below this (no vocabulary comes near it; a larger id would only allocate padding).
    static let maxTokens = 1 << 24
    static let idExpectation = "a token id (an integer in 0..<\(1 << 24))"

    /// Whether an added token is spelled like a control token (`<|…|>`, `<｜…｜>`); llama.cpp's converter
    /// makes these CONTROL even when the file does not mark them special (Qwen's `<|fim_prefix|>`).
    static func looksLikeControl(_ text: String) -> Bool {
        (text.hasPrefix("<|") && text.hasSuffix("|>") && text.count > 4)
            || (text.hasPrefix("<｜") && text.hasSuffix("｜>") && text.count > 4)
    }

    static func shortDescription(_ v: Any?) -> String {
        if let s = v as? String { return String(reflecting: s.count > 80 ? String(s.prefix(80)) + "…" : s) }
        return JSONField.describe(v)
    }

    /// The `tokenizer.ggml.pre` name of a `pre_tokenizer`: a `Split` on one of the known regexes (behavior
    /// `Isolated`) followed by a `ByteLevel` that does no splitting of its own, alone or in a `Sequence`.
    static func preTokenizer(_ field: JSONField, ignoreMerges: Bool) throws(VocabularyError) -> String {
        let expected = "a Sequence of a Split (Regex, Isolated) and a ByteLevel (use_regex false)"
        var steps: [JSONField] = []
        if (try? field["type"].string()) == "Sequence" {
            steps = try field["pretokenizers"].array()
        } else if !field.isNull {
            steps = [field]
        }
        guard steps.count == 2, (try? steps[0]["type"].string()) == "Split", (try? steps[1]["type"].string()) == "ByteLevel"
        else {
            let found = field.isNull ? "missing (or null)"
                : "[" + steps.map { (try? $0["type"].string()) ?? "?" }.joined(separator: ", ") + "]"
            throw field.fail(expected + " (the GPT-2 ByteLevel regex is not supported)", found: found)
        }
        let split = steps[0], byteLevel = steps[1]
        if try byteLevel["use_regex"].optionalBool() ?? true {
            throw byteLevel["use_regex"].fail("false (the Split before it does the splitting)",
                                              found: Self.shortDescription(byteLevel["use_regex"].value ?? true))
        }
        if try byteLevel["add_prefix_space"].optionalBool() == true {
            throw byteLevel["add_prefix_space"].fail("false", found: "true")
        }
        let behavior = try split["behavior"].string()
        guard behavior == "Isolated" else { throw split["behavior"].fail("\"Isolated\"", found: "\"\(behavior)\"") }
        if try split["invert"].optionalBool() == true { throw split["invert"].fail("false", found: "true") }
        let regex = try split["pattern"]["Regex"].string("a regex string")
        guard let pattern = PreTokenizer.Pattern.all.first(where: { $0.huggingFaceRegex == regex }) else {
            throw split["pattern"]["Regex"].fail("the split regex of qwen2, llama-bpe/smaug-bpe or gpt-4o",
                                                 found: "an unknown regex " + Self.shortDescription(regex))
        }
        return pattern.ggmlName(ignoreMerges: ignoreMerges)
    }
}

extension BPETokenizer {
    /// A tokenizer for a Hugging Face `tokenizer.json` (or a folder holding one).
    public init(huggingFace path: String) throws(VocabularyError) {
        self.init(vocabulary: try Vocabulary(huggingFace: path))
    }
}
