import CanvassCore
import CanvassProtocol

/// How the sync engine reaches a server. HTTP in production; in-process in tests.
///
/// Failures to reach the server, and the server's error answers, are thrown as `ClientError`
/// (`.cannotConnect(_:)`, `.unreachable(_:)`, `.server(status:body:)`): the sync engine retries
/// those that are `isRetryable`.
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
