import CanvassCore
import CanvassStore
import Foundation
import PostgresNIO

/// Records and their feed on PostgreSQL.
///
/// Sequence numbers: a writing transaction does all its reading and merging first, then takes
/// its numbers from the one-row `feed_clock` in the same statement that stores its rows, as its
/// last step before COMMIT. The row lock on `feed_clock` is held to the commit, so numbers commit
/// in the order they are taken and the committed `feed_clock.seq` is a safe watermark: a reader
/// that reads it and the rows in one statement (one snapshot) never sees a number above it that
/// is not committed, and never misses one below it (SYNC.md, "Changes feed").
///
/// Concurrent writes of one record are serialised by a transaction advisory lock per key, taken
/// in a fixed order before the snapshot is read, so no merge is lost and no two writers deadlock.
extension PostgresStore {

    // MARK: pieces used inside a caller's transaction

    /// The advisory-lock key of a record (the two-argument form, class 1, so record locks never
    /// meet one-argument locks such as the migrations' or the scheduler's): FNV-1a of the key.
    static func lockKey(_ key: RecordKey) -> Int32 {
        var h: UInt32 = 2_166_136_261
        for b in key.collection.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        h = (h ^ 0) &* 16_777_619
        for b in key.id.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return Int32(bitPattern: h)
    }

    /// Locks `keys` for the rest of the transaction, in ascending lock-key order (no deadlock
    /// between two writers, whatever their keys), in one statement.
    ///
    /// PostgreSQL's lock table holds about `max_locks_per_transaction` (64) locks per connection,
    /// so a write of thousands of records (an import, the demo's seed) cannot take a lock per key.
    /// Every locking transaction first takes `bulkLock` shared; one of more than `bulkKeys` keys
    /// takes it exclusively instead (and no key locks): it waits for the writers in flight and
    /// keeps new ones out until it commits. Imports are rare; pushes stay concurrent.
    func lock(_ connection: PostgresConnection, _ keys: some Sequence<RecordKey>) async throws {
        let hashes = Set(keys.map(Self.lockKey)).sorted()
        if hashes.isEmpty { return }
        if hashes.count > Self.bulkKeys {
            try await exec(connection, "SELECT pg_advisory_xact_lock(\(Self.bulkLock))")
            return
        }
        try await exec(connection, "SELECT pg_advisory_xact_lock_shared(\(Self.bulkLock))")
        try await exec(
            connection,
            "SELECT count(pg_advisory_xact_lock(1, h)) FROM unnest(\(hashes)::int4[]) WITH ORDINALITY AS t(h, o)")
    }

    /// The lock every record-locking transaction takes shared, and a bulk write exclusively.
    static let bulkLock: Int64 = 0x6361_6E76_6173_7303
    /// Above this many keys a write locks in bulk: 16 pooled connections (two processes) each
    /// holding this many stay within the default lock table (64 × 100 connections).
    static let bulkKeys = 256

    /// The stored states of `keys` (those that exist), in one statement.
    func load(_ connection: PostgresConnection, _ keys: some Collection<RecordKey>) async throws -> [RecordKey: Record]
    {
        if keys.isEmpty { return [:] }
        let collections = keys.map(\.collection)
        let ids = keys.map(\.id)
        let decoder = JSONDecoder()
        var out: [RecordKey: Record] = [:]
        for (c, i, state) in try await rows(
            connection,
            """
            SELECT r.collection, r.id, r.state FROM unnest(\(collections)::text[], \(ids)::text[]) AS k(c, i)
            JOIN records r ON r.collection = k.c AND r.id = k.i
            """, as: (String, String, String).self)
        {
            let key = RecordKey(c, i)
            out[key] = try StoredRecord.decode(state, key, decoder: decoder)
        }
        return out
    }

