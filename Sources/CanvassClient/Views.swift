import CanvassCore
import CanvassProtocol
import CanvassStore

// What the façade (`FieldClient`) answers, as values a front end prints or encodes. The JSON
// names are the documented `--json` shapes (README); every documented key is always present,
// with null or false when there is nothing to say.

/// A person on a walk or call list.
public struct ListedPerson: Sendable, Hashable, Encodable {
    public let id: String
    public let name: String
    public let phone: String?
    public let party: String?
    /// The latest interaction's result code, if any.
    public let lastResult: String?
    public let lastAt: Int64?
    public let attempts: Int
    /// Why this person must not be knocked or called on this list, if anything.
    public let suppressed: String?
    /// Needs no further knock or call.
    public let done: Bool
    /// When the latest result asks to try again, if it does.
    public let dueAt: Int64?

    init(_ p: ListPerson) {
        (id, name, phone, party) = (p.id, p.name, p.phone, p.party)
        (lastResult, lastAt, attempts, suppressed, done, dueAt) = (
            p.lastResult, p.lastAt, p.attempts, p.suppressed, p.done, p.dueAt
        )
    }

    enum CodingKeys: String, CodingKey {
        case id, name, phone, party, attempts, suppressed, done
        case lastResult = "last_result"
        case lastAt = "last_at"
        case dueAt = "due_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(phone, forKey: .phone)
        try c.encode(party, forKey: .party)
        try c.encode(lastResult, forKey: .lastResult)
        try c.encode(lastAt, forKey: .lastAt)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(suppressed, forKey: .suppressed)
        try c.encode(done, forKey: .done)
        try c.encode(dueAt, forKey: .dueAt)
    }
}

/// One stop of a walk list: a household and the list's people living there.
public struct WalkDoor: Sendable, Hashable, Encodable {
    public let householdID: String
    public let streetNumber: Int64
    public let streetName: String
    public let unit: String
    public let side: String
    public let address: String
    public let badAddress: Bool
    public let people: [ListedPerson]
    public let done: Bool

    init(_ s: WalkStop) {
        (householdID, streetNumber, streetName, unit, side, address) = (
            s.householdID, s.streetNumber, s.streetName, s.unit, s.side, s.address
        )
        (badAddress, people, done) = (s.badAddress, s.people.map(ListedPerson.init), s.done)
    }

    enum CodingKeys: String, CodingKey {
        case householdID = "household_id"
        case streetNumber = "street_number"
        case streetName = "street_name"
        case unit, side, address, people, done
        case badAddress = "bad_address"
    }
}

/// What `login` did.
public struct LoginReport: Sendable, Encodable {
    public let user: UserInfo
    public let replica: String
    public let server: String
    public let lists: [ListSummary]
    public let pulled: Int
}

/// A change the server refused, with its reasons.
public struct RejectedChange: Sendable, Encodable {
    public let collection: String
    public let id: String
    public let problems: [Diagnostic]
}

/// What `status` shows.
public struct StatusReport: Sendable, Encodable {
    public let server: String
    public let user: UserInfo
    public let replica: String
    /// Milliseconds since 1970 of the last completed sync; null before the first.
    public let lastSync: Int64?
    public let pending: Int
    public let rejected: [RejectedChange]
    public let conflicts: Int
    public let records: Int

    enum CodingKeys: String, CodingKey {
        case server, user, replica, pending, rejected, conflicts, records
        case lastSync = "last_sync"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(server, forKey: .server)
        try c.encode(user, forKey: .user)
        try c.encode(replica, forKey: .replica)
        try c.encode(lastSync, forKey: .lastSync)
        try c.encode(pending, forKey: .pending)
        try c.encode(rejected, forKey: .rejected)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(records, forKey: .records)
    }
}

/// A field with concurrent values; the first is what readers see.
public struct ConflictReport: Sendable, Encodable {
    public let record: RecordKey
    public let field: String
    public let values: [Value]
    public let recordDeleted: Bool

    enum CodingKeys: String, CodingKey {
        case collection, id, field, values
        case recordDeleted = "record_deleted"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.collection, forKey: .collection)
        try c.encode(record.id, forKey: .id)
        try c.encode(field, forKey: .field)
        try c.encode(values, forKey: .values)
        try c.encode(recordDeleted, forKey: .recordDeleted)
    }
}

/// What `export-unsynced` wrote.
public struct ExportReport: Sendable, Encodable {
    public let file: String
    public let records: Int
    public let replica: String
}
