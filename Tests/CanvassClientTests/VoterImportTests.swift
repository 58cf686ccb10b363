import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_760_000_000_000

/// A coordinator's campaign and voter-file import through the façade, on a file store, then
/// synced to an in-process server.
@Suite struct VoterImportTests {
    /// A logged-in home of `role` on an empty server, with its façade.
    static func home(role: Role) async throws -> (FieldClient, SyncService, URL) {
        let dir = try temporaryDirectory("canvass-import")
        let service = SyncService(storage: try SQLiteServerStorage.inMemory())
        _ = try await enrolledClient(
            service: service, user: "coord-\(role.rawValue)", role: role,
            path: dir.appendingPathComponent("replica.sqlite").path)
        return (FieldClient(home: dir.path), service, dir)
    }

    static func vendorFile(in dir: URL) throws -> (VendorVoterFile, String) {
        let vendor = VendorVoterFile(fixture: VoterFileGenerator(seed: 20261103, households: 40).generate())
        let path = dir.appendingPathComponent("vendor.csv").path
        try vendor.csv.write(toFile: path, atomically: true, encoding: .utf8)
        return (vendor, path)
    }

    @Test func importingTheSecondLayoutTwiceGivesTheSameCountsAndADryRunWritesNothing() async throws {
        let (client, _, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let campaign = try client.createCampaign(
            name: "Rivera 2026", type: "election", status: "active", start: "9/1/2026", end: "2026-11-03",
            goals: ["doors=500", "revenue=$1,250.50"], parent: nil, now: T0)
        #expect(campaign.id == "rivera-2026" && campaign.startDate == "2026-09-01")
        #expect(campaign.goals.revenueCents == 125_050)
        let (vendor, file) = try Self.vendorFile(in: dir)

        let dry = try client.importVoterFile(campaign: "Rivera 2026", file: file, dryRun: true, now: T0)
        #expect(dry.people.created == vendor.people && dry.written == 0)
        #expect(try client.campaign("rivera-2026").people == 0, "a dry run writes nothing")

        var phases: [String] = []
        let first = try client.importVoterFile(campaign: "rivera-2026", file: file, now: T0) { p in
            if case .writing = p { phases.append("writing") } else { phases.append("reading") }
        }
        #expect(phases.contains("reading") && phases.last == "writing")
        #expect(first.rows == vendor.people + 2)
        #expect(first.people.created == vendor.people && first.people.updated == 0)
        #expect(first.badRows == 1 && first.duplicates == 1)
        let bad = first.problems.filter { $0.severity == .error }
        #expect(bad.count == 1 && bad[0].location == "line \(vendor.badLine), RESADDRESS", "\(bad)")
        #expect(bad[0].message.contains("PO box"))
        #expect(first.problems.contains { $0.location == "line \(vendor.duplicateLine)" && $0.code == "duplicate" })
        #expect(first.mapping.contains { $0.column == "RESADDRESS" && $0.field == "address" })
        #expect(first.mapping.contains { $0.column == "G2024" && $0.field == "voted:G2024" })

        let second = try client.importVoterFile(campaign: "rivera-2026", file: file, now: T0 + 1)
        #expect(second.people.created == 0 && second.people.updated == 0)
        #expect(second.people.unchanged == vendor.people)
        #expect(second.households.created == 0 && second.households.unchanged == first.households.created)
        #expect(second.badRows == 1 && second.duplicates == 1 && second.written == 0)

        let detail = try client.campaign("rivera-2026")
        #expect(detail.people == vendor.people && detail.households == first.households.created)
        #expect(detail.progress.doors == 0 && detail.progress.contacts == 0 && detail.progress.revenueCents == 0)
        #expect(
            detail.progress.revenuePercent == 0 && detail.campaign.goals.doors == 500, "no money yet: 0% of the goal")
    }

