import CanvassCore
import Logging
import ServiceLifecycle

/// The automation scheduler in the server's ServiceGroup (issue 12): one engine pass at a time,
/// run after each accepted push (`SyncService` signals it without waiting; pushes during a pass
/// come to one more pass), at the earliest time some person is due again, and at least every
/// `intervalMillis`; beside it, the delivery worker that empties the outbox. The clock is
/// injected: tests move a `ManualAutomationClock` and never sleep.
///
/// Several processes may share one storage (PostgreSQL): passes run only in the one that leads
/// (`ServerStorage.lead`), which also reads the watermark every `pollMillis`, since pushes to the
/// other processes do not signal it. The delivery worker runs in every process: the outbox's
/// leases give each delivery to one of them.
public struct AutomationService: Service {
    public let engine: AutomationEngine
    public let worker: DeliveryWorker?
    public let clock: any AutomationClock
    public let signal: AutomationSignal
    public let intervalMillis: Int64
    /// How often the leader reads the watermark for changes stored through other processes.
    public let pollMillis: Int64
    let logger: Logger
    let onPass: (@Sendable (AutomationPassSummary) -> Void)?

    /// - Parameters:
    ///   - signal: the one `SyncService.automationSignal` raises after a push.
    ///   - onPass: called after each pass (tests wait on it; the server logs).
    public init(
        engine: AutomationEngine, worker: DeliveryWorker?, clock: any AutomationClock, signal: AutomationSignal,
        intervalMillis: Int64 = 60_000, pollMillis: Int64 = 2_000,
        logger: Logger = Logger(label: "canvass-server.automation"),
        onPass: (@Sendable (AutomationPassSummary) -> Void)? = nil
    ) {
        self.engine = engine
        self.worker = worker
        self.clock = clock
        self.signal = signal
        self.intervalMillis = intervalMillis
        self.pollMillis = pollMillis
        self.logger = logger
        self.onPass = onPass
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.leadPasses() }
                if let worker = self.worker { group.addTask { await worker.run() } }
            }
        }
    }

    /// Passes while this process leads the scheduler, until cancelled.
    func leadPasses() async {
        while !Task.isCancelled {
            do {
                try await engine.storage.lead("automation") { await self.passes() }
            } catch {
                if Task.isCancelled { return }
                logger.error("automation: cannot take the scheduler's lead: \(error)")
                try? await clock.sleep(until: clock.now() + pollMillis)
            }
        }
    }

    /// Passes until cancelled. A pass is skipped when nothing was stored since the last one (the
    /// feed's watermark has not moved) and nothing it found is due yet: the scheduler's idle
    /// minute then costs one read instead of a pass over every campaign. The pass after a pass
    /// that wrote runs in full (its own writes moved the watermark), and finds nothing new.
    func passes() async {
        var last: (watermark: Int64, nextCheck: Int64?)?
        while !Task.isCancelled {
            let started = clock.now()
            var next = started + intervalMillis
            let watermark = try? await engine.storage.safeWatermark()
            if let last, let watermark, watermark == last.watermark, last.nextCheck.map({ started < $0 }) ?? true {
                await signal.wait(orUntil: min(next, last.nextCheck ?? next, started + pollMillis), on: clock)
                continue
            }
            last = nil
            var poll = true
            do {
                let summary = try await engine.runPass(now: started)
                if let watermark { last = (watermark, summary.nextCheck) }
                if let due = summary.nextCheck { next = min(next, max(due, started + 1)) }
                if summary.deliveriesQueued > 0 { worker?.wake() }
                if summary.firingsNew > 0 || summary.deliveriesQueued > 0 {
                    logger.info(
                        "automation: \(summary.firingsNew) firings, \(summary.deliveriesQueued) deliveries queued (\(summary.peopleEvaluated) people evaluated)"
                    )
                }
                onPass?(summary)
            } catch {
                logger.error("automation pass failed: \(error)")
                // A failing pass is tried again at the interval or a push, not at every poll.
                poll = false
            }
            await signal.wait(orUntil: poll ? min(next, clock.now() + pollMillis) : next, on: clock)
        }
    }
}

extension AutomationService {
    /// The server's automation over `service`'s storage, woken by its pushes: the engine, and a
    /// delivery worker with a `WebhookSender` (returned, to be shut down after the service group)
    /// and `email` when campaign email is configured.
    public static func server(
        service: SyncService, policy: DeliveryPolicy, email: (any DeliverySender)?, allowPrivateWebhooks: Bool = false,
        clock: any AutomationClock = SystemAutomationClock(), logger: Logger
    ) -> (service: AutomationService, webhook: WebhookSender) {
        let webhook = WebhookSender(allowPrivate: allowPrivateWebhooks)
        var senders: [AutomationDelivery.Kind: any DeliverySender] = [.webhook: webhook]
        if let email { senders[.email] = email }
        let worker = DeliveryWorker(
            storage: service.storage, senders: senders, policy: policy, clock: clock, logger: logger)
        let automation = AutomationService(
            engine: AutomationEngine(storage: service.storage), worker: worker, clock: clock,
            signal: service.automationSignal, logger: logger)
        return (automation, webhook)
    }
}
