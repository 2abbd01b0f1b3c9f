/// Why a vocabulary could not be built. The description names the file (or `<arrays>`), the metadata key
/// and what was expected.
public struct VocabularyError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        case missingKey(String)
        case wrongType(key: String, expected: String, found: String)
        case unsupportedModel(String)
        case unsupportedPreTokenizer(String)
        case emptyVocabulary
        case lengthMismatch(key: String, expected: Int, found: Int)
        case invalidTokenType(index: Int, value: Int)
        case malformedMerge(index: Int, text: String)
        case idOutOfRange(key: String, id: Int, count: Int)
        /// A file that could not be read or parsed (a Hugging Face JSON file).
        case unreadable(String)
        /// A field of a Hugging Face tokenizer file (`key` is its JSON path) that is missing or unusable.
        case invalidField(key: String, found: String, expected: String)
    }

    /// The file the vocabulary came from, or `<arrays>`.
    public var source: String
    public var problem: Problem

    public init(source: String, _ problem: Problem) {
        self.source = source
        self.problem = problem
    }

    public var description: String { "\(source): \(message)" }

    public var message: String {
        switch problem {
        case .missingKey(let k):
            return "missing metadata key '\(k)'; a byte-level BPE (gpt2) tokenizer needs it"
        case .wrongType(let k, let expected, let found):
            return "metadata '\(k)' is \(found); expected \(expected)"
        case .unsupportedModel(let m):
            return "tokenizer.ggml.model is '\(m)'; expected 'gpt2' (byte-level BPE)"
        case .unsupportedPreTokenizer(let p):
            let known = Vocabulary.supportedPreTokenizers.map { "'\($0)'" }.joined(separator: ", ")
            return "tokenizer.ggml.pre is '\(p)'; this tokenizer supports \(known)"
        case .emptyVocabulary:
            return "tokenizer.ggml.tokens is empty; expected at least one token"
        case .lengthMismatch(let k, let expected, let found):
            return "\(k) has \(found) entries; expected \(expected) (one per token in tokenizer.ggml.tokens)"
        case .invalidTokenType(let i, let v):
            return "tokenizer.ggml.token_type[\(i)] is \(v); expected 0...6"
        case .malformedMerge(let i, let t):
            return "tokenizer.ggml.merges[\(i)] is \(String(reflecting: t)); expected two non-empty parts separated by a space"
        case .idOutOfRange(let k, let id, let n):
            return "\(k) is \(id); expected a token id in 0..<\(n)"
        case .unreadable(let why):
            return why
        case .invalidField(let k, let found, let expected):
            return "'\(k)' is \(found); expected \(expected)"
        }
    }
}
