import CanvassCore

/// The protocol version this build speaks, and the header that carries it.
public enum ProtocolInfo {
    public static let version = 1
    public static let header = "Canvass-Protocol"
    public static let supportedHeader = "Canvass-Protocol-Supported"
    /// Records per push page.
    public static let maxPushRecords = 500
    public static let defaultPullLimit = 500
    public static let maxPullLimit = 2000
    /// Largest request body on the wire and after decompression.
    public static let maxCompressedBody = 8 << 20
    public static let maxDecompressedBody = 32 << 20
}

/// `{"collection": "...", "id": "..."}`
public struct KeyRef: Codable, Hashable, Sendable {
    public let collection: String
    public let id: String

    public init(_ key: RecordKey) {
        collection = key.collection
        id = key.id
    }

    public var key: RecordKey { RecordKey(collection, id) }
}

/// `POST /v1/push` body.
public struct PushRequest: Codable, Sendable {
    public var changes: ChangeSet

    public init(changes: ChangeSet) { self.changes = changes }

    enum CodingKeys: String, CodingKey { case changes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, allowed: ["changes"])
        changes = try c.decode(ChangeSet.self, forKey: .changes)
    }
}

/// One record's answer in a push.
public struct PushResult: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }

    public let collection: String
    public let id: String
    public let status: Status
    public let problems: [Diagnostic]

    public init(key: RecordKey, status: Status, problems: [Diagnostic]) {
        collection = key.collection
        id = key.id
        self.status = status
        self.problems = problems
    }

    public var key: RecordKey { RecordKey(collection, id) }
}

/// `POST /v1/push` answer: `results[i]` answers `changes.records[i]`.
public struct PushResponse: Codable, Sendable {
    public let results: [PushResult]
    public let accepted: Int
    public let rejected: Int

    public init(results: [PushResult]) {
        self.results = results
        accepted = results.filter { $0.status == .accepted }.count
        rejected = results.count - accepted
    }
}

/// `GET /v1/pull` answer.
public struct PullResponse: Codable, Sendable {
    public let records: [Record]
    public let evict: [KeyRef]
    public let checkpoint: String
    public let more: Bool
    /// A canvasser's door checkouts on its shared walk lists, on the last page of a pull
    /// (SYNC.md, "Door checkout"): they replace what the device held. Nil: unchanged.
    public let checkouts: [ListCheckout]?

    public init(records: [Record], evict: [KeyRef], checkpoint: String, more: Bool, checkouts: [ListCheckout]? = nil) {
        self.records = records
        self.evict = evict
        self.checkpoint = checkpoint
        self.more = more
        self.checkouts = checkouts
    }
}

/// `POST /v1/enroll` body.
public struct EnrollRequest: Codable, Sendable {
    public let code: String
    public let deviceName: String?
    /// The volunteer's name, used only with a list share code (a new user is made); absent: the
    /// device name.
    public let name: String?

    public init(code: String, deviceName: String?, name: String? = nil) {
        self.code = code
        self.deviceName = deviceName
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case code, name
        case deviceName = "device_name"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, allowed: ["code", "device_name", "name"])
        code = try c.decode(String.self, forKey: .code)
        deviceName = try c.decodeIfPresent(String.self, forKey: .deviceName)
        name = try c.decodeIfPresent(String.self, forKey: .name)
    }
}

public struct UserInfo: Codable, Hashable, Sendable {
    public let id: String
    public let name: String
    public let role: Role

    public init(id: String, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// `POST /v1/enroll` answer.
public struct EnrollResponse: Codable, Sendable {
    public let replicaID: ReplicaID
    public let token: String
    public let user: UserInfo
    public let serverReplica: ReplicaID
    public let `protocol`: Int

    public init(replicaID: ReplicaID, token: String, user: UserInfo, serverReplica: ReplicaID) {
        self.replicaID = replicaID
        self.token = token
        self.user = user
        self.serverReplica = serverReplica
        self.protocol = ProtocolInfo.version
    }

    enum CodingKeys: String, CodingKey {
        case replicaID = "replica_id"
        case token, user
        case serverReplica = "server_replica"
        case `protocol`
    }
}

/// The body of every non-2xx answer: `{"error": {"code", "message", "details"}}`.
public struct ErrorBody: Codable, Sendable, CustomStringConvertible {
    public struct Detail: Codable, Sendable {
        public let code: String
        public let message: String
        public let details: [Diagnostic]?
    }

    public let error: Detail

    public init(code: String, message: String, details: [Diagnostic]? = nil) {
        error = Detail(code: code, message: message, details: details?.isEmpty == true ? nil : details)
    }

    public var description: String {
        var s = "\(error.message) [\(error.code)]"
        for d in error.details ?? [] { s += "\n  \(d)" }
        return s
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Request envelopes refuse unknown keys: a typo must not silently drop data.
func rejectUnknownKeys(_ decoder: any Decoder, allowed: Set<String>) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    for k in c.allKeys where !allowed.contains(k.stringValue) {
        throw DecodingError.dataCorruptedError(
            forKey: k, in: c,
            debugDescription: "unknown key '\(k.stringValue)'; allowed: \(allowed.sorted().joined(separator: ", "))")
    }
}
