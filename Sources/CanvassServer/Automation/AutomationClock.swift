import CanvassCore
import Foundation

/// The engine's clock (issue 12), injected so that tests move time by hand and never sleep.
/// Times are milliseconds since 1970 (UTC).
public protocol AutomationClock: Sendable {
    func now() -> Int64
    /// Returns at `until` (at once when it has passed); throws `CancellationError` when cancelled.
    func sleep(until: Int64) async throws
}

/// The wall clock.
public struct SystemAutomationClock: AutomationClock {
    public init() {}

    public func now() -> Int64 { wallClock() }

    public func sleep(until: Int64) async throws {
        let wait = until - now()
        if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000) }
        try Task.checkCancellation()
    }
}

/// A clock for tests: it stands still until `advance` moves it, which wakes every sleeper whose
/// time has come.
public final class ManualAutomationClock: AutomationClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64
    private var sleepers: [Int: (until: Int64, continuation: CheckedContinuation<Void, any Error>)] = [:]
    private var nextID = 0

    public init(now: Int64) { current = now }

    public func now() -> Int64 { lock.withLock { current } }

    /// How many tasks are sleeping on this clock (a test waits for the service to go idle).
    public var sleeping: Int { lock.withLock { sleepers.count } }

    public func advance(by millis: Int64) { advance(to: now() + millis) }

    public func advance(to time: Int64) {
        let due = lock.withLock {
            current = max(current, time)
            let due = sleepers.filter { $0.value.until <= current }
            for id in due.keys { sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for c in due { c.resume() }
    }

    public func sleep(until: Int64) async throws {
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = lock.withLock {
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if until <= current { return .success(()) }
                    sleepers[id] = (until, c)
                    return nil
                }
                if let resume { c.resume(with: resume) }
            }
        } onCancel: {
            let c = lock.withLock { sleepers.removeValue(forKey: id)?.continuation }
            c?.resume(throwing: CancellationError())
        }
    }
}

/// A wake-up call that is never lost (after a push, for the engine; after a pass, for the
/// delivery worker): `signal` while nobody waits is kept for the next `wait`,
/// and many signals before it come to one (passes coalesce).
public final class AutomationSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    public init() {}

    public func signal() {
        let w: CheckedContinuation<Void, Never>? = lock.withLock {
            if let w = waiter {
                waiter = nil
                return w
            }
            pending = true
            return nil
        }
        w?.resume()
    }

    /// Returns at the next signal (or at once for one already given), or when cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now: Bool = lock.withLock {
                    if pending {
                        pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let w: CheckedContinuation<Void, Never>? = lock.withLock {
                defer { waiter = nil }
                return waiter
            }
            w?.resume()
        }
    }

    /// Waits for a signal or for `clock` to reach `until`, whichever comes first.
    func wait(orUntil until: Int64, on clock: any AutomationClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await clock.sleep(until: until) }
            await group.next()
            group.cancelAll()
        }
    }
}
