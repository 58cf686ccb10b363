import CanvassCore

// The account endpoints of protocol/SYNC.md ("Accounts"): users, their login codes, devices and
// list share codes, for coordinators and admins. Request envelopes refuse unknown keys.

/// `POST /v1/users` body.
public struct NewUserRequest: Codable, Sendable {
    public let name: String
    public let role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    enum CodingKeys: String, CodingKey { case name, role }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, allowed: ["name", "role"])
        name = try c.decode(String.self, forKey: .name)
        role = try c.decode(Role.self, forKey: .role)
    }
}

/// A user as the account endpoints show them.
public struct UserEntry: Codable, Sendable, Hashable {
    public let id: String
    public let name: String
    public let role: Role
    public let createdAt: Int64

    public init(_ user: User) {
        id = user.id
        name = user.name
        role = user.role
        createdAt = user.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role
        case createdAt = "created_at"
    }
}

/// `POST /v1/users` and `POST /v1/users/{id}/codes` answer: the user and a one-time login code.
public struct UserCodeResponse: Codable, Sendable {
    public let user: UserEntry
    public let code: String
    public let expiresAt: Int64

    public init(user: UserEntry, code: String, expiresAt: Int64) {
        self.user = user
        self.code = code
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case user, code
        case expiresAt = "expires_at"
    }
}

/// `GET /v1/users` answer.
public struct UsersResponse: Codable, Sendable {
    public let users: [UserEntry]

    public init(users: [UserEntry]) { self.users = users }
}

/// A device as the account endpoints show it.
public struct DeviceEntry: Codable, Sendable, Hashable {
    public let replicaID: String
    public let userID: String
    public let userName: String
    public let role: Role
    public let name: String?
    public let createdAt: Int64
    public let lastSeen: Int64?
    public let revokedAt: Int64?
    /// `active`, `revoked` or `expired` (unused past the server's token idle limit).
    public let status: String

    public init(_ device: Device, status: String) {
        replicaID = device.replica.rawValue
        userID = device.userID
        userName = device.userName
        role = device.role
        name = device.name
        createdAt = device.createdAt
        lastSeen = device.lastSeen
        revokedAt = device.revokedAt
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case replicaID = "replica_id"
        case userID = "user_id"
        case userName = "user_name"
        case role, name, status
        case createdAt = "created_at"
        case lastSeen = "last_seen"
        case revokedAt = "revoked_at"
    }

    /// Every key present, null when empty.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(replicaID, forKey: .replicaID)
        try c.encode(userID, forKey: .userID)
        try c.encode(userName, forKey: .userName)
        try c.encode(role, forKey: .role)
        try c.encode(name, forKey: .name)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(lastSeen, forKey: .lastSeen)
        try c.encode(revokedAt, forKey: .revokedAt)
        try c.encode(status, forKey: .status)
    }
}

/// `GET /v1/devices` answer.
public struct DevicesResponse: Codable, Sendable {
    public let devices: [DeviceEntry]

    public init(devices: [DeviceEntry]) { self.devices = devices }
}

/// `POST /v1/lists/{list_id}/shares` body: how long the share code lives.
public struct ShareRequest: Codable, Sendable {
    /// Hours, 1–720; absent means the server's default (24).
    public let expiresHours: Int?

    public init(expiresHours: Int?) { self.expiresHours = expiresHours }

    enum CodingKeys: String, CodingKey { case expiresHours = "expires_hours" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, allowed: ["expires_hours"])
        expiresHours = try c.decodeIfPresent(Int.self, forKey: .expiresHours)
    }

    public static let defaultHours = 24
    public static let maxHours = 720
}

/// `POST /v1/lists/{list_id}/shares` answer: a code many volunteers may log in with until it
/// expires; each becomes a canvasser assigned to the list.
public struct ShareResponse: Codable, Sendable {
    public let listID: String
    public let code: String
    public let expiresAt: Int64

    public init(listID: String, code: String, expiresAt: Int64) {
        self.listID = listID
        self.code = code
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case listID = "list_id"
        case code
        case expiresAt = "expires_at"
    }
}

/// `DELETE /v1/lists/{list_id}/shares` answer: how many live share codes were revoked.
public struct UnshareResponse: Codable, Sendable {
    public let listID: String
    public let revoked: Int

    public init(listID: String, revoked: Int) {
        self.listID = listID
        self.revoked = revoked
    }

    enum CodingKeys: String, CodingKey {
        case listID = "list_id"
        case revoked
    }
}
