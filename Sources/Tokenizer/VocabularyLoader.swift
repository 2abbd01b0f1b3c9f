import GGUF

extension Vocabulary {
    /// Loads the tokenizer from a GGUF file's `tokenizer.ggml.*` metadata (and `tokenizer.chat_template`).
    ///
    /// Requires `tokenizer.ggml.model = gpt2`, a supported `tokenizer.ggml.pre`, `tokens` and `merges`.
    /// `token_type` is optional (all NORMAL when absent, as in llama.cpp) but must match `tokens` in length.
    public init(gguf file: GGUFFile) throws(VocabularyError) {
        let src = file.path
        func fail(_ p: VocabularyError.Problem) -> VocabularyError { VocabularyError(source: src, p) }
        func value(_ key: String) throws(VocabularyError) -> GGUFValue {
            guard let v = file[key] else { throw fail(.missingKey(key)) }
            return v
        }
        func string(_ key: String) throws(VocabularyError) -> String {
            let v = try value(key)
            guard let s = v.string else { throw fail(.wrongType(key: key, expected: "a string", found: v.typeDescription)) }
            return s
        }
        func strings(_ key: String) throws(VocabularyError) -> [String] {
            let v = try value(key)
            guard let s = v.strings else {
                throw fail(.wrongType(key: key, expected: "an array of strings", found: v.typeDescription))
            }
            return s
        }
        func optionalID(_ key: String, count: Int) throws(VocabularyError) -> TokenID? {
            guard let v = file[key] else { return nil }
            guard let i = v.int else { throw fail(.wrongType(key: key, expected: "an integer", found: v.typeDescription)) }
            guard i >= 0 && i < count else { throw fail(.idOutOfRange(key: key, id: i, count: count)) }
            return TokenID(i)
        }
        func optionalBool(_ key: String) throws(VocabularyError) -> Bool? {
            guard let v = file[key] else { return nil }
            guard let b = v.bool else { throw fail(.wrongType(key: key, expected: "a bool", found: v.typeDescription)) }
            return b
        }

        let model = try string("tokenizer.ggml.model")
        guard model == "gpt2" else { throw fail(.unsupportedModel(model)) }
        let pre = try string("tokenizer.ggml.pre")
        guard Self.supportedPreTokenizers.contains(pre) else { throw fail(.unsupportedPreTokenizer(pre)) }
        let tokens = try strings("tokenizer.ggml.tokens")
        guard !tokens.isEmpty else { throw fail(.emptyVocabulary) }

        var rawTypes = [Int](repeating: Int(TokenType.normal.rawValue), count: tokens.count)
        if let v = file["tokenizer.ggml.token_type"] {
            guard let t = v.ints else {
                throw fail(.wrongType(key: "tokenizer.ggml.token_type", expected: "an array of integers",
                                      found: v.typeDescription))
            }
            guard t.count == tokens.count else {
                throw fail(.lengthMismatch(key: "tokenizer.ggml.token_type", expected: tokens.count, found: t.count))
            }
            rawTypes = t
        }
        let merges = try strings("tokenizer.ggml.merges")
        let n = tokens.count
        let bos = try optionalID("tokenizer.ggml.bos_token_id", count: n)
        let eos = try optionalID("tokenizer.ggml.eos_token_id", count: n)
        let pad = try optionalID("tokenizer.ggml.padding_token_id", count: n)
        let addBOS = try optionalBool("tokenizer.ggml.add_bos_token") ?? PreTokenizerRules(pre).addsBOSByDefault
        let addEOS = try optionalBool("tokenizer.ggml.add_eos_token") ?? false
        var template: String? = nil
        if file["tokenizer.chat_template"] != nil { template = try string("tokenizer.chat_template") }

        try self.init(tokens: tokens, rawTypes: rawTypes, merges: merges, preTokenizer: pre, bosID: bos,
                      eosID: eos, padID: pad, addBOS: addBOS, addEOS: addEOS, chatTemplate: template, source: src)
    }

    /// Opens `path` and loads its vocabulary. Throws `GGUFError` if the file is not a valid GGUF, or
    /// `VocabularyError` if its tokenizer metadata is unusable.
    public init(contentsOf path: String) throws {
        try self.init(gguf: try GGUFFile(path: path))
    }
}

extension BPETokenizer {
    /// A tokenizer for the vocabulary of a GGUF file.
    public init(gguf file: GGUFFile) throws(VocabularyError) {
        self.init(vocabulary: try Vocabulary(gguf: file))
    }
}
