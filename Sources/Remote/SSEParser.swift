/// Server-sent events (the WHATWG event-stream format), as far as model servers use it: `data:`
/// lines joined by newlines, dispatched at a blank line; comments (`:` pings), `event:`, `id:` and
/// `retry:` lines are skipped; lines end in LF, CRLF or CR. (mattt/EventSource's parser does not
/// build on Linux: its module needs `URLSession.bytes`.)
struct SSEParser {
    private var line: [UInt8] = []
    private var data: [UInt8]?
    private var lastWasCR = false

    /// Reads bytes; returns the data of each event they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for b in bytes {
            if b == 0x0A && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = b == 0x0D
            if b == 0x0A || b == 0x0D {
                if let e = endLine() { events.append(e) }
            } else {
                line.append(b)
            }
        }
        return events
    }

    /// The stream ended: an event not yet followed by its blank line still counts.
    mutating func finish() -> String? {
        if !line.isEmpty { _ = endLine() }
        return endLine()
    }

    private mutating func endLine() -> String? {
        defer { line = [] }
        if line.isEmpty {
            defer { data = nil }
            return data.map { String(decoding: $0, as: UTF8.self) }
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return nil }
        var value = line[colon...].dropFirst()
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if data == nil { data = Array(value) } else { data! += [0x0A] + value }
        return nil
    }
}
