import Engine
import Foundation

/// A segment read from a stream of events: the adapter's `read` turns each event's data into
/// tokens and, at the end, how the segment ended. One place for the queueing every engine's
/// stream shares.
class StreamedSegment: TokenSegment {
    let stream: EventFeed
    /// The request, for messages ("POST /completion").
    let what: String
    var pending: [SampledToken] = []
    var end: SegmentEnd?
    private var done = false
    /// Ids read so far.
    var received: [Int] = []

    init(stream: EventFeed, what: String) {
        self.stream = stream
        self.what = what
    }

    var server: String { stream.server }

    /// An error met after tokens that are still to be handed out (they are the model's).
    private var failed: Error?

    func next() throws -> SegmentItem? {
        while pending.isEmpty && end == nil {
            if let failed {
                self.failed = nil
                done = true
                throw failed
            }
            if done { return nil }
            do {
                guard let data = try stream.next() else {
                    done = true
                    try closed()
                    continue
                }
                try read(data)
            } catch {
                guard !pending.isEmpty else { throw error }
                failed = error
            }
        }
        if !pending.isEmpty { return .token(pending.removeFirst()) }
        defer { end = nil; done = true }
        return end.map { .end($0) }
    }

    func cancel() { stream.cancel() }

    /// One event's data.
    func read(_ data: String) throws { fatalError("a segment reads its engine's events") }

    /// The stream closed without the end having been read: an error unless the adapter knows
    /// the end by now (it sets `end`).
    func closed() throws {
        throw ServerError(server, "\(what): the stream ended before its final chunk")
    }

    func take(_ t: SampledToken) {
        pending.append(t)
        received.append(t.token)
    }

    /// Token bytes the stream sent (llama-server's probabilities carry them), for `ServerCodec`.
    var pieces: [(Int, [UInt8])] = []

    func takePieces() -> [(Int, [UInt8])] {
        defer { pieces.removeAll() }
        return pieces
    }

    func failure(_ message: String) -> ServerError { ServerError(server, "\(what): \(message)") }
}

/// Reading loosely typed JSON without crashing: every accessor gives nil for a missing or
/// wrongly typed field, and the adapter says what it expected.
enum JSON {
    static func object(_ data: String, server: String, what: String, expected: String) throws -> [String: Any] {
        guard let o = try? JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed]) as? [String: Any] else {
            throw ServerError(server, "\(what): expected \(expected), got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        return o
    }

    static func int(_ v: Any?) -> Int? {
        switch v {
        case let i as Int: return i
        case let d as Double: return d.rounded() == d && abs(d) < 1e15 ? Int(d) : nil
        case let n as NSNumber: return n.intValue
        default: return nil
        }
    }

    static func double(_ v: Any?) -> Double? {
        switch v {
        case let d as Double: return d
        case let i as Int: return Double(i)
        case let n as NSNumber: return n.doubleValue
        default: return nil
        }
    }

    static func ints(_ v: Any?) -> [Int]? {
        guard let a = v as? [Any] else { return nil }
        let ints = a.compactMap(int)
        return ints.count == a.count ? ints : nil
    }

    /// Nested lists of integers, flattened (vLLM's older routed-experts format).
    static func flatInts(_ v: Any?) -> [Int]? {
        if let i = int(v) { return [i] }
        guard let a = v as? [Any] else { return nil }
        var out: [Int] = []
        for x in a {
            guard let f = flatInts(x) else { return nil }
            out += f
        }
        return out
    }

    /// The message of an error object: `{"error": {"message"}}`, `{"error": "..."}`,
    /// `{"object": "error", "message"}`, `{"type": "error", "error": {...}}`.
    static func errorMessage(_ o: [String: Any]) -> String? {
        if let e = o["error"] as? [String: Any] { return (e["message"] as? String) ?? "\(e)" }
        if let e = o["error"] as? String { return e }
        if o["object"] as? String == "error" { return (o["message"] as? String) ?? "(no message)" }
        return nil
    }
}
