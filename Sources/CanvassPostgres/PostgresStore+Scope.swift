import CanvassCore
import CanvassStore
import Foundation
import PostgresNIO

/// A canvasser's scope and what each device was given, on PostgreSQL.
///
/// The scope is CanvassCore's `CanvasserScope`, unchanged. Its `ScopeSource` is synchronous and
/// PostgreSQL's reads are not, so the rule is run over `ScopeAnswers`, which answers what it has
/// fetched and notes the rest: after each run, everything noted is fetched in one statement and
/// the rule runs again, until a run asks for nothing new. Every answer is exactly what the
/// question asks, so the last run's result is the rule's result over the whole table; a scope
/// takes as many statements as the rule has steps (about five), never one per record.
extension PostgresStore {

    /// The user's `CanvasserScope`, cached with the watermark it is valid at: a later request
    /// keeps it when no change since may change it (`CanvasserScope.mayChange`), as on SQLite.
    public func canvasserScope(userID: String) async throws -> Set<RecordKey> {
        try await read { connection in
            try await canvasserScope(connection, userID: userID, watermark: watermark(connection)).keys
        }
    }

    /// The same on a caller's connection; `watermark` read before any of the records.
    func canvasserScope(_ connection: PostgresConnection, userID: String, watermark: Int64) async throws
        -> CanvasserScope
    {
        if let (at, cached) = scopeCache.get(userID) {
            if at == watermark { return cached }
            if at < watermark, try await !changes(connection, after: at, upTo: watermark, cached) {
                scopeCache.put(userID, seq: watermark, cached)
                return cached
            }
        }
        let answers = ScopeAnswers()
        var scope = try CanvasserScope(userID: userID, source: answers)
        while let question = answers.takeQuestion() {
            try await fetch(connection, question, into: answers)
            scope = try CanvasserScope(userID: userID, source: answers)
        }
        scopeCache.put(userID, seq: watermark, scope)
        return scope
    }

    /// Whether a change with a sequence in `after...upTo` may change `scope`
    /// (`CanvasserScope.mayChange`, over the fields it reads); true too when there are more than
    /// `scopeRecheckLimit` of them. The changes come from the feed, so every writer in every
    /// process is covered; `upTo` is a watermark, so every change below it is committed.
    private func changes(_ connection: PostgresConnection, after: Int64, upTo: Int64, _ scope: CanvasserScope)
        async throws -> Bool
    {
        let fields = CanvasserScope.readFields
        let limit = Int64(Self.scopeRecheckLimit)
        var changed: [RecordKey: [String: Value]] = [:]
        var count = 0
        for (c, i, name, value) in try await rows(
            connection,
            """
            SELECT r.collection, r.id, f.name, f.value FROM
                (SELECT collection, id, display FROM records WHERE seq > \(after)
                ORDER BY seq LIMIT \(limit + 1)) r
            LEFT JOIN LATERAL (SELECT n AS name, r.display->>n AS value FROM unnest(\(fields)::text[]) AS n
                WHERE jsonb_typeof(r.display->n) = 'string') f ON true
            """, as: (String, String, String?, String?).self)
        {
            let key = RecordKey(c, i)
            if changed[key] == nil { count += 1 }
            var values = changed[key] ?? [:]
            if let name, let value { values[name] = .string(value) }
            changed[key] = values
        }
        if count > Self.scopeRecheckLimit { return true }
        return changed.contains { scope.mayChange(after: RecordValues(key: $0.key, values: $0.value)) }
    }

    /// Changes beyond which a cached scope is derived again rather than checked.
    static let scopeRecheckLimit = 5_000