    /// Stores `rows` (each key at most once) and takes their sequence numbers from `feed_clock`,
    /// in one statement: call it as the transaction's last step (see the type's comment).
    /// Returns the highest sequence taken.
    @discardableResult
    func save(_ connection: PostgresConnection, _ rows: [(row: StoredRecord, origin: ReplicaID?)]) async throws
        -> Int64
    {
        if rows.isEmpty { return 0 }
        let n = Int64(rows.count)
        var collections: [String] = []
        var ids: [String] = []
        var states: [String] = []
        var displays: [String] = []
        var conflicts: [Int64] = []
        var deleted: [Bool] = []
        var origins: [String] = []
        for (row, origin) in rows {
            collections.append(row.key.collection)
            ids.append(row.key.id)
            states.append(row.state)
            displays.append(Self.jsonb(row.display))
            conflicts.append(Int64(row.conflicts))
            deleted.append(row.deleted)
            origins.append(origin?.rawValue ?? "")
        }
        let result = try await self.rows(
            connection,
            """
            WITH clock AS (UPDATE feed_clock SET seq = seq + \(n) WHERE id = 1 RETURNING seq),
            saved AS (
                INSERT INTO records (collection, id, state, display, seq, conflicts, deleted, origin)
                SELECT t.c, t.i, t.s, t.d::jsonb, clock.seq - \(n) + t.o, t.n, t.x, NULLIF(t.g, '')
                FROM clock, unnest(\(collections)::text[], \(ids)::text[], \(states)::text[], \(displays)::text[],
                    \(conflicts)::int8[], \(deleted)::bool[], \(origins)::text[]) WITH ORDINALITY AS t(c, i, s, d, n, x, g, o)
                ON CONFLICT (collection, id) DO UPDATE SET state = excluded.state, display = excluded.display,
                    seq = excluded.seq, conflicts = excluded.conflicts, deleted = excluded.deleted,
                    origin = excluded.origin
                RETURNING 1
            )
            SELECT clock.seq, (SELECT count(*) FROM saved) FROM clock
            """, as: (Int64, Int64).self)
        return result.first?.0 ?? 0
    }

