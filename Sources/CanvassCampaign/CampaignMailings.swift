import CanvassCore
import CanvassStore

/// A campaign's mailings as the report reads them: each with the emails delivered and the
/// money credited to it (`MailingAttribution`), from the replica (offline too: delivery
/// statuses reach coordinators by sync).
public enum CampaignMailings {
    public static func revenue(_ store: ReplicaStore, campaign: String) throws -> [MailingRevenue] {
        let schema = CampaignSchema.standard
        func kinds(_ collection: String) -> [String: FieldKind] {
            Dictionary(uniqueKeysWithValues: (schema.collections[collection]?.fields ?? []).map { ($0.name, $0.kind) })
        }
        var names: [String: String] = [:]
        for m in try store.projected("mailings", fields: ["campaign_id", "name"])
        where m["campaign_id"]?.stringValue == campaign {
            names[m.key.id] = m["name"]?.stringValue ?? m.key.id
        }
        let sent = try store.projected(
            "automation_deliveries", fields: MailingAttribution.Sent.fields, kinds: kinds("automation_deliveries")
        ).compactMap { MailingAttribution.Sent($0.values) }
        let donations = try store.projected("donations", fields: Donation.fields, kinds: kinds("donations"))
            .compactMap { Donation(id: $0.key.id, $0.values) }
        return MailingAttribution.revenue(campaign: campaign, mailings: names, donations: donations, sent: sent)
    }
}
