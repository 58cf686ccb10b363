import CanvassCore
import Testing

/// Which mailing a gift answers, table-driven and pure: the one it was recorded with, else the
/// last email of its campaign its giver got within 30 days before it.
@Suite struct MailingAttributionTests {
    static let day: Int64 = 86_400_000
    static let t0: Int64 = 1_790_000_000_000

    static let sent = [
        MailingAttribution.Sent(mailing: "m-spring", person: "ann", campaign: "camp", at: t0),
        MailingAttribution.Sent(mailing: "m-summer", person: "ann", campaign: "camp", at: t0 + 10 * day),
        MailingAttribution.Sent(mailing: "m-other", person: "ann", campaign: "other", at: t0 + 12 * day),
        MailingAttribution.Sent(mailing: "m-spring", person: "bob", campaign: "camp", at: t0),
    ]

    static func gift(
        _ who: String?, at: Int64?, mailing: String? = nil, campaign: String = "camp", cents: Int64 = 1000,
        pledge: Bool = false, id: String = "d"
    ) -> Donation {
        Donation(
            id: id, contactID: who, campaignID: campaign, amountCents: cents, pledge: pledge, recordedAt: at,
            mailingID: mailing)
    }

    @Test(
        arguments: [
            // The mailing it was recorded with wins, whatever was sent.
            (gift("ann", at: t0 + 11 * day, mailing: "m-spring"), "m-spring"),
            (gift("cat", at: nil, mailing: "m-spring"), "m-spring"),
            // The latest email of the campaign before the gift (not the other campaign's, later).
            (gift("ann", at: t0 + 13 * day), "m-summer"),
            (gift("ann", at: t0 + 5 * day), "m-spring"),
            // Exactly at delivery, and exactly 30 days after, still count; a moment later does not.
            (gift("bob", at: t0), "m-spring"),
            (gift("bob", at: t0 + 30 * day), "m-spring"),
            (gift("bob", at: t0 + 30 * day + 1), nil),
            // Before any email, to someone never emailed, without a time or a giver: none.
            (gift("bob", at: t0 - 1), nil),
            (gift("cat", at: t0 + day), nil),
            (gift("ann", at: nil), nil),
            (gift(nil, at: t0 + day), nil),
            (gift("ann", at: t0 + 13 * day, campaign: "other"), "m-other"),
        ] as [(Donation, String?)])
    func aGiftAnswersAMailing(_ c: (Donation, String?)) {
        #expect(MailingAttribution.mailing(for: c.0, sent: MailingAttribution.Index(Self.sent)) == c.1)
    }

    @Test func revenuePerMailing() {
        let gifts = [
            Self.gift("ann", at: Self.t0 + 11 * Self.day, cents: 5000, id: "d1"),
            Self.gift("ann", at: Self.t0 + 12 * Self.day, cents: 2500, id: "d2"),
            Self.gift("bob", at: Self.t0 + Self.day, cents: 1000, id: "d3"),
            // A pledge is a promise, not revenue; another campaign's gift is not this one's.
            Self.gift("bob", at: Self.t0 + Self.day, cents: 9900, pledge: true, id: "d4"),
            Self.gift("ann", at: Self.t0 + 13 * Self.day, campaign: "other", cents: 700, id: "d5"),
            // Recorded with a mailing no longer listed: still shown, under its id.
            Self.gift("cat", at: nil, mailing: "m-gone", cents: 300, id: "d6"),
        ]
        let rows = MailingAttribution.revenue(
            campaign: "camp", mailings: ["m-spring": "Spring", "m-summer": "Summer", "m-fall": "Fall"],
            donations: gifts, sent: Self.sent)
        #expect(rows.map(\.mailing) == ["m-summer", "m-spring", "m-gone", "m-fall"])
        #expect(rows.map(\.receivedCents) == [7500, 1000, 300, 0])
        #expect(rows.map(\.gifts) == [2, 1, 1, 0])
        #expect(rows.map(\.donors) == [1, 1, 1, 0])
        #expect(rows.map(\.delivered) == [1, 2, 0, 0])
        #expect(rows.map(\.name) == ["Summer", "Spring", "m-gone", "Fall"])
    }

    @Test func aDeliveryRecordCountsOnlyWhenDelivered() {
        let delivered: [String: Value] = [
            "kind": "email", "status": "delivered", "mailing_id": "m", "contact_id": "p", "campaign_id": "c",
            "delivered_at": 5,
        ]
        #expect(MailingAttribution.Sent(delivered) == .init(mailing: "m", person: "p", campaign: "c", at: 5))
        var pending = delivered
        pending["status"] = "pending"
        #expect(MailingAttribution.Sent(pending) == nil)
        var webhook = delivered
        webhook["kind"] = "webhook"
        #expect(MailingAttribution.Sent(webhook) == nil)
    }
}
