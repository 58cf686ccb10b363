import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// The server profile of a replica: where it syncs, as whom, and how far it has pulled. Kept in
/// the replica file itself, so a store and its session can never be separated.
public struct Session: Codable, Sendable, Equatable {
    public var serverURL: String
    public var replicaID: ReplicaID
    public var token: String
    public var user: UserInfo
    public var serverReplica: ReplicaID
    /// The checkpoint of the last applied pull page; nil before the first pull.
    public var checkpoint: String?
    /// Milliseconds since 1970 of the last completed sync.
    public var lastSync: Int64?

    public init(serverURL: String, enrollment: EnrollResponse) {
        self.serverURL = serverURL
        replicaID = enrollment.replicaID
        token = enrollment.token
        user = enrollment.user
        serverReplica = enrollment.serverReplica
    }

    static let metaKey = "session"

    public static func load(from store: ReplicaStore) throws -> Session? {
        guard let text = try store.meta(metaKey) else { return nil }
        return try JSONDecoder().decode(Session.self, from: Data(text.utf8))
    }

    static func load(_ tx: StoreTransaction) throws -> Session? {
        guard let text = try tx.meta(metaKey) else { return nil }
        return try JSONDecoder().decode(Session.self, from: Data(text.utf8))
    }

    /// Forgets the session (the token); the store and its ReplicaID stay.
    static func clear(_ store: ReplicaStore) throws {
        try store.transaction { tx in try tx.setMeta(metaKey, nil) }
    }

    func save(_ tx: StoreTransaction) throws {
        try tx.setMeta(Session.metaKey, String(decoding: try JSONEncoder().encode(self), as: UTF8.self))
    }
}

/// Enrolls a store with a server using a one-time code.
public enum Enrollment {
    public static func enroll(
        store: ReplicaStore, serverURL: String, code: String, deviceName: String?, name: String? = nil,
        transport: any SyncTransport
    ) async throws -> Session {
        if let existing = try Session.load(from: store) {
            throw ClientError(
                .invalid,
                "this store is already logged in to \(existing.serverURL) as \(existing.user.name); log out first or use another --home"
            )
        }
        if let old = try store.replicaID() {
            // Checked before the code is spent: a store keeps the ReplicaID it was enrolled with.
            throw ClientError(
                .invalid,
                "this store belonged to device \(old), which signed out; a new login needs a new store: run `canvass export-unsynced FILE` first if `canvass status` shows unsynced changes, then `canvass logout --wipe --force`, or use another --home"
            )
        }
        let response = try await transport.enroll(EnrollRequest(code: code, deviceName: deviceName, name: name))
        let session = Session(serverURL: serverURL, enrollment: response)
        try store.setReplicaID(response.replicaID)
        try store.transaction { tx in try session.save(tx) }
        return session
    }
}
