import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation
import NIOHTTP1

// A coordinator's accounts: users and their login codes, devices, list share codes (online:
// they need the server's secrets), and list assignments (offline: replicated writes like any
// other). Users are found by name through the directory the server mirrors into `users`.

/// What `user add` and `user code` print: the user and their one-time login code.
public struct IssuedCode: Sendable, Encodable {
    public let user: UserEntry
    public let code: String
    public let expiresAt: Int64
    /// Whether the directory on this device was brought up to date after the change (a `user
    /// add` pulls, so that `list assign` finds the new user at once).
    public let directoryUpdated: Bool

    enum CodingKeys: String, CodingKey {
        case user, code
        case expiresAt = "expires_at"
        case directoryUpdated = "directory_updated"
    }
}

/// What `list assign` and `list unassign` wrote.
public struct AssignmentReport: Sendable, Encodable {
    public let list: String
    public let user: Directory.Entry
    /// `assigned`, `unassigned`, or `unchanged` when it already was.
    public let change: String
    public let assignment: String
}

/// What `device revoke` did.
public struct RevokeReport: Sendable, Encodable {
    public let replicaID: String
    public let revoked: Bool

    enum CodingKeys: String, CodingKey {
        case replicaID = "replica_id"
        case revoked
    }
}

extension HTTPTransport {
    func addUser(_ body: NewUserRequest, token: String) async throws -> UserCodeResponse {
        try decode(
            UserCodeResponse.self, try await request(.POST, "/v1/users", body: try WireCodec.encode(body), token: token)
        )
    }

    func users(token: String) async throws -> UsersResponse {
        try decode(UsersResponse.self, try await request(.GET, "/v1/users", body: nil, token: token))
    }

    func issueCode(userID: String, token: String) async throws -> UserCodeResponse {
        try decode(
            UserCodeResponse.self,
            try await request(.POST, "/v1/users/\(Self.pathComponent(userID))/codes", body: nil, token: token))
    }

    func devices(token: String) async throws -> DevicesResponse {
        try decode(DevicesResponse.self, try await request(.GET, "/v1/devices", body: nil, token: token))
    }

    func share(list: String, _ body: ShareRequest, token: String) async throws -> ShareResponse {
        try decode(
            ShareResponse.self,
            try await request(
                .POST, "/v1/lists/\(Self.pathComponent(list))/shares", body: try WireCodec.encode(body), token: token))
    }

    func unshare(list: String, token: String) async throws -> UnshareResponse {
        try decode(
            UnshareResponse.self,
            try await request(.DELETE, "/v1/lists/\(Self.pathComponent(list))/shares", body: nil, token: token))
    }

    static func pathComponent(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}

extension FieldClient {
    /// Runs an online-only command: no retries (adding a user twice is not harmless), and an
    /// offline laptop hears that this command needs a connection.
    func online<T>(_ command: String, _ body: (HTTPTransport, Session) async throws -> T) async throws -> T {
        try await translating {
            let (_, s) = try session()
            do {
                return try await body(try HTTPTransport(baseURL: s.serverURL), s)
            } catch let e as ClientError where e.code == .cannotConnect || e.code == .unreachable {
                throw ClientError(
                    e.code,
                    "`canvass \(command)` needs a connection to the server (\(s.serverURL)); it works only online, because login codes and revocations are the server's secrets. \(e.message)"
                )
            }
        }
    }

    // MARK: users (online)

    /// Adds a user on the server and returns their one-time login code; then pulls, so that the
    /// directory here knows the new user (a failed pull is reported, not thrown: the user exists).
    public func addUser(name: String, role: Role, now: Int64) async throws -> IssuedCode {
        let made = try await online("user add") { transport, s in
            try await transport.addUser(NewUserRequest(name: name, role: role), token: s.token)
        }
        var updated = false
        if let (store, s) = try? session(), let transport = try? HTTPTransport(baseURL: s.serverURL) {
            var report = SyncReport()
            updated =
                (try? await SyncEngine(store: store, transport: transport, retry: .none).pull(into: &report)) != nil
        }
        return IssuedCode(user: made.user, code: made.code, expiresAt: made.expiresAt, directoryUpdated: updated)
    }

    /// Every user on the server.
    public func users() async throws -> [UserEntry] {
        try await online("user list") { transport, s in try await transport.users(token: s.token).users }
    }

