import CanvassCore
import Foundation
import GRDB

/// What the automation engine keeps on the server (issue 12), beside the replicated records its
/// firings write: per (rule, person) state and when to look again, per (campaign, person)
/// observations, one row per firing under its unique key, the outbox of webhooks and emails,
/// and the engine's own notes (which mailing requests it handled).
///
/// At most once is the `automation_firings` primary key: `commitAutomation` inserts each firing
/// with `ON CONFLICT DO NOTHING` and applies the firing's writes, log record and deliveries only
/// when the insert took, all in one durable write transaction. Two passes that compute the same
/// firing (an overlap, a change set pushed twice) both try the insert; one of them writes.
extension ServerStore {
    static let automationMigration = ReplicaStore.Migration("server-v3") { db in
        try db.execute(
            sql: """
                CREATE TABLE automation_states (
                    rule_id TEXT NOT NULL,
                    person TEXT NOT NULL,
                    state TEXT NOT NULL,
                    next_check INTEGER,
                    PRIMARY KEY (rule_id, person)
                ) WITHOUT ROWID;
                CREATE INDEX automation_states_next ON automation_states (next_check) WHERE next_check IS NOT NULL;
                CREATE TABLE automation_observations (
                    campaign TEXT NOT NULL,
                    person TEXT NOT NULL,
                    observed TEXT NOT NULL,
                    PRIMARY KEY (campaign, person)
                ) WITHOUT ROWID;
                CREATE TABLE automation_firings (
                    key TEXT PRIMARY KEY NOT NULL,
                    rule_id TEXT NOT NULL,
                    person TEXT NOT NULL,
                    rotation INTEGER NOT NULL,
                    step TEXT NOT NULL,
                    fired_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE automation_outbox (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    target TEXT NOT NULL,
                    campaign TEXT NOT NULL,
                    contact TEXT,
                    mailing TEXT,
                    firing TEXT,
                    payload TEXT,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    lease_until INTEGER,
                    last_error TEXT,
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER
                );
                CREATE INDEX automation_outbox_due ON automation_outbox (status, next_attempt_at);
                CREATE TABLE automation_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
    }

    // MARK: reads

    /// Stored states of `rules` with their next check: rule id → person → state.
    public func automationStates(rules: [String]) async throws -> [String: [String: AutomationCommit.State]] {
        try await writer.read { db in
            let decoder = JSONDecoder()
            var out: [String: [String: AutomationCommit.State]] = [:]
            let stmt = try db.cachedStatement(
                sql: "SELECT person, state, next_check FROM automation_states WHERE rule_id = ?")
            for rule in rules {
                var states: [String: AutomationCommit.State] = [:]
                let rows = try Row.fetchCursor(stmt, arguments: [rule])
                while let row = try rows.next() {
                    let person: String = row[0]
                    let text: String = row[1]
                    states[person] = AutomationCommit.State(
                        rule: rule, person: person,
                        state: try decoder.decode(AutomationPersonState.self, from: Data(text.utf8)), nextCheck: row[2])
                }
                out[rule] = states
            }
            return out
        }
    }

    /// Stored observation maps of a campaign's people: person → map.
    public func automationObservations(campaign: String) async throws -> [String: [String: AutomationObserved]] {
        try await writer.read { db in
            let decoder = JSONDecoder()
            var out: [String: [String: AutomationObserved]] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT person, observed FROM automation_observations WHERE campaign = ?",
                arguments: [campaign])
            while let row = try rows.next() {
                let text: String = row[1]
                out[row[0]] = try decoder.decode([String: AutomationObserved].self, from: Data(text.utf8))
            }
            return out
        }
    }

    /// The engine's notes (e.g. `mailing.M` → the `send_requested_at` it last queued).
    public func automationMeta() async throws -> [String: String] {
        try await writer.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM automation_meta") { out[row[0]] = row[1] }
            return out
        }
    }

    /// The earliest stored `next_check`, nil when none.
    public func automationNextCheck() async throws -> Int64? {
        try await writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(next_check) FROM automation_states WHERE next_check IS NOT NULL")
        }
    }

    /// Keys of every stored firing, for tests and audits.
    public func automationFiringKeys() async throws -> [String] {
        try await writer.read { db in try String.fetchAll(db, sql: "SELECT key FROM automation_firings ORDER BY key") }
    }

    /// Every outbox row, oldest first.
    public func automationOutbox() async throws -> [StoredDelivery] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM automation_outbox ORDER BY created_at, id").map(Self.delivery)
        }
    }

    // MARK: the commit

    /// Stores one pass's outcome in one durable write transaction; see `AutomationCommit`.
    public func commitAutomation(_ batch: AutomationCommit) async throws -> AutomationCommitResult {
        try await writer.write { db in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var result = AutomationCommitResult()
            let insertFiring = try db.cachedStatement(
                sql: """
                    INSERT INTO automation_firings (key, rule_id, person, rotation, step, fired_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                    """)
            for f in batch.firings {
                try insertFiring.execute(
                    arguments: [f.key, f.rule, f.person, f.rotation, f.step, batch.now])
                guard db.changesCount == 1 else { continue }
                result.newFirings.append(f.key)
                _ = try ReplicaStore.write(db, f.writes + [f.log], wallclock: batch.now)
                result.newDeliveries += try Self.queue(db, f.deliveries, now: batch.now, encoder: encoder)
            }
            result.newDeliveries += try Self.queue(db, batch.deliveries, now: batch.now, encoder: encoder)
            let state = try db.cachedStatement(
                sql: """
                    INSERT INTO automation_states (rule_id, person, state, next_check) VALUES (?, ?, ?, ?)
                    ON CONFLICT (rule_id, person) DO UPDATE SET state = excluded.state, next_check = excluded.next_check
                    """)
            for s in batch.states {
                let json = String(decoding: try encoder.encode(s.state), as: UTF8.self)
                try state.execute(arguments: [s.rule, s.person, json, s.nextCheck])
            }
            let observed = try db.cachedStatement(
                sql: """
                    INSERT INTO automation_observations (campaign, person, observed) VALUES (?, ?, ?)
                    ON CONFLICT (campaign, person) DO UPDATE SET observed = excluded.observed
                    """)
            for o in batch.observations {
                let json = String(decoding: try encoder.encode(o.observed), as: UTF8.self)
                try observed.execute(arguments: [o.campaign, o.person, json])
            }
            for (key, value) in batch.meta {
                try db.execute(
                    sql: """
                        INSERT INTO automation_meta (key, value) VALUES (?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value
                        """, arguments: [key, value])
            }
            return result
        }
    }

    /// Inserts outbox rows (each once: `ON CONFLICT DO NOTHING` on the delivery id) and, for each
    /// new one, its `automation_deliveries` record; returns how many were new.
    private static func queue(_ db: Database, _ deliveries: [QueuedDelivery], now: Int64, encoder: JSONEncoder)
        throws -> Int
    {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO automation_outbox (id, kind, target, campaign, contact, mailing, firing, payload, status,
                    attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (id) DO NOTHING
                """)
        var n = 0
        for q in deliveries {
            let d = q.delivery
            let payload = try d.payload.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try insert.execute(
                arguments: [
                    d.id, d.kind.rawValue, d.target, d.campaign, d.contact, d.mailing, d.firing, payload, now, now,
                ])
            guard db.changesCount == 1 else { continue }
            n += 1
            _ = try ReplicaStore.write(db, [q.record], wallclock: now)
        }
        return n
    }

    // MARK: the outbox

    /// Leases up to `limit` pending deliveries due at `now` until `leaseUntil`, oldest due first.
    /// A delivery whose lease ran out (its worker died) is due again.
    public func claimDeliveries(now: Int64, leaseUntil: Int64, limit: Int) async throws -> [StoredDelivery] {
        try await writer.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE automation_outbox SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM automation_outbox
                        WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY next_attempt_at, id LIMIT ?)
                    RETURNING *
                    """, arguments: [leaseUntil, now, now, limit]
            ).map(Self.delivery)
        }
    }

    /// Records an attempt's outcome for a delivery still leased until `lease`, and writes its
    /// `automation_deliveries` record (`mirror`) as the server's replica, in one transaction.
    /// False when the lease was lost (another worker took the delivery over).
    public func finishDelivery(_ outcome: DeliveryOutcome, lease: Int64, mirror: LocalWrite, now: Int64) async throws
        -> Bool
    {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE automation_outbox
                    SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, lease_until = NULL
                    WHERE id = ? AND lease_until = ?
                    """,
                arguments: [
                    outcome.status.rawValue, outcome.attempts, outcome.nextAttemptAt, outcome.lastError,
                    outcome.deliveredAt, outcome.id, lease,
                ])
            guard db.changesCount == 1 else { return false }
            _ = try ReplicaStore.write(db, [mirror], wallclock: now)
            return true
        }
    }

    /// The earliest `next_attempt_at` of a pending delivery, nil when none.
    public func nextDeliveryDue() async throws -> Int64? {
        try await writer.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT min(coalesce(max(next_attempt_at, lease_until), next_attempt_at)) FROM automation_outbox "
                    + "WHERE status = 'pending'")
        }
    }

    private static func delivery(_ row: Row) -> StoredDelivery {
        let payload: String? = row["payload"]
        return StoredDelivery(
            delivery: AutomationDelivery(
                id: row["id"], kind: AutomationDelivery.Kind(rawValue: row["kind"]) ?? .webhook, target: row["target"],
                campaign: row["campaign"], contact: row["contact"], mailing: row["mailing"], firing: row["firing"],
                payload: payload.flatMap { try? JSONDecoder().decode(Value.self, from: Data($0.utf8)) }),
            status: StoredDelivery.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            nextAttemptAt: row["next_attempt_at"], leaseUntil: row["lease_until"], lastError: row["last_error"],
            createdAt: row["created_at"], deliveredAt: row["delivered_at"])
    }
}

