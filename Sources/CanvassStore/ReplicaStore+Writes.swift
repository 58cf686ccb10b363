import CanvassCore
import Foundation
import GRDB

/// One local write: some fields of one record, or a delete.
public struct LocalWrite: Sendable {
    public let key: RecordKey
    public let values: [String: Value]
    public let delete: Bool

    public init(_ key: RecordKey, _ values: [String: Value]) {
        self.key = key
        self.values = values
        self.delete = false
    }

    public static func delete(_ key: RecordKey) -> LocalWrite { LocalWrite(key: key) }

    private init(key: RecordKey) {
        self.key = key
        self.values = [:]
        self.delete = true
    }
}

extension ReplicaStore {
    /// Performs local writes in one transaction: each mints the next dot, bumps the feed, and
    /// queues the record in the outbox. When this returns, the writes are durable.
    /// - Returns: the delta of each write.
    @discardableResult
    public func write(_ writes: [LocalWrite], wallclock: Int64) throws -> [CanvassCore.Record] {
        try writer.write { db in try Self.write(db, writes, wallclock: wallclock) }
    }

    @discardableResult
    public func write(_ key: RecordKey, _ values: [String: Value], wallclock: Int64) throws -> CanvassCore.Record {
        try write([LocalWrite(key, values)], wallclock: wallclock)[0]
    }

    /// The same, inside a caller's transaction.
    static func write(_ db: Database, _ writes: [LocalWrite], wallclock: Int64) throws -> [CanvassCore.Record] {
        guard let raw = try String.fetchOne(db, sql: "SELECT replica FROM clock") else {
            throw StoreError(
                .notEnrolled, "this store has no replica id yet: log in (enroll) before recording anything")
        }
        let replica = ReplicaID(raw)
        let rows = RecordRows(db)
        var deltas: [CanvassCore.Record] = []
        let mint = try db.cachedStatement(sql: "UPDATE clock SET counter = counter + 1 RETURNING counter")
        let queue = try db.cachedStatement(
            sql: """
                INSERT INTO outbox (collection, id, seq, status, problems) VALUES (?, ?, ?, 'pending', NULL)
                ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, status = 'pending', problems = NULL
                """)
        for w in writes {
            let dot = Dot(replica, UInt64(try Int64.fetchOne(mint)!))
            var record = try rows.load(w.key) ?? CanvassCore.Record(key: w.key)
            let delta = w.perform(on: &record, at: dot, wallclock: wallclock)
            let seq = try rows.save(record, origin: nil)
            try queue.execute(arguments: [w.key.collection, w.key.id, seq])
            deltas.append(delta)
        }
        return deltas
    }
}
