import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassStore
import CanvassTestSupport
import Foundation

/// `canvass gotv chase` on a coordinator's replica of a 100,000-person campaign right after
/// 50,000 voted marks arrived by sync: the marks are written on a field replica that pulled the
/// contacts, read from its feed in pull-sized pages and applied to the coordinator's store as a
/// pull applies them; then the chase list is refreshed (computed on read, as the CLI does).
struct GotvScenario: Scenario {
    static let name = "gotv-chase"
    static let summary = "GOTV chase-list refresh on a 100,000-person campaign after 50,000 voted marks sync in"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench-gotv")
        defer { try? FileManager.default.removeItem(at: dir) }
        let households = importHouseholds()
        progress("writing and importing the voter file (\(households) households)")
        let (file, people) = try voterFile(households: households, in: dir)
        let client = try await coordinatorHome(dir, name: "coordinator")
        let campaign = "bench-2026"
        let now: Int64 = 1_760_000_000_000
        _ = try client.importVoterFile(campaign: campaign, file: file, now: now)
        let survey = try client.createSurvey(
            campaign: campaign, file: Fixtures.surveyPath("canvass"), replace: false, now: now)
        let store = try ReplicaStore.open(
            path: URL(fileURLWithPath: client.home).appendingPathComponent(
                "replica.sqlite"
            ).path)
        let contacts = try store.projected("contacts", fields: []).map(\.key.id)

        // Everyone was asked the support question once: 1–5 in turn, so two in five are supporters.
        progress("recording \(contacts.count) support answers")
        let answers = contacts.enumerated().map { i, c in
            LocalWrite(
                RecordKey("interactions", "bench-\(i)"),
                [
                    "person_id": .string(c), "survey_id": .string(survey.id), "channel": "door",
                    "result": "contacted", "recorded_at": .int(now + Int64(i)), "user_id": "bench",
                    "answers": .object(["support": .int(Int64(1 + i % 5))]),
                ])
        }
        try store.writeInBatches(answers, wallclock: now)
        let before = try client.gotvSummary(campaign: campaign)

        // A field replica pulls the contacts, marks every other person voted, and its feed is
        // applied to the coordinator's store page by page.
        progress("a field replica marks every other person voted")
        let field = try ReplicaStore.inMemory()
        try field.setReplicaID(ReplicaID("field-bench"))
        var since: Int64 = 0
        while true {
            let page = try store.feed(since: since, limit: ProtocolInfo.maxPullLimit) { $0.collection == "contacts" }
            if !page.records.isEmpty { try field.apply(ChangeSet(records: page.records)) }
            since = page.last
            if !page.more { break }
        }
        let mark = try field.lastSeq()
        let marks = stride(from: 0, to: contacts.count, by: 2).map {
            LocalWrite(RecordKey("contacts", contacts[$0]), ["voted": true])
        }
        try field.writeInBatches(marks, wallclock: now + 86_400_000)
        let t0 = ContinuousClock.now
        var applied = 0
        since = mark
        while true {
            let page = try field.feed(since: since, limit: ProtocolInfo.maxPullLimit)
            if !page.records.isEmpty {
                try store.apply(ChangeSet(records: page.records), origin: ReplicaID("field-bench"))
                applied += page.records.count
            }
            since = page.last
            if !page.more { break }
        }
        let syncSeconds = seconds(ContinuousClock.now - t0)
        progress(String(format: "%d marks applied in %.3f s", applied, syncSeconds))

        let refresh = try measure(repeats: repeats) { try client.gotvChase(campaign: campaign, limit: 50) }
        let after = refresh.last.summary
        progress(String(format: "chase refresh: best %.3f s, %d left to chase", refresh.best, after.leftToChase))
        let target = people >= 90_000 ? "≤ 1" : "≤ 1 (at 100,000 people)"
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "people", value: Double(people), unit: "people", target: nil, met: nil),
                Figure(name: "voted marks synced in", value: Double(applied), unit: "records", target: nil, met: nil),
                Figure(
                    name: "supporters left to chase, before → after", value: Double(after.leftToChase),
                    unit: "people (before: \(before.leftToChase))", target: nil, met: nil),
                Figure(
                    name: "chase-list refresh after the marks, as `gotv chase` (best)", value: refresh.best, unit: "s",
                    target: target, met: refresh.best <= 1),
                Figure(name: "chase-list refresh (median)", value: refresh.median, unit: "s", target: nil, met: nil),
                Figure(
                    name: "applying the marks' pull pages (not in the target)", value: syncSeconds, unit: "s",
                    target: nil, met: nil),
                Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "the refresh is FieldClient.gotvChase on the coordinator's file store (WAL, synchronous=FULL): each person's latest support answer from the interactions answering it or correcting another (found by SQLite), the contacts in one pass that builds the fields Gotv.standing reads for supporters alone, the addresses of those to chase, then Gotv.sorted. Every person has one support answer (1–5 in turn); every other person is marked voted on a field replica whose feed pages (\(ProtocolInfo.maxPullLimit) records) are applied as a pull applies them. CANVASS_BENCH_HOUSEHOLDS sets the size"
            ])
    }
}
