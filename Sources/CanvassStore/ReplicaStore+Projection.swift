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

    /// The query of `projected`: the id, then one `json_extract` per field.
    static func projection(_ fields: [String]) -> String {
        let columns = fields.map { ", json_extract(display, '$.\($0)')" }.joined()
        return "SELECT id\(columns) FROM records WHERE collection = ? AND deleted = 0 ORDER BY id"
    }

    /// A projected column's value: the kind SQLite gives it, true or false for a `.boolean`
    /// field, an object or array decoded for a `.json` one; nil for null.
    static func value(_ row: Row, _ column: Int, _ kind: FieldKind?, _ decoder: JSONDecoder) -> Value? {
        switch (row[column] as DatabaseValue).storage {
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
        let sql = """
            SELECT r.id, j.key, j.value, j.type FROM records r, json_each(r.display, '$.\(field)') j
            WHERE r.collection = ? AND r.deleted = 0 AND json_type(r.display, '$.\(field)') = 'object'
            """
        return try writer.read { db in
            let decoder = JSONDecoder()
            var out: [(id: String, key: String, value: Value)] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [collection])
            while let row = try rows.next() {
                guard let key = row[1] as String? else { continue }
                let value: Value
                switch (row[2] as DatabaseValue).storage {
                case .null: continue
                case .int64(let n): value = (row[3] as String?) == "integer" ? .int(n) : .bool(n != 0)
                case .double(let d): value = .double(d)
                case .string(let s):
                    let type = row[3] as String?
                    value =
                        type == "array" || type == "object"
                        ? (try? decoder.decode(Value.self, from: Data(s.utf8))) ?? .string(s) : .string(s)
                case .blob: continue
                }
                out.append((row[0], key, value))
            }
            return out
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
