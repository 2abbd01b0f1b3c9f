import GGUF
import Tokenizer

/// A real tokenizer for a random model, in place of the synthetic vocabulary: every `tokenizer.*`
/// metadata record of an existing GGUF file (tokens, token types, merges, BOS / EOS / padding ids,
/// pre-tokenizer, model, chat template, add-BOS flag …), copied as it is. Random weights with a real
/// vocabulary give real token counts, e.g. for the end of thinking every answer probe prefills.
public struct BorrowedVocabulary {
    /// The file the records came from.
    public let source: String
    /// The `tokenizer.*` records, in the source file's order.
    public let records: [(key: String, value: GGUFValue)]
    /// Entries of `tokenizer.ggml.tokens`.
    public let size: Int

    /// Reads the tokenizer of the GGUF file at `path` and checks that it loads (as `Vocabulary` would
    /// for the finished model) and has exactly `size` tokens. `neededBy` names what asks for that
    /// size in the error, e.g. "preset qwen3-0.6b".
    public init(path: String, size expected: Int, neededBy: String) throws(BorrowedVocabularyError) {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw BorrowedVocabularyError(error.description) }
        let key = "tokenizer.ggml.tokens"
        guard let tokens = file[key] else { throw BorrowedVocabularyError("\(path): has no \(key); it carries no tokenizer") }
        guard let count = tokens.array?.values.count, tokens.array?.elementType == .string else {
            throw BorrowedVocabularyError("\(path): \(key) is \(tokens.typeDescription); expected an array of strings")
        }
        guard count == expected else {
            throw BorrowedVocabularyError("\(path): \(key) has \(count) entries; \(neededBy) needs \(expected)")
        }
        do { _ = try Vocabulary(gguf: file) } catch { throw BorrowedVocabularyError(error.description) }
        source = path
        records = file.metadata.filter { $0.key.hasPrefix("tokenizer.") }
        size = count
    }

    /// Sets every record on `w` (replacing records of the same key).
    func add(to w: inout GGUFWriter) {
        for (key, value) in records { w.set(key, value) }
    }
}

/// Why a file's tokenizer cannot be borrowed; the description starts with the file's path.
public struct BorrowedVocabularyError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}
