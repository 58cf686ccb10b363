import CanvassCampaign
import CanvassCore
import CanvassPostgres
import CanvassStore

/// The automation engine's storage on PostgreSQL (`PostgresStore+Automation.swift`). A campaign's
/// inputs are read by the same `AutomationCampaignInputs.load` as on SQLite, over the collections
/// it declares fetched into an `InMemoryRecordSource`.
extension PostgresServerStorage {
    public func automationInputs(campaign: String, rules: [AutomationRule]) async throws -> AutomationCampaignInputs {
        let source = try await store.campaignSource(
            projected: AutomationCampaignInputs.projectedCollections, whole: AutomationCampaignInputs.wholeCollections)
        return try AutomationCampaignInputs.load(source, campaign: campaign, rules: rules)
    }

    public func mailingDeliveries(mailing: Record) async throws -> [AutomationDelivery] {
        let source = try await store.campaignSource(
            projected: MailingQueue.projectedCollections, whole: MailingQueue.wholeCollections)
        return try MailingQueue.deliveries(source, mailing: mailing).deliveries
    }

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

    /// A session advisory lock on a connection of its own (`PostgresStore.lead`): one process at
    /// a time, another within 2 s of its stopping.
    public func lead(_ role: String, _ work: @escaping @Sendable () async -> Void) async throws {
        await store.lead(role, work)
    }
}
