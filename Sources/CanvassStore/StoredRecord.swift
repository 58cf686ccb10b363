import CanvassCore
import Foundation

/// A record's row as every backend stores it: the state in the protocol's compact JSON, the
/// display values the queries and scope reads use, the number of conflicted fields and the
/// outcome of the one existence rule. SQLite's `RecordRows` and PostgreSQL's store both write
/// these columns from here, so the two never compute them differently.
public struct StoredRecord: Sendable {
    public let key: RecordKey
    /// The record in compact JSON (see `JSONText.record`).
    public let state: String
    /// `{"field": display value, …}` (see `JSONText.display`).
    public let display: String
    /// How many fields hold a conflict.
    public let conflicts: Int
    /// `!Record.exists`: reads filter `deleted` instead of applying the rule again.
    public let deleted: Bool

    public init(_ record: CanvassCore.Record) {
        key = record.key
        var s = JSONText()
        s.record(record)
        state = s.string
        var d = JSONText()
        d.display(record)
        display = d.string
        conflicts = record.fields.values.reduce(0) { $0 + ($1.isConflict ? 1 : 0) }
        deleted = record.isDeleted
    }

    /// A stored state read back; a row whose state names another record, or cannot be read, is
    /// `StoreError.corrupt`.
    public static func decode(_ state: String, _ key: RecordKey, decoder: JSONDecoder = JSONDecoder()) throws
        -> CanvassCore.Record
    {
        do {
            let r = try decoder.decode(CanvassCore.Record.self, from: Data(state.utf8))
            guard r.key == key else { throw StoreError(.corrupt, "row \(key) holds the state of \(r.key)") }
            return r
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(.corrupt, "stored state of \(key) cannot be read: \(error)")
        }
    }

    /// What storing `incoming` over `existing` (nil: not stored yet) does: the merged record to
    /// save and the origin to remember with it, or nil when nothing changes. The row remembers
    /// `origin` only when the merged state is exactly what that replica sent, so the feed does not
    /// echo the change back to it.
    public static func merge(_ incoming: CanvassCore.Record, into existing: CanvassCore.Record?, origin: ReplicaID?)
        -> (record: CanvassCore.Record, origin: ReplicaID?)?
    {
        guard var current = existing else { return (incoming, origin) }
        let before = current
        current.merge(incoming)
        if current == before { return nil }
        return (current, current == incoming ? origin : nil)
    }
}

extension LocalWrite {
    /// Performs this write on `record` (its stored state, or a new record) with a freshly minted
    /// `dot`: each written field gets a register write; a delete sets the tombstone and clears
    /// every other field. Returns the delta (only the written registers).
    public func perform(on record: inout CanvassCore.Record, at dot: Dot, wallclock: Int64) -> CanvassCore.Record {
        var values = self.values
        if delete {
            values = [CanvassCore.Record.deletedField: .bool(true)]
            for name in record.fields.keys where name != CanvassCore.Record.deletedField { values[name] = .null }
        }
        var delta = CanvassCore.Record(key: key)
        for (name, value) in values {
            delta.fields[name] = record.fields[name, default: Register()].write(value, at: dot, wallclock: wallclock)
        }
        return delta
    }
}
