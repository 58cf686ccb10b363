import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// What one sync did.
public struct SyncReport: Sendable, Codable, Equatable {
    public var pushed = 0
    public var accepted = 0
    public var rejected = 0
    public var pulled = 0
    public var evicted = 0
    /// Evicted records kept because they still hold changes the server has not accepted.
    public var keptBack = 0
    public var pushPages = 0
    public var pullPages = 0
    public var retries = 0
    public var conflicts = 0

    public init() {}
}

/// Progress of a running sync, for a progress bar or log lines.
public enum SyncProgress: Sendable {
    case pushing(sent: Int, total: Int)
    case pulling(received: Int, page: Int)
    case retrying(attempt: Int, after: Duration, error: String)
}

/// How many times and how patiently to retry a failed request.
///
/// Two kinds of failure are told apart. A server that answered and then went slow or failed
/// (timeouts after connecting, 5xx, 429) gets `attempts` tries with exponential backoff and
/// jitter. When no connection can be made at all (refused, no route, DNS failure, connect
/// timeout: `ClientError` `.cannotConnect`), the laptop is most likely offline: it gets
/// `connectAttempts` tries, `connectRetryDelay` apart, so a canvasser with no signal hears
/// "unreachable" within seconds instead of after minutes.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var connectAttempts: Int
    public var connectRetryDelay: Duration
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        attempts: Int = 6, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10),
        connectAttempts: Int = 2, connectRetryDelay: Duration = .milliseconds(300),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.attempts = attempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.connectAttempts = connectAttempts
        self.connectRetryDelay = connectRetryDelay
        self.sleep = sleep
    }

    public static let none = RetryPolicy(attempts: 1, connectAttempts: 1)
}

/// Pushes local changes until acknowledged, then pulls until up to date. Safe to interrupt at any
/// point: the outbox keeps every unacknowledged change, and each pulled page is applied together
/// with its checkpoint in one transaction, so the next sync resumes without loss or duplicates.
public final class SyncEngine: Sendable {
    public let store: ReplicaStore
    public let transport: any SyncTransport
    public let retry: RetryPolicy
    public let pushPageSize: Int
    public let pullPageSize: Int

    public init(
        store: ReplicaStore, transport: any SyncTransport, retry: RetryPolicy = RetryPolicy(),
        pushPageSize: Int = 200, pullPageSize: Int = ProtocolInfo.defaultPullLimit
    ) {
        self.store = store
        self.transport = transport
        self.retry = retry
        self.pushPageSize = min(pushPageSize, ProtocolInfo.maxPushRecords)
        self.pullPageSize = min(pullPageSize, ProtocolInfo.maxPullLimit)
    }

    private func session() throws -> Session {
        guard let s = try Session.load(from: store) else {
            throw ClientError(.notLoggedIn, "not logged in: run `canvass login SERVER_URL CODE` first")
        }
        return s
    }

