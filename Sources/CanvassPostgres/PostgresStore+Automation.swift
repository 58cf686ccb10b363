import CanvassCore
import CanvassStore
import Foundation
import Logging
import PostgresNIO

/// The automation engine's tables on PostgreSQL, as `ServerStore+Automation.swift` keeps them on
/// SQLite, and the scheduler's lease.
///
/// At most once is the `automation_firings` primary key: `commitAutomation` inserts the pass's
/// firings with `ON CONFLICT (key) DO NOTHING RETURNING key`, and only the keys returned carry out
/// their writes, log records and deliveries, in the same transaction. Two processes committing
/// the same firing at once both try the insert; the second waits for the first's commit and
/// inserts nothing. Rows are inserted in key order, so two such commits never deadlock.
extension PostgresStore {
    static let automationMigration = PostgresMigration(
        "v2-automation",
        [
            """
            CREATE TABLE automation_states (
                rule_id text NOT NULL,
                person text NOT NULL,
                state text NOT NULL,
                next_check bigint,
                PRIMARY KEY (rule_id, person)
            )
            """,
            "CREATE INDEX automation_states_next ON automation_states (next_check) WHERE next_check IS NOT NULL",
            """
            CREATE TABLE automation_observations (
                campaign text NOT NULL,
                person text NOT NULL,
                observed text NOT NULL,
                PRIMARY KEY (campaign, person)
            )
            """,
            """
            CREATE TABLE automation_firings (
                key text PRIMARY KEY,
                rule_id text NOT NULL,
                person text NOT NULL,
                rotation bigint NOT NULL,
                step text NOT NULL,
                fired_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE automation_outbox (
                id text PRIMARY KEY,
                kind text NOT NULL,
                target text NOT NULL,
                campaign text NOT NULL,
                contact text,
                mailing text,
                firing text,
                payload text,
                status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts bigint NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL,
                lease_until bigint,
                last_error text,
                created_at bigint NOT NULL,
                delivered_at bigint
            )
            """,
            "CREATE INDEX automation_outbox_due ON automation_outbox (status, next_attempt_at)",
            "CREATE TABLE automation_meta (key text PRIMARY KEY, value text NOT NULL)",
        ])

    // MARK: campaign reads

    /// The records a campaign read needs, in memory: the existing records of `projected`
    /// collections as their stored display values, and every record of `whole` collections (the
    /// read's `projectedCollections` and `wholeCollections`). The read itself (`CampaignPeople`,
    /// `AutomationCampaignInputs`, `MailingQueue`) then runs over it as over a replica.
    public func campaignSource(projected: [String], whole: [String]) async throws -> InMemoryRecordSource {
        try await read { connection in
            let decoder = JSONDecoder()
            var displays: [String: [(id: String, values: [String: Value])]] = [:]
            for (c, id, text) in try await rows(
                connection,
                """
                SELECT collection, id, display::text FROM records
                WHERE collection = ANY(\(projected)::text[]) AND NOT deleted
                """, as: (String, String, String).self)
            {
                displays[c, default: []].append((id, try decoder.decode([String: Value].self, from: Data(text.utf8))))
            }
            var records: [String: [Record]] = [:]
            if !whole.isEmpty {
                for (c, id, state) in try await rows(
                    connection, "SELECT collection, id, state FROM records WHERE collection = ANY(\(whole)::text[])",
                    as: (String, String, String).self)
                {
                    records[c, default: []].append(try StoredRecord.decode(state, RecordKey(c, id), decoder: decoder))
                }
            }
            var source = InMemoryRecordSource()
            for c in projected { source.add(displays: displays[c] ?? [], collection: c) }
            for c in whole { source.add(records: records[c] ?? [], collection: c) }
            return source
        }
    }

    // MARK: reads

