/// A whole replica held in memory: the pure reference model that the SQLite store mirrors.
///
/// Tests, the benchmark and the demo use it directly; the store and server keep the same
/// semantics on disk.
public struct ReplicaState: Sendable {
    public let id: ReplicaID
    /// The last counter this replica minted.
    public private(set) var counter: UInt64
    public private(set) var records: [RecordKey: Record]

    public init(id: ReplicaID, counter: UInt64 = 0, records: [RecordKey: Record] = [:]) {
        self.id = id
        self.counter = counter
        self.records = records
    }

    /// Mints the next dot of this replica.
    public mutating func nextDot() -> Dot {
        counter += 1
        return Dot(id, counter)
    }

    public subscript(key: RecordKey) -> Record? { records[key] }

    /// Writes several fields of one record as one operation (one dot) and returns the delta.
    @discardableResult
    public mutating func write(_ key: RecordKey, _ values: [String: Value], wallclock: Int64) -> Record {
        let dot = nextDot()
        var record = records[key] ?? Record(key: key)
        var delta = Record(key: key)
        for (name, value) in values {
            let d = record.fields[name, default: Register()].write(value, at: dot, wallclock: wallclock)
            delta.fields[name] = d
        }
        records[key] = record
        return delta
    }

    /// Deletes a record: sets the tombstone and clears every field it holds to null, so an edit
    /// made concurrently elsewhere surfaces as a conflict on that field instead of vanishing.
    @discardableResult
    public mutating func delete(_ key: RecordKey, wallclock: Int64) -> Record {
        var values: [String: Value] = [Record.deletedField: .bool(true)]
        for name in records[key]?.fields.keys ?? [:].keys where name != Record.deletedField {
            values[name] = .null
        }
        return write(key, values, wallclock: wallclock)
    }

    /// Merges one record's state or delta.
    public mutating func apply(_ record: Record) {
        if let i = records.index(forKey: record.key) {
            records.values[i].merge(record)
        } else {
            records[record.key] = record
        }
    }

    public mutating func apply(_ changeSet: ChangeSet) {
        for r in changeSet.records { apply(r) }
    }

    /// Full state of every record, sorted by key: what a complete sync would send.
    public var fullState: ChangeSet {
        ChangeSet(records: records.keys.sorted().map { records[$0]! })
    }

    /// Every conflicted field, sorted by record and field.
    public var conflicts: [Conflict] {
        records.keys.sorted().flatMap { records[$0]!.conflicts }
    }
}
