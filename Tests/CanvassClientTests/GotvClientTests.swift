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

/// Voted marks from the field through the façade: a result with effect voted and an answer a
/// question marks_voted with, recorded, corrected in a shift, marked by hand; the server accepts
/// them all; and a phone-bank shift takes an RSVP by number.
@Suite struct GotvClientTests {
    static let survey = """
        id: gotv-doors
        title: GOTV doors
        kind: canvass
        result_codes:
          - { code: contacted, label: Contacted, contacted: true }
          - { code: already_voted, label: Already voted, contacted: true, effect: voted }
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: voted_yet, text: Have you voted yet?, type: yes_no, marks_voted: ["yes"] }
        """

    @Test func votedMarksFromResultsAnswersCorrectionsAndByHand() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("gotv.yaml").path
        try Self.survey.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try client.createSurvey(campaign: "camp-2026", file: file, replace: false, now: T0)
        let cut = try client.cutLists(
            campaign: "camp-2026", survey: "gotv-doors", channel: .door, criteria: nil, segment: nil, size: 500,
            name: "GOTV", dryRun: false, now: T0)
        let list = try #require(cut.lists.first?.id)
        // The server checks interactions against the surveys it holds, so the survey goes first.
        #expect(try await CoordinatorSetUpTests.push(store, service).rejected == 0)
        let people = try client.walk(list).flatMap(\.people).map(\.id)
        try #require(people.count >= 6)
        func voted(_ p: String) throws -> Bool { try store.record(RecordKey("contacts", p))?["voted"] == .bool(true) }

        // A result with effect voted; an answer that marks voted; one that does not.
        _ = try client.record(
            person: people[0], list: list, result: "already_voted", answers: ["support=5"], note: nil, now: T0)
        _ = try client.record(
            person: people[1], list: list, result: "contacted", answers: ["support=4", "voted_yet=yes"], note: nil,
            now: T0)
        _ = try client.record(
            person: people[2], list: list, result: "contacted", answers: ["support=5", "voted_yet=no"], note: nil,
            now: T0)
        #expect(try voted(people[0]) && voted(people[1]) && !voted(people[2]))

        // A shift's answer corrected from no to yes marks the person.
        let first = ShiftInterview.Interaction(
            person: people[3], result: "contacted", answers: ["support": 4, "voted_yet": "no"], note: nil)
        let receipt = try client.saveShift(first, list: list, now: T0 + 1)
        #expect(try !voted(people[3]))
        let fixed = ShiftInterview.Interaction(
            person: people[3], result: "contacted", answers: ["support": 4, "voted_yet": "yes"], note: nil)
        _ = try client.correctShift(receipt, with: fixed, list: list, now: T0 + 2)
        #expect(try voted(people[3]))

