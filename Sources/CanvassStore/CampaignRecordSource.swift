import CanvassCore
import Foundation

/// Where a campaign read (`CampaignPeople`, `AutomationCampaignInputs`, `MailingQueue`) finds its
/// records: a `ReplicaStore` (a coordinator's replica, the SQLite server), or an
/// `InMemoryRecordSource` a backend fills with the collections such a read needs (PostgreSQL).
/// Both read the same way, so the campaign rules above never know which one they run over.
public protocol CampaignRecordSource {
    /// Some fields of every existing record of a collection, in id order (see
    /// `ReplicaStore.projected` for what a value reads as).
    func projected(_ collection: String, fields: [String], kinds: [String: FieldKind]) throws -> [RecordValues]
    /// Every existing record of a collection, or every stored one.
    func records(in collection: String, includeDeleted: Bool) throws -> [Record]
    /// One stored record, deleted or not.
    func record(_ key: RecordKey) throws -> Record?
}

extension ReplicaStore: CampaignRecordSource {}

/// A `CampaignRecordSource` over records already in memory: each collection either as whole
/// records or as the display values a backend stores for them (the `display` column), read with
/// the projection semantics of `ReplicaStore.projected`, so a campaign read over it returns what
/// it returns over a replica holding the same records. Reading a collection that was not added
/// throws, so a read that grows a collection its caller did not fetch fails loudly instead of
/// seeing an empty campaign.
public struct InMemoryRecordSource: CampaignRecordSource, Sendable {
    /// Display values of every existing record, by collection, in id order.
    private var displays: [String: [(id: String, values: [String: Value])]] = [:]
    /// Whole records (deleted ones too), by collection, in id order.
    private var whole: [String: [Record]] = [:]

    public init() {}

    /// A source holding these records whole (their collections are all readable).
    public init(records: [Record]) {
        for (collection, rs) in Dictionary(grouping: records, by: \.key.collection) {
            add(records: rs, collection: collection)
        }
    }

    /// Adds a collection as whole records (deleted ones too): `records(in:)`, `record(_:)` and
    /// `projected` read it.
    public mutating func add(records: [Record], collection: String) {
        let sorted = records.filter { $0.key.collection == collection }.sorted { $0.key < $1.key }
        whole[collection] = sorted
        displays[collection] = sorted.filter { !$0.isDeleted }.map { ($0.key.id, $0.values) }
    }

    /// Adds a collection as stored display values (`JSONText.display` of each record, by id;
    /// deleted records may be included and are left out here by `Record.exists`): `projected`
    /// reads it.
    public mutating func add(displays rows: [(id: String, values: [String: Value])], collection: String) {
        displays[collection] =
            rows.filter { Record.exists(deleted: $0.values[Record.deletedField]) }
            .sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    /// Whether `collection` was added.
    public func holds(_ collection: String) -> Bool { displays[collection] != nil }

    public func projected(_ collection: String, fields: [String], kinds: [String: FieldKind]) throws
        -> [RecordValues]
    {
        for f in fields where !ReplicaStore.isProjectable(f) {
            throw StoreError(
                .invalid,
                "'\(f)' is not a field name: use letters, digits and underscores, or answers.QUESTION for one answer")
        }
        guard let rows = displays[collection] else { throw Self.notAdded(collection) }
        return rows.map { row in
            var values: [String: Value] = [:]
            for f in fields {
                if let v = Self.projection(of: f, in: row.values, kind: kinds[f]) { values[f] = v }
            }
            return RecordValues(key: RecordKey(collection, row.id), values: values)
        }
    }

    public func records(in collection: String, includeDeleted: Bool) throws -> [Record] {
        guard let rs = whole[collection] else { throw Self.notAdded(collection) }
        return includeDeleted ? rs : rs.filter { !$0.isDeleted }
    }

    public func record(_ key: RecordKey) throws -> Record? {
        guard let rs = whole[key.collection] else { throw Self.notAdded(key.collection) }
        return rs.first { $0.key == key }
    }

    static func notAdded(_ collection: String) -> StoreError {
        StoreError(.invalid, "collection '\(collection)' was not read into this campaign source")
    }

    /// What `ReplicaStore.projected` reads for `field` from display values: SQLite's
    /// `json_extract` of the display JSON. Null is no value; true and false read as 1 and 0
    /// unless the field is `.boolean` (then an integer reads as true or false); an object or
    /// array reads as its JSON text unless the field is `.json`, where a text that looks like
    /// one is decoded too.
    static func projection(of field: String, in values: [String: Value], kind: FieldKind?) -> Value? {
        var found: Value?
        let parts = field.split(separator: ".", maxSplits: 1)
        if parts.count == 2 {
            if case .object(let o)? = values[String(parts[0])] { found = o[String(parts[1])] }
        } else {
            found = values[field]
        }
        guard let v = found else { return nil }
        switch v {
        case .null: return nil
        case .bool(let b): return kind == .boolean ? .bool(b) : .int(b ? 1 : 0)
        case .int(let n): return kind == .boolean ? .bool(n != 0) : .int(n)
        case .double(let d): return d.isFinite ? .double(d) : nil
        case .string(let s):
            guard kind == .json, s.hasPrefix("{") || s.hasPrefix("[") else { return .string(s) }
            return (try? JSONDecoder().decode(Value.self, from: Data(s.utf8))) ?? .string(s)
        case .array, .object:
            if kind == .json { return v }
            var text = JSONText()
            text.value(v)
            return .string(text.string)
        }
    }
}
