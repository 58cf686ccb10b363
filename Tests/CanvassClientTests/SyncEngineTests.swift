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
private let noWait = RetryPolicy(attempts: 4, initialDelay: .milliseconds(1), sleep: { _ in })

/// All records of a store, every collection, deleted included, sorted.
func everything(_ store: ReplicaStore) throws -> [Record] {
    let names = [
        "campaigns", "households", "contacts", "surveys", "lists", "list_items", "assignments", "interactions",
        "users", "devices",
    ]
    return try names.flatMap { try store.records(in: $0, includeDeleted: true) }
}

@Suite struct SyncEngineTests {
    let campaign: TestCampaign

    init() throws {
        campaign = try TestCampaign(households: 30, turfSize: 15)
    }

    @Test func firstSyncPullsEverythingAndASecondSyncMovesNothing() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", role: .coordinator)
        let engine = SyncEngine(store: store, transport: transport, retry: noWait, pullPageSize: 50)
        let first = try await engine.sync(now: T0)
        let total = try everything(service.replicaStore).count
        #expect(first.pulled == total)
        #expect(first.pullPages > 1)
        #expect(try everything(store) == everything(service.replicaStore))
        let second = try await engine.sync(now: T0)
        #expect(second.pulled == 0 && second.pushed == 0)
    }

    @Test func recordedOfflineThenSyncedReachesTheServerWithoutEcho() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
        let engine = SyncEngine(store: store, transport: transport, retry: noWait)
        _ = try await engine.sync(now: T0)
        let ops = FieldOperations(store: store)
        let person = CampaignSeed.contactID(campaign.turfs[0][0])
        let id = try ops.recordInteraction(
            person: person, list: "walk-0", result: "contacted", answers: ["willing": "yes", "support": 4],
            note: "nice dog", now: T0 + 10)
        #expect(try store.counts().pending == 1)
        let report = try await engine.sync(now: T0 + 20)
        #expect(report.accepted == 1 && report.rejected == 0)
        #expect(report.pulled == 0, "the pushed interaction must not come back as an echo")
        #expect(try service.replicaStore.record(RecordKey("interactions", id))?["note"] == "nice dog")
        #expect(try store.counts().pending == 0)
    }

    @Test func rejectedChangesAreKeptAndShownNeverDropped() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
        let engine = SyncEngine(store: store, transport: transport, retry: noWait)
        _ = try await engine.sync(now: T0)
        // A canvasser may not change party; write it below the operations layer, as an old client might.
        let person = CampaignSeed.contactID(campaign.turfs[0][0])
        try store.write(RecordKey("contacts", person), ["party": "GRN"], wallclock: T0)
        let report = try await engine.sync(now: T0)
        #expect(report.rejected == 1)
        let rejected = try store.outbox(status: "rejected")
        #expect(rejected.count == 1)
        #expect(rejected.first?.problems.contains { $0.code == "forbidden" } == true)
        #expect(try store.record(RecordKey("contacts", person))?["party"] == "GRN", "the local value stays visible")
        #expect(
            try service.replicaStore.record(RecordKey("contacts", person))?["party"] != "GRN",
            "nothing of it was applied")
        let again = try await engine.sync(now: T0)
        #expect(again.pushed == 0, "a rejected change is not retried in a loop")
        #expect(try store.outbox(status: "rejected").count == 1)
    }

    @Test func lostRequestsAndResponsesAreRetriedWithoutLossOrDuplicates() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", role: .coordinator)
        let engine = SyncEngine(store: store, transport: transport, retry: noWait, pushPageSize: 2, pullPageSize: 20)
        transport.inject([.dropRequest, .dropResponse, nil, .dropResponse])
        _ = try await engine.sync(now: T0)
        let ops = FieldOperations(store: store)
        var ids: [String] = []
        for (i, v) in campaign.turfs[0].prefix(5).enumerated() {
            ids.append(
                try ops.recordInteraction(
                    person: CampaignSeed.contactID(v), list: "walk-0", result: "not_home", now: T0 + Int64(i)))
        }
        transport.inject([.dropResponse, .dropRequest, nil, .dropResponse])
        let report = try await engine.sync(now: T0 + 100)
        #expect(report.retries >= 3)
        for id in ids { #expect(try service.replicaStore.record(RecordKey("interactions", id)) != nil) }
        #expect(try service.replicaStore.records(in: "interactions").count == 5)
        #expect(try everything(store) == everything(service.replicaStore))
    }

    @Test func aSyncThatGivesUpResumesLaterWithNothingLost() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", role: .coordinator)
        let engine = SyncEngine(
            store: store, transport: transport, retry: RetryPolicy(attempts: 2, sleep: { _ in }), pullPageSize: 10)
        transport.inject([nil, nil, .dropResponse, .dropRequest])  // two pages, then the third fails twice
        let error = await #expect(throws: ClientError.self) { _ = try await engine.sync(now: T0) }
        #expect(error?.code == .unreachable)
        let partial = try everything(store).count
        let total = try everything(service.replicaStore).count
        #expect(partial > 0 && partial < total)
        _ = try await engine.sync(now: T0)
        #expect(try everything(store) == everything(service.replicaStore))
    }

    @Test func evictionPushesUnsyncedChangesFirst() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", role: .coordinator)
        let engine = SyncEngine(store: store, transport: transport, retry: noWait)
        _ = try await engine.sync(now: T0)
        let person = CampaignSeed.contactID(campaign.turfs[0][0])
        let other = CampaignSeed.contactID(campaign.turfs[0][1])
        try FieldOperations(store: store).edit(person: person, set: ["phone": "614-555-0199"], now: T0)
        // The edit goes out on this sync's push; then the pull says both left scope.
        transport.evictOnNextPull([RecordKey("contacts", person), RecordKey("contacts", other)])
        let report = try await engine.sync(now: T0)
        #expect(report.evicted == 2 && report.keptBack == 0)
        #expect(try service.replicaStore.record(RecordKey("contacts", person))?["phone"] == "614-555-0199")
        #expect(try store.record(RecordKey("contacts", person)) == nil)
    }

    @Test func operationsValidateAgainstTheSurveyAndNameTheValidChoices() async throws {
        let service = try await campaign.server()
        let (store, transport) = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
        _ = try await SyncEngine(store: store, transport: transport, retry: noWait).sync(now: T0)
        let ops = FieldOperations(store: store)
        let person = CampaignSeed.contactID(campaign.turfs[0][0])
        let e1 = #expect(throws: ClientError.self) {
            try ops.recordInteraction(person: person, list: "walk-0", result: "nothome", now: T0)
        }
        #expect(e1?.description.contains("not_home") == true)
        let e2 = #expect(throws: ClientError.self) {
            try ops.recordInteraction(
                person: person, list: "walk-0", result: "contacted", answers: ["support": 9, "colour": "red"], now: T0)
        }
        #expect(e2?.problems.map(\.code).sorted() == ["out_of_range", "unknown_question"])
        #expect(e2?.description.contains("willing") == true, "names the survey's questions")
        let e3 = #expect(throws: ClientError.self) {
            try ops.edit(person: person, set: ["party": "DEM", "phone": .int(5)], now: T0)
        }
        #expect(e3?.problems.map(\.code).sorted() == ["bad_type", "forbidden"])
        #expect(try store.counts().pending == 0, "nothing written on bad input")
        // Effects: moved marks the household's address bad.
        try ops.recordInteraction(person: person, list: "walk-0", result: "moved", now: T0)
        let hid = campaign.turfs[0][0].householdId
        #expect(try store.record(RecordKey("households", hid))?["bad_address"] == .bool(true))
        #expect(try store.record(RecordKey("contacts", person))?["moved"] == .bool(true))
    }

    @Test func concurrentPhoneEditsBecomeAConflictEverywhereAndResolveEverywhere() async throws {
        let service = try await campaign.server()
        let (a, ta) = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
        let (b, tb) = try await enrolledClient(service: service, user: "bob", lists: ["walk-0"])
        let (k, tk) = try await enrolledClient(service: service, user: "kim", role: .coordinator)
        let engines = [
            SyncEngine(store: a, transport: ta, retry: noWait), SyncEngine(store: b, transport: tb, retry: noWait),
            SyncEngine(store: k, transport: tk, retry: noWait),
        ]
        for e in engines { _ = try await e.sync(now: T0) }
        let person = CampaignSeed.contactID(campaign.turfs[0][0])
        try FieldOperations(store: a).edit(person: person, set: ["phone": "614-555-0111"], now: T0 + 1)
        try FieldOperations(store: b).edit(person: person, set: ["phone": "614-555-0122"], now: T0 + 2)
        for _ in 0..<2 { for e in engines { _ = try await e.sync(now: T0 + 3) } }
        for s in [a, b, k, service.replicaStore] {
            let c = try s.conflicts()
            #expect(c.map(\.field) == ["phone"])
            #expect(Set(c.first?.siblings.map(\.value) ?? []) == ["614-555-0111", "614-555-0122"])
        }
        try FieldOperations(store: k).resolve(RecordKey("contacts", person), field: "phone", keep: 2, now: T0 + 4)
        for _ in 0..<2 { for e in engines { _ = try await e.sync(now: T0 + 5) } }
        for s in [a, b, k, service.replicaStore] {
            #expect(try s.conflicts().isEmpty)
            #expect(try s.record(RecordKey("contacts", person))?["phone"] == "614-555-0111")
        }
    }
}
