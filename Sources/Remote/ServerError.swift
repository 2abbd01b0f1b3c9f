import Foundation

/// Something went wrong talking to a model server. Every message names the server and what was
/// expected, and fits on one line.
public struct ServerError: Error, CustomStringConvertible, Sendable, Equatable {
    public let server: String
    public let message: String

    public init(_ server: String, _ message: String) {
        self.server = server
        self.message = message
    }

    public var description: String { "server \(server): \(message)" }

    /// A body shortened for a one-line message.
    static func excerpt(_ data: some Collection<UInt8>, limit: Int = 200) -> String {
        let text = String(decoding: data.prefix(limit), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
        return data.count > limit ? text + "…" : text
    }
}
