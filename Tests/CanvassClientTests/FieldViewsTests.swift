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

/// `show`, `history`, `conflicts` with their stories and the shift's corrections, through the
/// façade over real store files, with the server in process.
@Suite struct FieldViewsTests {
    let campaign: TestCampaign

    init() throws {
        campaign = try TestCampaign(households: 30, turfSize: 15)
    }

    /// A home folder enrolled as `user`, synced once.
    func home(
        _ dir: URL, _ service: SyncService, _ user: String, role: Role = .canvasser, lists: [String] = []
    ) async throws -> (client: FieldClient, store: ReplicaStore, engine: SyncEngine) {
        let home = dir.appendingPathComponent(user).path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let (store, transport) = try await enrolledClient(
            service: service, user: user, role: role, lists: lists, path: home + "/replica.sqlite")
        let engine = SyncEngine(store: store, transport: transport)
        _ = try await engine.sync(now: T0)
        return (FieldClient(home: home), store, engine)
    }

    @Test func showHistoryAndConflictsTellWhoDidWhatAndWhen() async throws {
        let dir = try temporaryDirectory("views")
        defer { try? FileManager.default.removeItem(at: dir) }
        let service = try await campaign.server()
        let ann = try await home(dir, service, "ann", lists: ["walk-0"])
        let bo = try await home(dir, service, "bo", lists: ["walk-0"])
        let kim = try await home(dir, service, "kim", role: .coordinator)
        let voter = try #require(campaign.turfs[0].first { !$0.phone.isEmpty })
        let person = CampaignSeed.contactID(voter)

        let annOps = FieldOperations(store: ann.store)
        let boOps = FieldOperations(store: bo.store)
        try annOps.recordInteraction(
            person: person, list: "walk-0", result: "contacted",
            answers: ["willing": "yes", "support": 4, "top_issue": "housing"], note: "nice dog", now: T0 + 10)
        try annOps.edit(person: person, set: ["phone": "614-555-0111", "email": "a@example.org"], now: T0 + 20)
        try boOps.recordInteraction(
            person: person, list: "walk-0", result: "contacted", answers: ["willing": "yes", "support": 2],
            now: T0 + 30)
        try boOps.edit(person: person, set: ["phone": "614-555-0122"], now: T0 + 25)
        for _ in 0..<2 { for h in [ann, bo, kim] { _ = try await h.engine.sync(now: T0 + 100) } }

        // show: every field, the conflict marked with both values, the household, latest answers.
        let view = try kim.client.show(person: person)
        let phone = try #require(view.fields.first { $0.name == "phone" })
        #expect(phone.conflict && Set(phone.values) == ["614-555-0111", "614-555-0122"])
        #expect(view.fields.first { $0.name == "email" }?.value == "a@example.org")
        #expect(view.fields.contains { $0.name == "notes" && $0.value == nil }, "every schema field is listed")
        #expect(view.conflicts == ["contacts.phone"])
        let household = try #require(view.household)
        #expect(household.address.contains(voter.streetName) && !household.badAddress)
        let answers = Dictionary(uniqueKeysWithValues: view.latestAnswers.map { ($0.question, $0) })
        #expect(answers["support"]?.value == 2 && answers["support"]?.who == "bo", "the newest answer per question")
        #expect(answers["top_issue"]?.value == "housing" && answers["top_issue"]?.who == "ann")
        #expect(answers["top_issue"]?.label == "Housing, rent")
        #expect(answers["support"]?.text?.hasSuffix("for State House?") == true, "the question's text, trimmed")
        #expect(view.lastInteraction?.result == "contacted" && view.lastInteraction?.who == "bo")
        #expect(view.interactionCount == 2)

        // A canvasser sees the people on their lists, and is told plainly about anyone else.
        #expect(try ann.client.show(person: person).latestAnswers.count == 3)
        let stranger = CampaignSeed.contactID(campaign.turfs[1][0])
        let refused = #expect(throws: ClientError.self) { try ann.client.show(person: stranger) }
        #expect(refused?.code == .notFound && refused?.description.contains("not on your lists") == true)
        #expect(try kim.client.show(person: stranger).id == stranger, "a coordinator sees every contact")

        // history: interactions and the writes the records still hold, newest first.
        let history = try kim.client.history(person: person)
        let kinds = history.entries.map { "\($0.kind.rawValue):\($0.who)" }
        #expect(kinds.prefix(4) == ["interaction:bo", "change:bo", "change:ann", "interaction:ann"], "\(kinds)")
        #expect(history.entries[1].fields == ["phone": "614-555-0122"] && history.entries[1].conflicts == ["phone"])
        #expect(history.entries[2].fields == ["phone": "614-555-0111", "email": "a@example.org"])
        #expect(history.entries.contains { $0.kind == .change && $0.who == "the server" }, "the import")
        #expect(
            history.replaced.contains { $0.field == "phone" && $0.who == "the server" },
            "the imported phone was replaced: who is known, the value is not kept")
        let dates = history.entries.compactMap(\.at)
        #expect(dates == dates.sorted(by: >), "newest first")

