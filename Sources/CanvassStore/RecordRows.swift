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
        do {
            let r = try decoder.decode(CanvassCore.Record.self, from: Data(state.utf8))
            guard r.key == key else { throw StoreError(.corrupt, "row \(key) holds the state of \(r.key)") }
            return r
        } catch {
            throw StoreError(.corrupt, "stored state of \(key) cannot be read: \(error)")
        }
    }

    func nextSeq() throws -> Int64 {
        let stmt = try db.cachedStatement(sql: "UPDATE clock SET seq = seq + 1 RETURNING seq")
        return try Int64.fetchOne(stmt)!
    }

    /// Writes a record's new state with the next sequence; returns that sequence.
    @discardableResult
    func save(_ record: CanvassCore.Record, origin: ReplicaID?) throws -> Int64 {
        let seq = try nextSeq()
        var state = JSONText()
        state.record(record)
        var display = JSONText()
        display.display(record)
        let conflicts = record.fields.values.reduce(0) { $0 + ($1.isConflict ? 1 : 0) }
        // `deleted` stores the outcome of the one existence rule (`Record.exists`), so that
        // `deleted = 0` in this module's reads is that rule, not a second one.
        let stmt = try db.cachedStatement(
            sql: """
                INSERT INTO records (collection, id, state, display, seq, conflicts, deleted, origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (collection, id) DO UPDATE SET state = excluded.state, display = excluded.display,
                    seq = excluded.seq, conflicts = excluded.conflicts, deleted = excluded.deleted, origin = excluded.origin
                """)
        try stmt.execute(arguments: [
            record.key.collection, record.key.id, state.string, display.string, seq, conflicts, record.isDeleted,
            origin?.rawValue,
        ])
        return seq
    }
}