        // By hand, and undone; the chase list is the supporters left.
        #expect(try client.markVoted(person: people[2], undo: false, now: T0 + 3).written)
        #expect(try !client.markVoted(person: people[2], undo: false, now: T0 + 4).written, "already marked")
        let undone = try client.markVoted(person: people[2], undo: true, now: T0 + 5)
        #expect(undone.written && !undone.voted)
        let chase = try client.gotvChase(campaign: "camp-2026", limit: nil)
        #expect(chase.people.map(\.id) == [people[2]], "\(chase)")
        #expect(chase.summary.supporters == 4 && chase.summary.supportersVoted == 3 && chase.summary.leftToChase == 1)
        #expect(try client.gotvSummary(campaign: "camp-2026") == chase.summary)
        let e = try #require(throws: ClientError.self) {
            try client.markVoted(person: "c-nobody", undo: false, now: T0)
        }
        #expect(e.code == .notFound)

        let report = try await CoordinatorSetUpTests.push(store, service)
        let rejected = try store.outbox(status: "rejected").map { "\($0.key) \($0.problems)" }
        #expect(report.rejected == 0, "the server accepts every voted mark: \(rejected)")
    }

    /// The chase list reads each person's latest support answer on the campaign's surveys as the
    /// segment facts do: a correction by the same canvasser replaces the answer, one by another
    /// does not; a rolled-back answer and one on another campaign's survey count for nothing; a
    /// person on the campaign's lists but not imported into it counts.
    @Test func chaseReadsTheLatestCountedSupportAnswer() async throws {
        let (client, store, _, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("gotv.yaml").path
        try Self.survey.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try client.createSurvey(campaign: "camp-2026", file: file, replace: false, now: T0)
        try store.write([LocalWrite(RecordKey("campaigns", "camp-other"), ["name": "Other"])], wallclock: T0)
        let other = dir.appendingPathComponent("other.yaml").path
        try Self.survey.replacingOccurrences(of: "id: gotv-doors", with: "id: other-doors").write(
            toFile: other, atomically: true, encoding: .utf8)
        _ = try client.createSurvey(campaign: "camp-other", file: other, replace: false, now: T0)
        let imported = try store.projected("contacts", fields: ["campaign_id"]).filter {
            $0["campaign_id"] == "camp-2026"
        }.map(\.key.id)
        let p = Array(imported.prefix(7))
        let list = try #require(
            try store.projected("lists", fields: ["campaign_id"]).first { $0["campaign_id"] == "camp-2026" }?.key.id)
        var writes = [
            LocalWrite(RecordKey("contacts", "c-listed"), ["first_name": "Lee", "last_name": "Listed"]),
            LocalWrite(
                RecordKey("list_items", "\(list)@c-listed"), ["list_id": .string(list), "contact_id": "c-listed"]),
            LocalWrite(RecordKey("contacts", p[5]), ["voted": true]),
            LocalWrite(RecordKey("contacts", p[6]), ["deceased": true]),
            LocalWrite(RecordKey("rollbacks", "i-3b"), ["interaction_id": "i-3b"]),
        ]
        func answer(
            _ id: String, _ person: String, _ support: Int64?, at: Int64, by user: String = "u1",
            survey: String = "gotv-doors", corrects: String? = nil
        ) {
            var values: [String: Value] = [
                "person_id": .string(person), "survey_id": .string(survey), "channel": "door", "result": "contacted",
                "recorded_at": .int(T0 + at), "user_id": .string(user),
            ]
            if let support { values["answers"] = .object(["support": .int(support)]) }
            if let corrects { values["corrects"] = .string(corrects) }
            writes.append(LocalWrite(RecordKey("interactions", id), values))
        }
        answer("i-0", p[0], 5, at: 1)
        answer("i-1a", p[1], 5, at: 1)
        answer("i-1b", p[1], nil, at: 2, corrects: "i-1a")  // the same canvasser, no answer now
        answer("i-2a", p[2], 5, at: 1)
        answer("i-2b", p[2], nil, at: 2, by: "u2", corrects: "i-2a")  // another canvasser: no correction
        answer("i-3a", p[3], 4, at: 1)
        answer("i-3b", p[3], 1, at: 2)  // rolled back
        answer("i-4", p[4], 5, at: 1, survey: "other-doors")
        answer("i-5", p[5], 5, at: 1)
        answer("i-6", p[6], 4, at: 1)
        answer("i-7", "c-listed", 4, at: 1)
        try store.write(writes, wallclock: T0)

        let chase = try client.gotvChase(campaign: "camp-2026", limit: nil)
        #expect(Set(chase.people.map(\.id)) == [p[0], p[2], p[3], "c-listed"], "\(chase.people.map(\.id))")
        #expect(chase.people.first { $0.id == p[3] }?.support == 4)
        let s = chase.summary
        #expect(s.people == imported.count + 1)
        #expect(s.supporters == 6 && s.supportersVoted == 1 && s.unreachable == 1 && s.leftToChase == 4, "\(s)")
        #expect(try client.gotvSummary(campaign: "camp-2026") == s)
    }

    @Test func aCanvasserMarksOnlyPeopleOnTheirLists() async throws {
        let (client, store, _, dir) = try await CoordinatorSetUpTests.home(role: .canvasser)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mine = try #require(try client.walk("walk-0").first?.people.first?.id)
        #expect(try client.markVoted(person: mine, undo: false, now: T0).voted)
        let other = try #require(try TestCampaign().turfs.last?.first.map(CampaignSeed.contactID))
        let e = try #require(throws: ClientError.self) { try client.markVoted(person: other, undo: false, now: T0) }
        #expect(e.code == .notFound && e.message.contains("not on your lists"), "\(e)")
        #expect(throws: ClientError.self) { try client.gotvChase(campaign: "camp-2026", limit: nil) }
        #expect(try store.counts().pending == 1)
    }

    @Test func aPhoneBankShiftTakesAnRsvpByNumber() throws {
        let survey = Survey(
            id: "rally-calls", title: "Rally calls", kind: .phone,
            questions: [Question(id: "rally", text: "Will you come?", kind: .rsvp, event: "evt-rally")])
        var shift = ShiftInterview(
            list: "calls", survey: survey,
            calls: [.init(id: "c-a", name: "Ann A", phone: "614-555-0101", firstName: "Ann")])
        _ = shift.start()
        let asked = shift.answer("contacted")
        #expect(
            asked.contains {
                if case .ask(.question("rally"), let text) = $0 { text.contains("1 yes, 2 no, 3 maybe") } else { false }
            }, "\(asked)")
        let picked = shift.answer("3")
        #expect(picked.contains(.say("  → maybe")), "\(picked)")
        let saved = shift.answer("")
        let interaction = saved.compactMap { if case .save(let i) = $0 { i } else { nil } }.first
        #expect(interaction?.answers["rally"] == "maybe", "\(saved)")
    }
}
