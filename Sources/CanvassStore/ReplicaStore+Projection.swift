import CanvassCore
import Foundation
import GRDB

extension ReplicaStore {
    /// Some fields of every existing record of a collection (`Record.exists`), read with SQLite's
    /// `json_extract` instead of decoding whole records: the cheap read for set-up work over a
    /// whole campaign (cutting turf over 100,000 people, counting a segment).
    ///
    /// A value keeps the kind SQLite gives it (text, integer, real), except that a field of kind
    /// `.boolean` in `kinds` reads as true or false and one of kind `.json` holding an object or an
    /// array is decoded. A field a record does not have, or holds null, is left out.
    /// - Parameters:
    ///   - fields: field names of letters, digits and underscores; or `answers.QUESTION` (a question
    ///     id of the same characters) for one answer of an interaction's `answers` object, read
    ///     under that name.
    /// - Throws: `StoreError.invalid` for another field name.
    public func projected(_ collection: String, fields: [String], kinds: [String: FieldKind] = [:]) throws
        -> [RecordValues]
    {
        for f in fields where !Self.isProjectable(f) {
            throw StoreError(
                .invalid,
                "'\(f)' is not a field name: use letters, digits and underscores, or answers.QUESTION for one answer")
        }
        let sql = Self.projection(fields)
        let kinds = fields.map { kinds[$0] }
        return try writer.read { db in
            let decoder = JSONDecoder()
            var out: [RecordValues] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [collection])
            while let row = try rows.next() {
                var values: [String: Value] = [:]
                for (i, f) in fields.enumerated() {
                    if let v = Self.value(row, i + 1, kinds[i], decoder) { values[f] = v }
                }
                out.append(RecordValues(key: RecordKey(collection, row[0]), values: values))
            }
            return out
        }
    }

    /// The same read, each record's values in the order of `fields` (nil where a record has
    /// none): for reads over hundreds of thousands of records (a campaign report), which skip
    /// building a dictionary per record.
    public func projectedColumns(_ collection: String, fields: [String], kinds: [String: FieldKind] = [:]) throws
        -> [(id: String, values: [Value?])]
    {
        for f in fields where !Self.isProjectable(f) {
            throw StoreError(.invalid, "'\(f)' is not a field name: use letters, digits and underscores")
        }
        let sql = Self.projection(fields)
        let kinds = fields.map { kinds[$0] }
        return try writer.read { db in
            let decoder = JSONDecoder()
            var out: [(id: String, values: [Value?])] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [collection])
            while let row = try rows.next() {
                out.append((row[0], fields.indices.map { Self.value(row, $0 + 1, kinds[$0], decoder) }))
            }
            return out
        }
    }

    /// The query of `projected`: the id, then one `json_extract` per field; with `present`, only
    /// records where one of those fields holds a value.
    static func projection(_ fields: [String], present: [String] = []) -> String {
        let columns = fields.map { ", json_extract(display, '$.\($0)')" }.joined()
        // `display` is written by `JSONText`, which writes a field name of letters, digits and
        // underscores as it is: `instr` passes every record holding the field, cheaply, before
        // `json_extract` parses the record.
        let filter = present.map {
            "(instr(display, '\"\($0.split(separator: ".").last!)\"') > 0 AND json_extract(display, '$.\($0)') IS NOT NULL)"
        }
        let condition = filter.isEmpty ? "" : " AND (\(filter.joined(separator: " OR ")))"
        return "SELECT id\(columns) FROM records WHERE collection = ? AND deleted = 0\(condition) ORDER BY id"
    }

    /// A projected column's value: the kind SQLite gives it, true or false for a `.boolean`
    /// field, an object or array decoded for a `.json` one; nil for null.
    static func value(_ row: Row, _ column: Int, _ kind: FieldKind?, _ decoder: JSONDecoder) -> Value? {
        value(row[column] as DatabaseValue, kind, decoder)
    }

    /// A projected column's value (`value(_:_:_:_:)`) from the database value read.
    static func value(_ read: DatabaseValue, _ kind: FieldKind?, _ decoder: JSONDecoder) -> Value? {
        switch read.storage {
        case .null, .blob: return nil
        case .int64(let n): return kind == .boolean ? .bool(n != 0) : .int(n)
        case .double(let d): return .double(d)
        case .string(let s):
            // An object or array comes back as its JSON text; a JSON string as the string.
            return kind == .json && (s.hasPrefix("{") || s.hasPrefix("["))
                ? (try? decoder.decode(Value.self, from: Data(s.utf8))) ?? .string(s) : .string(s)
        }
    }

    /// The members of one object field (`answers`) of every existing record of a collection that
    /// holds it, read with SQLite's `json_each` instead of decoding whole records: one row per
    /// member, so a report reads 300,000 interactions' answers without a `json_extract` per
    /// question. A member's value keeps the kind SQLite gives it; an array or object is decoded.
    /// - Throws: `StoreError.invalid` for a field name that is not letters, digits and underscores.
    public func projectedMembers(_ collection: String, of field: String) throws -> [(
        id: String, key: String, value: Value
    )] {
        guard Self.isFieldName(field) else {
            throw StoreError(.invalid, "'\(field)' is not a field name: use letters, digits and underscores")
        }
        let sql = Self.membersQuery(field, keys: 0)
        return try writer.read { db in
            let decoder = JSONDecoder()
            var out: [(id: String, key: String, value: Value)] = []
            let statement = try db.makeStatement(sql: sql)
            let rows = (try Row.fetchCursor(statement, arguments: [collection]), statement.sqliteStatement)
            while let m = try Self.nextMember(rows, decoder) { out.append(m) }
            return out
        }
    }

    /// The query of `projectedMembers`, in id order; `keys` > 0 keeps only members named by that
    /// many arguments after the collection.
    static func membersQuery(_ field: String, keys: Int) -> String {
        let only = keys > 0 ? " AND j.key IN (\(Array(repeating: "?", count: keys).joined(separator: ", ")))" : ""
        return """
            SELECT r.id, j.key, j.value, j.type FROM records r, json_each(r.display, '$.\(field)') j
            WHERE r.collection = ? AND r.deleted = 0 AND json_type(r.display, '$.\(field)') = 'object'\(only)
            ORDER BY r.id
            """
    }

    /// The next member a `membersQuery` cursor holds (nulls and blobs skipped), nil at the end.
    static func nextMember(_ rows: (cursor: RowCursor, statement: SQLiteStatement), _ decoder: JSONDecoder) throws -> (
        id: String, key: String, value: Value
    )? {
        let statement = rows.statement
        func read(_ i: CInt) -> DatabaseValue { DatabaseValue(sqliteStatement: statement, index: i) }
        while try rows.cursor.next() != nil {
            guard case .string(let key) = read(1).storage else { continue }
            let value: Value
            switch read(2).storage {
            case .null, .blob: continue
            case .int64(let n):
                value = String(sqliteStatement: statement, index: 3) == "integer" ? .int(n) : .bool(n != 0)
            case .double(let d): value = .double(d)
            case .string(let s):
                let type = String(sqliteStatement: statement, index: 3)
                value =
                    type == "array" || type == "object"
                    ? (try? decoder.decode(Value.self, from: Data(s.utf8))) ?? .string(s) : .string(s)
            }
            return (String(sqliteStatement: statement, index: 0), key, value)
        }
        return nil
    }

    /// One record as `forEachProjected` reads it; valid only inside the call that hands it over.
    public struct ProjectedRow {
        /// The statement stepped to this record: its columns are read as they are, without a row.
        let statement: SQLiteStatement
        let kinds: [FieldKind?]
        let decoder: JSONDecoder
        /// The record's id.
        public let id: String
        /// The members of the object field asked for (`members`), as `projectedMembers` reads them.
        public let members: [String: Value]

        /// Field `i` (in the order of `fields`) when it holds text: `value(i)?.stringValue`
        /// without building the value.
        public func string(_ i: Int) -> String? {
            if case .string(let s) = read(i).storage { return s }
            return nil
        }

        func read(_ i: Int) -> DatabaseValue { DatabaseValue(sqliteStatement: statement, index: CInt(i + 1)) }

        /// Field `i` (in the order of `fields`) as `projected` reads it; nil where the record has none.
        public func value(_ i: Int) -> Value? { ReplicaStore.value(read(i), kinds[i], decoder) }

        /// `value(i)`.
        public subscript(_ i: Int) -> Value? { value(i) }
    }

    /// `projectedColumns` handed over one record at a time, in id order, with the members of one
    /// object field (`members`, e.g. `answers`; only those named in `keys` when given, none for no keys) as
    /// `projectedMembers` reads them: the read of a campaign report over 300,000 interactions,
    /// in one pass without an array of values per record or a table of answers by id.
    /// - Parameter present: when not empty, only the records where at least one of these fields
    ///   holds a value (not null): the candidates a rule over one question needs, found by SQLite
    ///   (GOTV reads the interactions answering `support`).
    /// - Throws: `StoreError.invalid` for a field name `projected` does not read; what `body` throws.
    public func forEachProjected(
        _ collection: String, fields: [String], kinds: [String: FieldKind] = [:], members field: String? = nil,
        keys: Set<String>? = nil, present: [String] = [], _ body: (ProjectedRow) throws -> Void
    ) throws {
        for f in fields + present where !Self.isProjectable(f) {
            throw StoreError(
                .invalid,
                "'\(f)' is not a field name: use letters, digits and underscores, or answers.QUESTION for one answer")
        }
        if let field, !Self.isFieldName(field) {
            throw StoreError(.invalid, "'\(field)' is not a field name: use letters, digits and underscores")
        }
        let sql = Self.projection(fields, present: present)
        let kinds = fields.map { kinds[$0] }
        let only = keys.map { Array($0).sorted() }
        let keys = only ?? []
        try writer.read { db in
            let decoder = JSONDecoder()
            // Both queries run in id order: a record's members come next to it.
            var members: (cursor: RowCursor, statement: SQLiteStatement)?
            var member: (id: String, key: String, value: Value)?
            if let field, only == nil || !keys.isEmpty {
                let statement = try db.makeStatement(sql: Self.membersQuery(field, keys: keys.count))
                let cursor = (
                    try Row.fetchCursor(statement, arguments: StatementArguments([collection] + keys)),
                    statement.sqliteStatement
                )
                member = try Self.nextMember(cursor, decoder)
                members = cursor
            }
            let statement = try db.makeStatement(sql: sql)
            let rows = try Row.fetchCursor(statement, arguments: [collection])
            while try rows.next() != nil {
                let id = String(sqliteStatement: statement.sqliteStatement, index: 0)
                var found: [String: Value] = [:]
                while let m = member, m.id == id, let cursor = members {
                    found[m.key] = m.value
                    member = try Self.nextMember(cursor, decoder)
                }
                try body(
                    ProjectedRow(
                        statement: statement.sqliteStatement, kinds: kinds, decoder: decoder, id: id, members: found))
            }
        }
    }

    /// Letters, digits and underscores: a field name `projected` may put in a JSON path.
    static func isFieldName(_ field: String) -> Bool {
        !field.isEmpty && field.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// A field name `projected` reads: letters, digits and underscores, or one `answers.` path.
    public static func isProjectable(_ field: String) -> Bool {
        let parts = field.split(separator: ".", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isFieldName(field)
        case 2: return parts[0] == "answers" && isFieldName(String(parts[1]))
        default: return false
        }
    }
}
