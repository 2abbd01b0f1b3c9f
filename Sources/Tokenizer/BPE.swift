/// Byte-level BPE over the merge list, as llama.cpp applies it to each pre-token: start from one symbol per
/// byte, repeatedly merge the adjacent pair with the lowest merge rank (leftmost on ties) until no pair has
/// a merge, then map each symbol to its token.
///
/// Symbols are integers: a symbol whose text is a token uses that token's id (the last token with that text,
/// like llama.cpp's text -> id map); strings that only appear in merges get synthetic ids past the vocabulary
/// and, if they survive to the end, are written out as one token per byte.
struct BPEModel: Sendable {
    let vocabularySize: Int
    /// Symbol of each single byte.
    let byteSymbol: [Int32]
    let pairs: PairTable
    /// Bytes of synthetic symbols (id - vocabularySize).
    let syntheticBytes: [[UInt8]]
    /// Merges that can never apply (a part contains a character outside the byte-level alphabet).
    let inertMerges: Int

    /// Raw bytes -> symbol: every token whose text is all in the byte-level alphabet (the last token with a
    /// given text wins), then synthetic symbols.
    let symbols: ByteStringTable
    /// A pre-token that is itself a token is emitted whole, without merges (llama.cpp's
    /// `ignore_merges`, set for the llama3 pre-tokenizer).
    let ignoreMerges: Bool

    /// `symbols` maps the raw bytes of the tokens' byte-level texts to token ids (see `Vocabulary`);
    /// `merges` are `"left right"` in the byte-level alphabet, rank = index.
    init(vocabularySize n: Int, symbols: ByteStringTable, merges: [String], ignoreMerges: Bool = false,
         source: String) throws(VocabularyError) {
        vocabularySize = n
        self.ignoreMerges = ignoreMerges
        var symbols = symbols
        var synthetic: [[UInt8]] = []
        func symbol(_ p: UnsafeBufferPointer<UInt8>) -> Int32 {
            if let s = symbols.lookup(p) { return s }
            let s = Int32(n + synthetic.count)
            synthetic.append(Array(p))
            symbols.set(p, s)
            return s
        }
        var bytes = [Int32](repeating: 0, count: 256)
        for b in 0..<256 { bytes[b] = [UInt8(b)].withUnsafeBufferPointer { symbol($0) } }

        var table = PairTable(minimumCapacity: merges.count)
        var inert = 0
        var both: [UInt8] = []
        both.reserveCapacity(256)
        for (rank, m) in merges.enumerated() {
            // split at the first space at byte index >= 1; both halves in the alphabet, or the merge is inert
            var m = m
            let ok: Bool? = m.withUTF8 { u in
                guard u.count >= 3, let cut = u[1...].firstIndex(of: UInt8(ascii: " ")), cut + 1 < u.count else {
                    return nil
                }
                both.removeAll(keepingCapacity: true)
                guard ByteLevel.decodeUTF8(UnsafeBufferPointer(rebasing: u[..<cut]), into: &both) else { return false }
                let leftCount = both.count
                guard ByteLevel.decodeUTF8(UnsafeBufferPointer(rebasing: u[(cut + 1)...]), into: &both) else {
                    return false
                }
                both.withUnsafeBufferPointer { p in
                    let a = symbol(UnsafeBufferPointer(rebasing: p[..<leftCount]))
                    let b = symbol(UnsafeBufferPointer(rebasing: p[leftCount...]))
                    table.insert(a, b, rank: Int32(rank), result: symbol(p))
                }
                return true
            }
            guard let ok else { throw VocabularyError(source: source, .malformedMerge(index: rank, text: m)) }
            if !ok { inert += 1 }
        }
        byteSymbol = bytes
        pairs = table
        syntheticBytes = synthetic
        inertMerges = inert
        self.symbols = symbols
    }

    /// Pieces up to this many bytes use the array-scan merge loop; longer ones the heap.
    static let smallLimit = 48

    /// Appends the tokens of one pre-token `b[start..<end]` to `out`.
    @inline(__always)
    func encode(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [TokenID]) {
        let n = end - start
        if ignoreMerges && n > 1, let whole = symbols.lookup(UnsafeBufferPointer(rebasing: b[start..<end])),
           Int(whole) < vocabularySize {
            out.append(whole)
            return
        }
        if n == 1 {
            emit(byteSymbol[Int(b[start])], into: &out)
        } else if n <= Self.smallLimit {
            encodeSmall(b, start, n, into: &out)
        } else {
            encodeLarge(b, start, n, into: &out)
        }
    }

    @inline(__always)
    private func emit(_ s: Int32, into out: inout [TokenID]) {
        if Int(s) < vocabularySize {
            out.append(s)
            return
        }
        for byte in syntheticBytes[Int(s) - vocabularySize] {
            let t = byteSymbol[Int(byte)]
            if Int(t) < vocabularySize { out.append(t) }  // a vocabulary without this byte: nothing to emit
        }
    }

