import CanvassClient
import CanvassCore
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_780_000_000_000

/// Donations, pledges and engagement levels through the façade, on a coordinator's file store
/// that pulled the test campaign (`camp-2026`, revenue goal $50,000) from an in-process server:
/// bad input names every problem and writes nothing, a pledge is paid in parts, levels change
/// with their history, the rules move people once, and the server accepts every record.
@Suite struct DonationEngagementClientTests {
    @Test func donationsAndPledges() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let people = try store.records(in: "contacts").map(\.key.id).sorted()
        let bad = try #require(throws: ClientError.self) {
            try client.addDonation(
                person: people[0], amount: "12.345", pledge: false, campaign: nil, on: "someday", method: "bitcoin",
                note: nil, now: T0)
        }
        #expect(bad.code == .invalid && Set(bad.problems.map(\.location)) == ["AMOUNT", "--on", "--method"], "\(bad)")
        #expect(try store.counts().pending == 0, "nothing written on bad input")
        try store.write(RecordKey("contacts", "c-loose"), ["first_name": "Lou"], wallclock: T0)
        let loose = try #require(throws: ClientError.self) {
            try client.addDonation(
                person: "c-loose", amount: "5", pledge: false, campaign: nil, on: nil, method: nil, note: nil, now: T0)
        }
        #expect(loose.message.contains("--campaign"), "says what to do: \(loose)")

        let gift = try client.addDonation(
            person: people[0], amount: "$250", pledge: false, campaign: nil, on: "10/1/2026", method: "check",
            note: nil, now: T0)
        #expect(gift.donation.campaignID == "camp-2026" && gift.donation.receivedOn == "2026-10-01")
        let pledge = try client.addDonation(
            person: people[1], amount: "1,000", pledge: true, campaign: "camp-2026", on: "2026-10-02", method: nil,
            note: "at the gala", now: T0)
        #expect(pledge.outstandingCents == 100_000)
        let part = try client.fulfilPledge(
            pledge.donation.id, amount: "300", on: "2026-10-05", method: "card", note: nil, now: T0)
        #expect(part.donation.fulfils == pledge.donation.id && part.donation.contactID == people[1])
        #expect(throws: ClientError.self, "the same payment twice is one record") {
            try client.fulfilPledge(
                pledge.donation.id, amount: "300", on: "2026-10-05", method: nil, note: nil, now: T0)
        }
        #expect(throws: ClientError.self, "money received is not a pledge") {
            try client.fulfilPledge(gift.donation.id, amount: nil, on: nil, method: nil, note: nil, now: T0)
        }
        var revenue = try client.revenue(campaign: "camp-2026")
        #expect(revenue.receivedCents == 55_000 && revenue.pledgedOutstandingCents == 70_000)
        #expect(revenue.goalCents == 5_000_000 && revenue.percentOfGoal == 1 && revenue.donors == 2)
        let rest = try client.fulfilPledge(
            pledge.donation.id, amount: nil, on: "2026-10-09", method: nil, note: nil, now: T0)
        #expect(rest.donation.amountCents == 70_000, "the rest of the pledge by default")
        #expect(throws: ClientError.self, "paid in full") {
            try client.fulfilPledge(pledge.donation.id, amount: nil, on: nil, method: nil, note: nil, now: T0)
        }
        revenue = try client.revenue(campaign: "camp-2026")
        #expect(revenue.receivedCents == 125_000 && revenue.pledgedOutstandingCents == 0 && revenue.openPledges == 0)
        #expect(try client.campaign("camp-2026").progress.revenueCents == 125_000)
        let listed = try client.donations(campaign: "camp-2026", person: people[1])
        #expect(listed.donations.map(\.donation.id).count == 3 && listed.revenue == revenue)
        let report = try await CoordinatorSetUpTests.push(store, service)
        #expect(report.rejected == 0, "the server accepts a coordinator's donations")
    }

    @Test func levelsByHandAndByRule() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let people = try store.records(in: "contacts").map(\.key.id).sorted()
        let bad = try #require(throws: ClientError.self) {
            try client.setEngagement(person: people[0], level: 6, reason: " ", campaign: nil, now: T0)
        }
        #expect(Set(bad.problems.map(\.location)) == ["LEVEL", "--reason"])
        #expect(try store.counts().pending == 0)
        let set = try client.setEngagement(
            person: people[0], level: 2, reason: "came to a meeting", campaign: nil, now: T0)
        #expect(set.previousLevel == nil && set.campaignID == "camp-2026")
        #expect(try store.record(RecordKey("contacts", people[0]))?["engagement_level"] == 2)
        #expect(try store.counts().pending == 2, "the level and its change, in one transaction")
        #expect(throws: ClientError.self) {
            try client.setEngagement(person: people[0], level: 2, reason: "again", campaign: nil, now: T0)
        }

        _ = try client.addDonation(
            person: people[0], amount: "20", pledge: false, campaign: nil, on: nil, method: nil, note: nil, now: T0)
        _ = try client.addDonation(
            person: people[1], amount: "20", pledge: true, campaign: nil, on: nil, method: nil, note: nil, now: T0)
        let dry = try client.applyEngagement(campaign: "camp-2026", dryRun: true, now: T0 + 1)
        #expect(dry.moves.map(\.person) == [people[0]], "a pledge alone moves nobody")
        #expect(dry.moves.first?.to == 3 && dry.moves.first?.rule == "donated")
        #expect(try client.engagementHistory(person: people[0]).changes.count == 1, "a dry run writes nothing")
        _ = try client.applyEngagement(campaign: "camp-2026", dryRun: false, now: T0 + 1)
        #expect(try client.applyEngagement(campaign: "camp-2026", dryRun: false, now: T0 + 2).moves.isEmpty)
        // Lowered by hand, the level stays lowered: the rule has raised this person once.
        _ = try client.setEngagement(person: people[0], level: 1, reason: "moved away", campaign: nil, now: T0 + 3)
        #expect(try client.applyEngagement(campaign: "camp-2026", dryRun: true, now: T0 + 4).moves.isEmpty)
        let history = try client.engagementHistory(person: people[0])
        #expect(history.level == 1 && history.changes.map(\.level) == [2, 3, 1])
        #expect(history.changes.map(\.rule) == ["hand", "donated", "hand"])

        let between = try client.engagement(campaign: "camp-2026", from: T0 + 1, to: T0 + 2)
        #expect(between.movement == [EngagementReport.Move(from: 2, to: 3, people: 1)])
        // Days in the campaign's time zone (UTC here): T0 is 2026-05-28 20:26 UTC.
        let day = try client.engagement(campaign: "camp-2026", fromDay: "2026-05-28", toDay: "5/28/2026")
        #expect(day.from == 1_779_926_400_000 && day.to == 1_780_012_799_999 && day.raised == 1)
        let after = try client.engagement(campaign: "camp-2026", fromDay: "2026-05-29", toDay: nil)
        #expect(after.movement.isEmpty && after.changesByRule.isEmpty)
        let badDays = try #require(throws: ClientError.self) {
            try client.engagement(campaign: "camp-2026", fromDay: "someday", toDay: "2026-13-40")
        }
        #expect(badDays.problems.map(\.location) == ["--from", "--to"])
        let backwards = try #require(throws: ClientError.self) {
            try client.engagement(campaign: "camp-2026", fromDay: "2026-06-01", toDay: "2026-05-01")
        }
        #expect(backwards.problems.map(\.location) == ["--to"])
        let overall = try client.engagement(campaign: "camp-2026", from: nil, to: nil)
        #expect(overall.movement == [EngagementReport.Move(from: nil, to: 1, people: 1)])
        #expect(overall.distribution.first?.people == 1 && overall.distribution.last?.people == overall.people - 1)
        let report = try await CoordinatorSetUpTests.push(store, service)
        #expect(report.rejected == 0, "the server accepts levels and their history from a coordinator")
    }

    /// Two coordinators apply the same rule on their laptops before either syncs: both write
    /// a change for `PERSON@donated@3` (one record each, the server accepts both), the history
    /// counts it once, and the level merges to 3.
    @Test func twoCoordinatorsApplyTheSameRuleOffline() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let people = try store.records(in: "contacts").map(\.key.id).sorted()
        _ = try client.addDonation(
            person: people[0], amount: "20", pledge: false, campaign: nil, on: nil, method: nil, note: nil, now: T0)
        _ = try await CoordinatorSetUpTests.push(store, service)
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let (store2, transport2) = try await enrolledClient(
            service: service, user: "second-coordinator", role: .coordinator,
            path: other.appendingPathComponent("replica.sqlite").path)
        _ = try await SyncEngine(store: store2, transport: transport2).sync(now: T0)
        let client2 = FieldClient(home: other.path)
        let first = try client.applyEngagement(campaign: "camp-2026", dryRun: false, now: T0 + 1)
        let second = try client2.applyEngagement(campaign: "camp-2026", dryRun: false, now: T0 + 2)
        #expect(first.moves.count == 1 && first.moves.map(\.person) == second.moves.map(\.person))
        let r1 = try await CoordinatorSetUpTests.push(store, service)
        let r2 = try await SyncEngine(store: store2, transport: transport2).sync(now: T0 + 3)
        let r3 = try await CoordinatorSetUpTests.push(store, service)
        #expect(r1.rejected == 0 && r2.rejected == 0 && r2.conflicts == 0 && r3.conflicts == 0, "\(r1) \(r2) \(r3)")
        for c in [client, client2] {
            let history = try c.engagementHistory(person: people[0])
            #expect(history.level == 3 && history.changes.map(\.rule) == ["donated"], "\(history)")
            #expect(try c.applyEngagement(campaign: "camp-2026", dryRun: true, now: T0 + 4).moves.isEmpty)
            #expect(try c.engagement(campaign: "camp-2026", from: nil, to: nil).changesByRule == ["donated": 1])
        }
        #expect(try store.records(in: "engagement_changes").count == 2, "one record from each laptop")
    }
}
