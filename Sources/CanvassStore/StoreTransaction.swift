import CanvassCore
import GRDB

/// A write transaction on a replica store, for callers that must read, decide and write
/// atomically (a client applying a pull page with its checkpoint). Callers never see SQL or GRDB.
public struct StoreTransaction {
    let db: Database

    public func record(_ key: RecordKey) throws -> CanvassCore.Record? { try ReplicaStore.record(db, key) }

    @discardableResult
    public func apply(_ changeSet: ChangeSet, origin: ReplicaID? = nil) throws -> ApplyResult {
        try ReplicaStore.apply(db, changeSet, origin: origin)
    }

    @discardableResult
    public func write(_ writes: [LocalWrite], wallclock: Int64) throws -> [CanvassCore.Record] {
        try ReplicaStore.write(db, writes, wallclock: wallclock)
    }

    public func evict(_ keys: [RecordKey]) throws -> [RecordKey] { try ReplicaStore.evict(db, keys) }

    public func meta(_ key: String) throws -> String? { try ReplicaStore.meta(db, key) }

    public func setMeta(_ key: String, _ value: String?) throws { try ReplicaStore.setMeta(db, key, value) }
}

extension ReplicaStore {
    /// Runs `body` in one write transaction: all of it commits (durably) or none of it does.
    public func transaction<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try writer.write { db in try body(StoreTransaction(db: db)) }
    }
}
