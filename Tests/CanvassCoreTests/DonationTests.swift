import CanvassCore
import Testing

/// The revenue rules: received money apart from pledges, what pledges still promise, donors and
/// gifts, and the percentage of the goal in integer arithmetic.
struct DonationTests {
    static func gift(_ id: String, _ who: String, _ cents: Int64, campaign: String = "c", fulfils: String? = nil)
        -> Donation
    {
        Donation(id: id, contactID: who, campaignID: campaign, amountCents: cents, pledge: false, fulfils: fulfils)
    }

    static func pledge(_ id: String, _ who: String, _ cents: Int64, campaign: String = "c") -> Donation {
        Donation(id: id, contactID: who, campaignID: campaign, amountCents: cents, pledge: true)
    }

    @Test(
        arguments: [
            // (donations, goal, received, outstanding, pledged, donors, gifts, pledges, open, percent)
            ([], nil, 0, 0, 0, 0, 0, 0, 0, nil),
            ([gift("a", "p1", 2500), gift("b", "p1", 1000), gift("c", "p2", 500)], 10_000, 4000, 0, 0, 2, 3, 0, 0, 40),
            // A pledge counts nothing toward the goal until paid; a payment counts as received.
            ([pledge("x", "p1", 10_000)], 20_000, 0, 10_000, 10_000, 0, 0, 1, 1, 0),
            (
                [pledge("x", "p1", 10_000), gift("y", "p1", 4000, fulfils: "x")], 20_000, 4000, 6000, 10_000, 1, 1, 1,
                1, 20
            ),
            // Paid in parts, then overpaid: outstanding never below zero.
            (
                [pledge("x", "p1", 10_000), gift("y", "p1", 6000, fulfils: "x"), gift("z", "p1", 6000, fulfils: "x")],
                nil, 12_000, 0, 10_000, 1, 2, 1, 0, nil
            ),
            // Other campaigns' money is not this campaign's.
            ([gift("a", "p1", 2500, campaign: "other"), gift("b", "p2", 100)], 300, 100, 0, 0, 1, 1, 0, 0, 33),
            // A goal of zero has no percentage.
            ([gift("a", "p1", 2500)], 0, 2500, 0, 0, 1, 1, 0, 0, nil),
        ] as [([Donation], Int64?, Int64, Int64, Int64, Int, Int, Int, Int, Int64?)])
    func summary(
        _ row: ([Donation], Int64?, Int64, Int64, Int64, Int, Int, Int, Int, Int64?)
    ) {
        let s = Donations.summary(campaign: "c", goalCents: row.1, donations: row.0)
        #expect(s.receivedCents == row.2, "received")
        #expect(s.pledgedOutstandingCents == row.3, "outstanding")
        #expect(s.pledgedCents == row.4, "pledged")
        #expect(s.donors == row.5 && s.gifts == row.6, "donors, gifts")
        #expect(s.pledges == row.7 && s.openPledges == row.8, "pledges")
        #expect(s.percentOfGoal == row.9, "percent")
        #expect(s.goalCents == row.1)
    }

    @Test(
        arguments: [
            (0, 100, 0), (99, 100, 99), (1, 3, 33), (2, 3, 66), (150, 100, 150), (1, 10_000, 0),
            (Int64.max, Int64.max, 100), (Int64.max / 2, Int64.max, 49),
        ] as [(Int64, Int64, Int64)])
    func percentRoundsDownWithoutOverflow(_ row: (Int64, Int64, Int64)) {
        #expect(Donations.percent(row.0, of: row.1) == row.2)
    }

    @Test func aDraftReportsEveryProblem() {
        let d = Donations.draft(
            contact: "p1", campaign: "c", amount: "12.345", pledge: true, on: "2026-10-01", method: "bitcoin",
            note: nil, fulfils: Self.gift("g", "p2", 100), recordedAt: 1, userID: "u")
        #expect(Set(d.problems.map(\.location)) == ["AMOUNT", "--method", "--pledge", "PLEDGE"], "\(d.problems)")
        #expect(d.problems.filter { $0.location == "PLEDGE" }.count == 2, "not a pledge, and someone else's")
        let good = Donations.draft(
            contact: "p1", campaign: "c", amount: "$1,250.50", pledge: false, on: "2026-10-01", method: "check",
            note: "thanks", fulfils: Self.pledge("x", "p1", 200_000), recordedAt: 7, userID: "u")
        #expect(good.problems.isEmpty)
        #expect(good.values["amount_cents"] == 125_050 && good.values["fulfils"] == "x")
        #expect(
            Donation(id: "d", good.values)
                == Donation(
                    id: "d", contactID: "p1", campaignID: "c", amountCents: 125_050, pledge: false,
                    receivedOn: "2026-10-01",
                    method: "check", note: "thanks", fulfils: "x", recordedAt: 7, userID: "u"))
        #expect(
            Donations.draft(
                contact: "p1", campaign: "c", amount: "0", pledge: false, on: "2026-10-01", method: nil, note: nil,
                fulfils: nil, recordedAt: 1, userID: "u"
            ).problems.map(\.location) == ["AMOUNT"])
    }

    @Test func aPaymentsIDComesFromThePledgeTheDayAndTheAmount() {
        #expect(Donations.paymentID(pledge: "x", on: "2026-10-01", cents: 2500) == "x~paid~2026-10-01~2500")
    }
}
