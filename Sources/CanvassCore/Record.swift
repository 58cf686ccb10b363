/// Where a record lives: its collection and its id within it.
public struct RecordKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let collection: String
    public let id: String

    public init(_ collection: String, _ id: String) {
        self.collection = collection
        self.id = id
    }

    public var description: String { "\(collection)/\(id)" }

    public static func < (a: RecordKey, b: RecordKey) -> Bool {
        a.collection == b.collection
            ? utf8Precedes(a.id, b.id)
            : utf8Precedes(a.collection, b.collection)
    }

    /// `x.utf8.lexicographicallyPrecedes(y.utf8)`, over the contiguous bytes when both have them:
    /// sorting the keys of a scope was a pull page's largest cost with the generic comparison.
    @inlinable
    static func utf8Precedes(_ x: String, _ y: String) -> Bool {
        let fast = x.utf8.withContiguousStorageIfAvailable { a in
            y.utf8.withContiguousStorageIfAvailable { b -> Bool in
                let n = Swift.min(a.count, b.count)
                var i = 0
                while i < n {
                    if a[i] != b[i] { return a[i] < b[i] }
                    i += 1
                }
                return a.count < b.count
            }
        }
        if let fast, let answer = fast { return answer }
        return x.utf8.lexicographicallyPrecedes(y.utf8)
    }
}

/// A replicated record: a bag of multi-value registers, one per field.
///
/// Field names starting with `_` are reserved for the protocol; `_deleted` is the tombstone
/// register. Fields the local schema does not know are kept and passed on unchanged.
public struct Record: Hashable, Sendable {
    public static let deletedField = "_deleted"

    public let key: RecordKey
    public var fields: [String: Register]

    public init(key: RecordKey, fields: [String: Register] = [:]) {
        self.key = key
        self.fields = fields
    }

    /// Display values of every field with at least one sibling.
    public var values: [String: Value] {
        var out: [String: Value] = [:]
        for (name, reg) in fields {
            if let v = reg.displayValue { out[name] = v }
        }
        return out
    }

    public subscript(field: String) -> Value? { fields[field]?.displayValue }

    /// True when the tombstone's display value is `true`.
    public var isDeleted: Bool { !Record.exists(deleted: self[Record.deletedField]) }

    /// The one "does this record exist" rule, for every backend and query: a record exists when
    /// it is stored and the display value of its tombstone (`deleted`, nil when the record has
    /// none) is not `true`. A deleted record leaves every scope and every list.
    public static func exists(deleted: Value?) -> Bool { deleted != .bool(true) }

    /// The same rule for a record that may not be stored.
    public static func exists(_ record: Record?) -> Bool { record.map { exists(deleted: $0[deletedField]) } ?? false }

    /// Field-wise register merge. An empty register (no sibling, no context) is what a missing
    /// field already means, so it adds no field.
    public mutating func merge(_ other: Record) {
        for (name, reg) in other.fields {
            if let i = fields.index(forKey: name) {
                fields.values[i].merge(reg)
            } else if !reg.isEmpty {
                fields[name] = reg
            }
        }
    }

    /// Every dot held by any sibling of this record.
    public var dots: [Dot] { fields.values.flatMap { $0.siblings.map(\.dot) } }

    /// The fields whose registers hold concurrent siblings, sorted by name.
    public var conflicts: [Conflict] {
        fields.keys.sorted().compactMap { name in
            let reg = fields[name]!
            guard reg.isConflict else { return nil }
            return Conflict(key: key, field: name, register: reg, recordDeleted: isDeleted)
        }
    }
}

/// A field with concurrent values. It stays listed until someone writes a value whose context
/// covers every sibling (a coordinator resolving it, or any later causal write).
public struct Conflict: Hashable, Sendable {
    public let key: RecordKey
    public let field: String
    /// Siblings in display order: the first is what readers see.
    public let siblings: [Sibling]
    /// The register's context; a resolving write must cover it.
    public let context: VersionVector
    /// The record's tombstone is set: one side deleted it while another edited this field.
    public let recordDeleted: Bool

    public init(key: RecordKey, field: String, register: Register, recordDeleted: Bool) {
        self.key = key
        self.field = field
        self.siblings = register.siblingsByDisplay
        self.context = register.context
        self.recordDeleted = recordDeleted
    }

    public var displayValue: Value { siblings.first?.value ?? .null }
}

/// What travels between replicas: the state (or a delta) of some records.
public struct ChangeSet: Hashable, Sendable {
    public var records: [Record]

    public init(records: [Record] = []) { self.records = records }

    public var isEmpty: Bool { records.isEmpty }

    /// Total count of field registers carried.
    public var fieldCount: Int { records.reduce(0) { $0 + $1.fields.count } }
}
