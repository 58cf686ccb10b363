import CanvassCampaign
import CanvassCore
import CanvassStore

/// Everything the server keeps, behind one interface: records and their feed, users, one-time
/// codes, devices (mirrored into the `users` and `devices` directory records whenever they
/// change), list share codes, door checkouts, and what each device has been given. The embedded SQLite backend implements
/// it today; a PostgreSQL backend implements the same calls, so handlers never change.
public protocol ServerStorage: Sendable {
    /// This server's replica id (its own dots) and the feed epoch.
    func identity() async throws -> (replica: ReplicaID, epoch: String)

    // MARK: records

    /// In one transaction: reads the snapshot for `records`, asks `decide`, merges what it
    /// accepted with `origin` as the source, and commits durably.
    func push(
        _ records: [Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision

    /// Feed rows after `since`, filtered, as stored JSON. Never returns a change above the safe
    /// watermark (see SYNC.md, "Changes feed").
    func feed(since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?)
        async throws -> RawFeedPage

    /// The feed restricted to `keys` (a canvasser's scope), found by key rather than by scanning.
    func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws -> RawFeedPage

    /// The highest sequence a reader may rely on: every change at or below it is committed.
    func safeWatermark() async throws -> Int64

    /// Stored JSON of records, for a scope backfill.
    func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord]

    /// Writes as the server's own replica (imports, admin changes, automation).
    @discardableResult
    func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [Record]

    /// A secret of this server, made once and kept with its data (the key that signs
    /// unsubscribe links): 32 random bytes.
    func secret(named name: String) async throws -> [UInt8]

    func record(_ key: RecordKey) async throws -> Record?
    func records(in collection: String) async throws -> [Record]

    // MARK: scope

    /// Every record a canvasser user may hold: the keys of CanvassCore's `CanvasserScope`, which a
    /// backend derives from the records it fetches through a `ScopeSource` (never by a rule of its own).
    func canvasserScope(userID: String) async throws -> Set<RecordKey>

    /// Confirms the scope changes a device's checkpoint `token` proves it stored, as
    /// `PullPlanner.confirm` decides: those staged under earlier tokens join (or leave) the
    /// delivered set, those under `token` stay staged (the device may not have stored that page
    /// yet), later ones are forgotten (their page was lost; they will be staged again).
    func confirmScope(replica: ReplicaID, upTo token: Int64) async throws
    /// What the device is confirmed to hold.
    func delivered(replica: ReplicaID) async throws -> Set<RecordKey>
    /// A canvasser pull's inputs: `confirmScope(replica:upTo:)`, then the user's
    /// `canvasserScope` and what the device holds for planning (the delivered set and the changes
    /// still staged under `token`: `ScopeConfirmation.holding`), and whether changes stay staged
    /// under `token` (`unsettled`: the server then moves the device to a new token, so its next
    /// pull settles them and an evicted record stops being writable). Both backends read them
    /// together, in one read when nothing is to confirm.
    func canvasserPull(replica: ReplicaID, userID: String, confirmingUpTo token: Int64) async throws -> (
        scope: Set<RecordKey>, delivered: Set<RecordKey>, unsettled: Bool
    )
    /// Stages records sent to and evicted from a device under a new token, which is returned.
    func stageScope(replica: ReplicaID, added: [RecordKey], removed: [RecordKey]) async throws -> Int64

    // MARK: users and devices

    /// Adds a user; `id` nil mints a new one (`u-` and random characters).
    func addUser(id: String?, name: String, role: Role, now: Int64) async throws -> User
    func users() async throws -> [User]
    func user(named name: String) async throws -> User?
    /// Stores a one-time code (hashed) for a user.
    func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws
    /// Consumes a code and creates the device in one transaction; nil when the code is unknown,
    /// used or expired.
    func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64) async throws
        -> Device?
    /// The live device holding this token, if any (revoked devices are returned with revokedAt set).
    func device(tokenHash: String) async throws -> Device?
    func devices() async throws -> [Device]
    /// Revokes a device and releases the doors it held; false if there was none.
    func revoke(replica: ReplicaID, now: Int64) async throws -> Bool
    func touch(replica: ReplicaID, now: Int64) async throws
    func user(id: String) async throws -> User?

