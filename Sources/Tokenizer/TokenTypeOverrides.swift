/// Token types llama.cpp's vocabulary loader changes after reading `tokenizer.ggml.token_type`, whatever the
/// file says (`llama_vocab::impl::load`, for gpt-oss's harmony tokens):
///   * `<|channel|>`, `<|message|>`, `<|start|>` and `<|constrain|>` become USER_DEFINED ("always render
///     these tokens"), so they are also matched in text tokenized without special parsing;
///   * `<|end|>` becomes USER_DEFINED (and stops being an end of generation) when the vocabulary also has
///     `<|call|>` or `<|calls|>`, together with `<|return|>` or `<|flush|>` (llama.cpp's test, which it
///     describes as "<|return|> and <|call|>, or <|calls|> and <|flush|> for solar-open").
/// The real gpt-oss files store all of them as CONTROL; tools/make_o200k_fixture.py records the effect.
enum TokenTypeOverrides {
    static let alwaysUserDefined: Set<String> = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]

    static func apply(tokens: [String], types: inout [TokenType]) {
        var last: [String: Int] = [:]  // llama.cpp's text -> id map: the last token with a text wins
        for (i, t) in tokens.enumerated() where t.hasPrefix("<|") && t.hasSuffix("|>") { last[t] = i }
        guard !last.isEmpty else { return }
        for text in alwaysUserDefined { if let i = last[text] { types[i] = .userDefined } }
        let call = last["<|call|>"] != nil || last["<|calls|>"] != nil
        if let end = last["<|end|>"], call && (last["<|return|>"] != nil || last["<|flush|>"] != nil) {
            types[end] = .userDefined
        }
    }
}
