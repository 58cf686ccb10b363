import CanvassCampaign
import CanvassCore
import CanvassPostgres
import CanvassStore
import Foundation
import Logging

/// The server's storage on PostgreSQL, for one or several `canvass-server` processes on one
/// database. Every call goes to CanvassPostgres's `PostgresStore`; the rules it applies (merge,
/// scope, push judgement) are CanvassCore's, as on SQLite.
///
/// Several writers commit at once, so the feed's safe watermark is the committed value of the
/// one-row `feed_clock`, which every writing transaction bumps as its last step (SYNC.md,
/// "Changes feed"). Accounts, checkout and automation are in `PostgresServerStorage+*.swift`.
public final class PostgresServerStorage: StoreBackedStorage {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    /// Opens the database at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`), migrates
    /// it, and starts a pool of at most `poolSize` connections. An unreachable server is one
    /// `StoreError` that says so.
    public static func open(url: String, poolSize: Int = 8, logger: Logger = Logger(label: "canvass.postgres"))
        async throws -> PostgresServerStorage
    {
        let store = try await PostgresStore.open(
            url: url, poolSize: poolSize, mintReplica: { ReplicaID("srv-" + Credentials.randomID(length: 10)) },
            logger: logger)
        // The server's own directory entry, and accounts made before the directory existed.
        try await store.mirrorDirectory(now: wallClock())
        return PostgresServerStorage(store: store)
    }

    /// `HOST:PORT/DATABASE` of a URL, without its password, for banners and messages.
    public static func describe(url: String) -> String { PostgresStore.describe(url: url) }

    /// Stops the pool.
    public func close() async { await store.close() }

    public func identity() async throws -> (replica: ReplicaID, epoch: String) { (store.replica, store.epoch) }

    // MARK: records

    public func feed(since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?)
        async throws -> RawFeedPage
    {
        try await store.feed(since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter)
    }

    /// The committed `feed_clock`: every change at or below it is committed.
    public func safeWatermark() async throws -> Int64 { try await store.safeWatermark() }

    public func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [CanvassCore.Record] {
        try await store.write(writes, wallclock: wallclock)
    }

    public func secret(named name: String) async throws -> [UInt8] {
        ServerSecret.bytes(try await store.secret(named: name, minting: ServerSecret.mint))
    }

    public func record(_ key: RecordKey) async throws -> CanvassCore.Record? { try await store.record(key) }

    public func records(in collection: String) async throws -> [CanvassCore.Record] {
        try await store.records(in: collection)
    }

}

/// A server secret (the key that signs unsubscribe links) as every backend keeps it: 32 random
/// bytes stored as hex.
enum ServerSecret {
    @Sendable static func mint() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[i..<j], radix: 16) ?? 0)
            i = j
        }
        return bytes
    }
}
