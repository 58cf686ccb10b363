import CanvassCore
import CanvassFixtures
import CanvassPostgres
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import PostgresNIO
import Testing

/// Automation with several processes on one PostgreSQL database, modelled by several storages
/// (each its own pool and connections) over one database: a firing is stored and carried out once
/// however the processes' passes overlap, and the scheduler's lease admits one leader at a time
/// and passes to another when the leader's connection goes. Skipped without a PostgreSQL server
/// (`TestBackend`).
@Suite struct PostgresAutomationTests {
    static let postgres = TestBackend.all.filter { $0 == .postgres }
    typealias Harness = AutomationEngineTests.Harness

    @Test(.freshDatabases, arguments: postgres)
    func twoProcessesCommittingOverlappingPassesFireOnce(backend: TestBackend) async throws {
        let database = try await backend.database()
        let h = try await Harness(storage: try await database.storage())
        let other = AutomationEngine(storage: try await database.storage())
        try await h.rule("r-hook", AutomationEngineTests.crmRule)
        let t0 = AutomationEngineTests.t0
        try await h.interaction("i-1", person: "p-ann", result: "supporter", at: t0)
        try await h.interaction("i-2", person: "p-bob", result: "supporter", at: t0)
        // Both processes plan from the same stored state, then commit at the same moment.
        let a = try await h.engine.plan(now: t0 + 60_000)
        let b = try await other.plan(now: t0 + 120_000)
        async let x = h.engine.commit(a)
        async let y = other.commit(b)
        let (first, second) = try await (x, y)
        #expect(first.firingsNew + second.firingsNew == 2)
        #expect(first.deliveriesQueued + second.deliveriesQueued == 2)
        #expect(try await h.storage.automationFiringKeys() == ["r-hook@p-ann@1@tell", "r-hook@p-bob@1@tell"])
        #expect(
            try await h.storage.automationOutbox().map(\.delivery.id) == [
                "r-hook@p-ann@1@tell#1", "r-hook@p-bob@1@tell#1",
            ])
        // Whole passes, many at once across both, after a new result: still one firing.
        try await h.interaction("i-3", person: "p-ann", result: "supporter", at: t0 + 3_600_000)
        let now = t0 + 7_200_000
        let passes = try await withThrowingTaskGroup(of: Int.self) { group in
            for engine in [h.engine, other, h.engine, other] {
                group.addTask { try await engine.runPass(now: now).firingsNew }
            }
            return try await group.reduce(0, +)
        }
        #expect(passes == 0, "a person's step fires once per rotation")
        #expect(try await h.storage.automationFiringKeys().count == 2)
        // Each new firing's writes went in once: one log record per firing in the feed.
        let logs = try await h.storage.records(in: "automation_log")
        #expect(logs.map(\.key.id).sorted() == ["r-hook@p-ann@1@tell", "r-hook@p-bob@1@tell"])
        #expect(logs.allSatisfy { $0.dots.count == $0.fields.count }, "each log field written by one write")
    }

    /// Door checkout from two processes at once: each device's batch is disjoint from the
    /// other's, whatever the interleaving (the list's lock covers doors with no checkout yet),
    /// and a revoked device's doors go back.
    @Test(.freshDatabases, arguments: postgres)
    func twoProcessesCheckingOutOneListNeverShareADoor(backend: TestBackend) async throws {
        let database = try await backend.database()
        let one = try await database.storage()
        let two = try await database.storage()
        let campaign = try TestCampaign()
        try await one.write(try campaign.writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_000)
        var devices: [ReplicaID] = []
        for name in ["ann", "bob", "cy", "dee"] {
            let user = try await one.addUser(name: name, role: .canvasser, now: 1)
            let a = CampaignSeed.assignment(list: "walk-0", user: user.id)
            try await one.write([LocalWrite(a.key, a.values)], wallclock: 2)
            try await one.addCode(hash: "h-\(name)", userID: user.id, expiresAt: .max, now: 1)
            let device = try #require(
                try await two.enroll(
                    codeHash: "h-\(name)", replica: ReplicaID("d-\(name)"), tokenHash: "t-\(name)", deviceName: nil,
                    now: 1))
            devices.append(device.replica)
        }
        let policy = CheckoutPolicy(batchSize: 3, holdMillis: CheckoutPolicy.hour)
        for round in 0..<3 {
            let now = 10_000 + Int64(round)
            let views = try await withThrowingTaskGroup(of: [ListCheckout].self) { group in
                for (i, device) in devices.enumerated() {
                    let storage = i % 2 == 0 ? one : two
                    group.addTask {
                        try await storage.checkOut(lists: ["walk-0"], device: device, now: now, policy: policy)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let batches = views.map { Set($0.filter(\.mine).map(\.householdID)) }
            #expect(batches.allSatisfy { $0.count == 3 }, "round \(round): \(batches)")
            #expect(Set(batches.flatMap { $0 }).count == 12, "round \(round): no door in two batches: \(batches)")
        }
        #expect(try await one.revoke(replica: devices[0], now: 20_000))
        let after = try await two.checkOut(lists: ["walk-0"], device: devices[1], now: 20_001, policy: policy)
        #expect(after.filter { !$0.mine }.count == 6, "the revoked device's doors are free again: \(after)")
        let directory = try await one.records(in: "devices").first { $0.key.id == devices[0].rawValue }
        #expect(directory?["revoked"] == .bool(true))
    }

    /// Who holds a lease, as its `work` reports it.
    final class Leaders: @unchecked Sendable {
        private let lock = NSLock()
        private var active: [String] = []
        private var most = 0
        private var started: [String] = []

        func enter(_ name: String) {
            lock.withLock {
                active.append(name)
                started.append(name)
                most = max(most, active.count)
            }
        }

        func leave(_ name: String) { lock.withLock { active.removeAll { $0 == name } } }
        var now: [String] { lock.withLock { active } }
        var startedSoFar: [String] { lock.withLock { started } }
        var maximum: Int { lock.withLock { most } }
    }

    /// Runs `storage.lead` in a task whose work reports to `leaders` until cancelled.
    static func contend(_ name: String, _ storage: any ServerStorage, _ leaders: Leaders) -> Task<Void, Never> {
        Task {
            try? await storage.lead("automation") {
                leaders.enter(name)
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                leaders.leave(name)
            }
        }
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test(.freshDatabases, arguments: postgres)
    func theLeaseAdmitsOneLeaderAndPassesOnWhenItsConnectionCloses(backend: TestBackend) async throws {
        let database = try await backend.database()
        let leaders = Leaders()
        let one = try await database.storage()
        let a = Self.contend("a", one, leaders)
        #expect(try await Self.waitFor(10) { leaders.now == ["a"] })
        let b = Self.contend("b", try await database.storage(), leaders)
        let c = Self.contend("c", try await database.storage(), leaders)
        // The others try every 2 s and stay out.
        try await Task.sleep(for: .seconds(4.5))
        #expect(leaders.now == ["a"] && leaders.maximum == 1)

        // The leader stops: its connection closes, and one of the others leads within seconds.
        let stopped = Date()
        a.cancel()
        await a.value
        #expect(try await Self.waitFor(10) { leaders.now.count == 1 && leaders.now != ["a"] })
        #expect(Date().timeIntervalSince(stopped) < 8, "took over in \(Date().timeIntervalSince(stopped)) s")
        #expect(leaders.maximum == 1, "never two leaders at once: \(leaders.startedSoFar)")

        // The leader's connection is cut from the server's side (as when its machine drops off):
        // its work is cancelled, and a leader's work starts again (whichever process wins).
        let postgres = try #require(one as? PostgresServerStorage)
        let cut = Date()
        try await postgres.store.read { connection in
            try await connection.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (
                    SELECT oid FROM pg_database WHERE datname = current_database())
                """, logger: Logger(label: "test"))
        }
        #expect(try await Self.waitFor(10) { leaders.startedSoFar.count == 3 && leaders.now.count == 1 })
        #expect(Date().timeIntervalSince(cut) < 8, "led again after \(Date().timeIntervalSince(cut)) s")
        b.cancel()
        c.cancel()
        await b.value
        await c.value
    }
}
