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

    /// A POST of a JSON body.
    static func request(_ url: URL, json: Data) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url.absoluteString)
        r.method = .POST
        r.headers.add(name: "Content-Type", value: "application/json")
        r.body = .bytes(ByteBuffer(bytes: json))
        return r
    }

    /// Sends `request` and returns the whole body; a status other than 200 is an error that
    /// quotes the body. Blocks the calling thread (never call it from an async context).
    static func call(_ request: HTTPClientRequest, server: String, what: String, timeout: TimeAmount = .seconds(60)) throws -> Data {
        try blocking {
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: timeout)
            } catch {
                throw ServerError(server, "\(what): cannot reach the server (\(error))")
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

/// A server-sent-event stream read on a background task: `next` blocks until the next event's
/// data, nil once the server closed the stream. `cancel` closes the connection (the server stops
/// generating). Errors (refused connection, an HTTP error status, a broken stream) come out of
/// `next` as `ServerError`s.
final class EventStream: EventFeed, @unchecked Sendable {
    private let lock = NSCondition()
    private var queue: [String] = []
    private var ended = false
    private var failure: Error?
    private var task: Task<Void, Never>?
    let server: String

    init(_ request: HTTPClientRequest, server: String, what: String) {
        self.server = server
        task = Task { [self] in
            do {
                let response = try await HTTP.client.execute(request, timeout: .hours(24))
                guard response.status == .ok else {
                    let body = try await response.body.collect(upTo: 1 << 20)
                    throw ServerError(server, "\(what): HTTP \(response.status.code), expected 200: "
                                      + ServerError.excerpt(body.readableBytesView))
                }
                var parser = SSEParser()
                for try await chunk in response.body {
                    for data in parser.feed(chunk.readableBytesView) { push(data) }
                }
                if let last = parser.finish() { push(last) }
                finish(nil)
            } catch let e as ServerError {
                finish(e)
            } catch {
                finish(Task.isCancelled ? nil : ServerError(server, "\(what): the stream broke (\(error))"))
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