    /// Stored states of `rules` with their next check: rule id → person → state.
    public func automationStates(rules: [String]) async throws -> [String: [String: AutomationCommit.State]] {
        try await read { connection in
            let decoder = JSONDecoder()
            var out: [String: [String: AutomationCommit.State]] = [:]
            for rule in rules { out[rule] = [:] }
            for (rule, person, text, next) in try await rows(
                connection,
                "SELECT rule_id, person, state, next_check FROM automation_states WHERE rule_id = ANY(\(rules)::text[])",
                as: (String, String, String, Int64?).self)
            {
                out[rule, default: [:]][person] = AutomationCommit.State(
                    rule: rule, person: person,
                    state: try decoder.decode(AutomationPersonState.self, from: Data(text.utf8)), nextCheck: next)
            }
            return out
        }
    }

    /// Stored observation maps of a campaign's people: person → map.
    public func automationObservations(campaign: String) async throws -> [String: [String: AutomationObserved]] {
        try await read { connection in
            let decoder = JSONDecoder()
            var out: [String: [String: AutomationObserved]] = [:]
            for (person, text) in try await rows(
                connection, "SELECT person, observed FROM automation_observations WHERE campaign = \(campaign)",
                as: (String, String).self)
            {
                out[person] = try decoder.decode([String: AutomationObserved].self, from: Data(text.utf8))
            }
            return out
        }
    }

    /// The engine's notes (e.g. `mailing.M` → the `send_requested_at` it last queued).
    public func automationMeta() async throws -> [String: String] {
        try await read { connection in
            var out: [String: String] = [:]
            for (k, v) in try await rows(
                connection, "SELECT key, value FROM automation_meta", as: (String, String).self)
            {
                out[k] = v
            }
            return out
        }
    }

    /// The earliest stored `next_check`, nil when none.
    public func automationNextCheck() async throws -> Int64? {
        try await read { connection in
            try await rows(connection, "SELECT min(next_check) FROM automation_states", as: Int64?.self).first ?? nil
        }
    }

    /// Keys of every stored firing, for tests and audits.
    public func automationFiringKeys() async throws -> [String] {
        try await read { connection in
            try await rows(connection, "SELECT key FROM automation_firings ORDER BY key COLLATE \"C\"", as: String.self)
        }
    }

    /// Every outbox row, oldest first.
    public func automationOutbox() async throws -> [StoredDelivery] {
        try await read { connection in
            try await rows(
                connection, PostgresQuery(unsafeSQL: Self.outboxColumns + " ORDER BY created_at, id COLLATE \"C\""),
                as: OutboxRow.self
            ).map(Self.delivery)
        }
    }

    // MARK: the commit