    // MARK: list sharing and door checkout

    /// Stores a list share code (hashed).
    func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64) async throws
    /// Revokes the live share codes of a list; returns how many.
    func revokeShareCodes(listID: String, now: Int64) async throws -> Int
    /// Redeems a live share code in one transaction: a new canvasser user (named `name`, made
    /// unique), the device, `writes` for the user and the code's list (its assignment), and the
    /// directory. Nil when the code is unknown, revoked or expired, or its list is gone.
    func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String, now: Int64,
        writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device?
    /// Checks out doors of `lists` to a device (`CheckoutAllocator`, in one transaction) and
    /// returns every checkout of those lists as that device is told about them.
    func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws -> [ListCheckout]

    // MARK: automation (issue 12; see ServerStore+Automation.swift for what each table holds)

    /// What the rules of a campaign read: its people, their interactions, RSVPs and donations.
    func automationInputs(campaign: String, rules: [AutomationRule]) async throws -> AutomationCampaignInputs
    /// Stored states of `rules`: rule id → person → state.
    func automationStates(rules: [String]) async throws -> [String: [String: AutomationCommit.State]]
    /// Stored observation maps of a campaign's people: person → map.
    func automationObservations(campaign: String) async throws -> [String: [String: AutomationObserved]]
    /// The engine's notes (which mailing requests it queued).
    func automationMeta() async throws -> [String: String]
    /// The earliest time some person must be evaluated again without new data.
    func automationNextCheck() async throws -> Int64?
    /// The deliveries of a mailing (C's `MailingQueue`: its segment's people who may be emailed,
    /// ids `MAILING@PERSON`).
    func mailingDeliveries(mailing: Record) async throws -> [AutomationDelivery]
    /// One pass's outcome in one durable transaction: each firing inserted under its unique key
    /// (`ON CONFLICT DO NOTHING`) and, only when new, its writes as the server's replica, its
    /// `automation_log` record and its deliveries; the other deliveries (each once by id); states,
    /// observations and notes. Returns which firings were new.
    func commitAutomation(_ batch: AutomationCommit) async throws -> AutomationCommitResult
    /// Leases up to `limit` pending deliveries due at `now` until `leaseUntil`.
    func claimDeliveries(now: Int64, leaseUntil: Int64, limit: Int) async throws -> [StoredDelivery]
    /// Records an attempt's outcome and mirrors it into the `automation_deliveries` record; false
    /// when the lease was lost.
    func finishDelivery(_ outcome: DeliveryOutcome, lease: Int64, mirror: LocalWrite, now: Int64) async throws -> Bool
    /// When the next pending delivery is due, nil when none.
    func nextDeliveryDue() async throws -> Int64?
    /// Every outbox row and every stored firing key, for tests and audits.
    func automationOutbox() async throws -> [StoredDelivery]
    func automationFiringKeys() async throws -> [String]

    // MARK: leadership

    /// Runs `work` only while this process leads `role` among the processes sharing this
    /// storage, waiting for its turn first, so at most one of them runs it at a time (the
    /// automation scheduler). A leader that stops or loses its hold (its process dies, its
    /// connection drops) hands over within seconds: `work` is cancelled when the hold is lost
    /// and started again when it is regained. Returns when the calling task is cancelled.
    /// SQLite: one process owns the file, so the hold is always this process's. PostgreSQL: a
    /// session advisory lock on a connection of its own, tried every 2 s by the others.
    func lead(_ role: String, _ work: @escaping @Sendable () async -> Void) async throws
}

extension ServerStorage {
    public func addUser(name: String, role: Role, now: Int64) async throws -> User {
        try await addUser(id: nil, name: name, role: role, now: now)
    }
}