    /// Fetches, in one statement, the candidates of every question noted, each record projected
    /// to the fields asked (a field delivered when its display value is a string) with its
    /// tombstone from `deleted`, which stores the outcome of `Record.exists`.
    private func fetch(_ connection: PostgresConnection, _ q: ScopeAnswers.Question, into answers: ScopeAnswers)
        async throws
    {
        let fields = q.fields.sorted()
        let keyCollections = q.keys.map(\.collection)
        let keyIDs = q.keys.map(\.id)
        let assignments = Array(q.assignments)
        let interactions = Array(q.interactions)
        let lists = Array(q.lists)
        let found = try await rows(
            connection,
            """
            WITH candidates AS (
                SELECT 'a' AS kind, display->>'user_id' AS tag, collection, id, deleted, display FROM records
                    WHERE collection = 'assignments' AND display->>'user_id' = ANY(\(assignments)::text[])
                UNION ALL
                SELECT 'i', display->>'user_id', collection, id, deleted, display FROM records
                    WHERE collection = 'interactions' AND display->>'user_id' = ANY(\(interactions)::text[])
                UNION ALL
                SELECT 'l', display->>'list_id', collection, id, deleted, display FROM records
                    WHERE collection = 'list_items' AND display->>'list_id' = ANY(\(lists)::text[])
                UNION ALL
                SELECT 'k', '', r.collection, r.id, r.deleted, r.display
                    FROM unnest(\(keyCollections)::text[], \(keyIDs)::text[]) AS k(c, i)
                    JOIN records r ON r.collection = k.c AND r.id = k.i
            )
            SELECT c.kind, c.tag, c.collection, c.id, c.deleted, f.name, f.value FROM candidates c
            LEFT JOIN LATERAL (SELECT n AS name, c.display->>n AS value FROM unnest(\(fields)::text[]) AS n
                WHERE jsonb_typeof(c.display->n) = 'string') f ON true
            """, as: (String, String, String, String, Bool, String?, String?).self)
        var byKind: [String: [String: [RecordKey: [String: Value]]]] = [:]
        for (kind, tag, c, i, deleted, name, value) in found {
            let key = RecordKey(c, i)
            var values = byKind[kind, default: [:]][tag, default: [:]][key] ?? [:]
            if deleted { values[Record.deletedField] = .bool(true) }
            if let name, let value { values[name] = .string(value) }
            byKind[kind, default: [:]][tag, default: [:]][key] = values
        }
        func answer(_ kind: String, _ tag: String) -> [RecordValues] {
            (byKind[kind]?[tag] ?? [:]).map { RecordValues(key: $0.key, values: $0.value) }
        }
        let fieldSet = Set(fields)
        for u in q.assignments { answers.assignmentsByUser[u] = (fieldSet, answer("a", u)) }
        for u in q.interactions { answers.interactionsByUser[u] = (fieldSet, answer("i", u)) }
        for l in q.lists { answers.itemsByList[l] = (fieldSet, answer("l", l)) }
        let keyed = byKind["k"]?[""] ?? [:]
        for k in q.keys { answers.byKey[k] = (fieldSet, keyed[k].map { RecordValues(key: k, values: $0) }) }
    }

    /// Reads, for a canvasser's push, what its device holds (delivered and staged keys) and the
    /// watermark, in one statement.
    func scopeInputs(_ connection: PostgresConnection, replica: ReplicaID) async throws
        -> (watermark: Int64, delivered: Set<RecordKey>, staged: [StagedScopeChange])
    {
        var watermark: Int64 = 0
        var delivered: Set<RecordKey> = []
        var staged: [StagedScopeChange] = []
        for (kind, c, i, n) in try await rows(
            connection,
            """
            SELECT 'w', '', '', seq FROM feed_clock WHERE id = 1
            UNION ALL SELECT 'd', collection, id, 0 FROM scope_delivered WHERE replica = \(replica.rawValue)
            UNION ALL SELECT CASE WHEN added THEN 'a' ELSE 'r' END, collection, id, token
                FROM scope_pending WHERE replica = \(replica.rawValue)
            """, as: (String, String, String, Int64).self)
        {
            switch kind {
            case "w": watermark = n
            case "d": delivered.insert(RecordKey(c, i))
            default: staged.append(StagedScopeChange(token: n, key: RecordKey(c, i), added: kind == "a"))
            }
        }
        return (watermark, delivered, staged)
    }

