import CanvassCore
import CanvassProtocol
import CanvassStore

// What the façade (`FieldClient`) answers, as values a front end prints or encodes. The JSON
// names are the documented `--json` shapes (README); every documented key is always present,
// with null or false when there is nothing to say.

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
