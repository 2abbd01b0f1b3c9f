import Foundation

/// A small HTTP/1.1 server on a loopback port that replays recorded responses: per route
/// ("POST /v1/completions"), a queue of responses, each sent as its recorded pieces in chunked
/// transfer encoding (so the client reads them as a stream). It records every request (method,
/// path, headers, body). A response can cut the connection after its pieces (a lost server).
final class FakeServer: @unchecked Sendable {
    struct Response {
        var status = 200
        var contentType = "text/event-stream"
        var pieces: [String]
        /// Close the connection after the pieces without ending the body (a connection lost mid-stream).
        var cut = false
        /// Seconds to send nothing after the pieces (a server that stalls).
        var stall: Double = 0

        init(status: Int = 200, contentType: String = "text/event-stream", pieces: [String], cut: Bool = false, stall: Double = 0) {
            self.status = status
            self.contentType = contentType
            self.pieces = pieces
            self.cut = cut
            self.stall = stall
        }

        /// Server-sent events, one `data:` event per item.
        static func sse(_ events: [String], cut: Bool = false) -> Response {
            Response(pieces: events.map { "data: \($0)\n\n" }, cut: cut)
        }

        static func json(_ body: String, status: Int = 200) -> Response {
            Response(status: status, contentType: "application/json", pieces: [body])
        }

        /// A recording as it was captured: the file's bytes, in pieces of at most 97 bytes (so
        /// events and lines arrive split across reads).
        static func recording(_ text: String, contentType: String = "text/event-stream", cut: Bool = false) -> Response {
            let bytes = Array(text.utf8)
            var pieces: [String] = []
            var i = 0
            while i < bytes.count {
                var j = min(bytes.count, i + 97)
                while j < bytes.count && (bytes[j] & 0xC0) == 0x80 { j += 1 }  // whole UTF-8 characters
                pieces.append(String(decoding: bytes[i..<j], as: UTF8.self))
                i = j
            }
            return Response(contentType: contentType, pieces: pieces, cut: cut)
        }
    }

    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    private let lock = NSLock()
    private var routes: [String: [Response]]
    /// Routes answered by a function of the request (a tokenizer endpoint), tried before `routes`.
    private let handlers: [String: @Sendable (Request) -> Response]
    private(set) var requestLog: [Request] = []
    private let fd: Int32
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(_ routes: [String: [Response]], handlers: [String: @Sendable (Request) -> Response] = [:]) throws {
        self.routes = routes
        self.handlers = handlers
        (fd, port) = try Self.listen()
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// A listening socket on a free loopback port.
    private static func listen() throws -> (Int32, Int) {
        guard let (fd, port) = bindLoopback(), Foundation.listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        return (fd, port)
    }

    /// A TCP socket bound to a free loopback port (port 0, then read back), or nil.
    static func bindLoopback() -> (Int32, Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else {
            close(fd)
            return nil
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    deinit { stop() }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return requestLog
    }

    func requests(_ route: String) -> [Request] { requests.filter { "\($0.method) \($0.path)" == route } }

    private func acceptLoop() {
        while true {
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            Thread.detachNewThread { [self] in serve(c) }
        }
    }

    private func serve(_ c: Int32) {
        defer { close(c) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = recv(c, &chunk, chunk.count, 0)
            guard n > 0 else { return false }
            buffer += chunk[0..<n]
            return true
        }
        let end = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            if let r = buffer.firstRange(of: end) { headerEnd = r.upperBound; break }
            guard fill() else { return }
        }
        let head = String(decoding: buffer[..<(headerEnd! - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - headerEnd! < length { guard fill() else { return } }
        let method = requestLine.count > 0 ? String(requestLine[0]) : ""
        let path = requestLine.count > 1 ? String(requestLine[1]) : ""
        let request = Request(method: method, path: path, headers: headers, body: Data(buffer[headerEnd!..<(headerEnd! + length)]))
        lock.lock()
        requestLog.append(request)
        let key = "\(method) \(path)"
        var response: Response?
        if let handler = handlers[key] {
            lock.unlock()
            response = handler(request)
            lock.lock()
        } else if var queue = routes[key], !queue.isEmpty {
            response = queue.count > 1 ? queue.removeFirst() : queue[0]  // the last response repeats
            routes[key] = queue
        }
        lock.unlock()
        let r = response ?? Response(status: 404, contentType: "application/json", pieces: [#"{"error":{"message":"no recording for \#(key)"}}"#])
        var out = "HTTP/1.1 \(r.status) \(r.status == 200 ? "OK" : "Error")\r\nContent-Type: \(r.contentType)\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        guard send(c, out) else { return }
        for p in r.pieces {
            out = String(Array(p.utf8).count, radix: 16) + "\r\n" + p + "\r\n"
            guard send(c, out) else { return }
            usleep(300)
        }
        if r.stall > 0 { usleep(UInt32(r.stall * 1_000_000)) }
        if r.cut { return }
        _ = send(c, "0\r\n\r\n")
    }

    private func send(_ c: Int32, _ s: String) -> Bool {
        let bytes = Array(s.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Foundation.send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }
}

/// The recordings in Tests/RemoteTests/Recordings (made from each engine's documented formats
/// by tools/remote/make_recordings.py).
enum Recording {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Recordings")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The data of each server-sent event in a recording.
    static func events(_ name: String) throws -> [String] {
        var p = SSEParserForTests()
        return p.feed(try text(name))
    }
}

/// Splits a recording into events the simple way (independent of the client's parser).
struct SSEParserForTests {
    mutating func feed(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block in
            let data = block.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { $0.hasPrefix("data:") }.map { $0.dropFirst(5).drop(while: { $0 == " " }) }
            return data.isEmpty ? nil : data.joined(separator: "\n")
        }
    }
}