    /// Notes that the device holds `keys`.
    func addDelivered(_ connection: PostgresConnection, replica: ReplicaID, _ keys: [RecordKey]) async throws {
        if keys.isEmpty { return }
        let collections = keys.map(\.collection)
        let ids = keys.map(\.id)
        try await exec(
            connection,
            """
            INSERT INTO scope_delivered (replica, collection, id)
            SELECT \(replica.rawValue), c, i FROM unnest(\(collections)::text[], \(ids)::text[]) AS k(c, i)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Confirms the scope changes a device's checkpoint `token` proves it stored, as
    /// `PullPlanner.confirm` decides (earlier tokens move into the delivered set, `token`'s stay
    /// staged, later ones are forgotten). Nothing to move or drop (the usual pull): one read, no write.
    public func confirmScope(replica: ReplicaID, upTo token: Int64) async throws {
        try await read { connection in
            let staged = try await scopeInputs(connection, replica: replica).staged
            if !PullPlanner.confirm(staged, upTo: token).writes { return }
            try await confirmScope(connection, replica: replica, upTo: token)
        }
    }

    /// The same on a caller's connection (not in a transaction): one transaction of its own.
    func confirmScope(_ connection: PostgresConnection, replica: ReplicaID, upTo token: Int64) async throws {
        let r = replica.rawValue
        try await exec(connection, "BEGIN")
        do {
            let current = try await rows(
                connection, "SELECT token, collection, id, added FROM scope_pending WHERE replica = \(r) FOR UPDATE",
                as: (Int64, String, String, Bool).self
            ).map { StagedScopeChange(token: $0.0, key: RecordKey($0.1, $0.2), added: $0.3) }
            let outcome = PullPlanner.confirm(current, upTo: token)
            try await addDelivered(connection, replica: replica, outcome.deliver)
            if !outcome.forget.isEmpty {
                let collections = outcome.forget.map(\.collection)
                let ids = outcome.forget.map(\.id)
                try await exec(
                    connection,
                    """
                    DELETE FROM scope_delivered d USING unnest(\(collections)::text[], \(ids)::text[]) AS k(c, i)
                    WHERE d.replica = \(r) AND d.collection = k.c AND d.id = k.i
                    """)
            }
            try await exec(connection, "DELETE FROM scope_pending WHERE replica = \(r) AND token <> \(token)")
            try await exec(connection, "COMMIT")
        } catch {
            _ = try? await exec(connection, "ROLLBACK")
            throw error
        }
    }

    /// What a canvasser's pull plans with: confirms the scope changes `token` proves stored (a
    /// write only when some are to move or go), then the user's scope and what the device holds
    /// for planning (`ScopeConfirmation.holding`). One statement (watermark, delivered and staged
    /// keys) and, unless the cached scope is valid at that watermark, its check or derivation.
    public func canvasserPull(replica: ReplicaID, userID: String, confirmingUpTo token: Int64) async throws -> (
        scope: Set<RecordKey>, delivered: Set<RecordKey>, unsettled: Bool
    ) {
        try await read { connection in
            var inputs = try await scopeInputs(connection, replica: replica)
            if PullPlanner.confirm(inputs.staged, upTo: token).writes {
                try await confirmScope(connection, replica: replica, upTo: token)
                inputs = try await scopeInputs(connection, replica: replica)
            }
            let scope = try await canvasserScope(connection, userID: userID, watermark: inputs.watermark)
            let confirmation = PullPlanner.confirm(inputs.staged, upTo: token)
            return (scope.keys, confirmation.holding(inputs.delivered), !confirmation.pending.isEmpty)
        }
    }

    /// What the device is known to hold.
    public func delivered(replica: ReplicaID) async throws -> Set<RecordKey> {
        try await read { connection in
            Set(
                try await rows(
                    connection, "SELECT collection, id FROM scope_delivered WHERE replica = \(replica.rawValue)",
                    as: (String, String).self
                ).map { RecordKey($0.0, $0.1) })
        }
    }

    /// Stages records sent to and evicted from a device under a new token, which is returned:
    /// one statement (a later entry for the same key wins, as on SQLite).
    public func stageScope(replica: ReplicaID, added: [RecordKey], removed: [RecordKey]) async throws -> Int64 {
        var change: [RecordKey: Bool] = [:]
        var order: [RecordKey] = []
        for (k, a) in added.map({ ($0, true) }) + removed.map({ ($0, false) }) {
            if change.updateValue(a, forKey: k) == nil { order.append(k) }
        }
        let collections = order.map(\.collection)
        let ids = order.map(\.id)
        let flags = order.map { change[$0]! }
        let r = replica.rawValue
        return try await read { connection in
            guard
                let token = try await rows(
                    connection,
                    """
                    WITH t AS (
                        INSERT INTO scope_tokens (replica, last_token) VALUES (\(r), 1)
                        ON CONFLICT (replica) DO UPDATE SET last_token = scope_tokens.last_token + 1
                        RETURNING last_token),
                    p AS (
                        INSERT INTO scope_pending (replica, token, collection, id, added)
                        SELECT \(r), t.last_token, k.c, k.i, k.a
                        FROM t, unnest(\(collections)::text[], \(ids)::text[], \(flags)::bool[]) AS k(c, i, a)
                        RETURNING 1)
                    SELECT t.last_token, (SELECT count(*) FROM p) FROM t
                    """, as: (Int64, Int64).self
                ).first
            else { throw StoreError(.corrupt, "no scope token was returned for \(r)") }
            return token.0
        }
    }
}

/// The scope rule's questions and the answers fetched so far (see `PostgresStore+Scope`): an
/// answer is given only when it was fetched for at least the fields asked; anything else is noted
/// as a question for the next fetch and answered with nothing for now.
final class ScopeAnswers: ScopeSource, @unchecked Sendable {
    /// The fields every fetch projects: those the rule reads today, plus any it asks for.
    private var fields: Set<String> = ["user_id", "list_id", "survey_id", "campaign_id", "contact_id", "household_id"]
    var assignmentsByUser: [String: (Set<String>, [RecordValues])] = [:]
    var interactionsByUser: [String: (Set<String>, [RecordValues])] = [:]
    var itemsByList: [String: (Set<String>, [RecordValues])] = [:]
    var byKey: [RecordKey: (Set<String>, RecordValues?)] = [:]
    private var question = Question()

    struct Question {
        var assignments: Set<String> = []
        var interactions: Set<String> = []
        var lists: Set<String> = []
        var keys: Set<RecordKey> = []
        var fields: Set<String> = []
        var isEmpty: Bool { assignments.isEmpty && interactions.isEmpty && lists.isEmpty && keys.isEmpty }
    }

    /// What the last run asked and was not answered, or nil when it was answered in full.
    func takeQuestion() -> Question? {
        defer { question = Question() }
        if question.isEmpty { return nil }
        question.fields = fields
        return question
    }

    private func answered<T>(_ entry: (Set<String>, T)?, _ asked: [String]) -> T? {
        fields.formUnion(asked)
        guard let entry, entry.0.isSuperset(of: asked) else { return nil }
        return entry.1
    }

    func assignments(of userID: String, fields asked: [String]) -> [RecordValues] {
        if let a = answered(assignmentsByUser[userID], asked) { return a }
        question.assignments.insert(userID)
        return []
    }

    func interactions(of userID: String, fields asked: [String]) -> [RecordValues] {
        if let a = answered(interactionsByUser[userID], asked) { return a }
        question.interactions.insert(userID)
        return []
    }

    func listItems(of lists: Set<String>, fields asked: [String]) -> [RecordValues] {
        var out: [RecordValues] = []
        for l in lists {
            if let a = answered(itemsByList[l], asked) { out += a } else { question.lists.insert(l) }
        }
        return out
    }

    func records(_ keys: Set<RecordKey>, fields asked: [String]) -> [RecordValues] {
        var out: [RecordValues] = []
        for k in keys {
            if let a = answered(byKey[k], asked) {
                if let a { out.append(a) }
            } else {
                question.keys.insert(k)
            }
        }
        return out
    }
}
