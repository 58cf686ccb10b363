import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// The server's automation engine over real storage (issue 12): records reach it as a device
/// pushes them through `SyncService`, time is whatever the test says, and every firing is read
/// back from the stored log, firings and records.
@Suite struct AutomationEngineTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    /// 2026-11-23 12:00 UTC, a Monday.
    static let t0: Int64 = 1_795_435_200_000

    /// A campaign on a server, a coordinator's device that pushes to it, and the engine.
    final class Harness: @unchecked Sendable {
        let storage: any ServerStorage
        let service: SyncService
        let engine: AutomationEngine
        var device = ReplicaState(id: ReplicaID("dev-kim"))
        let identity = DeviceIdentity(replica: ReplicaID("dev-kim"), userID: "u-kim", role: .coordinator)

        init(storage: any ServerStorage, seed: Bool = true, timeZone: String? = nil) async throws {
            self.storage = storage
            service = SyncService(storage: storage)
            engine = AutomationEngine(storage: storage)
            guard seed else { return }
            var campaign: [String: Value] = ["name": "Fall"]
            if let timeZone { campaign["time_zone"] = .string(timeZone) }
            let survey = try SurveyDocument.decode(
                yaml: """
                    id: s-calls
                    title: Calls
                    kind: phone
                    result_codes:
                      - { code: supporter, label: Supporter, contacted: true }
                      - { code: callback, label: Call back }
                      - { code: not_home, label: Not home }
                      - { code: contacted, label: Contacted, contacted: true }
                    questions: []
                    """)
            var writes = [
                LocalWrite(RecordKey("campaigns", "c1"), campaign),
                LocalWrite(
                    RecordKey("surveys", "s-calls"), ["campaign_id": "c1", "definition": try Value.encoding(survey)]),
                LocalWrite(
                    RecordKey("lists", "calls"),
                    ["name": "Calls", "kind": "call", "campaign_id": "c1", "survey_id": "s-calls"]),
            ]
            for g in ["g-new", "g-supporters", "g-crm", "g-thanked", "g-callback", "g-reached"] {
                writes.append(LocalWrite(RecordKey("groups", g), ["name": .string(g), "campaign_id": "c1"]))
            }
            for p in ["p-ann", "p-bob"] {
                writes.append(LocalWrite(RecordKey("contacts", p), ["first_name": .string(p), "campaign_id": "c1"]))
            }
            try await storage.write(writes, wallclock: 1)
        }

        /// Adds a rule as the coordinator's device would (an `automation_rules` record).
        func rule(_ id: String, _ yaml: String) async throws {
            try await push([
                device.write(
                    RecordKey("automation_rules", id),
                    [
                        "campaign_id": "c1", "name": .string(id), "source": .string(yaml), "paused": false,
                        "added_by": "kim", "added_at": 1,
                    ], wallclock: 1)
            ])
        }

        /// An interaction recorded on a call at `at`, pushed.
        @discardableResult
        func interaction(_ id: String, person: String, result: String, at: Int64) async throws -> ChangeSet {
            let changes = ChangeSet(records: [
                device.write(
                    RecordKey("interactions", id),
                    [
                        "person_id": .string(person), "list_id": "calls", "survey_id": "s-calls", "channel": "call",
                        "result": .string(result),
                        "recorded_at": .int(at), "user_id": "u-kim",
                    ], wallclock: at)
            ])
            try await push(changes.records)
            return changes
        }

        func push(_ records: [Record]) async throws {
            let response = try await service.push(PushRequest(changes: ChangeSet(records: records)), from: identity)
            let problems = response.results.flatMap(\.problems).filter { $0.severity == .error }
            #expect(problems.isEmpty, "\(problems)")
        }

        func record(_ collection: String, _ id: String) async throws -> Record? {
            let r = try await storage.record(RecordKey(collection, id))
            return Record.exists(r) ? r : nil
        }

        func firings() async throws -> [String] { try await storage.automationFiringKeys() }
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func aContactDrivenRuleFiresOnceAfterItsInteractionSyncsAndOnceWhenPushedTwice(backend: TestBackend) async throws {
        let h = try await Harness(storage: try await backend.storage())
        try await h.rule(
            "r-sup",
            """
            id: r-sup
            campaign: c1
            name: Welcome supporters
            entry: { interaction: any }
            steps:
              - id: welcome
                trigger: { kind: result, code: supporter }
                actions: [{ add_to_group: g-supporters }, { engagement_points: 5 }]
            """)
        #expect(try await h.engine.runPass(now: Self.t0).firingsNew == 0)
        let changes = try await h.interaction("i-1", person: "p-ann", result: "supporter", at: Self.t0 + Self.minute)
        let first = try await h.engine.runPass(now: Self.t0 + 2 * Self.minute)
        #expect(first.firingsNew == 1)
        // The same change set again (a device that lost the push response), and more passes.
        try await h.push(changes.records)
        #expect(try await h.engine.runPass(now: Self.t0 + 3 * Self.minute).firingsNew == 0)
        #expect(try await h.engine.runPass(now: Self.t0 + Self.day).firingsNew == 0)
        let key = "r-sup@p-ann@1@welcome"
        #expect(try await h.firings() == [key])
        // The action's writes, as the server's replica: the membership and the points (once).
        let member = try #require(try await h.record("group_members", "g-supporters@p-ann"))
        #expect(member["contact_id"] == "p-ann")
        #expect(try await h.record("contacts", "p-ann")?["engagement_points"] == .int(5))
        #expect(try await h.record("group_members", "g-supporters@p-bob") == nil)
        // The log record: what fired, for whom, when and why.
        let log = try #require(try await h.record("automation_log", key))
        #expect(log["rule_id"] == "r-sup")
        #expect(log["contact_id"] == "p-ann")
        #expect(log["campaign_id"] == "c1")
        #expect(log["outcome"] == "fired")
        #expect(log["rotation"] == .int(1))
        #expect(log["due_at"] == .int(Self.t0 + Self.minute))
        #expect(log["fired_at"] == .int(Self.t0 + 2 * Self.minute))
        #expect(log["reason"]?.stringValue?.contains("supporter") == true)
        #expect(log["actions"] == .array(["add_to_group g-supporters", "engagement_points 5"]))
        // Server-written records reach devices by sync.
        let pulled = try await h.service.pull(
            since: nil, limit: 500, for: DeviceIdentity(replica: ReplicaID("dev-2"), userID: "u-2", role: .coordinator)
        ).decoded()
        #expect(pulled.records.contains { $0.key == RecordKey("automation_log", key) })
    }

    /// A rule that tags supporters and tells a CRM: a write and a delivery per firing.
    static let crmRule = """
        id: r-hook
        campaign: c1
        name: Tell the CRM
        entry: { interaction: any }
        steps:
          - id: tell
            trigger: { kind: result, code: supporter }
            actions: [{ add_to_group: g-crm }, { webhook: "https://crm.example.org/hook" }]
        """

    @Test(.freshDatabases, arguments: TestBackend.all)
    func twoOverlappingPassesFireOnce(backend: TestBackend) async throws {
        let h = try await Harness(storage: try await backend.storage())
        try await h.rule("r-hook", Self.crmRule)
        try await h.interaction("i-1", person: "p-ann", result: "supporter", at: Self.t0)
        try await h.interaction("i-2", person: "p-bob", result: "supporter", at: Self.t0)
        // Both passes read the same stored state before either stores anything.
        let a = try await h.engine.plan(now: Self.t0 + Self.minute)
        let b = try await h.engine.plan(now: Self.t0 + 2 * Self.minute)
        let first = try await h.engine.commit(a)
        let second = try await h.engine.commit(b)
        #expect(first.firingsNew == 2)
        #expect(second.firingsNew == 0)
        #expect(first.deliveriesQueued == 2)
        #expect(second.deliveriesQueued == 0)
        #expect(try await h.firings() == ["r-hook@p-ann@1@tell", "r-hook@p-bob@1@tell"])
        let outbox = try await h.storage.automationOutbox()
        #expect(outbox.map(\.delivery.id) == ["r-hook@p-ann@1@tell#1", "r-hook@p-bob@1@tell#1"])
        #expect(outbox.allSatisfy { $0.status == .pending && $0.attempts == 0 })
        // The log is the first pass's, not overwritten by the second.
        #expect(try await h.record("automation_log", "r-hook@p-ann@1@tell")?["fired_at"] == .int(Self.t0 + Self.minute))
        let delivery = try #require(try await h.record("automation_deliveries", "r-hook@p-ann@1@tell#1"))
        #expect(delivery["status"] == "pending")
        #expect(delivery["target"] == "https://crm.example.org/hook")
        // Truly concurrent passes too.
        try await h.interaction("i-3", person: "p-ann", result: "supporter", at: Self.t0 + Self.hour)
        async let x = h.engine.runPass(now: Self.t0 + 2 * Self.hour)
        async let y = h.engine.runPass(now: Self.t0 + 2 * Self.hour)
        #expect(try await x.firingsNew + y.firingsNew == 0)
    }

    static let delayRule = """
        id: r-delay
        campaign: c1
        name: Follow up new volunteers
        entry: { group: g-new }
        steps:
          - id: follow-up
            trigger: { kind: delay, duration: 3d, after: entry }
            actions: [{ add_to_list: calls }]
          - id: thank
            trigger: { kind: delay, duration: 1d, after: previous }
            actions: [{ add_to_group: g-thanked }]
        """

    func joinGroup(_ h: Harness, _ person: String, at: Int64) async throws {
        try await h.push([
            h.device.write(
                RecordKey("group_members", "g-new@\(person)"),
                ["group_id": "g-new", "contact_id": .string(person), Record.deletedField: false], wallclock: at)
        ])
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func aThreeDayDelayFiresAfterThreeDaysAndNotBefore(backend: TestBackend) async throws {
        let h = try await Harness(storage: try await backend.storage())
        try await h.rule("r-delay", Self.delayRule)
        try await joinGroup(h, "p-ann", at: Self.t0)
        let entered = try await h.engine.runPass(now: Self.t0)
        #expect(entered.firingsNew == 0)
        #expect(entered.nextCheck == Self.t0 + 3 * Self.day)
        for t in [Self.t0 + Self.day, Self.t0 + 3 * Self.day - Self.minute] {
            #expect(try await h.engine.runPass(now: t).firingsNew == 0)
        }
        #expect(try await h.record("list_items", "calls-p-ann") == nil)
        let due = try await h.engine.runPass(now: Self.t0 + 3 * Self.day)
        #expect(due.firingsNew == 1)
        #expect(due.nextCheck == Self.t0 + 4 * Self.day)
        #expect(try await h.record("list_items", "calls-p-ann")?["list_id"] == "calls")
        #expect(try await h.firings() == ["r-delay@p-ann@1@follow-up"])
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func anHoursWindowDefersAStepToTheNextAllowedTime(backend: TestBackend) async throws {
        let h = try await Harness(storage: try await backend.storage(), timeZone: "America/New_York")
        try await h.rule(
            "r-window",
            """
            id: r-window
            campaign: c1
            name: Call back in office hours
            entry: { interaction: any }
            steps:
              - id: call-back
                trigger: { kind: result, code: callback }
                window: { hours: "09:00-17:00", days: [mon, tue, wed, thu, fri] }
                actions: [{ add_to_group: g-callback }]
            """)
        // Monday 23:30 in New York (Tuesday 04:30 UTC); the next allowed time is Tuesday 09:00
        // there, 14:00 UTC.
        let late = Self.t0 + 16 * Self.hour + 30 * Self.minute
        let open = Self.t0 + 26 * Self.hour
        try await h.interaction("i-1", person: "p-ann", result: "callback", at: late)
        let deferred = try await h.engine.runPass(now: late + Self.minute)
        #expect(deferred.firingsNew == 0)
        #expect(deferred.nextCheck == open)
        #expect(try await h.engine.runPass(now: open - Self.minute).firingsNew == 0)
        #expect(try await h.engine.runPass(now: open).firingsNew == 1)
        let log = try #require(try await h.record("automation_log", "r-window@p-ann@1@call-back"))
        #expect(log["fired_at"] == .int(open))
        #expect(log["due_at"] == .int(late))
        #expect(try await h.record("group_members", "g-callback@p-ann") != nil)
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func aDecisionTakesItsNoPathAtTheDeadlineAndItsYesPathWhenTheEventComesInTime(backend: TestBackend) async throws {
        let h = try await Harness(storage: try await backend.storage())
        try await h.rule(
            "r-chase",
            """
            id: r-chase
            campaign: c1
            name: Chase the not-home
            entry: { group: g-new }
            steps:
              - id: chase
                trigger: { kind: result, code: not_home }
                decision:
                  wait_for: { kind: result, code: contacted }
                  within: 3d
                  yes: [{ add_to_group: g-reached }]
                  no: [{ add_to_list: calls }]
            """)
        try await joinGroup(h, "p-ann", at: Self.t0)
        try await joinGroup(h, "p-bob", at: Self.t0)
        _ = try await h.engine.runPass(now: Self.t0)
        try await h.interaction("i-a1", person: "p-ann", result: "not_home", at: Self.t0 + Self.hour)
        try await h.interaction("i-b1", person: "p-bob", result: "not_home", at: Self.t0 + Self.hour)
        let waiting = try await h.engine.runPass(now: Self.t0 + 2 * Self.hour)
        #expect(waiting.firingsNew == 0)
        #expect(waiting.nextCheck == Self.t0 + Self.hour + 3 * Self.day)
        // Bob is reached in time: the yes path, at once.
        try await h.interaction("i-b2", person: "p-bob", result: "contacted", at: Self.t0 + Self.day)
        #expect(try await h.engine.runPass(now: Self.t0 + Self.day + Self.minute).firingsNew == 1)
        #expect(try await h.record("group_members", "g-reached@p-bob") != nil)
        #expect(try await h.record("automation_log", "r-chase@p-bob@1@chase")?["path"] == "yes")
        // Ann is not: nothing until the deadline, then the no path.
        #expect(try await h.engine.runPass(now: Self.t0 + Self.hour + 3 * Self.day - 1).firingsNew == 0)
        #expect(try await h.record("list_items", "calls-p-ann") == nil)
        #expect(try await h.engine.runPass(now: Self.t0 + Self.hour + 3 * Self.day).firingsNew == 1)
        #expect(try await h.record("list_items", "calls-p-ann") != nil)
        let log = try #require(try await h.record("automation_log", "r-chase@p-ann@1@chase"))
        #expect(log["path"] == "no")
        #expect(log["due_at"] == .int(Self.t0 + Self.hour + 3 * Self.day))
        #expect(try await h.record("group_members", "g-reached@p-ann") == nil)
        #expect(try await h.record("list_items", "calls-p-bob") == nil)
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func aRestartInTheMiddleOfAScheduleNeitherLosesNorRepeatsAStep(backend: TestBackend) async throws {
        let database = try await backend.database()
        do {
            let h = try await Harness(storage: try await database.storage())
            try await h.rule("r-delay", Self.delayRule)
            try await joinGroup(h, "p-ann", at: Self.t0)
            _ = try await h.engine.runPass(now: Self.t0)
            #expect(try await h.engine.runPass(now: Self.t0 + 3 * Self.day).firingsNew == 1)
        }
        // A new process: the file reopened, a new engine, no memory of the old one.
        let h = try await Harness(storage: try await database.storage(), seed: false)
        for t in [Self.t0 + 3 * Self.day, Self.t0 + 3 * Self.day + Self.hour, Self.t0 + 4 * Self.day - 1] {
            #expect(try await h.engine.runPass(now: t).firingsNew == 0, "at \(t)")
        }
        let resumed = try await h.engine.runPass(now: Self.t0 + 4 * Self.day)
        #expect(resumed.firingsNew == 1)
        #expect(resumed.nextCheck == nil)
        #expect(try await h.engine.runPass(now: Self.t0 + 10 * Self.day).firingsNew == 0)
        #expect(try await h.firings() == ["r-delay@p-ann@1@follow-up", "r-delay@p-ann@1@thank"])
        #expect(try await h.record("group_members", "g-thanked@p-ann") != nil)
        #expect(
            try await h.record("automation_log", "r-delay@p-ann@1@thank")?["fired_at"] == .int(Self.t0 + 4 * Self.day))
    }
}
