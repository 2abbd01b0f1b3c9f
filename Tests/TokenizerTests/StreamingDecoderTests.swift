import Testing
import Tokenizer

@Suite struct StreamingDecoderTests {
    /// Feeds ids one at a time and checks that every chunk is whole characters and the total is right.
    func stream(_ t: BPETokenizer, _ ids: [TokenID], renderSpecial: Bool = false) -> [String] {
        var d = t.streamingDecoder(renderSpecial: renderSpecial)
        var chunks = ids.map { d.append($0) }
        chunks.append(d.finish())
        return chunks
    }

    @Test func multiByteCharactersSplitAcrossTokens() throws {
        let t = try Fixtures.qwen3()
        for s in ["你好世界，今天天气很好。", "吾輩は猫である", "👨‍👩‍👧‍👦🇯🇵❤️‍🔥", "naïve café", "𝐀𝟘 𠀀"] {
            let ids = t.encode(s, parseSpecial: false)
            let chunks = stream(t, ids)
            #expect(chunks.joined() == s)
            // no chunk ever shows a broken character
            for c in chunks { #expect(!c.unicodeScalars.contains("\u{FFFD}")) }
        }
    }

    @Test func holdsIncompleteBytesUntilComplete() throws {
        let t = try Fixtures.qwen3()
        var d = t.streamingDecoder()
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        #expect(d.append(bytes: euro[0..<1]) == "")
        #expect(d.pendingByteCount == 1)
        #expect(d.append(bytes: euro[1..<2]) == "")
        #expect(d.append(bytes: euro[2..<3]) == "€")
        #expect(d.pendingByteCount == 0)
        #expect(d.finish() == "")
    }

    @Test func invalidBytesBecomeReplacementCharacters() throws {
        let t = try Fixtures.qwen3()
        var d = t.streamingDecoder()
        #expect(d.append(bytes: [0x61, 0xFF]) == "a\u{FFFD}")          // never valid: emitted at once
        #expect(d.append(bytes: [0xE4, 0xBD]) == "")                     // valid prefix: held
        #expect(d.append(bytes: [0x41]) == "\u{FFFD}A")                  // broken by 'A'
        #expect(d.append(bytes: [0xED, 0xA0]) == "\u{FFFD}\u{FFFD}")     // ED A0 is a surrogate: never valid
        #expect(d.append(bytes: [0xF0, 0x9F, 0x98]) == "")
        #expect(d.pendingByteCount == 3)
        #expect(d.finish() == "\u{FFFD}")                                // flushed at the end
        #expect(d.pendingByteCount == 0)
    }

    @Test func equalsLossyDecodingOfAllBytes() throws {
        let t = try Fixtures.qwen3()
        // byte tokens: ids 0..<256 are the single bytes of the byte-level alphabet
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let ids = (0..<Int.random(in: 1...12, using: &rng)).map { _ in TokenID.random(in: 0..<256, using: &rng) }
            let expected = String(decoding: t.decodeBytes(ids), as: UTF8.self)
            #expect(stream(t, ids).joined() == expected)
        }
    }

    @Test func controlTokensRenderOnlyWhenAsked() throws {
        let t = try Fixtures.qwen3()
        let ids = t.encode("<|im_start|>assistant\n<think>\nhm</think>\n\nHi<|im_end|>", parseSpecial: true)
        #expect(stream(t, ids).joined() == "assistant\n<think>\nhm</think>\n\nHi")
        #expect(stream(t, ids, renderSpecial: true).joined() == "<|im_start|>assistant\n<think>\nhm</think>\n\nHi<|im_end|>")
        // padding (UNUSED) and out-of-range ids render nothing
        #expect(stream(t, [151_700, -1, 999_999, 9707]).joined() == "Hello")
    }
}
