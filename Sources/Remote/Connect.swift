import AsyncHTTPClient
import Foundation

/// What connecting to any server shares: waiting for it to come up.
enum Connect {
    /// Waits up to `wait` seconds for `GET path` to answer 200, then returns the body.
    static func waitFor(_ url: URL, path: String, server: String, wait: Double, headers: [(String, String)] = []) throws -> Data {
        let deadline = Date().addingTimeInterval(wait)
        while true {
            do {
                return try HTTP.call(HTTP.get(url.appendingPathComponent(path), headers: headers),
                                     server: server, what: "GET /\(path)", timeout: .seconds(10))
            } catch {
                if Date() >= deadline { throw error }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
    }
}
