import CanvassCampaign
import CanvassCore
import CanvassStore

/// A `ServerStorage` over one of the server stores: the calls both stores make with the same
/// signature (`ServerStoreOperations`) are forwarded here, once for both backends; each adapter
/// keeps only what differs (identity, the feed's filter, writes, secrets, touch, share enrollment,
/// campaign reads, leadership).
public protocol StoreBackedStorage: ServerStorage {
    associatedtype Store: ServerStoreOperations
    var store: Store { get }
}

extension StoreBackedStorage {
    // MARK: records

    public func push(
        _ records: [CanvassCore.Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision {
        try await store.push(records, device: device, decide: decide)
    }

    public func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws
        -> RawFeedPage
    {
        try await store.feed(keys: keys, since: since, limit: limit, excludingOrigin: excludingOrigin)
    }

    public func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord] { try await store.rawRecords(keys) }

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

    // MARK: accounts and checkout

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

    public func touch(replica: ReplicaID, now: Int64) async throws {
        // At most once a minute: a busy server should not write on every request.
        try await store.touch(replica: replica, now: now, granularity: 60_000)
    }

    public func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String, now: Int64,
        writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device? {
        try await store.enroll(
            shareCodeHash: shareCodeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, name: name,
            newUserID: "u-" + Credentials.randomID(length: 10), now: now, writes: writes)
    }

    public func users() async throws -> [User] { try await store.users() }

    public func user(named name: String) async throws -> User? { try await store.user(named: name) }

    public func user(id: String) async throws -> User? { try await store.user(id: id) }

    public func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws {
        try await store.addCode(hash: hash, userID: userID, expiresAt: expiresAt, now: now)
    }

    public func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64)
        async throws -> Device?
    {
        try await store.enroll(
            codeHash: codeHash, replica: replica, tokenHash: tokenHash, deviceName: deviceName, now: now)
    }

    public func device(tokenHash: String) async throws -> Device? { try await store.device(tokenHash: tokenHash) }

    public func devices() async throws -> [Device] { try await store.devices() }

    public func revoke(replica: ReplicaID, now: Int64) async throws -> Bool {
        try await store.revoke(replica: replica, now: now)
    }

    public func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64)
        async throws
    {
        try await store.addShareCode(hash: hash, listID: listID, createdBy: createdBy, expiresAt: expiresAt, now: now)
    }

    public func revokeShareCodes(listID: String, now: Int64) async throws -> Int {
        try await store.revokeShareCodes(listID: listID, now: now)
    }

    public func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws
        -> [ListCheckout]
    {
        try await store.checkOut(lists: lists, device: device, now: now, policy: policy)
    }

    // MARK: automation

    public func automationStates(rules: [String]) async throws -> [String: [String: AutomationCommit.State]] {
        try await store.automationStates(rules: rules)
    }

    public func automationObservations(campaign: String) async throws -> [String: [String: AutomationObserved]] {
        try await store.automationObservations(campaign: campaign)
    }

    public func automationMeta() async throws -> [String: String] { try await store.automationMeta() }

    public func automationNextCheck() async throws -> Int64? { try await store.automationNextCheck() }

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
}
