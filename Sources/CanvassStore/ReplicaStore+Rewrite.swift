import CanvassCore
import Foundation
import GRDB

extension ReplicaStore {
    /// Rewrites a record that only this replica has written and the server has not acknowledged,
    /// as one fresh write operation: a new dot, the given fields only, as if the first write had
    /// been this one. `alongside` are written in the same transaction. A shift corrects an
    /// unsynced door this way, so an interaction stays one write-once record.
    ///
    /// Nobody else can have seen the replaced write: it is still in the outbox (pending, or
    /// rejected) and every register holds only this replica's dots. The one exception is a push
    /// whose answer was lost, or a sync running at this moment: the server then holds the first
    /// version and refuses the rewrite (`write_once`), which `status` shows as rejected.
    ///
    /// - Returns: false, writing nothing, when the record is not such a record (it was
    ///   acknowledged, holds another replica's writes, or does not exist).
    public func rewriteUnsynced(
        _ key: RecordKey, _ values: [String: Value], alongside writes: [LocalWrite], wallclock: Int64
    ) throws -> Bool {
        try writer.write { db in
            guard let raw = try String.fetchOne(db, sql: "SELECT replica FROM clock") else {
                throw StoreError(.notEnrolled, "this store has no replica id yet: log in before recording anything")
            }
            let me = ReplicaID(raw)
            let queued = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM outbox WHERE collection = ? AND id = ?", arguments: [key.collection, key.id])
            let rows = RecordRows(db)
            guard queued == true, let record = try rows.load(key),
                record.fields.values.allSatisfy({ reg in
                    reg.siblings.allSatisfy { $0.dot.replica == me }
                        && reg.context.entries.allSatisfy { $0.replica == me }
                })
            else { return false }
            let counter = try Int64.fetchOne(db, sql: "UPDATE clock SET counter = counter + 1 RETURNING counter")!
            let dot = Dot(me, UInt64(counter))
            var fresh = CanvassCore.Record(key: key)
            for (name, value) in values {
                fresh.fields[name] = Register(siblings: [Sibling(dot: dot, wallclock: wallclock, value: value)])
            }
            let seq = try rows.save(fresh, origin: nil)
            try db.execute(
                sql: """
                    INSERT INTO outbox (collection, id, seq, status, problems) VALUES (?, ?, ?, 'pending', NULL)
                    ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, status = 'pending', problems = NULL
                    """, arguments: [key.collection, key.id, seq])
            _ = try Self.write(db, writes, wallclock: wallclock)
            return true
        }
    }
}
