import CanvassCore
import CanvassProtocol
import CanvassServer
import Foundation

/// One file of protocol/vectors/push: a server state, a device, a push, and what the server
/// must answer and hold afterwards (SYNC.md, "Push vectors").
public struct PushVector: Decodable, Sendable {
    public struct Device: Decodable, Sendable {
        public let replica: ReplicaID
        public let userID: String
        public let role: Role
        enum CodingKeys: String, CodingKey { case replica, userID = "user_id", role }

        public var identity: DeviceIdentity { DeviceIdentity(replica: replica, userID: userID, role: role) }
    }

    public struct Result: Decodable, Sendable, Hashable {
        public let status: String
        /// The error codes of the record's diagnostics, sorted.
        public let codes: [String]

        public init(accepted: Bool, problems: [Diagnostic]) {
            status = accepted ? "accepted" : "rejected"
            codes = problems.filter { $0.severity == .error }.map(\.code).sorted()
        }
    }

    public struct Expectation: Decodable, Sendable {
        public let results: [Result]?
        /// The complete state of every pushed record afterwards (absent records are not listed).
        public let records: [Record]?
        /// The whole request is refused with this error code, and nothing changes.
        public let error: String?
    }

    public private(set) var file = ""
    public let name: String
    public let description: String
    public let device: Device
    public let start: ChangeSet
    /// The device's scope as SYNC.md derives it from `start`; nil for coordinators and admins.
    public let scope: [[String]]?
    public let push: ChangeSet?
    /// A raw request body, for vectors about malformed input.
    public let pushBody: Value?
    public let expect: Expectation

    enum CodingKeys: String, CodingKey {
        case name, description, device, start, scope, push, pushBody = "push_body", expect
    }

    public var scopeKeys: Set<RecordKey>? { scope.map { Set($0.map { RecordKey($0[0], $0[1]) }) } }

    /// The request body as sent on the wire.
    public func body() throws -> [UInt8] {
        if let pushBody { return Array(try JSONEncoder().encode(pushBody)) }
        return Array(try WireCodec.encoder().encode(PushRequest(changes: push ?? ChangeSet())))
    }

    /// What a push result looks like in the vectors' terms.
    public static func result(_ item: PushResultItem) -> Result {
        Result(accepted: item.accepted, problems: item.problems)
    }

    /// Every push vector, sorted by file name.
    public static func loadAll() throws -> [PushVector] {
        let dir = repositoryRoot().appendingPathComponent("protocol/vectors/push")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
            .sorted()
        return try files.map { name in
            do {
                var v = try JSONDecoder().decode(
                    PushVector.self, from: Data(contentsOf: dir.appendingPathComponent(name)))
                v.file = name
                return v
            } catch {
                throw VectorError(file: "push/" + name, underlying: "\(error)")
            }
        }
    }

    /// The users the vectors name, with their roles.
    public static let users: [(id: String, role: Role)] = [
        ("u-ann", .canvasser), ("u-bob", .canvasser), ("u-kim", .coordinator), ("u-adm", .admin),
    ]

    /// Seeds a server store with `start`, the vectors' users, the pushing device (token
    /// `deviceToken`) and an admin reader device `dZ` (token `readerToken`).
    public func seed(_ storage: any ServerStorage) async throws {
        try await seedServer(
            storage, records: start.records, users: Self.users,
            devices: [(device.replica, device.userID, Self.deviceToken), (ReplicaID("dZ"), "u-adm", Self.readerToken)])
    }

    /// The same, into a data folder a `canvass-server` process can then serve.
    public func seed(dataDirectory: String) async throws {
        try await seed(try SQLiteServerStorage.open(directory: dataDirectory))
    }

    public static let deviceToken = "device-token-0123456789abcdefghijklmnopqrstuv"
    public static let readerToken = "reader-token-0123456789abcdefghijklmnopqrstuv"
}

/// Seeds a server store directly: records merged as they are, users with chosen ids, and devices
/// with chosen replica ids and tokens (enrolled through one-time codes, as the server does).
public func seedServer(
    _ storage: any ServerStorage, records: [Record], users: [(id: String, role: Role)],
    devices: [(ReplicaID, String, String)]
) async throws {
    let seeder = DeviceIdentity(replica: ReplicaID("seed"), userID: "seed", role: .admin)
    for page in stride(from: 0, to: records.count, by: 500) {
        let chunk = Array(records[page..<min(records.count, page + 500)])
        _ = try await storage.push(chunk, device: seeder) { _ in PushDecision(results: [], accepted: chunk) }
    }
    // Enrolled now, as a device that just logged in.
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    for u in users { _ = try await storage.addUser(id: u.id, name: u.id, role: u.role, now: now) }
    for (replica, user, token) in devices {
        let hash = Credentials.hash(Credentials.normalizeCode(Credentials.newCode()))
        try await storage.addCode(hash: hash, userID: user, expiresAt: .max, now: now)
        _ = try await storage.enroll(
            codeHash: hash, replica: replica, tokenHash: Credentials.hash(token), deviceName: nil, now: now)
    }
}

/// `seedServer` into a data folder a `canvass-server` process can then serve.
public func seedServer(
    dataDirectory: String, records: [Record], users: [(id: String, role: Role)], devices: [(ReplicaID, String, String)]
) async throws {
    try await seedServer(
        try SQLiteServerStorage.open(directory: dataDirectory), records: records, users: users, devices: devices)
}
