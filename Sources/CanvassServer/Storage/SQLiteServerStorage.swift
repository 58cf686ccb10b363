import CanvassCampaign
import CanvassCore
import CanvassStore
import Foundation

/// The embedded store: one SQLite file (WAL, synchronous=FULL) holding the server's replica of
/// every record plus users, codes, devices and per-device scope. Every call goes to
/// CanvassStore's `ServerStore`; the rules it applies (scope, push judgement) are CanvassCore's.
///
/// SQLite has one writer at a time, so sequence numbers commit in the order they are taken and
/// the highest committed sequence is always a safe watermark for the feed.
public final class SQLiteServerStorage: ServerStorage {
    public let store: ServerStore
    private let replica: ReplicaID
    private let epoch: String

    public init(store: ServerStore, now: Int64 = wallClock()) throws {
        self.store = store
        replica = try store.replicaID { ReplicaID("srv-" + Credentials.randomID(length: 10)) }
        epoch = try store.feedEpoch()
        // Accounts made before the directory existed, and the server's own entry.
        try store.mirrorDirectory(now: now)
    }

    /// Opens (creating) the store file in `directory`, which is made private first: voter data,
    /// mode 0700, or a refusal that says what to run (`PrivateFolder`).
    public static func open(directory: String) throws -> SQLiteServerStorage {
        try PrivateFolder.prepare(directory)
        return try SQLiteServerStorage(
            store: try ServerStore.open(path: (directory as NSString).appendingPathComponent("canvass.sqlite")))
    }

    public static func inMemory() throws -> SQLiteServerStorage {
        try SQLiteServerStorage(store: try ServerStore.inMemory())
    }

    public func identity() async throws -> (replica: ReplicaID, epoch: String) { (replica, epoch) }

    // MARK: records

    public func push(
        _ records: [CanvassCore.Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision {
        try await store.push(records, device: device, decide: decide)
    }

    public func feed(since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?)
        async throws -> RawFeedPage
    {
        try await store.feed(since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter)
    }

    public func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws
        -> RawFeedPage
    {
        try await store.feed(keys: keys, since: since, limit: limit, excludingOrigin: excludingOrigin)
    }

    /// One writer at a time: the highest committed sequence is safe.
    public func safeWatermark() async throws -> Int64 { try await store.lastSeq() }

    public func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord] { try await store.rawRecords(keys) }

    public func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [CanvassCore.Record] {
        try await store.write(writes, wallclock: wallclock)
    }

    public func record(_ key: RecordKey) async throws -> CanvassCore.Record? { try await store.record(key) }

    public func secret(named name: String) async throws -> [UInt8] {
        ServerSecret.bytes(try await store.secret(named: name, minting: ServerSecret.mint))
    }

    public func records(in collection: String) async throws -> [CanvassCore.Record] {
        try await store.records(in: collection)
    }

    // MARK: scope

    public func canvasserScope(userID: String) async throws -> Set<RecordKey> {
        try await store.canvasserScope(userID: userID)
    }

    public func confirmScope(replica: ReplicaID, upTo token: Int64) async throws {
        try await store.confirmScope(replica: replica, upTo: token)
    }

    public func canvasserPull(replica: ReplicaID, userID: String, confirmingUpTo token: Int64) async throws -> (
        scope: Set<RecordKey>, delivered: Set<RecordKey>, unsettled: Bool
    ) {
        try await store.canvasserPull(replica: replica, userID: userID, confirmingUpTo: token)
    }

    public func delivered(replica: ReplicaID) async throws -> Set<RecordKey> {
        try await store.delivered(replica: replica)
    }

    public func stageScope(replica: ReplicaID, added: [RecordKey], removed: [RecordKey]) async throws -> Int64 {
        try await store.stageScope(replica: replica, added: added, removed: removed)
    }

    // MARK: users and devices

    public func addUser(id: String?, name: String, role: Role, now: Int64) async throws -> User {
        guard
            let user = try await store.addUser(
                id: id ?? "u-" + Credentials.randomID(length: 10), name: name, role: role, now: now)
        else {
            throw ServerError.conflict(
                "a user named '\(name)' already exists; pick another name, or issue a new code with `canvass user code \"\(name)\"`"
            )
        }
        return user
    }

    public func users() async throws -> [User] { try await store.users() }

    public func user(named name: String) async throws -> User? { try await store.user(named: name) }

    public func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws {
        try await store.addCode(hash: hash, userID: userID, expiresAt: expiresAt, now: now)
    }

    public func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64)
        async throws -> Device?
    {
        try await store.enroll(
            codeHash: codeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, now: now
        )
    }

