import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// A pull page with records as stored JSON, ready to splice into a response body.
public struct RawPullPage: Sendable {
    public let records: [RawRecord]
    public let evict: [KeyRef]
    public let checkpoint: String
    public let more: Bool
    /// A canvasser's door checkouts, on the last page (SYNC.md, "Door checkout").
    public var checkouts: [ListCheckout]?

    public init(records: [RawRecord], evict: [KeyRef], checkpoint: String, more: Bool, checkouts: [ListCheckout]? = nil)
    {
        self.records = records
        self.evict = evict
        self.checkpoint = checkpoint
        self.more = more
        self.checkouts = checkouts
    }

    /// The same page as protocol values (for in-process use and tests).
    public func decoded() throws -> PullResponse {
        let decoder = JSONDecoder()
        return PullResponse(
            records: try records.map {
                try WireReader.record($0.json) ?? decoder.decode(Record.self, from: Data($0.json.utf8))
            }, evict: evict,
            checkpoint: checkpoint,
            more: more, checkouts: checkouts)
    }
}

/// The server's side of the protocol without HTTP: enrollment, push validation and merge, pull
/// paging with scope backfill and eviction, device revocation. The HTTP layer and the in-process
/// test transport both call this, so they cannot disagree.
public final class SyncService: Sendable {
    public let storage: any ServerStorage
    public let schema: Schema
    public let limiter: RateLimiter
    /// How long a new enrollment code lives.
    public let codeLifetimeMillis: Int64
    /// When a device token expires for want of use.
    public let tokenLifetime: TokenLifetime
    /// Doors per device and how long they are held, on shared walk lists.
    public let checkout: CheckoutPolicy
    /// Raised after each push that merged something: the automation scheduler runs a pass.
    public let automationSignal = AutomationSignal()

    public init(
        storage: any ServerStorage, schema: Schema = CampaignSchema.standard, limiter: RateLimiter = RateLimiter(),
        codeLifetimeHours: Int = 72,
        tokenLifetime: TokenLifetime = TokenLifetime(), checkout: CheckoutPolicy = CheckoutPolicy()
    ) {
        self.storage = storage
        self.schema = schema
        self.limiter = limiter
        codeLifetimeMillis = Int64(codeLifetimeHours) * 3_600_000
        self.tokenLifetime = tokenLifetime
        self.checkout = checkout
    }

    // MARK: users, codes, devices

    /// Adds a user and returns a one-time code for their first device.
    public func addUser(name: String, role: Role, now: Int64) async throws -> (User, code: String) {
        let user = try await storage.addUser(name: try Self.userName(name), role: role, now: now)
        return (user, try await issueCode(for: user, now: now))
    }

    /// A user name as given, trimmed; 1–64 characters on one line.
    static func userName(_ name: String) throws -> String {
        let clean = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !clean.isEmpty, clean.count <= 64, !clean.contains(where: \.isNewline) else {
            throw ServerError.badRequest(
                "a user name must be 1–64 characters on one line",
                details: [Diagnostic(at: "name", code: "bad_value", "1–64 characters on one line")])
        }
        return clean
    }

    /// A fresh one-time code for an existing user (a new laptop, a lost one).
    public func issueCode(for user: User, now: Int64) async throws -> String {
        let code = Credentials.newCode()
        try await storage.addCode(
            hash: Credentials.hash(Credentials.normalizeCode(code)), userID: user.id,
            expiresAt: now + codeLifetimeMillis, now: now)
        return code
    }

