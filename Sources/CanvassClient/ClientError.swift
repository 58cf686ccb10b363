import CanvassCore
import CanvassProtocol
import CanvassStore

/// What went wrong on the client side, and what to do next: the one error the client library
/// shows its callers. Like PostgresNIO's `PSQLError`, the `Code` is a public struct over a hidden
/// enum, so codes can be added without breaking callers; the executable maps codes to exit codes.
///
/// Transports throw it too: `cannotConnect` and `unreachable` for network trouble, and, when the
/// server answered with an error, `status` and `serverError` with the code `unreachable` (429,
/// 5xx: worth retrying) or `refused` (any other answer). `isRetryable` tells the sync engine which
/// failures to try again.
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
        /// The server answered and refused (401, 403, 4xx): see `status` and `serverCode`.
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
    /// The HTTP status, when the server answered with an error.
    public let status: Int?
    /// The server's JSON error body, when the server answered with an error.
    public let serverError: ErrorBody?

    public init(_ code: Code, _ message: String, problems: [Diagnostic] = []) {
        self.init(code, message, problems: problems, status: nil, serverError: nil)
    }

    private init(_ code: Code, _ message: String, problems: [Diagnostic], status: Int?, serverError: ErrorBody?) {
        self.code = code
        self.message = message
        self.problems = problems
        self.status = status
        self.serverError = serverError
    }

    /// No connection could be made at all: connection refused, no route to the host, DNS failure,
    /// or no answer to the connection attempt within the connect timeout. A canvasser with no
    /// signal gets this; the sync engine retries it at most once, quickly.
    public static func cannotConnect(_ why: String) -> ClientError {
        ClientError(
            .cannotConnect,
            "cannot connect to the server (\(why)): no network, or the server is down; your changes are safe locally, sync again when online"
        )
    }

    /// A connection was made, then broke or went silent (timeouts after connecting, an answer cut
    /// off): worth retrying with backoff.
    public static func unreachable(_ why: String) -> ClientError {
        ClientError(
            .unreachable, "cannot reach the server (\(why)); your changes are safe locally, sync again when online")
    }

    /// The server answered with an error: `unreachable` when trying again later may succeed
    /// (429, 503, any 5xx), `refused` otherwise.
    public static func server(status: Int, body: ErrorBody) -> ClientError {
        ClientError(
            retryable(status) ? .unreachable : .refused, "server refused (\(status)): \(body)", problems: [],
            status: status, serverError: body)
    }

    /// The server's error code (`device_revoked`, `invalid_code`, …) when the server answered with an error.
    public var serverCode: String? { serverError?.error.code }

    /// Whether trying again later may succeed: no connection, a connection that broke, or a
    /// server that answered 429, 503 or any 5xx.
    public var isRetryable: Bool {
        if let status { return Self.retryable(status) }
        return code == .cannotConnect || code == .unreachable
    }

    private static func retryable(_ status: Int) -> Bool { status == 429 || status == 503 || status >= 500 }

    public var description: String {
        ([message] + problems.map { "  \($0.location): \($0.message)" }).joined(separator: "\n")
    }

    /// The client's view of a failure below it: store errors become codes, so callers of the
    /// façade handle one type.
    static func from(_ error: any Error) -> any Error {
        switch error {
        case let e as StoreError:
            return ClientError(e.code == .unsafeFolder ? .unsafeFolder : .storage, e.description)
        default: return error
        }
    }
}
