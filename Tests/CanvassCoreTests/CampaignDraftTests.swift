import CanvassCore
import Testing

/// Campaign drafts (ids, goals in cents, every problem at once) and progress against goals.
struct CampaignDraftTests {
    @Test func aGoodDraft() {
        let d = CampaignDraft(
            name: "Rivera GOTV 2026!", type: "gotv", start: "2026-09-01", end: "2026-11-03",
            goals: ["doors=20,000", "contacts=6000", "revenue=$1,250.50"])
        #expect(d.id == "rivera-gotv-2026")
        let (v, problems) = d.values { _ in false }
        #expect(problems.isEmpty, "\(problems)")
        #expect(v["goal_revenue_cents"] == 125_050 && v["goal_doors"] == 20_000 && v["status"] == "planned")
    }

    @Test func everyProblemAtOnce() {
        let d = CampaignDraft(
            name: "Taken", type: "party", status: "done", start: "2026-11-03", end: "2026-09-01",
            goals: ["doors=many", "revenue=12.345", "votes=3", "doors=2"], parent: "nope")
        let (_, problems) = d.values { $0 == "taken" }
        let at = Set(problems.map(\.location))
        #expect(
            at.isSuperset(of: [
                "NAME", "--type", "--status", "--end", "--parent", "--goal[1]", "--goal[2]", "--goal[3]",
            ]))
    }

    @Test func progressCountsTheCampaignsListsOnly() {
        let survey = Survey(
            id: "s", title: "s", kind: .canvass, resultCodes: ResultCode.standard, questions: [])
        let interactions: [[String: Value]] = [
            ["list_id": "a", "channel": "door", "result": "contacted", "survey_id": "s"],
            ["list_id": "a", "channel": "door", "result": "not_home", "survey_id": "s"],
            ["list_id": "b", "channel": "call", "result": "contacted"],
            ["list_id": "other", "channel": "door", "result": "contacted"],
        ]
        let p = CampaignProgress.tally(lists: ["a", "b"], surveys: ["s": survey], interactions: interactions)
        #expect(p.doors == 2 && p.contacts == 2 && p.revenueCents == 0)
    }
}
