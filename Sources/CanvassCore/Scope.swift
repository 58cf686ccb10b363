/// A record as the scope rules read it: its key and the display value of each field.
public struct RecordValues: Sendable, Hashable {
    public let key: RecordKey
    public let values: [String: Value]

    public init(key: RecordKey, values: [String: Value]) {
        self.key = key
        self.values = values
    }

    public init(_ record: Record) { self.init(key: record.key, values: record.values) }

    public subscript(field: String) -> Value? { values[field] }

    /// See `Record.exists(deleted:)`.
    public var exists: Bool { Record.exists(deleted: values[Record.deletedField]) }
}

/// Where a backend finds the records a scope is derived from. Every method may return more than
/// asked (a backend without an index on a field, say): the rules in `CanvasserScope` filter
/// again, so a backend only fetches candidates and never decides who sees what.
///
/// Each record comes with at least the tombstone (`Record.deletedField`) and the `fields` asked
/// for. The rules read those fields only as ids, so a backend may deliver just the ones whose
/// display value is a string: a projection, not the whole record, which is what keeps deriving a
/// scope cheap.
public protocol ScopeSource {
    /// Assignments that may name `userID`.
    func assignments(of userID: String, fields: [String]) throws -> [RecordValues]
    /// List items that may belong to one of `lists`.
    func listItems(of lists: Set<String>, fields: [String]) throws -> [RecordValues]
    /// Interactions that may have been recorded by `userID`.
    func interactions(of userID: String, fields: [String]) throws -> [RecordValues]
    /// The stored records among `keys`, deleted or not; missing records are left out.
    func records(_ keys: Set<RecordKey>, fields: [String]) throws -> [RecordValues]
}

/// The records a canvasser user may hold (SYNC.md, "Scope (server)"): their assignments, the
/// lists those assign and the lists' items; the contacts and households the items reference, and
/// each such contact's household; the surveys and campaigns behind the lists; and the
/// interactions whose `user_id` is theirs. Only records that exist count (`Record.exists`).
///
/// Pure: every backend fetches candidates through a `ScopeSource` and this type decides.
public struct CanvasserScope: Sendable, Hashable {
    public let userID: String
    public let keys: Set<RecordKey>
    /// Every record the rules read or asked for on the way, live or not, found or not: a change to
    /// any of them may change the scope (see `mayChange(after:)`).
    let reached: Set<RecordKey>
    /// The live lists assigned to the user: a new item on one of them enters the scope.
    let lists: Set<String>

    /// Derives the scope, fetching what the rules reach step by step.
    public init(userID: String, source: some ScopeSource) throws {
        self.userID = userID
        var keys: Set<RecordKey> = []
        var reached: Set<RecordKey> = []
        func live(_ records: [RecordValues], in collection: String) -> [RecordValues] {
            for r in records { reached.insert(r.key) }
            return records.filter { $0.key.collection == collection && $0.exists }
        }
        func asked(_ wanted: Set<RecordKey>, fields: [String]) throws -> [RecordValues] {
            reached.formUnion(wanted)
            return try source.records(wanted, fields: fields)
        }
        var listIDs: Set<String> = []
        for a in live(try source.assignments(of: userID, fields: ["user_id", "list_id"]), in: "assignments")
        where a["user_id"]?.stringValue == userID {
            keys.insert(a.key)
            if let l = a["list_id"]?.stringValue { listIDs.insert(l) }
        }
        var behind: Set<RecordKey> = []
        var lists: Set<String> = []
        for l in live(
            try asked(Set(listIDs.map { RecordKey("lists", $0) }), fields: ["survey_id", "campaign_id"]),
            in: "lists") where listIDs.contains(l.key.id)
        {
            keys.insert(l.key)
            lists.insert(l.key.id)
            if let s = l["survey_id"]?.stringValue { behind.insert(RecordKey("surveys", s)) }
            if let c = l["campaign_id"]?.stringValue { behind.insert(RecordKey("campaigns", c)) }
        }
        var contacts: Set<RecordKey> = []
        for item in live(
            try source.listItems(of: lists, fields: ["list_id", "contact_id", "household_id"]), in: "list_items")
        {
            guard let l = item["list_id"]?.stringValue, lists.contains(l) else { continue }
            keys.insert(item.key)
            if let c = item["contact_id"]?.stringValue { contacts.insert(RecordKey("contacts", c)) }
            if let h = item["household_id"]?.stringValue { behind.insert(RecordKey("households", h)) }
        }
        for c in live(try asked(contacts, fields: ["household_id"]), in: "contacts")
        where contacts.contains(c.key) {
            keys.insert(c.key)
            if let h = c["household_id"]?.stringValue { behind.insert(RecordKey("households", h)) }
        }
        for r in try asked(behind, fields: []) where behind.contains(r.key) && r.exists { keys.insert(r.key) }
        for i in live(try source.interactions(of: userID, fields: ["user_id"]), in: "interactions")
        where i["user_id"]?.stringValue == userID {
            keys.insert(i.key)
        }
        self.keys = keys
        self.reached = reached
        self.lists = lists
    }

