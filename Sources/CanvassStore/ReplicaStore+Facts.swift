import CanvassCore
import Foundation
import GRDB

extension ReplicaStore {
    /// The fields of one projected record (`forEachRecord`), read on demand: `self[i]` is the
    /// value of `fields[i]` as `projected` reads it (nil where the record has none). Valid only
    /// inside the call it is given to.
    public struct FieldRow {
        let row: Row
        let kinds: [FieldKind?]
        let decoder: JSONDecoder

        public subscript(_ field: Int) -> Value? { ReplicaStore.value(row, field + 1, kinds[field], decoder) }
    }

    /// Some fields of every existing record of a collection, as `projected` reads them, handed
    /// one record at a time (in id order, in one read) without building values the caller does
    /// not ask for: the read for rules over a whole campaign that need most fields of few records
    /// (GOTV reads three fields of 100,000 people, and the suppression fields of its supporters).
    /// - Parameters:
    ///   - fields: as `projected` takes them (`answers.QUESTION` for one answer).
    ///   - present: when not empty, only the records where at least one of these fields holds a
    ///     value (not null): the candidates a rule over one question needs, found by SQLite.
    ///   - body: called with each record's id and fields.
    /// - Throws: `StoreError.invalid` for a field name `projected` does not read; what `body` throws.
    public func forEachRecord(
        _ collection: String, fields: [String], kinds: [String: FieldKind] = [:], present: [String] = [],
        _ body: (String, FieldRow) throws -> Void
    ) throws {
        for f in fields + present where !Self.isProjectable(f) {
            throw StoreError(
                .invalid,
                "'\(f)' is not a field name: use letters, digits and underscores, or answers.QUESTION for one answer")
        }
        let columns = fields.map { ", json_extract(display, '$.\($0)')" }.joined()
        // `display` is written by `JSONText`, which writes a field name of letters, digits and
        // underscores as it is: `instr` passes every record holding the field, cheaply, before
        // `json_extract` parses the record.
        let filter = present.map {
            "(instr(display, '\"\($0.split(separator: ".").last!)\"') > 0 AND json_extract(display, '$.\($0)') IS NOT NULL)"
        }
        let condition = filter.isEmpty ? "" : " AND (\(filter.joined(separator: " OR ")))"
        let sql = "SELECT id\(columns) FROM records WHERE collection = ? AND deleted = 0\(condition) ORDER BY id"
        let kinds = fields.map { kinds[$0] }
        try writer.read { db in
            let decoder = JSONDecoder()
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [collection])
            while let row = try rows.next() {
                try body(row[0], FieldRow(row: row, kinds: kinds, decoder: decoder))
            }
        }
    }
}
