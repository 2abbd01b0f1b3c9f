/// Splits input text on the texts of special tokens before BPE, the way llama.cpp does
/// (`tokenizer_st_partition`): for each special token in turn, longest text first, every occurrence in the
/// text that is still unclaimed becomes that token.
struct Fragment {
    var start: Int
    var end: Int
    /// The special token, or -1 for a run of ordinary text.
    var token: TokenID
}

extension Vocabulary {
    /// Fragments covering `b` in order. With `parseSpecial == false` only USER_DEFINED tokens are matched
    /// (llama.cpp skips CONTROL and UNKNOWN then, but still matches USER_DEFINED ones such as `<think>`).
    func fragments(_ b: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        var frags = [Fragment(start: 0, end: b.count, token: -1)]
        guard !b.isEmpty, !specialTokens.isEmpty else { return frags }
        // positions whose byte starts some candidate token
        var first = [Bool](repeating: false, count: 256)
        var any = false
        for (k, id) in specialTokens.enumerated() where parseSpecial || types[Int(id)] == .userDefined {
            first[Int(specialTokenBytes[k][0])] = true
            any = true
        }
        guard any else { return frags }
        var candidates: [Int] = []
        first.withUnsafeBufferPointer { f in
            for p in 0..<b.count where f[Int(b[p])] { candidates.append(p) }
        }
        guard !candidates.isEmpty else { return frags }

        var next: [Fragment] = []
        for (k, id) in specialTokens.enumerated() where parseSpecial || types[Int(id)] == .userDefined {
            let t = specialTokenBytes[k]
            let len = t.count
            next.removeAll(keepingCapacity: true)
            var ci = 0
            var changed = false
            for f in frags {
                guard f.token < 0 else { next.append(f); continue }
                while ci < candidates.count && candidates[ci] < f.start { ci += 1 }
                var cur = f.start
                while ci < candidates.count && candidates[ci] < f.end {
                    let p = candidates[ci]
                    ci += 1
                    guard p >= cur, p + len <= f.end, b[p] == t[0] else { continue }
                    var match = true
                    for j in 1..<len where b[p + j] != t[j] { match = false; break }
                    guard match else { continue }
                    if p > cur { next.append(Fragment(start: cur, end: p, token: -1)) }
                    next.append(Fragment(start: p, end: p + len, token: id))
                    cur = p + len
                    changed = true
                }
                if cur < f.end { next.append(Fragment(start: cur, end: f.end, token: -1)) }
            }
            if changed { swap(&frags, &next) }
        }
        return frags
    }
}
