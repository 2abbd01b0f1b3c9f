/// Which tokens of a stretch of thinking are near a hesitation marker ("Wait", "Hmm", "let me
/// double-check" …, from `ThinkingMarkers`): those a marker occurrence touches, and `radius`
/// tokens either side (the tokens that lead to a "Wait" and those that follow it).
public enum HesitationWindows {
    public static let radius = 4

    /// One flag per text of `texts` (consecutive tokens' texts).
    public static func near(_ texts: [String], markers: ThinkingMarkers, radius: Int = radius) -> [Bool] {
        var flags = [Bool](repeating: false, count: texts.count)
        guard !texts.isEmpty else { return flags }
        // Token i covers characters ends[i-1] ..< ends[i] of the joined text.
        var ends: [Int] = []
        var total = 0
        for t in texts {
            total += t.count
            ends.append(total)
        }
        let text = texts.joined()
        let offsets = ThinkingMarkers.occurrences(markers.hesitations, in: text).map {
            (text.distance(from: text.startIndex, to: $0.lowerBound), text.distance(from: text.startIndex, to: $0.upperBound))
        }
        let r = max(0, radius)
        for (lo, hi) in offsets {
            // First token ending after lo, last token starting before hi.
            guard let first = ends.firstIndex(where: { $0 > lo }) else { continue }
            var last = first
            while last + 1 < ends.count && ends[last] < hi { last += 1 }
            for i in max(0, first - r)...min(texts.count - 1, last + r) { flags[i] = true }
        }
        return flags
    }
}