    /// Stores one pass's outcome in one transaction; see `AutomationCommit`. The server's own
    /// writes (new firings' actions and log records, new deliveries' records) are one write, the
    /// transaction's last step, which takes its sequence numbers.
    public func commitAutomation(_ batch: AutomationCommit) async throws -> AutomationCommitResult {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Each key once (the first), in key order: two commits lock rows in the same order.
        var seen: Set<String> = []
        let firings = batch.firings.filter { seen.insert($0.key).inserted }.sorted { $0.key < $1.key }
        let states = Dictionary(batch.states.map { ("\($0.rule)\u{0}\($0.person)", $0) }, uniquingKeysWith: { $1 })
            .sorted { $0.key < $1.key }.map(\.value)
        let observations = Dictionary(
            batch.observations.map { ("\($0.campaign)\u{0}\($0.person)", $0) }, uniquingKeysWith: { $1 }
        ).sorted { $0.key < $1.key }.map(\.value)
        let stateJSON = try states.map { String(decoding: try encoder.encode($0.state), as: UTF8.self) }
        let observedJSON = try observations.map { String(decoding: try encoder.encode($0.observed), as: UTF8.self) }
        let meta = batch.meta.sorted { $0.key < $1.key }
        return try await transaction { connection in
            var result = AutomationCommitResult()
            var writes: [LocalWrite] = []
            var queued: [QueuedDelivery] = []
            if !firings.isEmpty {
                var inserted: Set<String> = []
                for key in try await rows(
                    connection,
                    """
                    INSERT INTO automation_firings (key, rule_id, person, rotation, step, fired_at)
                    SELECT k, r, p, n, s, \(batch.now)
                    FROM unnest(\(firings.map(\.key))::text[], \(firings.map(\.rule))::text[],
                        \(firings.map(\.person))::text[], \(firings.map { Int64($0.rotation) })::int8[],
                        \(firings.map(\.step))::text[]) WITH ORDINALITY AS t(k, r, p, n, s, o)
                    ORDER BY o
                    ON CONFLICT (key) DO NOTHING RETURNING key
                    """, as: String.self)
                {
                    inserted.insert(key)
                }
                for f in firings where inserted.contains(f.key) {
                    result.newFirings.append(f.key)
                    writes += f.writes + [f.log]
                    queued += f.deliveries
                }
            }
            queued += batch.deliveries
            let fresh = try await queue(connection, queued, now: batch.now, encoder: encoder)
            result.newDeliveries = fresh.count
            writes += fresh.map(\.record)
            if !states.isEmpty {
                try await exec(
                    connection,
                    """
                    INSERT INTO automation_states (rule_id, person, state, next_check)
                    SELECT r, p, s, NULLIF(n, \(Self.none))
                    FROM unnest(\(states.map(\.rule))::text[], \(states.map(\.person))::text[],
                        \(stateJSON)::text[], \(states.map { $0.nextCheck ?? Self.none })::int8[]) AS t(r, p, s, n)
                    ON CONFLICT (rule_id, person) DO UPDATE SET state = excluded.state, next_check = excluded.next_check
                    """)
            }
            if !observations.isEmpty {
                try await exec(
                    connection,
                    """
                    INSERT INTO automation_observations (campaign, person, observed)
                    SELECT * FROM unnest(\(observations.map(\.campaign))::text[],
                        \(observations.map(\.person))::text[], \(observedJSON)::text[])
                    ON CONFLICT (campaign, person) DO UPDATE SET observed = excluded.observed
                    """)
            }
            if !meta.isEmpty {
                try await exec(
                    connection,
                    """
                    INSERT INTO automation_meta (key, value)
                    SELECT * FROM unnest(\(meta.map(\.key))::text[], \(meta.map(\.value))::text[])
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """)
            }
            if !writes.isEmpty { _ = try await write(connection, writes, wallclock: batch.now) }
            return result
        }
    }

