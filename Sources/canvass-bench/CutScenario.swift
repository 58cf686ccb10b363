import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassTestSupport
import Foundation

/// `canvass list cut` of a 100,000-person campaign into walk lists of 50 doors, three ways:
/// the cutting alone over people already in memory (`TurfCutter`), the CLI's read and cut from
/// the coordinator's store (`--dry-run`), and the whole command, lists written durably.
struct CutScenario: Scenario {
    static let name = "cut"
    static let summary = "100,000 people (40,000 households) cut into walk lists of about 50 doors"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench-cut")
        defer { try? FileManager.default.removeItem(at: dir) }
        let households = importHouseholds()
        progress("writing and importing the voter file (\(households) households)")
        let (file, people) = try voterFile(households: households, in: dir)
        let base = try await coordinatorHome(dir, name: "coordinator")
        _ = try base.importVoterFile(campaign: "bench-2026", file: file, now: 1_760_000_000_000)
        _ = try base.createSurvey(
            campaign: "bench-2026", file: Fixtures.surveyPath("canvass"), replace: false, now: 1_760_000_000_000)
        let survey = try Fixtures.survey("canvass")

        // The cutting alone, over the people as the store would give them.
        let voters = VoterFileGenerator(seed: 20261103, households: households).generate()
        let facts = Self.facts(voters)
        let cutter = TurfCutter(
            options: .init(channel: .door, size: 50, name: "Turf", now: 1_760_000_000_000), survey: survey)
        let pure = measure(repeats: repeats) { cutter.cut(facts) }
        progress(String(format: "cutting alone: best %.3f s, %d lists", pure.best, pure.last.lists.count))

        // As the CLI does it: read the campaign from the store, cut (nothing written).
        var dry = CutReport?.none
        let read = try measure(repeats: repeats) {
            dry = try base.cutLists(
                campaign: "bench-2026", survey: survey.id, channel: .door, criteria: nil, segment: nil, size: 50,
                name: "Dry", dryRun: true, now: 1_760_000_000_000)
        }
        progress(String(format: "read + cut: best %.3f s", read.best))

        // The whole command, each run on a fresh copy of the imported store.
        var whole: [Double] = []
        for r in 0..<repeats {
            let copy = dir.appendingPathComponent("copy\(r)")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: base.home), to: copy)
            let client = FieldClient(home: copy.path)
            let t0 = ContinuousClock.now
            _ = try client.cutLists(
                campaign: "bench-2026", survey: survey.id, channel: .door, criteria: nil, segment: nil, size: 50,
                name: "Turf", dryRun: false, now: 1_760_000_000_000)
            whole.append(seconds(ContinuousClock.now - t0))
            try? FileManager.default.removeItem(at: copy)
            progress(String(format: "run %d, read + cut + write: %.3f s", r, whole.last!))
        }
        whole.sort()
        let target = people >= 90_000 ? "≤ 2" : "≤ 2 (at 100,000 people)"
        let lists = dry?.lists ?? []
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "people", value: Double(people), unit: "people", target: nil, met: nil),
                Figure(name: "lists", value: Double(lists.count), unit: "lists", target: nil, met: nil),
                Figure(
                    name: "doors per list (mean)",
                    value: lists.isEmpty ? 0 : Double(lists.reduce(0) { $0 + $1.doors }) / Double(lists.count),
                    unit: "doors", target: nil, met: nil),
                Figure(
                    name: "read from the store + cut, as `list cut --dry-run` (best)", value: read.best, unit: "s",
                    target: target, met: read.best <= 2),
                Figure(
                    name: "  of which the cutting alone, in memory (best)", value: pure.best, unit: "s", target: nil,
                    met: nil),
                Figure(
                    name: "read + cut + write the lists durably, as `list cut` (best)", value: whole[0], unit: "s",
                    target: nil, met: nil),
                Figure(
                    name: "read + cut + write (median)", value: whole[whole.count / 2], unit: "s", target: nil, met: nil
                ),
                Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "the target is taken on the CLI's own path minus the writing: FieldClient.cutLists with --dry-run reads the campaign's people, households, interactions and groups from the coordinator's file store (projected reads) and cuts; the whole command also writes every list and list item in one durable transaction (WAL, synchronous=FULL). CANVASS_BENCH_HOUSEHOLDS sets the size"
            ])
    }

    /// People as the campaign's import leaves them (the records `CampaignRecords.people` writes).
    static func facts(_ voters: [Voter]) -> [PersonFacts] {
        let writes = CampaignRecords.people(voters, campaign: "bench-2026")
        var households: [String: [String: Value]] = [:]
        for w in writes where w.key.collection == "households" { households[w.key.id] = w.values }
        return writes.filter { $0.key.collection == "contacts" }.map { w in
            PersonFacts(
                id: w.key.id, contact: w.values,
                household: w.values["household_id"]?.stringValue.flatMap { households[$0] } ?? [:], interactions: [])
        }
    }
}