    /// The fields of a changed record that `mayChange(after:)` reads (as ids, like the rules).
    public static let readFields = ["user_id", "list_id"]

    /// Whether a record's change, seen as its new state (with at least `readFields` when they are
    /// strings), may change this scope. The rules reach records in two ways: by key, from records
    /// already reached (lists, contacts, households, surveys, campaigns named by them), and by a
    /// field naming the user or one of their lists (assignments and interactions by `user_id`,
    /// list items by `list_id`). So a change matters when the record was reached, or when its new
    /// state would be found by one of those fields; any other change leaves the scope as it is,
    /// and a backend may keep it cached across that change.
    public func mayChange(after change: RecordValues) -> Bool {
        if reached.contains(change.key) { return true }
        switch change.key.collection {
        case "assignments", "interactions": return change["user_id"]?.stringValue == userID
        case "list_items": return change["list_id"]?.stringValue.map(lists.contains) ?? false
        default: return false
        }
    }

    public static func == (a: CanvasserScope, b: CanvasserScope) -> Bool { a.userID == b.userID && a.keys == b.keys }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(userID)
        hasher.combine(keys)
    }

    /// Derives the scope from records at hand (a test, a push vector's start state): any
    /// superset of the records the rules reach.
    public init(userID: String, records: some Sequence<RecordValues>) {
        // The in-memory source returns every candidate and never throws.
        self = try! CanvasserScope(userID: userID, source: InMemoryScopeSource(records))
    }

    public init(userID: String, records: some Sequence<Record>) {
        self.init(userID: userID, records: records.map(RecordValues.init))
    }

    /// What a canvasser's device may write (SYNC.md, push "Scope"): its scope now, plus what it
    /// has been delivered, plus what is staged for it. A record that left scope stays writable
    /// until the device has confirmed the page that evicted it.
    public func writable(delivered: Set<RecordKey>, staged: Set<RecordKey>) -> Set<RecordKey> {
        keys.union(delivered).union(staged)
    }
}

/// Every record at hand; each question is answered with all candidates of its collection.
struct InMemoryScopeSource: ScopeSource {
    var byKey: [RecordKey: RecordValues] = [:]
    var byCollection: [String: [RecordValues]] = [:]

    init(_ records: some Sequence<RecordValues>) {
        for r in records {
            byKey[r.key] = r
            byCollection[r.key.collection, default: []].append(r)
        }
    }

    func assignments(of userID: String, fields: [String]) -> [RecordValues] { byCollection["assignments"] ?? [] }
    func listItems(of lists: Set<String>, fields: [String]) -> [RecordValues] { byCollection["list_items"] ?? [] }
    func interactions(of userID: String, fields: [String]) -> [RecordValues] { byCollection["interactions"] ?? [] }
    func records(_ keys: Set<RecordKey>, fields: [String]) -> [RecordValues] { keys.compactMap { byKey[$0] } }
}