    /// Push, then pull.
    ///
    /// When the server says this device was revoked (401 `device_revoked`), the store keeps only
    /// what was never pushed (see `Revocation`) and the sync throws `ClientError` `.revoked`
    /// saying what was kept.
    public func sync(now: Int64, progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncReport {
        var report = SyncReport()
        do {
            try await push(into: &report, progress: progress)
            try await pull(into: &report, progress: progress)
        } catch let error as ClientError where error.serverCode == Revocation.serverCode {
            throw try Revocation.discardSyncedData(store)
        }
        try store.transaction { tx in
            guard var s = try Session.load(tx) else { return }
            s.lastSync = now
            try s.save(tx)
        }
        report.conflicts = try store.counts().conflicts
        return report
    }

    /// Sends every pending local change, a page at a time, and records each answer.
    public func push(into report: inout SyncReport, progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws
    {
        let token = try session().token
        let total = try store.counts().pending
        var sent = 0
        var lastFirst: OutboxEntry?
        while true {
            let page = try store.pendingPage(limit: pushPageSize)
            if page.isEmpty { return }
            // A page whose every entry got newer writes while in flight comes back; guard against spinning.
            if page.first?.entry == lastFirst { return }
            lastFirst = page.first?.entry
            let request = PushRequest(changes: ChangeSet(records: page.map(\.record)))
            let response = try await withRetry(&report, progress) {
                try await self.transport.push(request, token: token)
            }
            guard response.results.count == page.count else {
                throw ClientError.server(
                    status: 502,
                    body: ErrorBody(
                        code: "bad_response",
                        message: "the server answered \(response.results.count) results for \(page.count) records"))
            }
            var accepted: [OutboxEntry] = []
            var rejected: [(OutboxEntry, [Diagnostic])] = []
            for (item, result) in zip(page, response.results) {
                if result.status == .accepted {
                    accepted.append(item.entry)
                } else {
                    rejected.append((item.entry, result.problems))
                }
            }
            try store.acknowledge(accepted: accepted, rejected: rejected)
            report.pushed += page.count
            report.accepted += accepted.count
            report.rejected += rejected.count
            report.pushPages += 1
            sent += page.count
            progress(.pushing(sent: sent, total: max(total, sent)))
        }
    }

    /// Pulls pages since the stored checkpoint until the server says there is no more.
    ///
    /// The next page is fetched (and decoded) while the current one is applied, so network,
    /// decoding and disk overlap; a page is only ever applied after the one before it, together
    /// with its checkpoint, in one transaction.
    public func pull(into report: inout SyncReport, progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws
    {
        let token = try session().token
        var since = try session().checkpoint
        var (response, retries) = try await fetchPage(since: since, token: token, progress: progress)
        report.retries += retries
        var page = 0
        while true {
            let nextSince = response.checkpoint
            let prefetch: Task<(PullResponse, Int), any Error>? =
                response.more
                ? Task { try await self.fetchPage(since: nextSince, token: token, progress: { _ in }) } : nil
            do {
                let evict = response.evict.map(\.key)
                if !evict.isEmpty {
                    // Records leaving scope: push what is still unsynced before letting them go.
                    try await push(into: &report, progress: progress)
                }
                let expected = since
                let current = response
                let (applied, kept) = try store.transaction { tx -> (Bool, [RecordKey]) in
                    // Only apply if no other sync moved the checkpoint meanwhile.
                    guard var s = try Session.load(tx), s.checkpoint == expected else { return (false, []) }
                    try tx.applyPulled(current.records)
                    let kept = try tx.evict(evict)
                    if let checkouts = current.checkouts { try CheckoutMeta.save(tx, checkouts) }
                    s.checkpoint = current.checkpoint
                    try s.save(tx)
                    return (true, kept)
                }
                guard applied else {
                    throw ClientError(.invalid, "another sync of this store moved the checkpoint; run sync again")
                }
                page += 1
                report.pulled += response.records.count
                report.evicted += evict.count - kept.count
                report.keptBack += kept.count
                report.pullPages += 1
                progress(.pulling(received: report.pulled, page: page))
            } catch {
                prefetch?.cancel()
                throw error
            }
            guard let prefetch else { return }
            since = nextSince
            (response, retries) = try await prefetch.value
            report.retries += retries
        }
    }

    private func fetchPage(since: String?, token: String, progress: @Sendable (SyncProgress) -> Void) async throws -> (
        PullResponse, Int
    ) {
        var report = SyncReport()
        let page = try await withRetry(&report, progress) {
            try await self.transport.pull(since: since, limit: self.pullPageSize, token: token)
        }
        return (page, report.retries)
    }

    private func withRetry<T>(
        _ report: inout SyncReport, _ progress: @Sendable (SyncProgress) -> Void, _ body: () async throws -> T
    ) async throws -> T {
        var delay = retry.initialDelay
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as ClientError where error.isRetryable {
                let wait: Duration
                if error.code == .cannotConnect {
                    // Most likely offline: one quick second try at most, then report.
                    guard attempt < min(retry.connectAttempts, retry.attempts) else { throw error }
                    wait = retry.connectRetryDelay
                } else {
                    guard attempt < retry.attempts else { throw error }
                    // Jitter: a crowd of laptops that lost the server together must not return together.
                    wait = delay * Double.random(in: 0.5...1.5)
                    delay = min(delay * 2, retry.maxDelay)
                }
                progress(.retrying(attempt: attempt, after: wait, error: error.description))
                report.retries += 1
                try await retry.sleep(wait)
                attempt += 1
            }
        }
    }
}
