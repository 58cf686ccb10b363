import CanvassCore
import CanvassProtocol

/// How the sync engine reaches a server. HTTP in production; in-process in tests.
public protocol SyncTransport: Sendable {
    func enroll(_ request: EnrollRequest) async throws -> EnrollResponse
    func push(_ request: PushRequest, token: String) async throws -> PushResponse
    func pull(since: String?, limit: Int, token: String) async throws -> PullResponse
}

/// What can go wrong talking to a server.
public enum TransportError: Error, CustomStringConvertible, Sendable {
    /// The server could not be reached or the connection broke: worth retrying.
    case unreachable(String)
    /// The server answered with an error.
    case server(status: Int, body: ErrorBody)

    /// Whether trying again later may succeed (network trouble, overload, server errors).
    public var isRetryable: Bool {
        switch self {
        case .unreachable: return true
        case .server(let status, _): return status == 429 || status == 503 || status >= 500
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let why): return "cannot reach the server (\(why)); your changes are safe locally, sync again when online"
        case .server(let status, let body): return "server refused (\(status)): \(body)"
        }
    }
}