    /// Inserts outbox rows (each once: `ON CONFLICT DO NOTHING` on the delivery id), in id
    /// order; returns the new ones, whose records the caller writes.
    private func queue(
        _ connection: PostgresConnection, _ deliveries: [QueuedDelivery], now: Int64, encoder: JSONEncoder
    ) async throws -> [QueuedDelivery] {
        var seen: Set<String> = []
        let all = deliveries.filter { seen.insert($0.delivery.id).inserted }.sorted { $0.delivery.id < $1.delivery.id }
        if all.isEmpty { return [] }
        let d = all.map(\.delivery)
        let payloads = try d.map { try $0.payload.map { String(decoding: try encoder.encode($0), as: UTF8.self) } }
        var inserted: Set<String> = []
        for id in try await rows(
            connection,
            """
            INSERT INTO automation_outbox (id, kind, target, campaign, contact, mailing, firing, payload, status,
                attempts, next_attempt_at, created_at)
            SELECT i, k, t, c, NULLIF(ct, ''), NULLIF(m, ''), NULLIF(f, ''), NULLIF(p, ''), 'pending', 0, \(now), \(now)
            FROM unnest(\(d.map(\.id))::text[], \(d.map(\.kind.rawValue))::text[], \(d.map(\.target))::text[],
                \(d.map(\.campaign))::text[], \(d.map { $0.contact ?? "" })::text[], \(d.map { $0.mailing ?? "" })::text[],
                \(d.map { $0.firing ?? "" })::text[], \(payloads.map { $0 ?? "" })::text[]) WITH ORDINALITY AS x(i, k, t, c, ct, m, f, p, o)
            ORDER BY o
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, as: String.self)
        {
            inserted.insert(id)
        }
        return all.filter { inserted.contains($0.delivery.id) }
    }

    // MARK: the outbox

    static let outboxColumns = """
        SELECT id, kind, target, campaign, contact, mailing, firing, payload, status, attempts, next_attempt_at,
            lease_until, last_error, created_at, delivered_at FROM automation_outbox
        """
    typealias OutboxRow = (
        String, String, String, String, String?, String?, String?, String?, String, Int64, Int64, Int64?, String?,
        Int64, Int64?
    )

    static func delivery(_ r: OutboxRow) -> StoredDelivery {
        StoredDelivery(
            delivery: AutomationDelivery(
                id: r.0, kind: AutomationDelivery.Kind(rawValue: r.1) ?? .webhook, target: r.2, campaign: r.3,
                contact: r.4, mailing: r.5, firing: r.6,
                payload: r.7.flatMap { try? JSONDecoder().decode(Value.self, from: Data($0.utf8)) }),
            status: StoredDelivery.Status(rawValue: r.8) ?? .pending, attempts: Int(r.9), nextAttemptAt: r.10,
            leaseUntil: r.11, lastError: r.12, createdAt: r.13, deliveredAt: r.14)
    }

    /// Leases up to `limit` pending deliveries due at `now` until `leaseUntil`, oldest due first.
    /// Rows another process is leasing at this moment are skipped (`FOR UPDATE SKIP LOCKED`), so
    /// workers in several processes never take the same delivery. A delivery whose lease ran out
    /// (its worker died) is due again.
    public func claimDeliveries(now: Int64, leaseUntil: Int64, limit: Int) async throws -> [StoredDelivery] {
        try await transaction { connection in
            var binds = PostgresBindings()
            binds.append(leaseUntil)
            binds.append(now)
            binds.append(Int64(limit))
            let sql = """
                WITH due AS (
                    SELECT id FROM automation_outbox
                    WHERE status = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
                    ORDER BY next_attempt_at, id COLLATE "C" LIMIT $3 FOR UPDATE SKIP LOCKED)
                UPDATE automation_outbox o SET lease_until = $1 FROM due WHERE o.id = due.id
                RETURNING o.id, o.kind, o.target, o.campaign, o.contact, o.mailing, o.firing, o.payload, o.status,
                    o.attempts, o.next_attempt_at, o.lease_until, o.last_error, o.created_at, o.delivered_at
                """
            return try await rows(connection, PostgresQuery(unsafeSQL: sql, binds: binds), as: OutboxRow.self)
                .map(Self.delivery).sorted {
                    ($0.nextAttemptAt, $0.delivery.id) < ($1.nextAttemptAt, $1.delivery.id)
                }
        }
    }

    /// Records an attempt's outcome for a delivery still leased until `lease`, and writes its
    /// `automation_deliveries` record (`mirror`) as the server's replica, in one transaction.
    /// False when the lease was lost (another worker took the delivery over).
    public func finishDelivery(_ outcome: DeliveryOutcome, lease: Int64, mirror: LocalWrite, now: Int64) async throws
        -> Bool
    {
        try await transaction { connection in
            let updated = try await rows(
                connection,
                """
                UPDATE automation_outbox
                SET status = \(outcome.status.rawValue), attempts = \(Int64(outcome.attempts)),
                    next_attempt_at = \(outcome.nextAttemptAt), last_error = \(outcome.lastError),
                    delivered_at = \(outcome.deliveredAt), lease_until = NULL
                WHERE id = \(outcome.id) AND lease_until = \(lease) RETURNING 1
                """, as: Int32.self)
            guard !updated.isEmpty else { return false }
            _ = try await write(connection, [mirror], wallclock: now)
            return true
        }
    }

    /// When the next pending delivery is due (after its lease, if leased), nil when none.
    public func nextDeliveryDue() async throws -> Int64? {
        try await read { connection in
            try await rows(
                connection,
                "SELECT min(greatest(next_attempt_at, lease_until)) FROM automation_outbox WHERE status = 'pending'",
                as: Int64?.self
            ).first ?? nil
        }
    }

    // MARK: the scheduler's lease

    /// No value, in an array of a column that may be null (`NULLIF`): bind arrays hold no nulls.
    static let none = Int64.min

    /// The advisory-lock key of a lease (one-argument form): FNV-1a of its role.
    static func leaseKey(_ role: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "canvass.lead.\(role)".utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: h)
    }

    /// Runs `work` while this process holds the lease `role`: a session advisory lock
    /// (`pg_try_advisory_lock`) on a connection of its own, outside the pool, tried every `retry`
    /// until it is free. While `work` runs the connection is watched (its socket) and checked
    /// every `retry`; when it goes (the database restarted, the network dropped) `work` is
    /// cancelled and the lease is sought again. PostgreSQL may have released the lock a moment
    /// before that, so two processes may briefly both run `work`: what it does must be safe to
    /// repeat (the automation commit is). When this process stops or dies, its connection closes
    /// and PostgreSQL releases the lock, so another process takes over within `retry`. Returns
    /// when the calling task is cancelled (the connection is closed, releasing the lease).
    public func lead(
        _ role: String, retry: Duration = .seconds(2), _ work: @escaping @Sendable () async -> Void
    ) async {
        let key = Self.leaseKey(role)
        let logger = logger
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(
                    configuration: sessionConfiguration, id: Int(truncatingIfNeeded: key), logger: logger)
            } catch {
                logger.warning("lease \(role): \(Self.storeError(error, endpoint: endpoint))")
                try? await Task.sleep(for: retry)
                continue
            }
            // If this machine dies or its network goes silent, PostgreSQL must notice within
            // seconds and end the session, which releases the lock for another process: TCP
            // keepalives from the server's side (about 11 s), and an idle-session timeout in case
            // this process hangs with its socket open (the ping below keeps a healthy one busy;
            // PostgreSQL before 14 lacks it, hence `try?`).
            for setting in [
                "SET tcp_keepalives_idle = 5", "SET tcp_keepalives_interval = 2", "SET tcp_keepalives_count = 3",
                "SET idle_session_timeout = '15s'",
            ] {
                _ = try? await connection.query(PostgresQuery(unsafeSQL: setting), logger: logger)
            }
            do {
                while !(try await Self.tryLock(connection, key, logger: logger)) { try await Task.sleep(for: retry) }
                logger.info("lease \(role): this process leads")
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await work() }
                    // Either of these ends (and so cancels `work`) when the connection goes:
                    // at once when its socket closes, within `retry` when it stops answering.
                    let (closed, ended) = AsyncStream<Void>.makeStream()
                    connection.closeFuture.whenComplete { _ in ended.finish() }
                    group.addTask { for await _ in closed {} }
                    group.addTask {
                        while !Task.isCancelled {
                            do {
                                try await Task.sleep(for: retry)
                                try await connection.query("SELECT 1", logger: logger)
                            } catch {
                                if !Task.isCancelled { logger.warning("lease \(role): lost (\(error))") }
                                return
                            }
                        }
                    }
                    await group.next()
                    group.cancelAll()
                }
            } catch {
                if !Task.isCancelled { logger.warning("lease \(role): \(Self.storeError(error, endpoint: endpoint))") }
            }
            try? await connection.close()
        }
    }

    private static func tryLock(_ connection: PostgresConnection, _ key: Int64, logger: Logger) async throws -> Bool {
        for try await held in try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
            .decode(Bool.self)
        {
            return held
        }
        return false
    }
}
