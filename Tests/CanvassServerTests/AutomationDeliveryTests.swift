import CanvassCore
import CanvassServer
import CanvassStore
import Foundation
import Testing

/// The automation outbox worked by `DeliveryWorker` over real storage and a scripted sender:
/// back-off between attempts, the cap, refusals, leases, and the `automation_deliveries`
/// record that mirrors each outcome. Time is the test's.
@Suite struct AutomationDeliveryTests {
    /// Answers from a script, one per attempt, and counts the attempts per delivery.
    final class ScriptedSender: DeliverySender, @unchecked Sendable {
        private let lock = NSLock()
        private var script: [String: [DeliveryAttempt]]
        private(set) var sent: [String] = []

        /// `script`: each delivery's answers in turn, then `.delivered`.
        init(_ script: [String: [DeliveryAttempt]]) { self.script = script }

        func send(_ delivery: AutomationDelivery) async -> DeliveryAttempt {
            lock.withLock {
                sent.append(delivery.id)
                return script[delivery.id]?.isEmpty ?? true ? .delivered : script[delivery.id]!.removeFirst()
            }
        }

        var count: Int { lock.withLock { sent.count } }
    }

    static let policy = DeliveryPolicy(base: 1_000, maxDelay: 4_000, maxAttempts: 4)

    func queue(_ storage: SQLiteServerStorage, _ id: String, now: Int64) async throws {
        let delivery = AutomationDelivery(
            id: id, kind: .webhook, target: "https://crm.example.org/hook", campaign: "c1", contact: "p-ann",
            firing: "r@p-ann@1@s", payload: .object(["person": "p-ann"]))
        var batch = AutomationCommit(now: now)
        batch.deliveries = [
            QueuedDelivery(
                delivery,
                record: LocalWrite(
                    RecordKey("automation_deliveries", id), ["kind": "webhook", "status": "pending", "attempts": 0]))
        ]
        _ = try await storage.commitAutomation(batch)
    }

    func mirror(_ storage: SQLiteServerStorage, _ id: String) async throws -> Record {
        try #require(try await storage.record(RecordKey("automation_deliveries", id)))
    }

    /// A rule's webhook to the server's own machine or network is refused without a request,
    /// unless the operator allows it; a public host is not refused on that account.
    @Test func aWebhookToThisMachineIsRefusedUnlessTheOperatorAllowsIt() async throws {
        let sender = WebhookSender(timeoutSeconds: 2)
        let local = AutomationDelivery(
            id: "r@p@1@s#0", kind: .webhook, target: "http://127.0.0.1:9/hook", campaign: "C", contact: "p")
        guard case .rejected(let why) = await sender.send(local) else {
            Issue.record("a webhook to loopback was not refused")
            try await sender.shutdown()
            return
        }
        #expect(why.contains("--allow-private-webhooks"), "\(why)")
        try await sender.shutdown()
        let allowing = WebhookSender(timeoutSeconds: 2, allowPrivate: true)
        // Port 9 (discard) is closed here: the request is tried, and fails as a retryable error.
        guard case .failed = await allowing.send(local) else {
            Issue.record("an allowed loopback webhook was not tried")
            try await allowing.shutdown()
            return
        }
        try await allowing.shutdown()
    }

    @Test func aFailingDeliveryIsRetriedWithBackOffThenDeliveredOnce() async throws {
        let storage = try SQLiteServerStorage.inMemory()
        try await queue(storage, "d-1", now: 0)
        let sender = ScriptedSender(["d-1": [.failed("HTTP 500"), .failed("HTTP 503")]])
        let clock = ManualAutomationClock(now: 0)
        let worker = DeliveryWorker(storage: storage, senders: [.webhook: sender], policy: Self.policy, clock: clock)
        #expect(try await worker.runOnce(now: 0) == 1)
        var row = try #require(try await storage.automationOutbox().first)
        #expect(row.status == .pending)
        #expect(row.attempts == 1)
        #expect(row.nextAttemptAt == 1_000)
        #expect(row.lastError == "HTTP 500")
        #expect(try await mirror(storage, "d-1")["attempts"] == .int(1))
        // Not before its time: the first wait is the base, the next twice that.
        #expect(try await worker.runOnce(now: 999) == 0)
        #expect(try await storage.nextDeliveryDue() == 1_000)
        #expect(try await worker.runOnce(now: 1_000) == 1)
        row = try #require(try await storage.automationOutbox().first)
        #expect(row.nextAttemptAt == 3_000)
        #expect(try await worker.runOnce(now: 2_999) == 0)
        #expect(try await worker.runOnce(now: 3_000) == 1)
        #expect(try await worker.runOnce(now: 100_000) == 0)
        #expect(sender.count == 3)
        row = try #require(try await storage.automationOutbox().first)
        #expect(row.status == .delivered)
        #expect(row.attempts == 3)
        let record = try await mirror(storage, "d-1")
        #expect(record["status"] == "delivered")
        #expect(record["attempts"] == .int(3))
        #expect(record["delivered_at"] == .int(3_000))
        // Queuing the same delivery again (a second pass) queues nothing.
        try await queue(storage, "d-1", now: 5_000)
        #expect(try await storage.automationOutbox().count == 1)
        #expect(try await worker.runOnce(now: 200_000) == 0)
    }

