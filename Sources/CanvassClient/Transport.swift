import CanvassCore
import CanvassProtocol

/// How the sync engine reaches a server. HTTP in production; in-process in tests.
public protocol SyncTransport: Sendable {
    func enroll(_ request: EnrollRequest) async throws -> EnrollResponse
    func push(_ request: PushRequest, token: String) async throws -> PushResponse
    func pull(since: String?, limit: Int, token: String) async throws -> PullResponse
}

/// A transport that can revoke a device (`DELETE /v1/devices/{replica_id}`): a device revoking
/// itself at logout, or a coordinator revoking a lost laptop.
public protocol DeviceRevoking: Sendable {
    func revoke(_ replica: ReplicaID, token: String) async throws
}

/// What can go wrong talking to a server.
public enum TransportError: Error, CustomStringConvertible, Sendable {
    /// No connection could be made at all: connection refused, no route to the host, DNS failure,
    /// or no answer to the connection attempt within the connect timeout. A canvasser with no
    /// signal gets this; the sync engine retries it at most once, quickly.
    case cannotConnect(String)
    /// A connection was made, then broke or went silent (timeouts after connecting, an answer
    /// cut off): worth retrying with backoff.
    case unreachable(String)
    /// The server answered with an error.
    case server(status: Int, body: ErrorBody)

    /// Whether trying again later may succeed (network trouble, overload, server errors).
    public var isRetryable: Bool {
        switch self {
        case .cannotConnect, .unreachable: return true
        case .server(let status, _): return status == 429 || status == 503 || status >= 500
        }
    }

    /// The server's error code (`device_revoked`, `unauthorized`, …), for answers from the server.
    public var serverCode: String? {
        if case .server(_, let body) = self { return body.error.code }
        return nil
    }

    public var description: String {
        switch self {
        case .cannotConnect(let why):
            return "cannot connect to the server (\(why)): no network, or the server is down; your changes are safe locally, sync again when online"
        case .unreachable(let why): return "cannot reach the server (\(why)); your changes are safe locally, sync again when online"
        case .server(let status, let body): return "server refused (\(status)): \(body)"
        }
    }
}