/// One pass's outcome for `ServerStore.commitAutomation`.
public struct AutomationCommit: Sendable {
    public struct Firing: Sendable {
        /// The firing key (`RULE@PERSON@ROTATION@STEP`), unique.
        public var key: String
        public var rule: String
        public var person: String
        public var rotation: Int
        public var step: String
        /// The actions' writes, applied only when the firing is new.
        public var writes: [LocalWrite]
        /// Its `automation_log` record.
        public var log: LocalWrite
        public var deliveries: [QueuedDelivery]

        public init(
            key: String, rule: String, person: String, rotation: Int, step: String, writes: [LocalWrite],
            log: LocalWrite, deliveries: [QueuedDelivery]
        ) {
            self.key = key
            self.rule = rule
            self.person = person
            self.rotation = rotation
            self.step = step
            self.writes = writes
            self.log = log
            self.deliveries = deliveries
        }
    }

    public struct State: Sendable {
        public var rule: String
        public var person: String
        public var state: AutomationPersonState
        public var nextCheck: Int64?

        public init(rule: String, person: String, state: AutomationPersonState, nextCheck: Int64?) {
            self.rule = rule
            self.person = person
            self.state = state
            self.nextCheck = nextCheck
        }
    }

    public struct Observations: Sendable {
        public var campaign: String
        public var person: String
        public var observed: [String: AutomationObserved]

