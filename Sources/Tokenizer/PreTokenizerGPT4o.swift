extension PreTokenizer {
    /// The `gpt-4o` pre-tokenizer (o200k: gpt-oss, Phi-4-mini) as llama.cpp runs it. llama.cpp does not
    /// use tiktoken's pattern verbatim but this adaptation, through std::regex (ECMAScript, leftmost
    /// alternative first, backtracking) on text where every non-ASCII code point is collapsed to one
    /// byte per category:
    ///
    ///     [^\r\n\p{L}\p{N}]?U*L+C? | [^\r\n\p{L}\p{N}]?U+L*C? | \p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n/]*
    ///     | \s*[\r\n]+ | \s+(?!\S) | \s+
    ///
    /// with U = a letter other than a-z, L = a letter other than A-Z (so a non-ASCII letter is both:
    /// case only splits ASCII letters) and C = `'s|'t|'re|'ve|'m|'ll|'d` in either ASCII case. This
    /// scanner resolves each alternative's backtracking directly (documented at each step).
    @inline(__always)
    static func splitGPT4o(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Int, Int) -> Void) {
        let letter = CharClass.letter, number = CharClass.number, newline = CharClass.newline
        let end = range.upperBound
        @inline(__always) func isUpperish(_ j: Int) -> Bool {  // a letter other than a-z
            let c = b[j]
            if c < 0x80 { return (c >= 65 && c <= 90) }
            return classify(b, j).0 & letter != 0
        }
        @inline(__always) func isLowerish(_ j: Int) -> Bool {  // a letter other than A-Z
            let c = b[j]
            if c < 0x80 { return (c >= 97 && c <= 122) }
            return classify(b, j).0 & letter != 0
        }
        @inline(__always) func next(_ j: Int) -> Int { j + classify(b, j).1 }
        /// The end of the letters alternatives starting at `j` (after any prefix), or nil.
        func letters(_ j: Int) -> Int? {
            var uEnd = j
            while uEnd < end && isUpperish(uEnd) { uEnd = next(uEnd) }
            // U*L+: the longest U* after which an L starts. Past the U run that is the character right
            // after it (a-z); inside the run only a non-ASCII letter (both U and L) can start L+, and
            // L+ then stops at the A-Z that follows it in the run.
            var k: Int? = nil
            if uEnd < end && isLowerish(uEnd) {
                k = uEnd
            } else {
                var p = j, lastBoth: Int? = nil
                while p < uEnd {
                    if b[p] >= 0x80 { lastBoth = p }
                    p = next(p)
                }
                k = lastBoth
            }
            var stop: Int
            if let k {
                stop = next(k)
                while stop < end && isLowerish(stop) { stop = next(stop) }
            } else if uEnd > j {
                stop = uEnd  // U+L*: the run, and no L can follow it (else U*L+ had matched)
            } else {
                return nil
            }
            if stop < end && b[stop] == UInt8(ascii: "'") { stop += contraction(b, stop, end) }
            return stop
        }
        var i = range.lowerBound
        while i < end {
            let start = i
            let (cls, len) = classify(b, i)
            // 1-2. An optional prefix that is not CR, LF, a letter or a number, then letters; without
            // the prefix the letters must start at i.
            let afterPrefix = cls & (letter | number | newline) == 0 ? i + len : i
            if afterPrefix < end, let stop = letters(afterPrefix) {
                body(start, stop)
                i = stop
                continue
            }
            // 3. \p{N}{1,3}
            if cls & number != 0 {
                let j = digitsPiece(b, i, end, maxDigits: 3)
                body(start, j)
                i = j
                continue
            }
            // 4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
            if let j = otherPiece(b, i, end, cls: cls, slashes: true) {
                body(start, j)
                i = j
                continue
            }
            let j = whitespacePiece(b, i, end)  // 5-7, as in the qwen2 pattern
            body(start, j)
            i = j
        }
    }
}