    public func device(tokenHash: String) async throws -> Device? {
        try await store.device(tokenHash: tokenHash)
    }

    public func devices() async throws -> [Device] { try await store.devices() }

    public func revoke(replica: ReplicaID, now: Int64) async throws -> Bool {
        try await store.revoke(replica: replica, now: now)
    }

    public func user(id: String) async throws -> User? { try await store.user(id: id) }

    // MARK: list sharing and door checkout

    public func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64)
        async throws
    {
        try await store.addShareCode(hash: hash, listID: listID, createdBy: createdBy, expiresAt: expiresAt, now: now)
    }

    public func revokeShareCodes(listID: String, now: Int64) async throws -> Int {
        try await store.revokeShareCodes(listID: listID, now: now)
    }

    public func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String, now: Int64,
        writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device? {
        try await store.enroll(
            shareCodeHash: shareCodeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, name: name,
            newUserID: "u-" + Credentials.randomID(length: 10), now: now, writes: writes)
    }

    public func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws
        -> [ListCheckout]
    {
        try await store.checkOut(lists: lists, device: device, now: now, policy: policy)
    }

    public func touch(replica: ReplicaID, now: Int64) async throws {
        // At most once a minute: a busy server should not write on every request.
        try await store.touch(replica: replica, now: now, granularity: 60_000)
    }

    // MARK: automation

    public func automationInputs(campaign: String, rules: [AutomationRule]) async throws -> AutomationCampaignInputs {
        let replicaStore = store.replicaStore
        return try await offPool { try AutomationCampaignInputs.load(replicaStore, campaign: campaign, rules: rules) }
    }

    /// Runs a synchronous read of a whole campaign on a dispatch thread: a pass over a large
    /// campaign must not hold one of the concurrency pool's few threads.
    private func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    public func automationStates(rules: [String]) async throws -> [String: [String: AutomationCommit.State]] {
        try await store.automationStates(rules: rules)
    }

    public func automationObservations(campaign: String) async throws -> [String: [String: AutomationObserved]] {
        try await store.automationObservations(campaign: campaign)
    }

    public func automationMeta() async throws -> [String: String] { try await store.automationMeta() }

    public func automationNextCheck() async throws -> Int64? { try await store.automationNextCheck() }

    public func mailingDeliveries(mailing: Record) async throws -> [AutomationDelivery] {
        let replicaStore = store.replicaStore
        return try await offPool { try MailingQueue.deliveries(replicaStore, mailing: mailing).deliveries }
    }

    public func commitAutomation(_ batch: AutomationCommit) async throws -> AutomationCommitResult {
        try await store.commitAutomation(batch)
    }

    public func claimDeliveries(now: Int64, leaseUntil: Int64, limit: Int) async throws -> [StoredDelivery] {
        try await store.claimDeliveries(now: now, leaseUntil: leaseUntil, limit: limit)
    }

    public func finishDelivery(_ outcome: DeliveryOutcome, lease: Int64, mirror: LocalWrite, now: Int64) async throws
        -> Bool
    {
        try await store.finishDelivery(outcome, lease: lease, mirror: mirror, now: now)
    }

    public func nextDeliveryDue() async throws -> Int64? { try await store.nextDeliveryDue() }

    public func automationOutbox() async throws -> [StoredDelivery] { try await store.automationOutbox() }

    public func automationFiringKeys() async throws -> [String] { try await store.automationFiringKeys() }

    // MARK: leadership

    /// One process owns the SQLite file: it always leads.
    public func lead(_ role: String, _ work: @escaping @Sendable () async -> Void) async throws { await work() }
}
