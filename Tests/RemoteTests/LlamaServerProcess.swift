import Foundation
import Testing

/// A real llama-server serving the demo model on a free loopback port, for the integration tests.
/// The binary is `$THINKSCOPE_LLAMA_SERVER`, or the one tools/remote/build_llama_server.sh left in
/// its cache (`$LLAMA_SERVER_CACHE`, default ~/.cache/thinkscope/llama-server).
final class LlamaServerProcess {
    let process = Process()
    let url: URL
    let log: URL

    /// Where the binary is, or why the tests skip.
    static func binary() -> Result<String, SkipReason> {
        let env = ProcessInfo.processInfo.environment
        if let b = env["THINKSCOPE_LLAMA_SERVER"] {
            return FileManager.default.isExecutableFile(atPath: b) ? .success(b) : .failure(.init("THINKSCOPE_LLAMA_SERVER=\(b) is not an executable"))
        }
        let cache = env["LLAMA_SERVER_CACHE"] ?? (NSHomeDirectory() + "/.cache/thinkscope/llama-server")
        let version = env["LLAMA_CPP_PYTHON_VERSION"] ?? "0.3.36"
        let b = "\(cache)/build-\(version)/bin/llama-server"
        return FileManager.default.isExecutableFile(atPath: b)
            ? .success(b)
            : .failure(.init("no llama-server at \(b): build it with tools/remote/build_llama_server.sh (about 20 minutes) or set THINKSCOPE_LLAMA_SERVER"))
    }

    struct SkipReason: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    init(binary: String, model: String, context: Int = 2048) throws {
        let port = try Self.freePort()
        url = URL(string: "http://127.0.0.1:\(port)")!
        log = FileManager.default.temporaryDirectory.appendingPathComponent("thinkscope-llama-server-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-m", model, "--host", "127.0.0.1", "--port", "\(port)", "-c", "\(context)", "-np", "1",
                             "-t", "1", "-fa", "off"]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Kills the server at once (SIGTERM makes llama-server wait for open connections) and waits
    /// up to 5 seconds for it to go.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
    }

    deinit { kill() }

    /// The last lines the server logged (for a failure message).
    var logTail: String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// A port nothing listens on now (bound to 0 and released).
    static func freePort() throws -> Int {
        guard let (fd, port) = FakeServer.bindLoopback() else { throw SkipReason("no free loopback port") }
        close(fd)
        return port
    }
}
