/// Which campaign email a donation answers (issue 12), so the report can show revenue per
/// mailing. Pure: the report, its tests and any backend attribute the same way.
///
/// - A donation recorded with a mailing (`mailing_id`, `donation add --mailing`) is that mailing's.
/// - Otherwise it is the mailing of the latest email of its campaign delivered to the giver
///   within `window` (30 days) before the donation was recorded.
/// - Otherwise it answers no mailing.
public enum MailingAttribution {
    /// How long after an email a gift is still credited to it: 30 days, in milliseconds.
    public static let window: Int64 = 30 * 86_400_000

    /// An email delivered to a person (an `automation_deliveries` record of kind email, status
    /// delivered, with a mailing).
    public struct Sent: Sendable, Hashable {
        public var mailing: String
        public var person: String
        public var campaign: String
        public var at: Int64

        public init(mailing: String, person: String, campaign: String, at: Int64) {
            self.mailing = mailing
            self.person = person
            self.campaign = campaign
            self.at = at
        }

        /// From a delivery record's display values; nil unless it is a delivered email of a mailing.
        public init?(_ v: [String: Value]) {
            guard v["kind"]?.stringValue == "email", v["status"]?.stringValue == "delivered",
                let mailing = v["mailing_id"]?.stringValue, let person = v["contact_id"]?.stringValue,
                let campaign = v["campaign_id"]?.stringValue, let at = v["delivered_at"]?.intValue
            else { return nil }
            self.init(mailing: mailing, person: person, campaign: campaign, at: at)
        }

        /// The fields `init(_:)` reads.
        public static let fields = ["kind", "status", "mailing_id", "contact_id", "campaign_id", "delivered_at"]
    }

    /// Delivered emails by person, oldest first: what `mailing(for:sent:)` looks through.
    public struct Index: Sendable {
        let byPerson: [String: [Sent]]

        public init(_ sent: [Sent]) {
            byPerson = Dictionary(grouping: sent, by: \.person).mapValues {
                $0.sorted { ($0.at, $0.mailing) < ($1.at, $1.mailing) }
            }
        }
    }

    /// The mailing a donation answers, or nil.
    public static func mailing(for d: Donation, sent: Index) -> String? {
        if let m = d.mailingID, !m.isEmpty { return m }
        guard let person = d.contactID, let at = d.recordedAt, let campaign = d.campaignID else { return nil }
        return sent.byPerson[person]?.last { $0.campaign == campaign && $0.at <= at && at - $0.at <= window }?.mailing
    }

    /// Revenue per mailing of a campaign: every mailing named in `mailings` (id → name) and any
    /// other a gift is credited to, with the emails delivered and the money received (pledges
    /// are promises, not revenue) credited to it. By money, most first, then by name.
    public static func revenue(
        campaign: String, mailings: [String: String], donations: [Donation], sent: [Sent]
    ) -> [MailingRevenue] {
        let index = Index(sent)
        var rows: [String: MailingRevenue] = [:]
        func row(_ id: String) -> MailingRevenue { rows[id] ?? MailingRevenue(mailing: id, name: mailings[id] ?? id) }
        for id in mailings.keys { rows[id] = row(id) }
        for s in sent where s.campaign == campaign {
            var r = row(s.mailing)
            r.delivered += 1
            rows[s.mailing] = r
        }
        var donors: [String: Set<String>] = [:]
        for d in donations where d.campaignID == campaign && !d.pledge {
            guard let m = mailing(for: d, sent: index) else { continue }
            var r = row(m)
            r.gifts += 1
            r.receivedCents = r.receivedCents.addingClamped(d.amountCents)
            rows[m] = r
            donors[m, default: []].insert(d.contactID ?? "donation:\(d.id)")
        }
        for (m, people) in donors { rows[m]?.donors = people.count }
        return rows.values.sorted { ($1.receivedCents, $0.name, $0.mailing) < ($0.receivedCents, $1.name, $1.mailing) }
    }
}

/// One mailing's line in the report: emails delivered, and the gifts credited to it.
public struct MailingRevenue: Sendable, Hashable, Codable {
    public var mailing: String
    public var name: String
    public var delivered = 0
    public var gifts = 0
    public var donors = 0
    public var receivedCents: Int64 = 0

    public init(mailing: String, name: String) {
        self.mailing = mailing
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case mailing, name, delivered, gifts, donors
        case receivedCents = "received_cents"
    }
}