    /// Redeems a one-time code for a new replica id and device token.
    public func enroll(_ request: EnrollRequest, client: String, now: Int64) async throws -> EnrollResponse {
        guard !request.code.isEmpty, request.code.utf8.count <= 64 else {
            throw ServerError.badRequest("code must be the 8-character login code, like ABCD-EFGH")
        }
        if let name = request.deviceName, name.utf8.count > 100 || name.contains(where: \.isNewline) {
            throw ServerError.badRequest("device_name must be at most 100 bytes on one line")
        }
        let volunteer = try request.name.map(Self.userName)
        // Counted before the lookup, refunded unless the code turns out wrong: concurrent guesses
        // cannot all pass the check before any of them is counted.
        let attempt: RateLimiter.Attempt
        switch limiter.reserve(client: client, now: now) {
        case .granted(let a): attempt = a
        case .limited(let retryAfterMillis):
            let seconds = Int((retryAfterMillis + 999) / 1000)
            throw ServerError(
                .rateLimited, "too many wrong codes; wait \(seconds) s and try again", retryAfter: seconds)
        }
        var wrongCode = false
        defer { if !wrongCode { limiter.refund(attempt) } }
        let code = Credentials.normalizeCode(request.code)
        let name = request.deviceName
        let replica = ReplicaID("d" + Credentials.randomID(length: 12))
        let token = Credentials.newToken()
        // A one-time code first, else a list share code: a new volunteer on that list.
        var enrolled: Device?
        if code.count == 8 {
            enrolled = try await storage.enroll(
                codeHash: Credentials.hash(code), replica: replica, tokenHash: Credentials.hash(token),
                deviceName: name, now: now)
            if enrolled == nil {
                let userName = volunteer ?? Self.volunteerName(deviceName: name)
                enrolled = try await storage.enroll(
                    shareCodeHash: Credentials.hash(code), replica: replica, tokenHash: Credentials.hash(token),
                    deviceName: name, name: userName, now: now
                ) { user, list in
                    let a = CampaignRecords.assignment(list: list, user: user)
                    return [LocalWrite(a.key, a.values.merging([Record.deletedField: false]) { x, _ in x })]
                }
            }
        }
        guard let device = enrolled else {
            wrongCode = true
            throw ServerError(.invalidCode, "that code is wrong, used or expired; ask your coordinator for a new one")
        }
        let (server, _) = try await storage.identity()
        return EnrollResponse(
            replicaID: device.replica, token: token,
            user: UserInfo(id: device.userID, name: device.userName, role: device.role), serverReplica: server)
    }

