/// An open-addressing hash map from byte strings to `Int32`, with all keys stored in one arena.
///
/// Used for the vocabulary's bytes -> symbol map and for the encoder's per-call word cache; lookups take a
/// raw buffer, so the hot path never allocates.
struct ByteStringTable: Sendable {
    private var arena: [UInt8] = []
    /// Per entry: arena offset << 32 | length.
    private var spans: [UInt64] = []
    private var values: [Int32] = []
    /// Per slot: (hash high 32 bits) << 32 | (entry index + 1); 0 = empty. Capacity is a power of two.
    private var slots: [UInt64]
    private var mask: Int

    init(minimumCapacity: Int = 16) {
        var cap = 16
        while cap < minimumCapacity * 2 { cap <<= 1 }
        slots = [UInt64](repeating: 0, count: cap)
        mask = cap - 1
    }

    var count: Int { values.count }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(p.count)
        var i = 0
        let n = p.count
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        }
        return h ^ (h >> 32)
    }

    /// The slot index holding `p`, or the empty slot where it would go; `found` tells which.
    @inline(__always)
    private func find(_ p: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> (slot: Int, entry: Int) {
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { s in
            spans.withUnsafeBufferPointer { sp in
                arena.withUnsafeBufferPointer { a in
                    while true {
                        let x = s[i]
                        if x == 0 { return (i, -1) }
                        if x & 0xFFFF_FFFF_0000_0000 == tag {
                            let e = Int(x & 0xFFFF_FFFF) - 1
                            let span = sp[e]
                            let len = Int(span & 0xFFFF_FFFF)
                            if len == p.count {
                                let start = Int(span >> 32)
                                var k = 0
                                while k < len && a[start + k] == p[k] { k += 1 }
                                if k == len { return (i, e) }
                            }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    /// The value stored for the bytes, or nil.
    @inline(__always)
    func lookup(_ p: UnsafeBufferPointer<UInt8>) -> Int32? {
        let (_, e) = find(p, Self.hash(p))
        return e < 0 ? nil : values[e]
    }

    func lookup(_ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBufferPointer { lookup($0) }
    }

    /// Inserts or overwrites; returns the previous value if the key was present.
    @discardableResult
    mutating func set(_ p: UnsafeBufferPointer<UInt8>, _ value: Int32) -> Int32? {
        let h = Self.hash(p)
        let (slot, e) = find(p, h)
        if e >= 0 {
            let old = values[e]
            values[e] = value
            return old
        }
        spans.append(UInt64(arena.count) << 32 | UInt64(p.count))
        arena.append(contentsOf: p)
        values.append(value)
        slots[slot] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(values.count)
        if values.count * 2 > slots.count { grow() }
        return nil
    }

    @discardableResult
    mutating func set(_ bytes: [UInt8], _ value: Int32) -> Int32? {
        bytes.withUnsafeBufferPointer { set($0, value) }
    }

    /// Forgets all keys but keeps the allocated storage.
    mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = 0 }
    }

    private mutating func grow() {
        let old = slots
        let cap = slots.count * 2
        mask = cap - 1
        slots = [UInt64](repeating: 0, count: cap)
        // re-slot by the stored tag plus the low hash bits, recomputed from the key
        arena.withUnsafeBufferPointer { a in
            for x in old where x != 0 {
                let e = Int(x & 0xFFFF_FFFF) - 1
                let span = spans[e]
                let key = UnsafeBufferPointer(rebasing: a[Int(span >> 32)..<(Int(span >> 32) + Int(span & 0xFFFF_FFFF))])
                var i = Int(truncatingIfNeeded: Self.hash(key)) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = x
            }
        }
    }
}
