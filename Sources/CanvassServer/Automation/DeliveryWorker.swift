import CanvassCore
import CanvassStore
import Logging

/// Works the automation outbox (issue 12): claims due deliveries with a lease (so a second
/// worker, or this one after a crash, takes over only when the lease runs out), calls the sender
/// of each one's kind once, and records the outcome under `DeliveryPolicy`: delivered; retried
/// with exponential back-off; or, after the cap or a refusal no retry can fix, failed, kept and
/// visible. Each outcome is mirrored into the delivery's `automation_deliveries` record as a
/// server write, so coordinators see it after `canvass sync`.
public final class DeliveryWorker: Sendable {
    public let storage: any ServerStorage
    public let senders: [AutomationDelivery.Kind: any DeliverySender]
    public let policy: DeliveryPolicy
    public let clock: any AutomationClock
    /// How long a claim holds a delivery; longer than any sender takes.
    public let leaseMillis: Int64
    /// Deliveries claimed (and sent concurrently) at a time.
    public let batch: Int
    let signal = AutomationSignal()
    let logger: Logger

    public init(
        storage: any ServerStorage, senders: [AutomationDelivery.Kind: any DeliverySender],
        policy: DeliveryPolicy = DeliveryPolicy(), clock: any AutomationClock = SystemAutomationClock(),
        leaseMillis: Int64 = 300_000, batch: Int = 16, logger: Logger = Logger(label: "canvass-server.delivery")
    ) {
        self.storage = storage
        self.senders = senders
        self.policy = policy
        self.clock = clock
        self.leaseMillis = leaseMillis
        self.batch = batch
        self.logger = logger
    }

    /// New deliveries were queued: look now rather than at the next due time.
    public func wake() { signal.signal() }

    /// Claims the deliveries due at `now` and tries each once; returns how many were tried.
    @discardableResult
    public func runOnce(now: Int64) async throws -> Int {
        let lease = now + leaseMillis
        let claimed = try await storage.claimDeliveries(now: now, leaseUntil: lease, limit: batch)
        await withTaskGroup(of: Void.self) { group in
            for stored in claimed {
                group.addTask {
                    let attempt: DeliveryAttempt
                    if let sender = self.senders[stored.delivery.kind] {
                        attempt = await sender.send(stored.delivery)
                    } else {
                        attempt = .failed(
                            "no \(stored.delivery.kind.rawValue) sender is configured on this server; "
                                + "start canvass-server with its mail options (see --help)")
                    }
                    let finished = max(now, self.clock.now())
                    let outcome = Self.outcome(attempt, stored: stored, policy: self.policy, now: finished)
                    do {
                        let kept = try await self.storage.finishDelivery(
                            outcome, lease: lease, mirror: Self.mirror(outcome), now: finished)
                        if !kept { self.logger.warning("delivery \(stored.delivery.id): lease lost, outcome not kept") }
                    } catch {
                        self.logger.error("delivery \(stored.delivery.id): could not record the outcome: \(error)")
                    }
                }
            }
        }
        return claimed.count
    }

    /// Runs until cancelled: tries what is due, then sleeps until the next delivery is due (at
    /// most a minute) or `wake` is called.
    public func run() async {
        while !Task.isCancelled {
            let now = clock.now()
            var tried = 0
            do {
                tried = try await runOnce(now: now)
            } catch {
                logger.error("automation outbox: \(error)")
            }
            if tried > 0 { continue }
            var until = now + 60_000
            if let due = try? await storage.nextDeliveryDue() { until = min(until, max(due, now + 1)) }
            await signal.wait(orUntil: until, on: clock)
        }
    }

    /// What an attempt makes of a stored delivery (pure): delivered; pending again at the back-off
    /// time; failed after the policy's last attempt or a rejection, with why.
    public static func outcome(_ attempt: DeliveryAttempt, stored: StoredDelivery, policy: DeliveryPolicy, now: Int64)
        -> DeliveryOutcome
    {
        let attempts = stored.attempts + 1
        let id = stored.delivery.id
        switch attempt {
        case .delivered:
            return DeliveryOutcome(
                id: id, status: .delivered, attempts: attempts, nextAttemptAt: stored.nextAttemptAt,
                lastError: stored.lastError, deliveredAt: now)
        case .rejected(let why):
            return DeliveryOutcome(
                id: id, status: .failed, attempts: attempts, nextAttemptAt: stored.nextAttemptAt,
                lastError: "refused, not retried: \(why)", deliveredAt: nil)
        case .failed(let why):
            switch policy.next(afterAttempt: attempts, now: now) {
            case .retry(let at):
                return DeliveryOutcome(
                    id: id, status: .pending, attempts: attempts, nextAttemptAt: at, lastError: why, deliveredAt: nil)
            case .failed:
                return DeliveryOutcome(
                    id: id, status: .failed, attempts: attempts, nextAttemptAt: stored.nextAttemptAt,
                    lastError: "\(why) (gave up after \(attempts) attempts)", deliveredAt: nil)
            }
        }
    }

    /// The `automation_deliveries` record's fields after an outcome.
    static func mirror(_ o: DeliveryOutcome) -> LocalWrite {
        LocalWrite(
            RecordKey("automation_deliveries", o.id),
            [
                "status": .string(o.status.rawValue), "attempts": .int(Int64(o.attempts)),
                "last_error": o.lastError.map(Value.string) ?? .null, "next_attempt_at": .int(o.nextAttemptAt),
                "delivered_at": o.deliveredAt.map(Value.int) ?? .null,
            ])
    }
}
