import CanvassCampaign
import CanvassCore
import CanvassStore
import Foundation

/// The embedded store: one SQLite file (WAL, synchronous=FULL) holding the server's replica of
/// every record plus users, codes, devices and per-device scope. Every call goes to
/// CanvassStore's `ServerStore`; the rules it applies (scope, push judgement) are CanvassCore's.
///
/// SQLite has one writer at a time, so sequence numbers commit in the order they are taken and
/// the highest committed sequence is always a safe watermark for the feed.
public final class SQLiteServerStorage: StoreBackedStorage {
    public let store: ServerStore
    private let replica: ReplicaID
    private let epoch: String

    public init(store: ServerStore, now: Int64 = wallClock()) throws {
        self.store = store
        replica = try store.replicaID { ReplicaID("srv-" + Credentials.randomID(length: 10)) }
        epoch = try store.feedEpoch()
        // Accounts made before the directory existed, and the server's own entry.
        try store.mirrorDirectory(now: now)
    }

    /// Opens (creating) the store file in `directory`, which is made private first: voter data,
    /// mode 0700, or a refusal that says what to run (`PrivateFolder`).
    public static func open(directory: String) throws -> SQLiteServerStorage {
        try PrivateFolder.prepare(directory)
        return try SQLiteServerStorage(
            store: try ServerStore.open(path: (directory as NSString).appendingPathComponent("canvass.sqlite")))
    }

    public static func inMemory() throws -> SQLiteServerStorage {
        try SQLiteServerStorage(store: try ServerStore.inMemory())
    }

    public func identity() async throws -> (replica: ReplicaID, epoch: String) { (replica, epoch) }

    // MARK: records

    public func feed(since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?)
        async throws -> RawFeedPage
    {
        try await store.feed(since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter)
    }

    /// One writer at a time: the highest committed sequence is safe.
    public func safeWatermark() async throws -> Int64 { try await store.lastSeq() }

    public func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [CanvassCore.Record] {
        try await store.write(writes, wallclock: wallclock)
    }

    public func record(_ key: RecordKey) async throws -> CanvassCore.Record? { try await store.record(key) }

    public func secret(named name: String) async throws -> [UInt8] {
        ServerSecret.bytes(try await store.secret(named: name, minting: ServerSecret.mint))
    }

    public func records(in collection: String) async throws -> [CanvassCore.Record] {
        try await store.records(in: collection)
    }

    // MARK: automation

    public func automationInputs(campaign: String, rules: [AutomationRule]) async throws -> AutomationCampaignInputs {
        let replicaStore = store.replicaStore
        return try await offPool { try AutomationCampaignInputs.load(replicaStore, campaign: campaign, rules: rules) }
    }

    /// Runs a synchronous read of a whole campaign on a dispatch thread: a pass over a large
    /// campaign must not hold one of the concurrency pool's few threads.
    private func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    public func mailingDeliveries(mailing: Record) async throws -> [AutomationDelivery] {
        let replicaStore = store.replicaStore
        return try await offPool { try MailingQueue.deliveries(replicaStore, mailing: mailing).deliveries }
    }

    // MARK: leadership

    /// One process owns the SQLite file: it always leads.
    public func lead(_ role: String, _ work: @escaping @Sendable () async -> Void) async throws { await work() }
}
