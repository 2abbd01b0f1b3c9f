/// Open-addressing hash map from a symbol pair (left, right) to its merge (rank, result symbol).
/// Built once per vocabulary; read-only afterwards.
struct PairTable: Sendable {
    private static let empty = UInt64.max
    private var keys: [UInt64]
    private var vals: [UInt64]
    private var shift: UInt64
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < minimumCapacity * 2 { bits += 1 }
        keys = [UInt64](repeating: Self.empty, count: 1 << bits)
        vals = [UInt64](repeating: 0, count: 1 << bits)
        shift = 64 - bits
        mask = (1 << bits) - 1
    }

    @inline(__always)
    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    @inline(__always)
    private func slot(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Adds the pair unless it is already present (the first, lowest rank wins). Returns whether it was added.
    @discardableResult
    mutating func insert(_ a: Int32, _ b: Int32, rank: Int32, result: Int32) -> Bool {
        let k = Self.key(a, b)
        var i = slot(k)
        while keys[i] != Self.empty {
            if keys[i] == k { return false }
            i = (i + 1) & mask
        }
        keys[i] = k
        vals[i] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: result))
        count += 1
        if count * 2 > keys.count { grow() }
        return true
    }

    /// (rank, result) packed as rank << 32 | result, or `UInt64.max` if the pair has no merge.
    @inline(__always)
    func lookup(_ a: Int32, _ b: Int32) -> UInt64 {
        let k = Self.key(a, b)
        return keys.withUnsafeBufferPointer { ks in
            var i = slot(k)
            while true {
                let x = ks[i]
                if x == k { return vals.withUnsafeBufferPointer { $0[i] } }
                if x == Self.empty { return UInt64.max }
                i = (i + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldVals = vals
        let bits = 64 - shift + 1
        keys = [UInt64](repeating: Self.empty, count: 1 << bits)
        vals = [UInt64](repeating: 0, count: 1 << bits)
        shift = 64 - bits
        mask = (1 << bits) - 1
        for (k, v) in zip(oldKeys, oldVals) where k != Self.empty {
            var i = slot(k)
            while keys[i] != Self.empty { i = (i + 1) & mask }
            keys[i] = k
            vals[i] = v
        }
    }
}
