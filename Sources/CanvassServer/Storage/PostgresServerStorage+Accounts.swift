import CanvassCore
import CanvassPostgres
import CanvassStore

/// Users, codes, devices, list sharing and door checkout on PostgreSQL: every call goes to
/// `PostgresStore+Accounts.swift` and `+Checkout.swift`, as `SQLiteServerStorage` goes to `ServerStore`.
extension PostgresServerStorage {
    public func addUser(id: String?, name: String, role: Role, now: Int64) async throws -> User {
        guard
            let user = try await store.addUser(
                id: id ?? "u-" + Credentials.randomID(length: 10), name: name, role: role, now: now)
        else {
            throw ServerError.conflict(
                "a user named '\(name)' already exists; pick another name, or issue a new code with `canvass user code \"\(name)\"`"
            )
        }
        return user
    }

    public func touch(replica: ReplicaID, now: Int64) async throws {
        // At most once a minute: a busy server should not write on every request.
        try await store.touch(replica: replica, now: now, granularity: 60_000)
    }

    // MARK: list sharing and door checkout

    public func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String, now: Int64,
        writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device? {
        try await store.enroll(
            shareCodeHash: shareCodeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, name: name,
            newUserID: "u-" + Credentials.randomID(length: 10), now: now, writes: writes)
    }

}