    @Test func afterTheCapADeliveryIsFailedAndStaysVisible() async throws {
        let storage = try SQLiteServerStorage.inMemory()
        try await queue(storage, "d-1", now: 0)
        try await queue(storage, "d-2", now: 0)
        let sender = ScriptedSender([
            "d-1": Array(repeating: .failed("HTTP 500"), count: 5),
            "d-2": [.rejected("HTTP 404"), .failed("HTTP 500")],
        ])
        let worker = DeliveryWorker(
            storage: storage, senders: [.webhook: sender], policy: Self.policy, clock: ManualAutomationClock(now: 0),
            batch: 1)
        var t: Int64 = 0
        while t < 100_000 {
            try await worker.runOnce(now: t)
            t += 500
        }
        let rows = try await storage.automationOutbox()
        // d-1 failed on each of its 4 attempts: failed, with why, never dropped.
        #expect(rows.map(\.status) == [.failed, .failed])
        #expect(rows[0].attempts == 4)
        #expect(rows[0].lastError?.contains("gave up after 4 attempts") == true)
        // d-2's receiver refused it: failed at once.
        #expect(rows[1].attempts == 1)
        #expect(rows[1].lastError?.contains("HTTP 404") == true)
        #expect(sender.count == 5)
        #expect(try await mirror(storage, "d-1")["status"] == "failed")
        #expect(try await storage.nextDeliveryDue() == nil)
    }

    @Test func aLeasedDeliveryIsNotClaimedTwiceUntilItsLeaseRunsOut() async throws {
        let storage = try SQLiteServerStorage.inMemory()
        try await queue(storage, "d-1", now: 0)
        #expect(try await storage.claimDeliveries(now: 0, leaseUntil: 10_000, limit: 5).count == 1)
        #expect(try await storage.claimDeliveries(now: 5_000, leaseUntil: 15_000, limit: 5).isEmpty)
        // The first worker died: after its lease the delivery is due again, and the dead
        // worker's late outcome is not kept.
        let again = try await storage.claimDeliveries(now: 10_000, leaseUntil: 20_000, limit: 5)
        #expect(again.map(\.delivery.id) == ["d-1"])
        let late = DeliveryOutcome(
            id: "d-1", status: .delivered, attempts: 1, nextAttemptAt: 0, lastError: nil, deliveredAt: 11_000)
        #expect(
            try await storage.finishDelivery(
                late, lease: 10_000, mirror: LocalWrite(RecordKey("automation_deliveries", "d-1"), [:]), now: 11_000)
                == false)
    }

    @Test func theSchedulerRunsAPassAfterAPushAndAtTheNextCheckWithoutSleeping() async throws {
        let storage = try SQLiteServerStorage.inMemory()
        let h = try await AutomationEngineTests.Harness(storage: storage)
        try await h.rule("r-delay", AutomationEngineTests.delayRule)
        let t0 = AutomationEngineTests.t0
        let clock = ManualAutomationClock(now: t0)
        let (passes, continuation) = AsyncStream<AutomationPassSummary>.makeStream()
        let service = AutomationService(
            engine: h.engine, worker: nil, clock: clock, signal: h.service.automationSignal,
            onPass: { continuation.yield($0) })
        let running = Task { try await service.run() }
        defer { running.cancel() }
        var summaries = passes.makeAsyncIterator()
        // The first pass at start: nobody in the group yet.
        #expect(await summaries.next()?.nextCheck == nil)
        // A push wakes it at once (the clock has not moved).
        try await h.push([
            h.device.write(
                RecordKey("group_members", "g-new@p-ann"),
                ["group_id": "g-new", "contact_id": "p-ann", Record.deletedField: false], wallclock: t0)
        ])
        let entered = await summaries.next()
        #expect(entered?.nextCheck == t0 + 3 * AutomationEngineTests.day)
        // Nothing runs until the clock moves; then a pass every minute at most, and one at the
        // next check.
        clock.advance(to: t0 + 3 * AutomationEngineTests.day)
        var fired = 0
        while fired == 0, let s = await summaries.next() { fired = s.firingsNew }
        #expect(fired == 1)
        #expect(clock.now() == t0 + 3 * AutomationEngineTests.day)
        #expect(try await storage.automationFiringKeys() == ["r-delay@p-ann@1@follow-up"])
    }
}
