import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP side of the remote backend: one client for the process, blocking calls for the
/// synchronous generation loop, and streamed responses read by a delegate on the client's event
/// loop. Nothing here runs on Swift's cooperative thread pool: the generation loop blocks its own
/// thread while it waits, and a waiter on that pool (a test, an async caller) must never be
/// what the response needs to arrive.
enum HTTP {
    /// Never shut down: it lives as long as the process (a client must be shut down before it is
    /// released, and a static one never is).
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(Int64(readTimeout)))))

    /// Seconds a server may send nothing before the request fails (`THINKSCOPE_SERVER_TIMEOUT`,
    /// default 300: a long prefill on a busy cluster sends nothing for a while).
    static let readTimeout: Int = {
        let env = ProcessInfo.processInfo.environment["THINKSCOPE_SERVER_TIMEOUT"].flatMap { Int($0) }
        return max(1, env ?? 300)
    }()

    /// A request: method, URL, headers, body.
    struct Request: Sendable {
        var url: URL
        var method: HTTPMethod = .GET
        var headers: [(String, String)] = []
        var body: Data?

        func client() throws -> HTTPClient.Request {
            var h = HTTPHeaders()
            for (name, value) in headers { h.add(name: name, value: value) }
            return try HTTPClient.Request(url: url.absoluteString, method: method, headers: h, body: body.map { .data($0) })
        }

        var what: String { "\(method.rawValue) \(url.path)" }
    }

    /// A POST of a JSON body, with extra headers (an API key read from the environment).
    static func request(_ url: URL, json: Data, headers: [(String, String)] = []) -> Request {
        Request(url: url, method: .POST, headers: [("Content-Type", "application/json")] + headers, body: json)
    }

    /// A GET.
    static func get(_ url: URL, headers: [(String, String)] = []) -> Request {
        Request(url: url, headers: headers)
    }

    /// A POST of a JSON object; an object JSONSerialization cannot write is reported as a
    /// ServerError rather than a crash.
    static func request(_ url: URL, object: [String: Any], headers: [(String, String)] = [], server: String) throws -> Request {
        guard JSONSerialization.isValidJSONObject(object) else {
            throw ServerError(server, "the request body for \(url.path) is not valid JSON")
        }
        return request(url, json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), headers: headers)
    }

    /// One line for a transport error: a refused connection, a timeout, a dropped connection.
    static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .readTimeout: return "no data from the server for \(readTimeout) s (read timeout; THINKSCOPE_SERVER_TIMEOUT sets it)"
            case .connectTimeout: return "the connection timed out"
            case .deadlineExceeded: return "the request took longer than its deadline"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(e)"
            }
        }
        return "\(error)"
    }

    /// Sends `request` and returns the whole body; a status other than 200 is an error that
    /// quotes the body. Blocks the calling thread.
    static func call(_ request: Request, server: String, what: String, timeout: TimeAmount = .seconds(60)) throws -> Data {
        let response: HTTPClient.Response
        do {
            response = try client.execute(request: try request.client(), deadline: .now() + timeout).wait()
        } catch {
            throw ServerError(server, "\(what): cannot reach the server (\(describe(error)))")
        }
        let bytes = response.body.map { Data($0.readableBytesView) } ?? Data()
        guard response.status == .ok else {
            throw ServerError(server, "\(what): HTTP \(response.status.code), expected 200: \(ServerError.excerpt(bytes))")
        }
        return bytes
    }
}

/// A streamed response read by a delegate on the client's event loop: `next` blocks until the
/// next event's data, nil once the server closed the stream. `cancel` closes the connection (the
/// server stops generating). Errors (refused connection, an HTTP error status, a broken stream,
/// a timeout) come out of `next` as `ServerError`s. The framing is server-sent events
/// (llama-server, vLLM, SGLang, OpenAI, Anthropic), JSON lines (Ollama), or the whole body as one
/// item (a request that does not stream).
final class EventStream: EventFeed, @unchecked Sendable {
    enum Framing: Sendable { case sse, lines, whole }

