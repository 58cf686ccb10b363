import CanvassCore

/// What both server stores (`ServerStore` on SQLite, CanvassPostgres's `PostgresStore`) do with
/// the same signature and meaning, so that the server's storage adapters forward them from one
/// place (`StoreBackedStorage` in CanvassServer) instead of each writing the same forwarding.
public protocol ServerStoreOperations: Sendable {
    // MARK: records
    func push(
        _ records: [CanvassCore.Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision
    func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws
        -> RawFeedPage
    func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord]

    // MARK: scope
    func canvasserScope(userID: String) async throws -> Set<RecordKey>
    func confirmScope(replica: ReplicaID, upTo token: Int64) async throws
    func canvasserPull(replica: ReplicaID, userID: String, confirmingUpTo token: Int64) async throws -> (
        scope: Set<RecordKey>, delivered: Set<RecordKey>, unsettled: Bool
    )
    func delivered(replica: ReplicaID) async throws -> Set<RecordKey>
    func stageScope(replica: ReplicaID, added: [RecordKey], removed: [RecordKey]) async throws -> Int64

    // MARK: accounts and checkout
    func addUser(id: String, name: String, role: Role, now: Int64) async throws -> User?
    func touch(replica: ReplicaID, now: Int64, granularity: Int64) async throws
    func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String,
        newUserID: String, now: Int64, writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device?
    func users() async throws -> [User]
    func user(named name: String) async throws -> User?
    func user(id: String) async throws -> User?
    func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws
    func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64)
        async throws -> Device?
    func device(tokenHash: String) async throws -> Device?
    func devices() async throws -> [Device]
    func revoke(replica: ReplicaID, now: Int64) async throws -> Bool
    func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64)
        async throws
    func revokeShareCodes(listID: String, now: Int64) async throws -> Int
    func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws
        -> [ListCheckout]

    // MARK: automation
    func automationStates(rules: [String]) async throws -> [String: [String: AutomationCommit.State]]
    func automationObservations(campaign: String) async throws -> [String: [String: AutomationObserved]]
    func automationMeta() async throws -> [String: String]
    func automationNextCheck() async throws -> Int64?
    func commitAutomation(_ batch: AutomationCommit) async throws -> AutomationCommitResult
    func claimDeliveries(now: Int64, leaseUntil: Int64, limit: Int) async throws -> [StoredDelivery]
    func finishDelivery(_ outcome: DeliveryOutcome, lease: Int64, mirror: LocalWrite, now: Int64) async throws
        -> Bool
    func nextDeliveryDue() async throws -> Int64?
    func automationOutbox() async throws -> [StoredDelivery]
    func automationFiringKeys() async throws -> [String]
}

extension ServerStore: ServerStoreOperations {}
