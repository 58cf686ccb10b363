import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassStore
import CanvassTestSupport
import Foundation

/// `canvass report` over a coordinator's replica of 100,000 people (40,000 households) cut into
/// walk lists, with 300,000 interactions by 20 canvassers over 30 days (answers to the door
/// survey on contacts, 1% rolled back, a few corrections): the whole report as the CLI builds it,
/// and the counting alone over facts already in memory.
struct ReportScenario: Scenario {
    static let name = "report"
    static let summary = "campaign report over 100,000 people and 300,000 interactions on a coordinator's replica"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let households = importHouseholds()
        progress("importing the voter file (\(households) households) and cutting walk lists")
        let (file, people) = try voterFile(households: households, in: dir)
        let client = try await coordinatorHome(dir, name: "coordinator")
        let campaign = "bench-2026"
        _ = try client.importVoterFile(campaign: campaign, file: file, now: 1_760_000_000_000)
        _ = try client.createSurvey(
            campaign: campaign, file: Fixtures.surveyPath("canvass"), replace: false, now: 1_760_000_000_000)
        let survey = try Fixtures.survey("canvass")
        _ = try client.cutLists(
            campaign: campaign, survey: survey.id, channel: .door, criteria: nil, segment: nil, size: 50, name: "Turf",
            dryRun: false, now: 1_760_000_000_000)

        let store = try ReplicaStore.open(path: dir.appendingPathComponent("coordinator/replica.sqlite").path)
        let items = try store.projected("list_items", fields: ["list_id", "contact_id", "household_id"])
        let wanted = people * 3
        progress("writing \(wanted) interactions in batches")
        let writes = Self.interactions(items.map(\.values), count: wanted, survey: survey.id)
        try store.writeInBatches(writes, wallclock: 1_761_000_000_000, batch: 50_000)
        let rollbacks = writes.indices.filter { $0 % 100 == 7 }.map {
            LocalWrite(RecordKey("rollbacks", writes[$0].key.id), ["interaction_id": .string(writes[$0].key.id)])
        }
        try store.writeInBatches(rollbacks, wallclock: 1_761_000_000_000)

        var report: CampaignReport?
        let whole = try measure(repeats: repeats) { report = try client.report(campaign: campaign) }
        progress(String(format: "whole report: best %.3f s", whole.best))
        let own = try measure(repeats: repeats) { try client.report(campaign: campaign, sections: false) }
        progress(String(format: "canvassing sections only: best %.3f s", own.best))
        let attempts = report?.totals.attempts ?? 0
        let target = people >= 90_000 ? "≤ 1" : "≤ 1 (at 100,000 people)"
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "people", value: Double(people), unit: "people", target: nil, met: nil),
                Figure(name: "interactions", value: Double(writes.count), unit: "interactions", target: nil, met: nil),
                Figure(
                    name: "interactions counted (not rolled back or corrected)", value: Double(attempts),
                    unit: "interactions", target: nil, met: nil),
                Figure(
                    name: "whole report, as `canvass report` (best)", value: whole.best, unit: "s", target: target,
                    met: whole.best <= 1),
                Figure(name: "whole report (median)", value: whole.median, unit: "s", target: nil, met: nil),
                Figure(
                    name: "  of which doors, contacts, results, answers, tables and goals (best)", value: own.best,
                    unit: "s", target: nil, met: nil),
                Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "FieldClient.report reads the coordinator's file store in one pass per collection (ReplicaStore.forEachProjected: only the counted fields; answers member by member with json_each, merged in id order) and counts in CampaignReport over numbered ids; the whole report adds GOTV (FieldClient.gotvSummary), event turnout, revenue and engagement, each read by its own function on the other core while the canvassing sections are read and counted. CANVASS_BENCH_HOUSEHOLDS sets the size"
            ])
    }

    /// `count` door interactions over the list items, round robin: 20 canvassers, 30 days from
    /// 2026-10-01, a third contacted with answers, every 50th correcting the one before it.
    static func interactions(_ items: [[String: Value]], count: Int, survey: String) -> [LocalWrite] {
        let results = ["not_home", "contacted", "not_home", "refused", "contacted", "lit_drop", "contacted", "moved"]
        let issues = ["cost_of_living", "housing", "schools", "health_care", "jobs"]
        var out: [LocalWrite] = []
        out.reserveCapacity(count)
        guard !items.isEmpty else { return out }
        for n in 0..<count {
            let item = items[n % items.count]
            let result = results[n % results.count]
            var v: [String: Value] = [
                "person_id": item["contact_id"] ?? .null, "household_id": item["household_id"] ?? .null,
                "list_id": item["list_id"] ?? .null, "survey_id": .string(survey), "channel": "door",
                "result": .string(result), "user_id": .string("canvasser-\(n % 20)"),
                "recorded_at": .int(1_759_300_000_000 + Int64(n % 30) * 86_400_000 + Int64(n % 600) * 60_000),
            ]
            if result == "contacted" {
                v["answers"] = .object([
                    "willing": "yes", "support": .int(Int64(1 + n % 5)), "top_issue": .string(issues[n % issues.count]),
                ])
            }
            // A correction of the same canvasser's knock 20 before.
            if n % 50 == 49, n >= 20 { v["corrects"] = .string(out[n - 20].key.id) }
            out.append(LocalWrite(RecordKey("interactions", "bench-i\(n)"), v))
        }
        return out
    }
}
