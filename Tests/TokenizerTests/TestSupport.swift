import Testing
import Foundation
import GGUF
import Tokenizer

/// Test fixtures, found next to this file (no SwiftPM resources). The real vocabulary is loaded once per
/// test process.
enum Fixtures {
    static let directory: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }()

    static let vocabPath = directory + "/qwen3-vocab.gguf"
    static let corpusPath = directory + "/tokenizer-corpus.json"

    private static let loadedQwen3: Result<BPETokenizer, any Error> = Result {
        BPETokenizer(vocabulary: try Vocabulary(contentsOf: vocabPath))
    }

    /// The real Qwen3 tokenizer (151,936 tokens).
    static func qwen3() throws -> BPETokenizer { try loadedQwen3.get() }

    private static let loadedCorpus: Result<Corpus, any Error> = Result {
        let data = try Data(contentsOf: URL(fileURLWithPath: corpusPath))
        return try JSONDecoder().decode(Corpus.self, from: data)
    }

    static func corpus() throws -> Corpus { try loadedCorpus.get() }
}

struct Corpus: Decodable, Sendable {
    struct Case: Decodable, Sendable {
        var name: String
        var text: String?
        var bytes_hex: String?
        var ids: [Int32]
        var ids_special: [Int32]
        /// llama.cpp's `tokenize(add_bos: true, special: true)`, recorded for some cases only.
        var ids_bos: [Int32]?
        var detok_hex: String
        var detok_special_hex: String

        /// The input bytes (UTF-8 of `text`, or the raw bytes).
        var bytes: [UInt8] { text.map { Array($0.utf8) } ?? hexBytes(bytes_hex ?? "") }
    }

    var llama_cpp_python: String
    var cases: [Case]

    /// Records every case where `t`'s ids differ from llama.cpp's (the first five in full).
    func expectSameIDs(_ t: BPETokenizer, special: Bool) {
        var failures = 0
        for c in cases {
            let expected = special ? c.ids_special : c.ids
            let got = c.text.map { t.encode($0, parseSpecial: special) } ?? t.encode(bytes: c.bytes, parseSpecial: special)
            if got != expected {
                failures += 1
                if failures <= 5 {
                    Issue.record("\(c.name) (special: \(special)): got \(got.prefix(40)), llama.cpp \(expected.prefix(40))")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases differ from llama.cpp")
    }

    /// `t` detokenizes llama.cpp's ids to llama.cpp's bytes, with and without special tokens rendered.
    func expectSameDetokenization(_ t: BPETokenizer) {
        for c in cases {
            #expect(t.detokenize(c.ids_special) == hexBytes(c.detok_hex), "\(c.name)")
            #expect(t.detokenize(c.ids_special, renderSpecial: true) == hexBytes(c.detok_special_hex), "\(c.name)")
        }
    }
}

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
    while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
    return out
}

/// A tiny vocabulary for unit tests: the 256 byte tokens plus the given merges' results and extra tokens.
func tinyVocabulary(merges: [String], extra: [(String, TokenType)] = [], chatTemplate: String? = nil,
                    eos: String? = nil) throws -> Vocabulary {
    var tokens = (0..<256).map { String(ByteLevel.byteToScalar[$0]) }
    var types = [TokenType](repeating: .normal, count: 256)
    for m in merges {
        let t = m.replacingOccurrences(of: " ", with: "")
        if !tokens.contains(t) {
            tokens.append(t)
            types.append(.normal)
        }
    }
    for (t, ty) in extra {
        tokens.append(t)
        types.append(ty)
    }
    let eosID = eos.flatMap { e in tokens.lastIndex(of: e).map { TokenID($0) } }
    return try Vocabulary(tokens: tokens, types: types, merges: merges, eosID: eosID, chatTemplate: chatTemplate)
}

/// Byte-level spelling, for writing merges of tiny vocabularies: `bl(" a")` == `"Ġa"`.
func bl(_ s: String) -> String { ByteLevel.encode(Array(s.utf8)) }

/// A real vocabulary cut down to what one parity corpus needs (tools/tiktoken_fixture.py writes them:
/// `o200k-vocab-subset.json` for gpt-oss, `llama3-vocab-subset.json` for Llama-3): the listed tokens keep
/// their ids, every other id is `[PAD<id>]` of type UNUSED, which no merge forms. llama.cpp gives the same
/// ids with such a vocabulary as with the full one on that corpus.
struct VocabularySubset: Decodable {
    var vocab_size: Int
    var pre: String
    var bos_token_id: Int32
    var eos_token_id: Int32
    var padding_token_id: Int32?
    /// `tokenizer.ggml.add_bos_token`; absent as in the GGUF when the file has no such key.
    var add_bos_token: Bool?
    /// [id, text, token type]
    var tokens: [[TokenEntryField]]
    var merges: [String]

    enum TokenEntryField: Decodable {
        case int(Int), text(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .text(try c.decode(String.self)) }
        }
    }

    /// The full-size vocabulary, built as the GGUF loader builds it (a missing `add_bos_token` takes the
    /// pre-tokenizer's default, as in llama.cpp).
    func vocabulary(source: String) throws -> Vocabulary {
        var texts = (0..<vocab_size).map { "[PAD\($0)]" }
        var types = [Int](repeating: Int(TokenType.unused.rawValue), count: vocab_size)
        for entry in tokens {
            guard entry.count == 3, case .int(let id) = entry[0], case .text(let text) = entry[1],
                  case .int(let type) = entry[2] else { throw CocoaError(.coderReadCorrupt) }
            texts[id] = text
            types[id] = type
        }
        let addBOS = add_bos_token ?? Vocabulary.PreTokenizerRules(pre).addsBOSByDefault
        return try Vocabulary(tokens: texts, rawTypes: types, merges: merges, preTokenizer: pre, bosID: bos_token_id,
                              eosID: eos_token_id, padID: padding_token_id, addBOS: addBOS, source: source)
    }

    /// The tokenizer of Tests/Fixtures/`file`.
    static func tokenizer(_ file: String) throws -> BPETokenizer {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.directory + "/" + file))
        return BPETokenizer(vocabulary: try JSONDecoder().decode(Self.self, from: data).vocabulary(source: file))
    }
}

extension Corpus {
    /// Tests/Fixtures/`file`.
    static func load(_ file: String) throws -> Corpus {
        try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.directory + "/" + file)))
    }
}

extension Fixtures {
    private static let loadedO200k = Result { try VocabularySubset.tokenizer("o200k-vocab-subset.json") }
    private static let loadedO200kCorpus = Result { try Corpus.load("tokenizer-corpus-o200k.json") }

    /// The o200k_harmony (gpt-oss) subset tokenizer (201,088 ids, only the corpus's tokens real).
    static func o200k() throws -> BPETokenizer { try loadedO200k.get() }
    /// llama.cpp's ids for the full o200k vocabulary.
    static func o200kCorpus() throws -> Corpus { try loadedO200kCorpus.get() }

    private static let loadedLlama3 = Result { try VocabularySubset.tokenizer("llama3-vocab-subset.json") }
    private static let loadedLlama3Corpus = Result { try Corpus.load("tokenizer-corpus-llama3.json") }

    /// The Llama-3 subset tokenizer (128,256 ids, `llama-bpe`, only the corpus's tokens real).
    static func llama3() throws -> BPETokenizer { try loadedLlama3.get() }
    /// llama.cpp's ids for the full Llama-3 vocabulary.
    static func llama3Corpus() throws -> Corpus { try loadedLlama3Corpus.get() }
}
