import CanvassCore
import CanvassStore

/// What went wrong on the client side, and what to do next: the one error the client library
/// shows its callers. Like PostgresNIO's `PSQLError`, the `Code` is a public struct over a hidden
/// enum, so codes can be added without breaking callers; the executable maps codes to exit codes.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case notLoggedIn = "not_logged_in"
            case invalid
            case notFound = "not_found"
            case unsynced
            case revoked
            case badUsage = "bad_usage"
            case cannotConnect = "cannot_connect"
            case unreachable
            case refused
            case unsafeFolder = "unsafe_folder"
            case storage
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// No session in this store: log in first.
        public static let notLoggedIn = Code(.notLoggedIn)
        /// Input that does not fit (a survey, the schema, a file): the message names the valid choices.
        public static let invalid = Code(.invalid)
        /// No such list, person, record or file here.
        public static let notFound = Code(.notFound)
        /// Refused because changes the server never accepted would be lost.
        public static let unsynced = Code(.unsynced)
        /// The server revoked this device; synced data was discarded.
        public static let revoked = Code(.revoked)
        /// An argument that is malformed as given (a server address that is not a URL, say).
        public static let badUsage = Code(.badUsage)
        /// No connection could be made at all (refused, no route, DNS, connect timeout): offline.
        public static let cannotConnect = Code(.cannotConnect)
        /// A connection was made, then broke, went silent, or the server kept failing (5xx, 429).
        public static let unreachable = Code(.unreachable)
        /// The server answered and refused (401, 403, 4xx): see `serverCode`.
        public static let refused = Code(.refused)
        /// A store folder others can read that cannot be made private.
        public static let unsafeFolder = Code(.unsafeFolder)
        /// The local store failed (corrupt file, disk trouble).
        public static let storage = Code(.storage)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public let problems: [Diagnostic]
    /// The server's error code (`device_revoked`, `invalid_code`, …) when the server refused.
    public let serverCode: String?

    public init(_ code: Code, _ message: String, problems: [Diagnostic] = [], serverCode: String? = nil) {
        self.code = code
        self.message = message
        self.problems = problems
        self.serverCode = serverCode
    }

    public var description: String {
        ([message] + problems.map { "  \($0.location): \($0.message)" }).joined(separator: "\n")
    }

    /// The client's view of a failure below it: transport and store errors become codes, so
    /// callers of the façade handle one type.
    static func from(_ error: any Error) -> any Error {
        switch error {
        case let e as ClientError: return e
        case let e as TransportError:
            switch e {
            case .cannotConnect: return ClientError(.cannotConnect, e.description)
            case .unreachable: return ClientError(.unreachable, e.description)
            case .server: return ClientError(e.isRetryable ? .unreachable : .refused, e.description, serverCode: e.serverCode)
            }
        case let e as StoreError:
            return ClientError(e.code == .unsafeFolder ? .unsafeFolder : .storage, e.description)
        default: return error
        }
    }
}
