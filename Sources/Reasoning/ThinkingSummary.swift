import Foundation

/// Words that mark hesitation ("Wait", "Hmm") and thought switches ("Alternatively"), from a data
/// file (`thinking-markers.json`, shipped with the app).
public struct ThinkingMarkers: Sendable, Equatable, Decodable {
    public var hesitations: [String]
    public var switches: [String]

    public init(hesitations: [String], switches: [String]) {
        self.hesitations = hesitations
        self.switches = switches
    }

    /// Reads a markers file; the error names the file and what was expected.
    public static func load(path: String) throws -> ThinkingMarkers {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError(path: path, line: nil, message: "cannot read the thinking-markers file")
        }
        do {
            return try JSONDecoder().decode(ThinkingMarkers.self, from: data)
        } catch {
            throw TraceError(path: path, line: nil,
                             message: "expected {\"hesitations\": [strings], \"switches\": [strings]}: \(Trace.describe(error))")
        }
    }

    /// How often any of `words` starts a word in `text` (case-insensitive).
    static func count(_ words: [String], in text: String) -> Int { occurrences(words, in: text).count }

    /// Where any of `words` starts a word in `text` (case-insensitive), word by word.
    static func occurrences(_ words: [String], in text: String) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        for w in words where !w.isEmpty {
            var from = text.startIndex
            while let r = text.range(of: w, options: .caseInsensitive, range: from..<text.endIndex) {
                let startsWord = r.lowerBound == text.startIndex || !text[text.index(before: r.lowerBound)].isLetter
                    || !(w.first?.isASCII ?? true)
                if startsWord { found.append(r) }
                from = r.upperBound
            }
        }
        return found
    }
}

/// The status line of the probes: how much thinking came after the answer settled, and how
/// hesitant the thinking was.
public struct ThinkingSummary: Sendable, Equatable {
    /// Thinking tokens spent after the probed answer last changed (nil without probes).
    public var wastedTail: Int?
    /// The probe where the answer last changed (the first of the final run of equal answers).
    public var settledAt: Int?
    public var hesitations: Int
    public var switches: Int

    /// `probes` in any order; `thinkingTokens` the run's thinking so far.
    public init(thinking text: String, thinkingTokens: Int, probes: [Probe], markers: ThinkingMarkers?) {
        let ordered = probes.sorted { $0.thinkingTokens < $1.thinkingTokens }
        if let last = ordered.last {
            var settled = ordered.count - 1
            while settled > 0 && ordered[settled - 1].answer == last.answer { settled -= 1 }
            settledAt = ordered[settled].thinkingTokens
            wastedTail = max(0, thinkingTokens - ordered[settled].thinkingTokens)
        }
        hesitations = markers.map { ThinkingMarkers.count($0.hesitations, in: text) } ?? 0
        switches = markers.map { ThinkingMarkers.count($0.switches, in: text) } ?? 0
    }
}
