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

    /// A session advisory lock on a connection of its own (`PostgresStore.lead`): one process at
    /// a time, another within 2 s of its stopping.
    public func lead(_ role: String, _ work: @escaping @Sendable () async -> Void) async throws {
        await store.lead(role, work)
    }
}
