import CanvassCore
import Foundation
import GRDB

/// Reading and writing record rows inside a transaction. Every write of a changed state takes the
/// next feed sequence.
struct RecordRows {
    let db: Database
    private let decoder = JSONDecoder()

    init(_ db: Database) { self.db = db }

    func load(_ key: RecordKey) throws -> CanvassCore.Record? {
        let stmt = try db.cachedStatement(sql: "SELECT state FROM records WHERE collection = ? AND id = ?")
        guard let state = try String.fetchOne(stmt, arguments: [key.collection, key.id]) else { return nil }
        return try decode(state, key)
    }

    /// A stored state: the record in the protocol's compact JSON form.
    func decode(_ state: String, _ key: RecordKey) throws -> CanvassCore.Record {
        try StoredRecord.decode(state, key, decoder: decoder)
    }

    func nextSeq() throws -> Int64 {
        let stmt = try db.cachedStatement(sql: "UPDATE clock SET seq = seq + 1 RETURNING seq")
        return try Int64.fetchOne(stmt)!
    }

    /// Writes a record's new state with the next sequence; returns that sequence.
    @discardableResult
    func save(_ record: CanvassCore.Record, origin: ReplicaID?) throws -> Int64 {
        let seq = try nextSeq()
        // `deleted` stores the outcome of the one existence rule (`Record.exists`), so that
        // `deleted = 0` in this module's reads is that rule, not a second one.
        let row = StoredRecord(record)
        let stmt = try db.cachedStatement(
            sql: """
                INSERT INTO records (collection, id, state, display, seq, conflicts, deleted, origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (collection, id) DO UPDATE SET state = excluded.state, display = excluded.display,
                    seq = excluded.seq, conflicts = excluded.conflicts, deleted = excluded.deleted, origin = excluded.origin
                """)
        try stmt.execute(arguments: [
            record.key.collection, record.key.id, row.state, row.display, seq, row.conflicts, row.deleted,
            origin?.rawValue,
        ])
        return seq
    }
}