        public init(campaign: String, person: String, observed: [String: AutomationObserved]) {
            self.campaign = campaign
            self.person = person
            self.observed = observed
        }
    }

    public var now: Int64
    public var firings: [Firing] = []
    /// Deliveries of no firing (a mailing's), each queued once by id.
    public var deliveries: [QueuedDelivery] = []
    public var states: [State] = []
    public var observations: [Observations] = []
    public var meta: [String: String] = [:]

    public init(now: Int64) { self.now = now }

    public var isEmpty: Bool {
        firings.isEmpty && deliveries.isEmpty && states.isEmpty && observations.isEmpty && meta.isEmpty
    }
}

/// A delivery to queue and its `automation_deliveries` record, written when the row is new.
public struct QueuedDelivery: Sendable {
    public var delivery: AutomationDelivery
    public var record: LocalWrite

    public init(_ delivery: AutomationDelivery, record: LocalWrite) {
        self.delivery = delivery
        self.record = record
    }
}

public struct AutomationCommitResult: Sendable, Hashable {
    /// The firings this commit stored (the others were stored before).
    public var newFirings: [String] = []
    /// Outbox rows this commit added.
    public var newDeliveries = 0

    public init(newFirings: [String] = [], newDeliveries: Int = 0) {
        self.newFirings = newFirings
        self.newDeliveries = newDeliveries
    }
}

/// An outbox row.
public struct StoredDelivery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable { case pending, delivered, failed }

    public var delivery: AutomationDelivery
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var leaseUntil: Int64?
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?

    public init(
        delivery: AutomationDelivery, status: Status, attempts: Int, nextAttemptAt: Int64, leaseUntil: Int64?,
        lastError: String?, createdAt: Int64, deliveredAt: Int64?
    ) {
        self.delivery = delivery
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// What became of one attempt, as stored.
public struct DeliveryOutcome: Sendable, Hashable {
    public var id: String
    public var status: StoredDelivery.Status
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var deliveredAt: Int64?

    public init(
        id: String, status: StoredDelivery.Status, attempts: Int, nextAttemptAt: Int64, lastError: String?,
        deliveredAt: Int64?
    ) {
        self.id = id
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
    }
}
