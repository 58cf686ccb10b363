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
    ///     under that name, so a report reads the answers it counts without the whole object.
    /// - Throws: `StoreError.invalid` for another field name.
    public func projected(_ collection: String, fields: [String], kinds: [String: FieldKind] = [:]) throws
        -> [RecordValues]
    {
        for f in fields where !Self.isProjectable(f) {
            throw StoreError(
                .invalid,
                "'\(f)' is not a field name: use letters, digits and underscores, or answers.QUESTION for one answer")
        }
        let columns = fields.map { ", json_extract(display, '$.\($0)')" }.joined()
        let sql = "SELECT id\(columns) FROM records WHERE collection = ? AND deleted = 0 ORDER BY id"
        let kinds = fields.map { kinds[$0] }
        return try writer.read { db in
            let decoder = JSONDecoder()
            var out: [RecordValues] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [collection])
            while let row = try rows.next() {
                var values: [String: Value] = [:]
                for (i, f) in fields.enumerated() {
                    let value: Value
                    switch (row[i + 1] as DatabaseValue).storage {
                    case .null: continue
                    case .int64(let n): value = kinds[i] == .boolean ? .bool(n != 0) : .int(n)
                    case .double(let d): value = .double(d)
                    case .string(let s):
                        // An object or array comes back as its JSON text; a JSON string as the string.
                        value =
                            kinds[i] == .json && (s.hasPrefix("{") || s.hasPrefix("["))
                            ? (try? decoder.decode(Value.self, from: Data(s.utf8))) ?? .string(s) : .string(s)
                    case .blob: continue
                    }
                    values[f] = value
                }
                out.append(RecordValues(key: RecordKey(collection, row[0]), values: values))
            }
            return out
        }
    }

    /// A field name `projected` reads: letters, digits and underscores, or one `answers.` path.
    public static func isProjectable(_ field: String) -> Bool {
        func plain(_ s: Substring) -> Bool {
            !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
        let parts = field.split(separator: ".", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return plain(parts[0])
        case 2: return parts[0] == "answers" && plain(parts[1])
        default: return false
        }
    }
}