        // conflicts: each value, who wrote it from the directory, and what each had not seen.
        let reviews = try kim.client.conflictReviews()
        let review = try #require(reviews.first { $0.story.key == RecordKey("contacts", person) })
        #expect(review.story.entries.map(\.writer.user) == ["bo", "ann"])
        #expect(review.story.entries.map(\.writer.device) == ["bo", "ann"], "device names from the directory")
        #expect(
            review.story.sentences.prefix(2) == [
                "bo set phone to 614-555-0122 without having seen ann's 614-555-0111.",
                "ann set phone to 614-555-0111 without having seen bo's 614-555-0122.",
            ])
        #expect(review.label?.isEmpty == false, "the person's name")
        #expect(try kim.client.conflictReviews(campaign: CampaignSeed.campaignID).count == reviews.count)
        let none = #expect(throws: ClientError.self) { try kim.client.conflictReviews(campaign: "nope") }
        #expect(none?.code == .notFound)
        // A canvasser's own value is "you"; the other device is named by its id (no directory).
        let annReview = try #require(try ann.client.conflictReviews().first)
        #expect(
            annReview.story.sentences.contains { $0.hasPrefix("You set phone to 614-555-0111 without having seen") })
    }

    @Test func aShiftCorrectionRewritesAnUnsyncedCallAndSupersedesASyncedOne() async throws {
        let dir = try temporaryDirectory("correct")
        defer { try? FileManager.default.removeItem(at: dir) }
        let service = try await campaign.server()
        let pat = try await home(dir, service, "pat", lists: ["calls-0"])
        let callable = campaign.turfs[0].filter { !$0.phone.isEmpty }.map(CampaignSeed.contactID)
        try #require(callable.count >= 3)
        let ops = FieldOperations(store: pat.store)
        let interview = try pat.client.shift("calls-0", now: T0)
        #expect(interview.kind == .call && !interview.doors.isEmpty && interview.doors.count <= callable.count)
        #expect(interview.doors.allSatisfy { $0.people.count == 1 && $0.people[0].phone?.isEmpty == false })

        // Not yet synced: wrong number (phone_bad), corrected to contacted, rewritten in place.
        let first = try ops.recordShift(
            .init(person: callable[0], result: "wrong_number", answers: [:], note: nil), list: "calls-0", now: T0 + 1)
        #expect(try pat.store.record(RecordKey("contacts", callable[0]))?["phone_bad"] == true)
        let (fixed, how) = try ops.correctShift(
            first, with: .init(person: callable[0], result: "contacted", answers: ["right_person": "yes"], note: nil),
            list: "calls-0", now: T0 + 2)
        #expect(how == .rewritten && fixed.interaction == first.interaction)
        let rewritten = try pat.store.interactions(ofPerson: callable[0])
        #expect(
            rewritten.count == 1 && rewritten[0]["result"] == "contacted" && rewritten[0]["recorded_at"] == .int(T0 + 1)
        )
        let singleWrite = rewritten[0].fields.values.allSatisfy { $0.isSingleWrite }
        #expect(singleWrite, "still one write operation")
        #expect(try pat.store.record(RecordKey("contacts", callable[0]))?["phone_bad"] != true, "the effect undone")

        // Synced first: not home, then corrected to contacted by a new interaction.
        let second = try ops.recordShift(
            .init(person: callable[1], result: "not_home", answers: [:], note: nil), list: "calls-0", now: T0 + 3)
        let report = try await pat.engine.sync(now: T0 + 4)
        #expect(report.rejected == 0)
        let (superseding, how2) = try ops.correctShift(
            second, with: .init(person: callable[1], result: "contacted", answers: [:], note: "call back"),
            list: "calls-0", now: T0 + 5)
        #expect(how2 == .superseded && superseding.interaction != second.interaction)
        let both = try pat.store.interactions(ofPerson: callable[1])
        #expect(both.count == 2)
        #expect(both.first { $0.key.id == superseding.interaction }?["corrects"] == .string(second.interaction))
        let person = try #require(try pat.store.callList("calls-0").first { $0.id == callable[1] })
        #expect(person.lastResult == "contacted" && person.done, "the latest result decides done-ness")
        #expect(person.attempts == 1, "a correction is the same call, not another attempt")
        let shown = try pat.client.show(person: callable[1])
        #expect(shown.lastInteraction?.id == superseding.interaction)
        let history = try pat.client.history(person: callable[1])
        #expect(
            history.entries.compactMap(\.interaction).first { $0.id == second.interaction }?.correctedBy
                == superseding.interaction)

        // A synced contacted corrected to disconnected: the effect is written with the correction.
        let third = try ops.recordShift(
            .init(person: callable[2], result: "contacted", answers: [:], note: nil), list: "calls-0", now: T0 + 6)
        _ = try await pat.engine.sync(now: T0 + 7)
        let (_, how3) = try ops.correctShift(
            third, with: .init(person: callable[2], result: "disconnected", answers: [:], note: nil), list: "calls-0",
            now: T0 + 8)
        #expect(how3 == .superseded)
        #expect(try pat.store.record(RecordKey("contacts", callable[2]))?["phone_bad"] == true)

        let last = try await pat.engine.sync(now: T0 + 9)
        #expect(last.rejected == 0 && last.accepted == 2, "the correction and its effect: \(last)")
        let server = service.replicaStore
        #expect(try server.record(RecordKey("interactions", first.interaction))?["result"] == "contacted")
        #expect(try server.interactions(ofPerson: callable[1]).count == 2)
        #expect(try server.record(RecordKey("contacts", callable[2]))?["phone_bad"] == true)
        #expect(try server.record(RecordKey("contacts", callable[0]))?["phone_bad"] != true)
    }
}
