import CanvassCore
import CanvassProtocol

/// The account endpoints' operations (SYNC.md, "Accounts"): users, their login codes, devices,
/// and list share codes, for coordinators and admins. They need the server's secrets, so they are
/// online-only; everything they change reaches coordinators offline through the directory.
extension SyncService {
    /// Refuses a device whose role may not manage accounts.
    private func requireCoordinator(_ actor: DeviceIdentity, _ what: String) throws {
        guard Directory.mayManageAccounts(actor.role) else {
            throw ServerError(.forbidden, "only coordinators and admins may \(what); ask your coordinator")
        }
    }

    /// Adds a user for a coordinator or admin, with a one-time code for their first device. A
    /// coordinator may add canvassers and coordinators; only an admin may add an admin.
    public func addUser(_ request: NewUserRequest, by actor: DeviceIdentity, now: Int64) async throws
        -> UserCodeResponse
    {
        try requireCoordinator(actor, "add users")
        let name = try Self.userName(request.name)
        guard Directory.mayManage(actor.role, request.role) else {
            throw ServerError(
                .forbidden, "a \(actor.role.rawValue) may not add a \(request.role.rawValue); ask an admin")
        }
        let user = try await storage.addUser(name: name, role: request.role, now: now)
        return UserCodeResponse(
            user: UserEntry(user), code: try await issueCode(for: user, now: now), expiresAt: now + codeLifetimeMillis)
    }

    /// Every user, by name.
    public func users(by actor: DeviceIdentity) async throws -> UsersResponse {
        try requireCoordinator(actor, "list users")
        return UsersResponse(users: try await storage.users().map(UserEntry.init))
    }

    /// A new one-time code for an existing user (a new laptop, a lost one). A coordinator may not
    /// issue one for an admin: that code would log in as the admin.
    public func issueCode(forUser id: String, by actor: DeviceIdentity, now: Int64) async throws -> UserCodeResponse {
        try requireCoordinator(actor, "issue login codes")
        guard let user = try await storage.user(id: id) else {
            throw ServerError.notFound("no user with id '\(id.prefix(64))'; see `canvass user list`")
        }
        guard Directory.mayManage(actor.role, user.role) else {
            throw ServerError(
                .forbidden, "a \(actor.role.rawValue) may not issue a code for a \(user.role.rawValue); ask an admin")
        }
        return UserCodeResponse(
            user: UserEntry(user), code: try await issueCode(for: user, now: now), expiresAt: now + codeLifetimeMillis)
    }

    /// Every device, by user name and age, with its status.
    public func devices(by actor: DeviceIdentity, now: Int64) async throws -> DevicesResponse {
        try requireCoordinator(actor, "list devices")
        return DevicesResponse(
            devices: try await storage.devices().map { DeviceEntry($0, status: $0.status(tokenLifetime, now: now)) })
    }

    /// A code that lets new volunteers log in straight into a list until it expires: each one
    /// becomes a canvasser assigned to the list. The list must exist on the server.
    public func share(list: String, _ request: ShareRequest, by actor: DeviceIdentity, now: Int64) async throws
        -> ShareResponse
    {
        try requireCoordinator(actor, "share lists")
        let hours = request.expiresHours ?? ShareRequest.defaultHours
        guard (1...ShareRequest.maxHours).contains(hours) else {
            throw ServerError.badRequest(
                "expires_hours must be 1–\(ShareRequest.maxHours); got \(hours)",
                details: [Diagnostic(at: "expires_hours", code: "out_of_range", "1–\(ShareRequest.maxHours) hours")])
        }
        try await requireList(list)
        let code = Credentials.newCode()
        let expiresAt = now + Int64(hours) * 3_600_000
        try await storage.addShareCode(
            hash: Credentials.hash(Credentials.normalizeCode(code)), listID: list, createdBy: actor.userID,
            expiresAt: expiresAt, now: now)
        return ShareResponse(listID: list, code: code, expiresAt: expiresAt)
    }

    /// Revokes every live share code of a list; volunteers already in keep their login.
    public func unshare(list: String, by actor: DeviceIdentity, now: Int64) async throws -> UnshareResponse {
        try requireCoordinator(actor, "stop sharing lists")
        try await requireList(list)
        return UnshareResponse(listID: list, revoked: try await storage.revokeShareCodes(listID: list, now: now))
    }

    private func requireList(_ list: String) async throws {
        guard list.utf8.count <= Schema.maxIDBytes, Record.exists(try await storage.record(RecordKey("lists", list)))
        else {
            throw ServerError.notFound(
                "no list '\(list.prefix(64))' on the server; if you made it offline, run `canvass sync` first")
        }
    }
}
