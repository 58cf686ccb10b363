import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_780_000_000_000

/// A coordinator's surveys, groups, segments and cuts through the façade, on a file store that
/// pulled the test campaign from an in-process server, then synced back.
@Suite struct CoordinatorSetUpTests {
    /// A logged-in home of `role` that has pulled the campaign (`camp-2026`, lists `walk-N`).
    static func home(role: Role) async throws -> (FieldClient, ReplicaStore, SyncService, URL) {
        let dir = try temporaryDirectory("canvass-setup")
        let campaign = try TestCampaign(households: 60, turfSize: 20)
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(
            service: service, user: "user-\(role.rawValue)", role: role, lists: ["walk-0"],
            path: dir.appendingPathComponent("replica.sqlite").path)
        _ = try await SyncEngine(store: store, transport: transport).sync(now: T0)
        return (FieldClient(home: dir.path), store, service, dir)
    }

    static func push(_ store: ReplicaStore, _ service: SyncService) async throws -> SyncReport {
        try await SyncEngine(store: store, transport: InProcessTransport(service: service)).sync(now: T0)
    }

    @Test func surveysAreCheckedWrittenAndReplacedOnlyWhenAsked() async throws {
        let (client, store, service, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let broken = dir.appendingPathComponent("broken.yaml").path
        try "id: s1\ntitle: S\nkind: canvas\nquestions:\n  - { id: q, text: Q, type: yes_no, nxt: end }\n".write(
            toFile: broken, atomically: true, encoding: .utf8)
        let error = try #require(throws: ClientError.self) {
            try client.createSurvey(campaign: "camp-2026", file: broken, replace: false, now: T0)
        }
        #expect(error.code == .invalid)
        #expect(error.message.contains("broken.yaml:3:7") && error.message.contains("broken.yaml:5:37"), "\(error)")
        #expect(try store.counts().pending == 0, "nothing written")

        let good = dir.appendingPathComponent("good.yaml").path
        try "id: s1\ntitle: S\nkind: canvass\nquestions:\n  - { id: q, text: Q, type: yes_no }\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        #expect(try client.createSurvey(campaign: "camp-2026", file: good, replace: false, now: T0).change == "created")
        #expect(
            try client.createSurvey(campaign: "camp-2026", file: good, replace: false, now: T0).change == "unchanged")
        #expect(throws: ClientError.self) {
            try client.createSurvey(campaign: "nowhere", file: good, replace: false, now: T0)
        }
        try "id: s1\ntitle: S2\nkind: canvass\n".write(toFile: good, atomically: true, encoding: .utf8)
        #expect(throws: ClientError.self) {
            try client.createSurvey(campaign: "camp-2026", file: good, replace: false, now: T0)
        }
        #expect(try client.createSurvey(campaign: "camp-2026", file: good, replace: true, now: T0).change == "replaced")
        #expect(try client.showSurvey("s1").title == "S2")
        #expect(try client.showSurvey("walk-0").id == (try TestCampaign().doorSurvey.id), "a list's survey")
        #expect(try client.surveys(campaign: "camp-2026").map(\.id).contains("s1"))
        let report = try await Self.push(store, service)
        #expect(report.rejected == 0 && report.accepted == 1)
    }

    /// Memberships are records of their own: removing one deletes it, adding it again revives
    /// it, and the server accepts both from a coordinator.
    @Test func groupsAddAndRemoveMembersAndSegmentsReadThem() async throws {
        let (client, store, service, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let people = try store.records(in: "contacts").map(\.key.id).sorted()
        let group = try client.createGroup(campaign: "camp-2026", name: "Volunteers", now: T0)
        #expect(group.id == "grp-camp-2026-volunteers")
        #expect(throws: ClientError.self) { try client.createGroup(campaign: "camp-2026", name: "volunteers", now: T0) }
        let unknown = try #require(throws: ClientError.self) {
            try client.addToGroup("Volunteers", people: [people[0], "c-nobody"], now: T0)
        }
        #expect(unknown.code == .notFound && unknown.problems.map(\.location) == ["people[1]"])
        #expect(try client.groups(campaign: "camp-2026").first?.members == 0, "nothing added when one id is unknown")

        var change = try client.addToGroup("volunteers", people: [people[0], people[1]], now: T0)
        #expect(change.changed == [people[0], people[1]].sorted() && change.members == 2)
        change = try client.addToGroup(group.id, people: [people[1]], now: T0)
        #expect(change.changed.isEmpty && change.unchanged == [people[1]])
        change = try client.removeFromGroup("Volunteers", people: [people[0]], now: T0)
        #expect(change.changed == [people[0]] && change.members == 1)
        #expect(try store.record(RecordKey("group_members", "\(group.id)@\(people[0])"))?.isDeleted == true)

        let segment = try client.createSegment(
            campaign: "camp-2026", name: "The group", criteria: "group=Volunteers", replace: false, now: T0)
        #expect(segment.count == 1)
        #expect(try client.showSegment("The group", limit: 5).people.map(\.id) == [people[1]])
        #expect(try client.showGroup("Volunteers", limit: 5).count == 1)
        change = try client.addToGroup("Volunteers", people: [people[0]], now: T0)
        #expect(change.members == 2)
        #expect(try client.segments(campaign: "camp-2026").first?.count == 2, "segments count afresh")
        let bad = try #require(throws: ClientError.self) {
            try client.createSegment(
                campaign: "camp-2026", name: "Bad", criteria: "group=Donors party=DEMS", replace: false, now: T0)
        }
        #expect(bad.problems.map(\.location) == ["column 7", "column 20"])
        #expect(bad.message.contains("group=Donors party=DEMS\n        ^^^^^^       ^^^^"), "\(bad.message)")

        let report = try await Self.push(store, service)
        #expect(report.rejected == 0, "the server's schema knows groups, members and segments")
        #expect(report.accepted == 4, "the group, two memberships, the segment")
    }

    @Test func cutsLeaveOutTheSuppressedAndWriteOnce() async throws {
        let (client, store, service, dir) = try await Self.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let survey = try TestCampaign().doorSurvey.id
        let walk = try client.walk("walk-0")
        let refused = try #require(walk.first?.people.first?.id)
        _ = try client.record(person: refused, list: "walk-0", result: "refused", answers: [], note: nil, now: T0)
        let dead = try #require(walk.last?.people.first?.id)
        _ = try client.record(person: dead, list: "walk-0", result: "deceased", answers: [], note: nil, now: T0)

        let dry = try client.cutLists(
            campaign: "camp-2026", survey: survey, channel: .door, criteria: nil, segment: nil, size: 20, name: nil,
            dryRun: true, now: T0 + 1)
        #expect(dry.excluded == ["recontact interval": 1, "deceased": 1])
        #expect(!dry.written && dry.lists.first?.id == "turf-01")
        #expect(try store.records(in: "lists").count == 4, "a dry run writes nothing")
        let chosen = try client.cutLists(
            campaign: "camp-2026", survey: survey, channel: .door, criteria: "party=DEM,REP", segment: nil, size: 20,
            name: "Cut", dryRun: false, now: T0 + 1)
        #expect(chosen.written && chosen.lists.allSatisfy { $0.id.hasPrefix("cut-") })
        let listed = try chosen.lists.flatMap { try client.walk($0.id).flatMap(\.people) }
        #expect(listed.count == chosen.lists.reduce(0) { $0 + $1.people })
        #expect(!listed.contains { $0.id == refused || $0.id == dead })
        #expect(throws: ClientError.self) {
            try client.cutLists(
                campaign: "camp-2026", survey: survey, channel: .door, criteria: "party=DEM,REP", segment: nil,
                size: 20, name: "Cut", dryRun: false, now: T0 + 1)
        }
        // The route is the walk order: the list walks in the order of its positions.
        let first = try #require(chosen.lists.first)
        let items = try store.records(in: "list_items").filter { $0["list_id"]?.stringValue == first.id }
        let byPosition = items.sorted { ($0["position"]?.intValue ?? 0) < ($1["position"]?.intValue ?? 0) }
        var households: [String] = []
        for i in byPosition where households.last != i["household_id"]?.stringValue {
            households.append(i["household_id"]!.stringValue!)
        }
        #expect(try client.walk(first.id).map(\.householdID) == households)

        let calls = try client.cutLists(
            campaign: "camp-2026", survey: survey, channel: .call, criteria: nil, segment: nil, size: nil, name: nil,
            dryRun: false, now: T0 + 1)
        #expect(calls.lists.first?.id == "calls-01" && calls.size == 100)
        #expect(calls.lists.allSatisfy { $0.routeMetres == nil && $0.streets.isEmpty })
        #expect(try client.calls("calls-01").allSatisfy { $0.phone != nil })
        let report = try await Self.push(store, service)
        #expect(report.rejected == 0 && report.accepted > listed.count)
    }

    @Test func canvassersAreRefused() async throws {
        let (client, store, _, dir) = try await Self.home(role: .canvasser)
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = try #require(throws: ClientError.self) {
            try client.cutLists(
                campaign: "camp-2026", survey: "x", channel: .door, criteria: nil, segment: nil, size: nil, name: nil,
                dryRun: false, now: T0)
        }
        #expect(e.code == .invalid && e.message.contains("only coordinators"))
        #expect(throws: ClientError.self) { try client.createGroup(campaign: "camp-2026", name: "G", now: T0) }
        #expect(try store.counts().pending == 0)
        #expect(try client.showSurvey("walk-0").kind == .canvass, "a canvasser still reads a list's survey")
    }
}
