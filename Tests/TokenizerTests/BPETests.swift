import Testing
import Tokenizer

@Suite struct BPETests {
    @Test func mergesInRankOrder() throws {
        // ranks: "a b" (0), "ab c" (1), "b c" (2): "abc" -> ab + c -> abc (b c never gets a chance)
        let v = try tinyVocabulary(merges: ["a b", "ab c", "b c"])
        let t = BPETokenizer(vocabulary: v)
        let ids = t.encode("abc", parseSpecial: false)
        #expect(ids.count == 1)
        #expect(v.text(of: ids[0]) == "abc")
        // "bc" alone uses the rank-2 merge
        #expect(t.encode("bc", parseSpecial: false).map { v.text(of: $0)! } == ["bc"])
    }

    @Test func lowerRankWinsOverPosition() throws {
        // "b c" has a lower rank than "a b": "abc" -> a + bc
        let v = try tinyVocabulary(merges: ["b c", "a b"])
        let t = BPETokenizer(vocabulary: v)
        #expect(t.encode("abc", parseSpecial: false).map { v.text(of: $0)! } == ["a", "bc"])
    }

    @Test func leftmostOnTies() throws {
        let v = try tinyVocabulary(merges: ["a a"])
        let t = BPETokenizer(vocabulary: v)
        #expect(t.encode("aaa", parseSpecial: false).map { v.text(of: $0)! } == ["aa", "a"])
        #expect(t.encode("aaaa", parseSpecial: false).map { v.text(of: $0)! } == ["aa", "aa"])
    }

    @Test func byteLevelMergesWithSpace() throws {
        let v = try tinyVocabulary(merges: [bl(" ") + " h", bl(" h") + " i"])
        let t = BPETokenizer(vocabulary: v)
        #expect(t.encode("hi hi", parseSpecial: false).map { v.text(of: $0)! } == ["h", "i", "Ġhi"])
        #expect(t.decode(t.encode("hi hi", parseSpecial: false)) == "hi hi")
    }

    @Test func longPiecesUseTheHeapPathAndAgreeWithShortOnes() throws {
        // The same pattern below and above the short-piece limit must merge identically.
        let v = try tinyVocabulary(merges: ["a b", "ab ab", "abab abab", "c a"])
        let t = BPETokenizer(vocabulary: v)
        for n in [1, 3, 10, 11, 12, 13, 40, 100, 1001] {
            let s = String(repeating: "ab", count: n) + "cab"
            let ids = t.encode(s, parseSpecial: false)
            #expect(t.decode(ids) == s)
            // reference: greedy by rank on a plain array
            #expect(ids.map { v.text(of: $0)! } == referenceBPE(s, merges: ["a b", "ab ab", "abab abab", "c a"]),
                    "n=\(n)")
        }
    }

    @Test func mergeResultNotInVocabularyFallsBackToBytes() throws {
        // "x y" produces "xy", which is not a token; "xy z" produces "xyz", which is.
        var tokens = (0..<256).map { String(ByteLevel.byteToScalar[$0]) }
        tokens.append("xyz")
        let v = try Vocabulary(tokens: tokens, merges: ["x y", "xy z"])
        let t = BPETokenizer(vocabulary: v)
        #expect(t.encode("xyz", parseSpecial: false).map { v.text(of: $0)! } == ["xyz"])
        #expect(t.encode("xy", parseSpecial: false).map { v.text(of: $0)! } == ["x", "y"])
    }

    @Test func specialTokensInTinyVocabulary() throws {
        let v = try tinyVocabulary(merges: [], extra: [("<ctl>", .control), ("<ud>", .userDefined)])
        let t = BPETokenizer(vocabulary: v)
        let ctl = v.id(forText: "<ctl>")!, ud = v.id(forText: "<ud>")!
        #expect(t.encode("a<ctl>b", parseSpecial: true).contains(ctl))
        #expect(!t.encode("a<ctl>b", parseSpecial: false).contains(ctl))
        #expect(t.encode("a<ud>b", parseSpecial: false).contains(ud))   // like llama.cpp
        #expect(!t.encodeUserText("a<ud><ctl>b").contains(ud))
        #expect(!t.encodeUserText("a<ud><ctl>b").contains(ctl))
        #expect(t.decode([ctl, ud]) == "<ud>")
        #expect(t.decode([ctl, ud], renderSpecial: true) == "<ctl><ud>")
    }

    @Test func userTextNeverYieldsSpecialTokensEvenIfMergesSpellThem() throws {
        // a pathological vocabulary whose merges build the text of a CONTROL token
        var tokens = (0..<256).map { String(ByteLevel.byteToScalar[$0]) }
        tokens += ["<|", "<|>"]
        let types = [TokenType](repeating: .normal, count: 257) + [.control]
        let v = try Vocabulary(tokens: tokens, types: types, merges: ["< |", "<| >"])
        let t = BPETokenizer(vocabulary: v)
        // (the special-token splitter finds "<|>" first when parsing specials; without it BPE builds the symbol)
        #expect(t.encode("a<|>", parseSpecial: false) == [97, 257])   // llama.cpp maps the BPE symbol to the id
        #expect(t.encodeUserText("a<|>") == [97, 60, 124, 62])        // user text: plain bytes instead
    }

    @Test func longerSpecialTokenFirst() throws {
        let v = try tinyVocabulary(merges: [], extra: [("<a>", .control), ("<a><b>", .control)])
        let t = BPETokenizer(vocabulary: v)
        #expect(t.encode("<a><b><a>", parseSpecial: true) == [v.id(forText: "<a><b>")!, v.id(forText: "<a>")!])
    }

    /// Greedy lowest-rank-leftmost BPE on the pre-tokenizer's pieces (a slow reference).
    func referenceBPE(_ s: String, merges: [String]) -> [String] {
        var rank: [String: Int] = [:]
        for (i, m) in merges.enumerated() where rank[m] == nil { rank[m] = i }
        var out: [String] = []
        for piece in PreTokenizer.split(s) {
            var syms = Array(piece.utf8).map { ByteLevel.encode([$0]) }
            while syms.count > 1 {
                var best: (Int, Int)? = nil
                for k in 0..<(syms.count - 1) {
                    if let r = rank[syms[k] + " " + syms[k + 1]], best == nil || r < best!.0 { best = (r, k) }
                }
                guard let k = best?.1 else { break }
                syms[k] += syms[k + 1]
                syms.remove(at: k + 1)
            }
            out += syms
        }
        return out
    }
}