    /// Short pieces: arrays of symbols and pair merges, scanned for the minimum after each merge.
    private func encodeSmall(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ n: Int, into out: inout [TokenID]) {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: n) { sym in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { pr in
                byteSymbol.withUnsafeBufferPointer { bs in
                    for k in 0..<n { sym[k] = bs[Int(b[start + k])] }
                }
                var m = n
                for k in 0..<(m - 1) { pr[k] = pairs.lookup(sym[k], sym[k + 1]) }
                while m > 1 {
                    var best = 0
                    var bestValue = pr[0]
                    for k in 1..<(m - 1) where pr[k] < bestValue {
                        bestValue = pr[k]
                        best = k
                    }
                    if bestValue == UInt64.max { break }
                    sym[best] = Int32(truncatingIfNeeded: bestValue & 0xFFFF_FFFF)
                    // remove symbol best+1 and pair best
                    var k = best + 1
                    while k < m - 1 {
                        sym[k] = sym[k + 1]
                        pr[k - 1] = pr[k]
                        k += 1
                    }
                    m -= 1
                    if best > 0 { pr[best - 1] = pairs.lookup(sym[best - 1], sym[best]) }
                    if best < m - 1 { pr[best] = pairs.lookup(sym[best], sym[best + 1]) }
                }
                for k in 0..<m { emit(sym[k], into: &out) }
            }
        }
    }

    /// Long pieces: a doubly linked list of symbols and a min-heap of (rank << 32 | left position); stale
    /// heap entries (a side already merged away, or the pair changed) are skipped when popped. Ranks identify
    /// merges uniquely, so an entry is current exactly when its pair still has that rank.
    private func encodeLarge(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ n: Int, into out: inout [TokenID]) {
        // links: sym, prev, next (Int32 each); heap: at most n - 1 initial entries + 2 per merge
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * n) { links in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * n) { heapStorage in
                let sym = links.baseAddress!, prev = sym + n, next = sym + 2 * n
                var heap = PointerHeap(heapStorage.baseAddress!)
                byteSymbol.withUnsafeBufferPointer { bs in
                    for k in 0..<n {
                        sym[k] = bs[Int(b[start + k])]
                        prev[k] = Int32(k - 1)
                        next[k] = Int32(k + 1)
                    }
                }
                next[n - 1] = -1
                for k in 0..<(n - 1) {
                    let v = pairs.lookup(sym[k], sym[k + 1])
                    if v != UInt64.max { heap.push((v >> 32) << 32 | UInt64(k)) }
                }
                while heap.count > 0 {
                    let top = heap.pop()
                    let l = Int(top & 0xFFFF_FFFF)
                    let r = Int(next[l])
                    guard r >= 0, sym[l] >= 0 else { continue }  // sym < 0 marks a merged-away symbol
                    let v = pairs.lookup(sym[l], sym[r])
                    guard v != UInt64.max, v >> 32 == top >> 32 else { continue }
                    sym[l] = Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)
                    sym[r] = -1
                    let rn = next[r]
                    next[l] = rn
                    if rn >= 0 {
                        prev[Int(rn)] = Int32(l)
                        let w = pairs.lookup(sym[l], sym[Int(rn)])
                        if w != UInt64.max { heap.push((w >> 32) << 32 | UInt64(l)) }
                    }
                    let p = Int(prev[l])
                    if p >= 0 {
                        let w = pairs.lookup(sym[p], sym[l])
                        if w != UInt64.max { heap.push((w >> 32) << 32 | UInt64(p)) }
                    }
                }
                var k = 0
                while k >= 0 {
                    emit(sym[k], into: &out)
                    k = Int(next[k])
                }
            }
        }
    }
}

/// A binary min-heap of packed `UInt64` keys in caller-provided storage (large enough for every push).
struct PointerHeap {
    private let a: UnsafeMutablePointer<UInt64>
    private(set) var count = 0

    init(_ storage: UnsafeMutablePointer<UInt64>) { a = storage }

    @inline(__always)
    mutating func push(_ x: UInt64) {
        var i = count
        count += 1
        while i > 0 {
            let p = (i - 1) >> 1
            let ap = a[p]
            if ap <= x { break }
            a[i] = ap
            i = p
        }
        a[i] = x
    }

    /// Removes and returns the smallest key; `count` must be > 0.
    @inline(__always)
    mutating func pop() -> UInt64 {
        let top = a[0]
        count -= 1
        let n = count
        if n == 0 { return top }
        let last = a[n]
        var i = 0
        while true {
            var c = 2 * i + 1
            if c >= n { break }
            if c + 1 < n && a[c + 1] < a[c] { c += 1 }
            let ac = a[c]
            if last <= ac { break }
            a[i] = ac
            i = c
        }
        a[i] = last
        return top
    }
}