    /// JSON text as jsonb takes it: jsonb refuses the escape `\u0000`, so a NUL in a display value
    /// (the columns queries and the scope read, never sent to anyone) becomes U+FFFD. The state,
    /// stored as text, keeps it.
    static func jsonb(_ json: String) -> String {
        guard json.contains("\\u0000") else { return json }
        var out: [UInt8] = []
        let bytes = Array(json.utf8)
        var i = 0
        var backslashes = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x5C, backslashes % 2 == 0, i + 5 < bytes.count,
                bytes[(i + 1)...(i + 5)].elementsEqual("u0000".utf8)
            {
                out.append(contentsOf: "\\ufffd".utf8)
                i += 6
                backslashes = 0
                continue
            }
            backslashes = b == 0x5C ? backslashes + 1 : 0
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Performs `writes` as the server's replica inside a caller's transaction: locks their keys,
    /// reads their states, mints one dot each from `clock`, performs each with
    /// `LocalWrite.perform` and saves the results. Returns each write's delta.
    func write(_ connection: PostgresConnection, _ writes: [LocalWrite], wallclock: Int64) async throws -> [Record] {
        if writes.isEmpty { return [] }
        try await lock(connection, writes.map(\.key))
        var current = try await load(connection, Set(writes.map(\.key)))
        let minted = try await rows(
            connection, "UPDATE clock SET counter = counter + \(Int64(writes.count)) WHERE id = 1 RETURNING counter",
            as: Int64.self)
        guard let last = minted.first else { throw StoreError(.corrupt, "the clock row is missing") }
        var counter = last - Int64(writes.count)
        var deltas: [Record] = []
        var order: [RecordKey] = []
        var seen: Set<RecordKey> = []
        for w in writes {
            counter += 1
            var record = current[w.key] ?? Record(key: w.key)
            if seen.insert(w.key).inserted { order.append(w.key) }
            deltas.append(w.perform(on: &record, at: Dot(replica, UInt64(counter)), wallclock: wallclock))
            current[w.key] = record
        }
        try await save(connection, order.map { (StoredRecord(current[$0]!), nil) })
        return deltas
    }

    // MARK: records

    /// In one transaction: locks the pushed keys, reads the snapshot (their states, the surveys
    /// their interactions name, and for a canvasser what it may write), asks `decide`, merges
    /// what it accepted with the device as origin (`StoredRecord.merge`), records what the device
    /// now holds, and stores the rows with their sequence numbers as the last step.
    public func push(
        _ records: [Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision {
        try await transaction { connection in
            try await lock(connection, records.map(\.key))
            var surveyIDs: Set<String> = []
            for r in records where r.key.collection == "interactions" {
                if let sid = r["survey_id"]?.stringValue { surveyIDs.insert(sid) }
            }
            let wanted = Set(records.map(\.key)).union(surveyIDs.map { RecordKey("surveys", $0) })
            let loaded = try await load(connection, wanted)
            let pushedKeys = Set(records.map(\.key))
            let existing = loaded.filter { k, _ in pushedKeys.contains(k) }
            var surveys: [String: Record] = [:]
            for sid in surveyIDs { surveys[sid] = loaded[RecordKey("surveys", sid)] }
            var scope: Set<RecordKey>?
            if device.role == .canvasser {
                let held = try await scopeInputs(connection, replica: device.replica)
                scope = try await canvasserScope(connection, userID: device.userID, watermark: held.watermark)
                    .writable(delivered: held.delivered, staged: Set(held.staged.map(\.key)))
            }
            let decision = decide(PushSnapshot(existing: existing, surveys: surveys, scope: scope))
            var current = existing
            var order: [RecordKey] = []
            var origins: [RecordKey: ReplicaID?] = [:]
            for incoming in decision.accepted {
                guard
                    let (merged, origin) = StoredRecord.merge(
                        incoming, into: current[incoming.key], origin: device.replica)
                else { continue }
                if origins[incoming.key] == nil { order.append(incoming.key) }
                current[incoming.key] = merged
                origins[incoming.key] = .some(origin)
            }
            if device.role == .canvasser, !decision.held.isEmpty {
                // The device holds what it pushed: no scope backfill should echo it back.
                try await addDelivered(connection, replica: device.replica, decision.held)
            }
            try await save(connection, order.map { (StoredRecord(current[$0]!), origins[$0]!) })
            return decision
        }
    }

    /// Feed rows after `since` as stored JSON, never above the safe watermark: the watermark and
    /// the rows are read in one statement (one snapshot). Without a filter, rows whose state came
    /// unchanged from `excludingOrigin` are skipped in SQL; with one, keys are scanned first (at
    /// most `scanLimit`) and the states of the kept ones fetched after.
    public func feed(
        since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?,
        scanLimit: Int = 50_000
    ) async throws -> RawFeedPage {
        let excluded = excludingOrigin?.rawValue ?? ""
        return try await read { connection in
            if let filter {
                let scanned = try await rows(
                    connection,
                    """
                    SELECT w.seq, r.collection, r.id, r.seq, r.origin FROM feed_clock w
                    LEFT JOIN LATERAL (SELECT collection, id, seq, origin FROM records
                        WHERE seq > \(since) AND seq <= w.seq ORDER BY seq LIMIT \(Int64(scanLimit))) r ON true
                    """, as: (Int64, String?, String?, Int64?, String?).self)
                let watermark = scanned.first?.0 ?? since
                var kept: [RecordKey] = []
                var last = since
                var more = false
                for (_, c, i, seq, origin) in scanned {
                    guard let c, let i, let seq else { continue }
                    if kept.count == limit {
                        more = true
                        break
                    }
                    last = seq
                    if let origin, origin == excluded { continue }
                    let key = RecordKey(c, i)
                    if filter(key) { kept.append(key) }
                }
                if !more && scanned.count >= scanLimit { more = true }
                let records = try await rawRecords(connection, kept)
                return RawFeedPage(records: records, last: more ? last : max(since, watermark), more: more)
            }
            let page = try await rows(
                connection,
                """
                SELECT w.seq, \(unescaped: Self.pageColumns) FROM feed_clock w
                LEFT JOIN LATERAL (SELECT collection, id, state, seq FROM records
                    WHERE seq > \(since) AND seq <= w.seq AND origin IS DISTINCT FROM \(excluded)
                    ORDER BY seq LIMIT \(Int64(limit) + 1)) r ON true
                GROUP BY w.seq
                """, as: (Int64, [String], [String], [String], [Int64]).self)
            return Self.page(page.first, since: since, limit: limit)
        }
    }

    /// The feed restricted to `keys`, by joining them (bound as arrays) rather than scanning.
    public func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws
        -> RawFeedPage
    {
        let excluded = excludingOrigin?.rawValue ?? ""
        let collections = keys.map(\.collection)
        let ids = keys.map(\.id)
        return try await read { connection in
            let page = try await rows(
                connection,
                """
                SELECT w.seq, \(unescaped: Self.pageColumns) FROM feed_clock w
                LEFT JOIN LATERAL (SELECT r.collection, r.id, r.state, r.seq
                    FROM unnest(\(collections)::text[], \(ids)::text[]) AS k(c, i)
                    JOIN records r ON r.collection = k.c AND r.id = k.i
                    WHERE r.seq > \(since) AND r.seq <= w.seq AND r.origin IS DISTINCT FROM \(excluded)
                    ORDER BY r.seq LIMIT \(Int64(limit) + 1)) r ON true
                GROUP BY w.seq
                """, as: (Int64, [String], [String], [String], [Int64]).self)
            return Self.page(page.first, since: since, limit: limit)
        }
    }

    /// A page's records as four arrays in feed order (collections, ids, states, sequences), one
    /// row per page: decoding a few arrays is much cheaper than a row per record.
    static let pageColumns = """
        COALESCE(array_agg(r.collection ORDER BY r.seq) FILTER (WHERE r.seq IS NOT NULL), '{}'),
        COALESCE(array_agg(r.id ORDER BY r.seq) FILTER (WHERE r.seq IS NOT NULL), '{}'),
        COALESCE(array_agg(r.state ORDER BY r.seq) FILTER (WHERE r.seq IS NOT NULL), '{}'),
        COALESCE(array_agg(r.seq ORDER BY r.seq) FILTER (WHERE r.seq IS NOT NULL), '{}')
        """

    /// A page from `(watermark, collections, ids, states, seqs)` with up to `limit + 1` records:
    /// when there are more, the checkpoint is the last record returned; otherwise everything up
    /// to the watermark was read, and the checkpoint moves there.
    private static func page(_ row: (Int64, [String], [String], [String], [Int64])?, since: Int64, limit: Int)
        -> RawFeedPage
    {
        guard let (watermark, c, i, state, seq) = row else { return RawFeedPage(records: [], last: since, more: false) }
        var records: [RawRecord] = []
        records.reserveCapacity(min(limit, c.count))
        for k in c.indices {
            if records.count == limit {
                return RawFeedPage(records: records, last: k > 0 ? seq[k - 1] : since, more: true)
            }
            records.append(RawRecord(key: RecordKey(c[k], i[k]), json: state[k]))
        }
        return RawFeedPage(records: records, last: max(since, watermark), more: false)
    }

    /// The highest committed sequence: every change at or below it is committed.
    public func safeWatermark() async throws -> Int64 {
        try await read { connection in try await watermark(connection) }
    }

    func watermark(_ connection: PostgresConnection) async throws -> Int64 {
        try await rows(connection, "SELECT seq FROM feed_clock WHERE id = 1", as: Int64.self).first ?? 0
    }

    /// Stored JSON of the records among `keys` that exist, in the order asked.
    public func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord] {
        if keys.isEmpty { return [] }
        return try await read { connection in try await rawRecords(connection, keys) }
    }

    func rawRecords(_ connection: PostgresConnection, _ keys: [RecordKey]) async throws -> [RawRecord] {
        if keys.isEmpty { return [] }
        let collections = keys.map(\.collection)
        let ids = keys.map(\.id)
        return try await rows(
            connection,
            """
            SELECT r.collection, r.id, r.state FROM unnest(\(collections)::text[], \(ids)::text[])
                WITH ORDINALITY AS k(c, i, o)
            JOIN records r ON r.collection = k.c AND r.id = k.i ORDER BY k.o
            """, as: (String, String, String).self
        ).map { RawRecord(key: RecordKey($0.0, $0.1), json: $0.2) }
    }

    /// Writes as the server's own replica, in one transaction.
    @discardableResult
    public func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [Record] {
        try await transaction { connection in try await write(connection, writes, wallclock: wallclock) }
    }

    public func record(_ key: RecordKey) async throws -> Record? {
        try await read { connection in try await load(connection, [key])[key] }
    }

    /// Every existing record of a collection (or every stored one), by id.
    public func records(in collection: String, includeDeleted: Bool = false) async throws -> [Record] {
        try await read { connection in
            let decoder = JSONDecoder()
            return try await rows(
                connection,
                """
                SELECT id, state FROM records WHERE collection = \(collection) AND (\(includeDeleted) OR NOT deleted)
                ORDER BY id
                """, as: (String, String).self
            ).map { try StoredRecord.decode($0.1, RecordKey(collection, $0.0), decoder: decoder) }
        }
    }

    /// A secret kept in `meta` (hex), made with `mint` the first time; the first process to
    /// store one wins and every other reads it.
    public func secret(named name: String, minting mint: @Sendable () -> String) async throws -> String {
        let key = "secret.\(name)"
        return try await read { connection in
            if let s = try await rows(connection, "SELECT value FROM meta WHERE key = \(key)", as: String.self).first {
                return s
            }
            try await exec(
                connection, "INSERT INTO meta (key, value) VALUES (\(key), \(mint())) ON CONFLICT (key) DO NOTHING")
            guard let s = try await rows(connection, "SELECT value FROM meta WHERE key = \(key)", as: String.self).first
            else { throw StoreError(.corrupt, "the secret \(name) was stored but cannot be read back") }
            return s
        }
    }
}
