import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP side of the remote backend: one client for the process, blocking calls for the
/// synchronous generation loop, and server-sent-event streams read on a background task.
enum HTTP {
    /// Never shut down: it lives as long as the process (a client must be shut down before it is
    /// released, and a static one never is).
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(300))))

    /// A POST of a JSON body, with extra headers (an API key read from the environment).
    static func request(_ url: URL, json: Data, headers: [(String, String)] = []) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url.absoluteString)
        r.method = .POST
        r.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { r.headers.add(name: name, value: value) }
        r.body = .bytes(ByteBuffer(bytes: json))
        return r
    }

    /// A GET.
    static func get(_ url: URL, headers: [(String, String)] = []) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url.absoluteString)
        for (name, value) in headers { r.headers.add(name: name, value: value) }
        return r
    }

    /// A POST of a JSON object; an object JSONSerialization cannot write is a programming error
    /// reported as a ServerError rather than a crash.
    static func request(_ url: URL, object: [String: Any], headers: [(String, String)] = [], server: String) throws -> HTTPClientRequest {
        guard JSONSerialization.isValidJSONObject(object) else {
            throw ServerError(server, "the request body for \(url.path) is not valid JSON")
        }
        return request(url, json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), headers: headers)
    }

    /// One line for a transport error: a refused connection, a timeout, a dropped connection.
    static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .readTimeout: return "no data from the server within the read timeout"
            case .connectTimeout: return "the connection timed out"
            case .deadlineExceeded: return "the request took longer than its deadline"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(e)"
            }
        }
        return "\(error)"
    }

    /// Sends `request` and returns the whole body; a status other than 200 is an error that
    /// quotes the body. Blocks the calling thread (never call it from an async context).
    static func call(_ request: HTTPClientRequest, server: String, what: String, timeout: TimeAmount = .seconds(60)) throws -> Data {
        try blocking {
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: timeout)
            } catch {
                throw ServerError(server, "\(what): cannot reach the server (\(describe(error)))")
            }
            let body = try await response.body.collect(upTo: 64 << 20)
            let bytes = Data(body.readableBytesView)
            guard response.status == .ok else {
                throw ServerError(server, "\(what): HTTP \(response.status.code), expected 200: \(ServerError.excerpt(bytes))")
            }
            return bytes
        }
    }

    /// Runs `body` on a task and waits for it.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        Task { await box.set { try await body() } }
        return try box.wait()
    }
}

/// One value handed from a task to a waiting thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, Error>?

    func set(_ body: () async throws -> T) async {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        return try result!.get()
    }
}

/// A streamed response read on a background task: `next` blocks until the next event's data, nil
/// once the server closed the stream. `cancel` closes the connection (the server stops
/// generating). Errors (refused connection, an HTTP error status, a broken stream) come out of
/// `next` as `ServerError`s. The framing is server-sent events (llama-server, vLLM, SGLang,
/// OpenAI, Anthropic), JSON lines (Ollama), or the whole body as one item (a request that does
/// not stream).
final class EventStream: EventFeed, @unchecked Sendable {
    enum Framing: Sendable { case sse, lines, whole }

    private let lock = NSCondition()
    private var queue: [String] = []
    private var ended = false
    private var failure: Error?
    private var task: Task<Void, Never>?
    let server: String

    init(_ request: HTTPClientRequest, server: String, what: String, framing: Framing = .sse) {
        self.server = server
        task = Task { [self] in
            var connected = false
            do {
                let response = try await HTTP.client.execute(request, timeout: .hours(24))
                connected = true
                guard response.status == .ok else {
                    let body = try await response.body.collect(upTo: 1 << 20)
                    throw ServerError(server, "\(what): HTTP \(response.status.code), expected 200: "
                                      + ServerError.excerpt(body.readableBytesView))
                }
                switch framing {
                case .sse:
                    var parser = SSEParser()
                    for try await chunk in response.body {
                        for data in parser.feed(chunk.readableBytesView) { push(data) }
                    }
                    if let last = parser.finish() { push(last) }
                case .lines:
                    var line: [UInt8] = []
                    for try await chunk in response.body {
                        for b in chunk.readableBytesView {
                            if b == 0x0A {
                                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { push(String(decoding: line, as: UTF8.self)) }
                                line = []
                            } else {
                                line.append(b)
                            }
                        }
                    }
                    if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { push(String(decoding: line, as: UTF8.self)) }
                case .whole:
                    let body = try await response.body.collect(upTo: 1 << 30)
                    push(String(decoding: body.readableBytesView, as: UTF8.self))
                }
                finish(nil)
            } catch let e as ServerError {
                finish(e)
            } catch {
                let why = connected ? "the stream broke (\(HTTP.describe(error)))" : "cannot reach the server (\(HTTP.describe(error)))"
                finish(Task.isCancelled ? nil : ServerError(server, "\(what): \(why)"))
            }
        }
    }

    private func push(_ data: String) {
        lock.lock()
        queue.append(data)
        lock.signal()
        lock.unlock()
    }

    private func finish(_ error: Error?) {
        lock.lock()
        ended = true
        failure = error
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
        task?.cancel()
        lock.lock()
        ended = true
        queue = []
        lock.broadcast()
        lock.unlock()
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