    /// A volunteer's name when they gave none: their device's, else `volunteer`.
    static func volunteerName(deviceName: String?) -> String {
        let clean = (deviceName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return clean.isEmpty ? "volunteer" : String(clean.prefix(64))
    }

    /// The device a bearer token belongs to; refuses missing, unknown, expired and revoked tokens.
    /// A use is written down at most once per `tokenLifetime.touchGranularityMillis`.
    public func authenticate(token: String?, now: Int64) async throws -> Device {
        guard let token, !token.isEmpty else {
            throw ServerError(.unauthorized, "no device token: log in with `canvass login SERVER_URL CODE`")
        }
        guard let device = try await storage.device(tokenHash: Credentials.hash(token)) else {
            throw ServerError(.unauthorized, "this device token is not known here; log in again with a new code")
        }
        if device.revokedAt != nil {
            throw ServerError(
                .deviceRevoked,
                "this device was revoked; unsynced changes stay on it, ask your coordinator for a new code")
        }
        if device.isExpired(tokenLifetime, now: now) {
            throw ServerError(
                .unauthorized,
                "this device's login expired after \(tokenLifetime.idleDays ?? 0) days without use; log in again with a new code from your coordinator"
            )
        }
        if tokenLifetime.needsTouch(lastSeen: device.lastSeen, now: now) {
            try await storage.touch(replica: device.replica, now: now)
        }
        return device
    }

    // MARK: push

    /// Validates every record of a page and merges the accepted ones in one durable transaction.
    public func push(_ request: PushRequest, from device: DeviceIdentity) async throws -> PushResponse {
        let records = request.changes.records
        guard records.count <= ProtocolInfo.maxPushRecords else {
            throw ServerError(
                .tooLarge,
                "a push page holds at most \(ProtocolInfo.maxPushRecords) records; this one has \(records.count). Send smaller pages."
            )
        }
        var keys: Set<RecordKey> = []
        for (i, r) in records.enumerated() where !keys.insert(r.key).inserted {
            throw ServerError.badRequest(
                "record \(r.key) appears twice in one page; nothing was applied",
                details: [
                    Diagnostic(
                        at: "records[\(i)]", code: "duplicate_record", "record \(r.key) appears twice in one page")
                ])
        }
        let schema = self.schema
        let decision = try await storage.push(records, device: device) { snapshot in
            PushJudge(schema: schema, device: device, snapshot: snapshot).judge(records)
        }
        if let first = decision.forgeries.first {
            let all = decision.results.flatMap(\.problems).filter { $0.severity == .error }
            throw ServerError(
                .badRequest,
                "this push claims writes this device cannot have made or seen (\(first.location): \(first.message)); nothing was applied. "
                    + "A client that follows protocol/SYNC.md never sends this; if the server was restored from a backup, export this device's unsynced changes and log in again",
                details: all)
        }
        if !decision.accepted.isEmpty { automationSignal.signal() }
        return PushResponse(
            results: decision.results.map {
                PushResult(key: $0.key, status: $0.accepted ? .accepted : .rejected, problems: $0.problems)
            })
    }

    // MARK: pull

    /// One page for a device: first whatever newly entered its scope (whatever its sequence)
    /// and what left it, then the feed after its checkpoint, filtered to its scope.
    ///
    /// A canvasser's last page (`more` false) also checks out its doors on shared walk lists
    /// (SYNC.md, "Door checkout") and carries every checkout of those lists.
    public func pull(since checkpoint: String?, limit: Int, for device: DeviceIdentity, now: Int64 = wallClock())
        async throws -> RawPullPage
    {
        let (first, scope) = try await pullPage(since: checkpoint, limit: limit, for: device)
        var page = first
        if device.role == .canvasser, !page.more {
            // The scope the page was planned with: the same read, not a second one.
            var planned = scope
            if planned == nil { planned = try await storage.canvasserScope(userID: device.userID) }
            let lists = (planned ?? []).filter { $0.collection == "lists" }
            page.checkouts = try await storage.checkOut(
                lists: lists.map(\.id), device: device.replica, now: now, policy: checkout)
        }
        return page
    }

    /// A page, and the canvasser scope it was planned with.
    private func pullPage(since checkpoint: String?, limit: Int, for device: DeviceIdentity) async throws -> (
        RawPullPage, Set<RecordKey>?
    ) {
        guard (1...ProtocolInfo.maxPullLimit).contains(limit) else {
            throw ServerError.badRequest("limit must be 1–\(ProtocolInfo.maxPullLimit); got \(limit)")
        }
        let (_, epoch) = try await storage.identity()
        let watermark = try await storage.safeWatermark()
        var position: FeedPosition
        switch PullPlanner.position(checkpoint: checkpoint, epoch: epoch, watermark: watermark) {
        case .at(let p): position = p
        case .refused(.unreadable):
            throw ServerError.badRequest(
                "checkpoint '\((checkpoint ?? "").prefix(40))' is not one this server issued; discard it and pull from the beginning",
                details: [
                    Diagnostic(at: "since", code: "bad_checkpoint", "unreadable checkpoint")
                ])
        case .refused(.ahead):
            throw ServerError.badRequest(
                "checkpoint '\((checkpoint ?? "").prefix(40))' is ahead of this server; discard it and pull from the beginning",
                details: [
                    Diagnostic(at: "since", code: "bad_checkpoint", "checkpoint beyond the feed")
                ])
        }
        var scope: Set<RecordKey>?
        var delivered: Set<RecordKey> = []
        var unsettled = false
        if device.role == .canvasser {
            (scope, delivered, unsettled) = try await storage.canvasserPull(
                replica: device.replica, userID: device.userID, confirmingUpTo: position.scopeToken)
        }
        switch PullPlanner.plan(
            position: position, scope: scope, delivered: delivered, watermark: watermark, limit: limit)
        {
        case .feed(let after, nil):
            let page = try await storage.feed(since: after, limit: limit, excludingOrigin: device.replica, filter: nil)
            position.seq = page.last
            return (
                RawPullPage(records: page.records, evict: [], checkpoint: position.checkpoint, more: page.more), scope
            )
        case .feed(let after, let keys?):
            if unsettled {
                // Changes stay staged under the checkpoint's token until a later token confirms
                // them (`PullPlanner.confirm`): an empty new token lets the device's next pull
                // settle them, so a record evicted on the last scope page stops being writable.
                position.scopeToken = try await storage.stageScope(replica: device.replica, added: [], removed: [])
            }
            let page = try await storage.feed(keys: keys, since: after, limit: limit, excludingOrigin: device.replica)
            position.seq = page.last
            return (
                RawPullPage(records: page.records, evict: [], checkpoint: position.checkpoint, more: page.more), scope
            )
        case .scopePage(let backfill, let evict, let seq):
            position.seq = seq
            position.scopeToken = try await storage.stageScope(replica: device.replica, added: backfill, removed: evict)
            let records = try await storage.rawRecords(backfill)
            return (
                RawPullPage(
                    records: records, evict: evict.map(KeyRef.init), checkpoint: position.checkpoint, more: true),
                scope
            )
        }
    }

    /// Revokes a device: coordinators and admins any device, every device itself (logging out).
    /// `actor` nil is the admin command line.
    public func revoke(_ replica: ReplicaID, by actor: DeviceIdentity?, now: Int64) async throws {
        if let actor, actor.role < .coordinator, actor.replica != replica {
            throw ServerError(
                .forbidden, "only coordinators and admins may revoke other devices; a device may revoke itself")
        }
        guard try await storage.revoke(replica: replica, now: now) else {
            throw ServerError.notFound("no live device \(replica); see `canvass-server device list`")
        }
    }
}