    /// Both layouts into one campaign: the vendor's copies of fixture voters match them (same
    /// voter id, same households), the rest are new; then everything syncs to the server.
    @Test func theFixtureFileThenTheVendorFileThenSync() async throws {
        let (client, service, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try client.createCampaign(
            name: "Rivera 2026", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil, now: T0)
        let voters = VoterFileGenerator(seed: 20261103, households: 40).generate()
        let fixture = dir.appendingPathComponent("voters.csv").path
        try VoterCSV.render(voters).write(toFile: fixture, atomically: true, encoding: .utf8)
        let a = try client.importVoterFile(campaign: "rivera-2026", file: fixture, now: T0)
        #expect(a.people.created == voters.count && a.households.created == 40 && a.problems.isEmpty, "\(a.problems)")

        let (vendor, file) = try Self.vendorFile(in: dir)
        let b = try client.importVoterFile(campaign: "rivera-2026", file: file, now: T0)
        #expect(b.people.created == vendor.freshPeople, "the fixture voters are matched, not doubled")
        #expect(b.people.unchanged == vendor.people - vendor.freshPeople)
        #expect(b.households.created == vendor.freshHouseholds)

        let store = try ReplicaStore.open(path: dir.appendingPathComponent("replica.sqlite").path)
        let report = try await SyncEngine(store: store, transport: InProcessTransport(service: service)).sync(now: T0)
        #expect(report.rejected == 0)
        let onServer = try await service.storage.records(in: "contacts")
        #expect(onServer.count == voters.count + vendor.freshPeople)
        #expect(onServer.allSatisfy { $0["campaign_id"] == "rivera-2026" })
    }

    /// Progress counts the interactions on the campaign's lists: door knocks, and conversations.
    @Test func campaignShowCountsDoorsAndContactsOnItsLists() async throws {
        let (client, _, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try client.createCampaign(
            name: "Rivera 2026", type: nil, status: nil, start: nil, end: nil, goals: ["contacts=10"], parent: nil,
            now: T0)
        let (_, file) = try Self.vendorFile(in: dir)
        _ = try client.importVoterFile(campaign: "rivera-2026", file: file, now: T0)
        let survey = try client.createSurvey(
            campaign: "rivera-2026", file: Fixtures.surveyPath("canvass"), replace: false, now: T0)
        let cut = try client.cutLists(
            campaign: "rivera-2026", survey: survey.id, channel: .door, criteria: nil, segment: nil, size: 10,
            name: "Turf", dryRun: false, now: T0)
        let list = try #require(cut.lists.first?.id)
        let people = try client.walk(list, now: T0).flatMap(\.people).map(\.id)
        try #require(people.count >= 3)
        _ = try client.record(person: people[0], list: list, result: "contacted", answers: [], note: nil, now: T0 + 1)
        _ = try client.record(person: people[1], list: list, result: "not_home", answers: [], note: nil, now: T0 + 2)
        _ = try client.record(person: people[2], list: list, result: "refused", answers: [], note: nil, now: T0 + 3)
        let detail = try client.campaign("rivera-2026")
        #expect(detail.progress.doors == 3 && detail.progress.contacts == 2, "refused reached the person too")
        #expect(detail.lists.contains(list) && detail.campaign.goals.contacts == 10)
    }

    @Test func aCanvasserIsRefusedAndNothingIsWritten() async throws {
        let (client, _, dir) = try await Self.home(role: .canvasser)
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ClientError.self) {
            try client.createCampaign(
                name: "Mine", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil, now: T0)
        }
        #expect(error?.code == .invalid && error?.message.contains("only coordinators") == true)
        let (_, file) = try Self.vendorFile(in: dir)
        #expect(throws: ClientError.self) { try client.importVoterFile(campaign: "mine", file: file, now: T0) }
    }

    @Test func aFileWithoutANameOrAddressIsRefusedBeforeAnythingIsWritten() async throws {
        let (client, _, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try client.createCampaign(
            name: "C", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil, now: T0)
        let file = dir.appendingPathComponent("odd.csv").path
        try "ID,WHO,WHERE\n1,Ann,12 Main St\n".write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: ClientError.self) { try client.importVoterFile(campaign: "c", file: file, now: T0) }
        #expect(error?.problems.first?.code == "missing_mapping")
        #expect(try client.campaign("c").people == 0)
        let mapped = try client.importVoterFile(
            campaign: "c", file: file, maps: ["WHO=last_name", "WHERE=address", "ID=voter_id"], now: T0)
        #expect(mapped.people.created == 1)
    }
}