    /// A new one-time login code for the user with this name or id.
    public func issueCode(user nameOrID: String) async throws -> IssuedCode {
        try await online("user code") { transport, s in
            let users = try await transport.users(token: s.token).users
            let entries = users.map { Directory.Entry(id: $0.id, name: $0.name, role: $0.role.rawValue) }
            guard let user = Directory.find(nameOrID, in: entries) else {
                throw ClientError(
                    .notFound,
                    "no user '\(nameOrID)' on the server; see `canvass user list`, or add one with `canvass user add`")
            }
            let made = try await transport.issueCode(userID: user.id, token: s.token)
            return IssuedCode(user: made.user, code: made.code, expiresAt: made.expiresAt, directoryUpdated: false)
        }
    }

    // MARK: devices (online)

    /// Every device enrolled on the server, with its status.
    public func devices() async throws -> [DeviceEntry] {
        try await online("device list") { transport, s in try await transport.devices(token: s.token).devices }
    }

    /// Revokes a device: its token stops working at once, and its doors are released.
    public func revokeDevice(_ replica: String) async throws -> RevokeReport {
        try await online("device revoke") { transport, s in
            if replica == s.replicaID.rawValue {
                throw ClientError(.invalid, "that is this device; to sign it out, run `canvass logout`")
            }
            try await transport.revoke(ReplicaID(replica), token: s.token)
            return RevokeReport(replicaID: replica, revoked: true)
        }
    }

    // MARK: list sharing (online)

    /// A code that logs new volunteers straight into `list` until it expires.
    public func shareList(_ list: String, hours: Int?) async throws -> ShareResponse {
        try await online("list share") { transport, s in
            try await transport.share(list: list, ShareRequest(expiresHours: hours), token: s.token)
        }
    }

    /// Revokes the live share codes of `list`.
    public func unshareList(_ list: String) async throws -> UnshareResponse {
        try await online("list unshare") { transport, s in try await transport.unshare(list: list, token: s.token) }
    }

    // MARK: the directory and assignments (offline)

    /// The users in this device's directory, as of its last sync (coordinators and admins).
    public func directory() throws -> [Directory.Entry] {
        try translating {
            let (store, s) = try session()
            return try Self.directory(store, s)
        }
    }

    static func directory(_ store: ReplicaStore, _ s: Session) throws -> [Directory.Entry] {
        guard Directory.mayManageAccounts(s.user.role) else {
            throw ClientError(
                .invalid, "only coordinators and admins hold the directory of users; you are a \(s.user.role.rawValue)")
        }
        return Directory.entries(try store.records(in: Directory.users).map(RecordValues.init))
    }

    /// Assigns a list to a user (by name or id, through the directory): one replicated write of
    /// this device, synced by `canvass sync`, so it works offline.
    public func assign(list: String, to user: String, now: Int64) throws -> AssignmentReport {
        try assignment(list: list, user: user, assign: true, now: now)
    }

    /// Takes a list away from a user: the assignment is deleted here and synced; their devices
    /// evict the list after pushing what they recorded.
    public func unassign(list: String, from user: String, now: Int64) throws -> AssignmentReport {
        try assignment(list: list, user: user, assign: false, now: now)
    }

    private func assignment(list: String, user nameOrID: String, assign: Bool, now: Int64) throws
        -> AssignmentReport
    {
        try translating {
            let (store, s) = try session()
            let spec = CampaignSchema.standard.collections["assignments"]!
            guard s.user.role >= spec.creatableBy else {
                throw ClientError(
                    .invalid, "only coordinators and admins may assign lists; you are a \(s.user.role.rawValue)")
            }
            let users = try Self.directory(store, s)
            guard let user = Directory.find(nameOrID, in: users) else {
                throw ClientError(
                    .notFound,
                    "no user '\(nameOrID)' in the directory here; add one with `canvass user add`, or run `canvass sync` to get the latest users"
                )
            }
            guard Record.exists(try store.record(RecordKey("lists", list))) else {
                throw ClientError(.notFound, "no list '\(list)' here; see `canvass lists`")
            }
            let a = CampaignRecords.assignment(list: list, user: user.id)
            let live = Record.exists(try store.record(a.key))
            var change = "unchanged"
            if assign && !live {
                try store.write(
                    [LocalWrite(a.key, a.values.merging([Record.deletedField: false]) { x, _ in x })], wallclock: now)
                change = "assigned"
            } else if !assign && live {
                try store.write([LocalWrite.delete(a.key)], wallclock: now)
                change = "unassigned"
            } else if !assign {
                throw ClientError(.notFound, "list '\(list)' is not assigned to \(user.name)")
            }
            return AssignmentReport(list: list, user: user, change: change, assignment: a.key.id)
        }
    }
}
