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

    public func users() async throws -> [User] { try await store.users() }

    public func user(named name: String) async throws -> User? { try await store.user(named: name) }

    public func user(id: String) async throws -> User? { try await store.user(id: id) }

    public func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws {
        try await store.addCode(hash: hash, userID: userID, expiresAt: expiresAt, now: now)
    }

    public func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64)
        async throws -> Device?
    {
        try await store.enroll(
            codeHash: codeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, now: now)
    }

    public func device(tokenHash: String) async throws -> Device? { try await store.device(tokenHash: tokenHash) }

    public func devices() async throws -> [Device] { try await store.devices() }

    public func revoke(replica: ReplicaID, now: Int64) async throws -> Bool {
        try await store.revoke(replica: replica, now: now)
    }

    public func touch(replica: ReplicaID, now: Int64) async throws {
        // At most once a minute: a busy server should not write on every request.
        try await store.touch(replica: replica, now: now, granularity: 60_000)
    }

    // MARK: list sharing and door checkout

    public func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64)
        async throws
    {
        try await store.addShareCode(hash: hash, listID: listID, createdBy: createdBy, expiresAt: expiresAt, now: now)
    }

    public func revokeShareCodes(listID: String, now: Int64) async throws -> Int {
        try await store.revokeShareCodes(listID: listID, now: now)
    }

    public func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String, now: Int64,
        writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device? {
        try await store.enroll(
            shareCodeHash: shareCodeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, name: name,
            newUserID: "u-" + Credentials.randomID(length: 10), now: now, writes: writes)
    }

    public func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws
        -> [ListCheckout]
    {
        try await store.checkOut(lists: lists, device: device, now: now, policy: policy)
    }
}
