import Foundation
import Testing
import Tokenizer

/// A Hugging Face tokenizer.json (a served checkpoint's tokenizer) loads into the same tokenizer as the GGUF.
@Suite struct HuggingFaceTokenizerTests {
    static let loaded: Result<BPETokenizer, any Error> = Result {
        try BPETokenizer(huggingFace: try HuggingFaceFixture.qwen3())
    }

    @Test func theQwen3TokenizerJSONIsTheGGUFVocabulary() throws {
        let hf = try Self.loaded.get().vocabulary, gguf = try Fixtures.qwen3().vocabulary
        #expect(hf.count == 151_936)
        #expect(hf.tokens == gguf.tokens)
        #expect(hf.types == gguf.types, "the <|fim_…|> tokens are CONTROL although not marked special")
        #expect(hf.preTokenizer == "qwen2")
        #expect(hf.eosID == 151_645 && hf.padID == 151_643 && hf.bosID == nil && !hf.addBOS)
        #expect(hf.chatTemplate == gguf.chatTemplate)
        #expect(hf.inertMergeCount == gguf.inertMergeCount)
    }

    @Test func theCorpusEncodesAsWithTheGGUF() throws {
        let hf = try Self.loaded.get(), gguf = try Fixtures.qwen3()
        var failures = 0
        for c in try Fixtures.corpus().cases {
            for special in [false, true] {
                let a = c.text.map { hf.encode($0, parseSpecial: special) } ?? hf.encode(bytes: c.bytes, parseSpecial: special)
                let b = c.text.map { gguf.encode($0, parseSpecial: special) } ?? gguf.encode(bytes: c.bytes, parseSpecial: special)
                if a != b || a != (special ? c.ids_special : c.ids) {
                    failures += 1
                    if failures <= 5 { Issue.record("\(c.name) (special: \(special)): \(a.prefix(30)) vs \(b.prefix(30))") }
                }
            }
            #expect(hf.decodeBytes(c.ids_special, renderSpecial: true) == hexBytes(c.detok_special_hex), "\(c.name)")
            if let text = c.text { #expect(hf.encodeUserText(text) == gguf.encodeUserText(text), "\(c.name)") }
        }
        #expect(failures == 0)
    }

    @Test func theChatFormatIsDetectedAsFromTheGGUF() throws {
        let hf = try ChatFormat(tokenizer: try Self.loaded.get())
        let gguf = try ChatFormat(tokenizer: try Fixtures.qwen3())
        #expect(hf.template == .chatML)
        #expect(hf.thinking == gguf.thinking)
        #expect(hf.thinking.mode == .hybrid)
        #expect(hf.endOfGeneration == gguf.endOfGeneration)
        let messages: [ChatMessage] = [.system("Be brief."), .user("What is 17+25? <|im_start|>"), .assistant("<think>\nadd\n</think>\n\n42"),
                                       .user("And 1+1?")]
        for thinking in [true, false] {
            #expect(hf.render(messages, enableThinking: thinking) == gguf.render(messages, enableThinking: thinking))
        }
        // --chat-format still chooses
        #expect(try ChatFormat(tokenizer: try Self.loaded.get(), template: .s1).template == .s1)
    }

    // MARK: Small files

    /// A tiny byte-level vocabulary: the 256 byte tokens and the merges' results, plus added tokens.
    static func tiny(merges: [String], added: [(String, Bool)] = []) -> (vocab: [String: Int], added: [[String: Any]]) {
        var vocab: [String: Int] = [:]
        for b in 0..<256 { vocab[String(ByteLevel.byteToScalar[b])] = b }
        for m in merges {
            let t = m.replacingOccurrences(of: " ", with: "")
            if vocab[t] == nil { vocab[t] = vocab.count }
        }
        let base = vocab.count
        return (vocab, added.enumerated().map { HuggingFaceFixture.addedToken(base + $0.offset, $0.element.0, special: $0.element.1) })
    }

    static func merge(_ a: String, _ b: String) -> String { bl(a) + " " + bl(b) }
    static let merges = [merge("h", "e"), merge("l", "l"), merge("he", "ll"), merge("hell", "o"), merge(" ", "w"), merge(" w", "o")]

    /// Writes a tokenizer folder and loads it (`edit` changes the tokenizer.json object first).
    static func load(_ name: String, merges: [Any] = merges.map { $0 as Any }, added: [(String, Bool)] = [],
                     config: [String: Any]? = nil, jinja: String? = nil,
                     edit: (inout [String: Any]) -> Void = { _ in }) throws -> BPETokenizer {
        try BPETokenizer(huggingFace: try make(name, merges: merges, added: added, config: config, jinja: jinja, edit: edit))
    }

    /// Writes a tokenizer folder; returns its path.
    static func make(_ name: String, merges: [Any] = merges.map { $0 as Any }, added: [(String, Bool)] = [],
                     config: [String: Any]? = nil, jinja: String? = nil,
                     edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let dir = try HuggingFaceFixture.folder(name)
        let t = tiny(merges: Self.merges, added: added)
        var json = HuggingFaceFixture.tokenizerJSON(vocab: t.vocab, merges: merges, added: t.added)
        edit(&json)
        try HuggingFaceFixture.write(json, to: dir + "/tokenizer.json")
        if let config { try HuggingFaceFixture.write(config, to: dir + "/tokenizer_config.json") }
        if let jinja { try jinja.write(toFile: dir + "/chat_template.jinja", atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func mergesAsPairsLoadAsMergesAsStrings() throws {
        let strings = try Self.load("strings")
        let pairs = try Self.load("pairs", merges: Self.merges.map { $0.split(separator: " ").map(String.init) })
        #expect(strings.vocabulary.tokens == pairs.vocabulary.tokens)
        for text in ["hello world", "hellohello wo", "he ll o"] {
            #expect(strings.encode(text, parseSpecial: false) == pairs.encode(text, parseSpecial: false))
        }
        #expect(strings.encode("hello", parseSpecial: false).count == 1)
    }

    @Test func aFileNamedDirectlyFindsItsConfigBeside() throws {
        let dir = try Self.make("direct", added: [("<|im_start|>", true), ("<|im_end|>", true)],
                                config: ["eos_token": ["content": "<|im_end|>"], "chat_template": "{{ x }}"])
        let v = try Vocabulary(huggingFace: dir + "/tokenizer.json")
        #expect(v.source == dir + "/tokenizer.json")
        #expect(v.chatTemplate == "{{ x }}")
        #expect(v.eosID == v.id(forText: "<|im_end|>"))
    }

    @Test func eachChatFormatIsDetectedFromTheTokensAndTemplate() throws {
        let r1 = try Self.load("r1", added: [("<｜User｜>", true), ("<｜Assistant｜>", true), ("<｜end▁of▁sentence｜>", true),
                                              ("<think>", false), ("</think>", false)])
        #expect(try ChatFormat(tokenizer: r1).template == .deepSeekR1)
        let harmony = try Self.load("harmony", added: [("<|start|>", true), ("<|channel|>", true), ("<|message|>", true),
                                                       ("<|end|>", true), ("<|return|>", true)])
        #expect(try ChatFormat(tokenizer: harmony).template == .harmony)
        let chatML: [(String, Bool)] = [("<|im_start|>", true), ("<|im_end|>", true), ("<think>", false), ("</think>", false)]
        let smol = try Self.load("smol", added: chatML, config: ["chat_template": "{{ 'Reasoning Mode: /think' }}"])
        #expect(try ChatFormat(tokenizer: smol).template == .smolLM3)
        // newer checkpoints keep the template in chat_template.jinja; older ones list named templates
        let jinja = try Self.load("jinja", added: chatML, jinja: "{%- if enable_thinking %}Reasoning Mode{% endif %}")
        #expect(try ChatFormat(tokenizer: jinja).template == .smolLM3)
        let listed = try Self.load("listed", added: chatML, config: ["chat_template": [
            ["name": "tool_use", "template": "tools"], ["name": "default", "template": "{{ enable_thinking }}"]]])
        #expect(listed.vocabulary.chatTemplate == "{{ enable_thinking }}")
        let plain = try ChatFormat(tokenizer: try Self.load("plain", added: chatML))
        #expect(plain.template == .chatML && plain.thinking.mode == .hybrid)
        #expect(plain.vocabulary!.type(of: plain.turnStart) == .control)
        #expect(plain.vocabulary!.type(of: plain.thinkEnd!) == .userDefined)
    }

    @Test func eachKnownSplitRegexIsRecognised() throws {
        for (pattern, ignore, name) in [(PreTokenizer.Pattern.qwen2, false, "qwen2"), (.llama3, true, "llama-bpe"),
                                        (.llama3, false, "smaug-bpe"), (.gpt4o, false, "gpt-4o")] {
            let t = try Self.load("pre-\(name)") { json in
                json["pre_tokenizer"] = HuggingFaceFixture.preTokenizer(pattern.huggingFaceRegex)
                var model = json["model"] as! [String: Any]
                model["ignore_merges"] = ignore
                json["model"] = model
            }
            #expect(t.vocabulary.preTokenizer == name)
        }
        #expect(PreTokenizer.Pattern.qwen2.huggingFaceRegex == HuggingFaceFixture.qwen2Regex)
    }

    /// The error of loading a folder whose tokenizer.json is `text`, or whose object `edit` broke.
    static func error(_ name: String, text: String? = nil, config: String? = nil,
                      edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let dir = try HuggingFaceFixture.folder(name)
        let t = tiny(merges: merges)
        var json = HuggingFaceFixture.tokenizerJSON(vocab: t.vocab, merges: merges, added: t.added)
        edit(&json)
        if let text {
            try text.write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
        } else {
            try HuggingFaceFixture.write(json, to: dir + "/tokenizer.json")
        }
        if let config { try config.write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8) }
        do {
            _ = try Vocabulary(huggingFace: dir)
        } catch {
            return error.description
        }
        Issue.record("\(name): loaded without an error")
        return ""
    }

    static func model(_ json: inout [String: Any], _ key: String, _ value: Any) {
        var m = json["model"] as! [String: Any]
        m[key] = value
        json["model"] = m
    }

    @Test func malformedFilesGiveOneClearErrorNamingTheFileAndField() throws {
        let cases: [(String, String, [String])] = [
            ("truncated", try Self.error("truncated", text: #"{"model": {"vocab": {"#), ["not valid JSON"]),
            ("array", try Self.error("array", text: "[1, 2]"), ["top level is an array", "expected a JSON object"]),
            ("no-vocab", try Self.error("no-vocab") { Self.model(&$0, "vocab", NSNull()) }, ["'model.vocab' is missing"]),
            ("vocab-id", try Self.error("vocab-id") { Self.model(&$0, "vocab", ["a": "one"]) }, [#"'model.vocab["a"]' is a string"#, "expected a token id"]),
            ("huge-id", try Self.error("huge-id") { Self.model(&$0, "vocab", ["a": 1 << 40]) }, ["is 1099511627776; expected a token id"]),
            ("same-id", try Self.error("same-id") { Self.model(&$0, "vocab", ["a": 5, "b": 5]) }, ["id 5, also given to", "expected one token per id"]),
            ("merge", try Self.error("merge") { Self.model(&$0, "merges", [Self.merge("h", "e"), "nospace"]) }, ["'model.merges[1]'", "\"nospace\""]),
            ("merge-pair", try Self.error("merge-pair") { Self.model(&$0, "merges", [["h", "e", "x"]]) }, ["'model.merges[0]' is an array"]),
            ("merges-type", try Self.error("merges-type") { Self.model(&$0, "merges", "h e") }, ["'model.merges' is a string"]),
            ("wordpiece", try Self.error("wordpiece") { Self.model(&$0, "type", "WordPiece") }, [#"'model.type' is "WordPiece"; expected "BPE""#]),
            ("regex", try Self.error("regex") { $0["pre_tokenizer"] = HuggingFaceFixture.preTokenizer(#"\p{L}+|\s+"#) },
             ["'pre_tokenizer.pretokenizers[0].pattern.Regex' is an unknown regex", "qwen2, llama-bpe/smaug-bpe or gpt-4o"]),
            ("gpt2", try Self.error("gpt2") { $0["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true] },
             ["'pre_tokenizer' is [ByteLevel]", "a Sequence of a Split"]),
            ("normalizer", try Self.error("normalizer") { $0["normalizer"] = ["type": "Lowercase"] }, ["'normalizer.type' is \"Lowercase\""]),
            ("added", try Self.error("added") { $0["added_tokens"] = [["id": 300, "special": true]] }, ["'added_tokens[0].content' is missing"]),
            ("eos", try Self.error("eos", config: #"{"eos_token": "<|nope|>"}"#), ["tokenizer_config.json: 'eos_token' is \"<|nope|>\""]),
            ("config", try Self.error("config", config: "{oops"), ["tokenizer_config.json: not valid JSON"]),
        ]
        for (name, message, parts) in cases {
            #expect(message.contains(name == "eos" || name == "config" ? "thinkscope-hf-" : "tokenizer.json: "), "\(name): \(message)")
            for p in parts { #expect(message.contains(p), "\(name): \(message)") }
            #expect(!message.contains("\n"), "\(name): one line")
        }
        let missing = try HuggingFaceFixture.folder("missing")
        #expect(throws: VocabularyError.self) { try Vocabulary(huggingFace: missing) }
    }
}