    private let lock = NSCondition()
    private var queue: [String] = []
    private var ended = false
    private var cancelled = false
    private var failure: Error?
    private var task: HTTPClient.Task<Void>?
    let server: String

    init(_ request: HTTP.Request, server: String, what: String, framing: Framing = .sse) {
        self.server = server
        let delegate = Delegate(stream: self, server: server, what: what, framing: framing)
        // One connection per stream: a server may close a streamed response's connection as it
        // ends (llama-server does), and the next segment must not be handed that connection.
        var request = request
        request.headers.append(("Connection", "close"))
        do {
            let t = HTTP.client.execute(request: try request.client(), delegate: delegate, deadline: .now() + .hours(24))
            lock.lock()
            task = t
            let stop = cancelled
            lock.unlock()
            if stop { t.cancel() }
        } catch {
            finish(ServerError(server, "\(what): cannot send the request (\(error))"))
        }
    }

    fileprivate func push(_ data: String) {
        lock.lock()
        if !cancelled { queue.append(data) }
        lock.signal()
        lock.unlock()
    }

    fileprivate func finish(_ error: Error?) {
        lock.lock()
        if !ended {
            ended = true
            failure = cancelled ? nil : error
        }
        lock.broadcast()
        lock.unlock()
    }

    /// The next event's data; nil when the stream has ended (or was cancelled).
    func next() throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        while queue.isEmpty && !ended { lock.wait() }
        if !queue.isEmpty { return queue.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        lock.lock()
        cancelled = true
        ended = true
        queue = []
        let t = task
        lock.broadcast()
        lock.unlock()
        guard let t else { return }
        t.cancel()
        // Wait until the connection is closed and out of the pool: a request sent right after
        // (the next segment) would otherwise be handed the closing connection.
        _ = try? t.futureResult.wait()
    }

    /// Reads the response on the event loop: its status, then its body split into events.
    private final class Delegate: HTTPClientResponseDelegate, @unchecked Sendable {
        typealias Response = Void
        let stream: EventStream
        let server: String
        let what: String
        let framing: Framing
        private var status: HTTPResponseStatus?
        private var sse = SSEParser()
        private var line: [UInt8] = []
        private var body: [UInt8] = []

        init(stream: EventStream, server: String, what: String, framing: Framing) {
            self.stream = stream
            self.server = server
            self.what = what
            self.framing = framing
        }

        func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
            status = head.status
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            let bytes = buffer.readableBytesView
            if status != .ok || framing == .whole {
                if body.count < 1 << 30 { body += bytes }
            } else if framing == .sse {
                for data in sse.feed(bytes) { stream.push(data) }
            } else {
                for b in bytes {
                    if b == 0x0A {
                        flushLine()
                    } else {
                        line.append(b)
                    }
                }
            }
            return task.eventLoop.makeSucceededVoidFuture()
        }

        private func flushLine() {
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { stream.push(String(decoding: line, as: UTF8.self)) }
            line = []
        }

        func didFinishRequest(task: HTTPClient.Task<Void>) throws {
            guard status == .ok else {
                let code = status.map { "\($0.code)" } ?? "?"
                stream.finish(ServerError(server, "\(what): HTTP \(code), expected 200: \(ServerError.excerpt(body))"))
                return
            }
            switch framing {
            case .sse: if let last = sse.finish() { stream.push(last) }
            case .lines: flushLine()
            case .whole: stream.push(String(decoding: body, as: UTF8.self))
            }
            stream.finish(nil)
        }

        func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
            let why = status == nil ? "cannot reach the server (\(HTTP.describe(error)))" : "the stream broke (\(HTTP.describe(error)))"
            stream.finish(ServerError(server, "\(what): \(why)"))
        }
    }
}

/// Where a segment reads its events' data from: a live stream, or a recording in tests.
protocol EventFeed: AnyObject {
    /// The server, for messages.
    var server: String { get }
    /// The next event's data; nil when the stream has ended.
    func next() throws -> String?
    func cancel()
}
