import ArgumentParser
import Foundation
import GGUF
import Tokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text as one JSON array (no BOS is added)."
    )

    @Option(help: "GGUF model (or vocabulary-only) file.") var model: String
    @Flag(help: "Parse control-token text such as <|im_start|> as control tokens (llama.cpp's special=True).")
    var special = false
    @Option(help: "The text to tokenize.") var text: String?
    @Option(help: "A file whose bytes are tokenized (invalid UTF-8 is replaced).") var file: String?

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give exactly one of --text and --file") }
    }

    func run() throws {
        let tokenizer = try BPETokenizer(gguf: GGUFFile(path: model))
        let ids: [TokenID]
        if let path = file {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError("\(path): cannot read the file")
            }
            ids = tokenizer.encode(bytes: data, parseSpecial: special)
        } else {
            ids = tokenizer.encode(text ?? "", parseSpecial: special)
        }
        print("[" + ids.map(String.init).joined(separator: ", ") + "]")
    }
}
