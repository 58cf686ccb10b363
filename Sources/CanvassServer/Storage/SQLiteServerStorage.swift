import CanvassCore
import CanvassStore
import Foundation
import GRDB

/// The embedded store: one SQLite file (WAL, synchronous=FULL) holding the server's replica of
/// every record plus users, codes, devices and per-device scope.
///
/// SQLite has one writer at a time, so sequence numbers commit in the order they are taken and
/// the highest committed sequence is always a safe watermark for the feed.
public final class SQLiteServerStorage: ServerStorage {
    public let store: ReplicaStore
    private let replica: ReplicaID
    private let epoch: String
    /// Scopes by user, valid while the feed has not moved: a scope depends only on record states,
    /// and every state change takes a new sequence. A backfill of thousands of records asks for
    /// the same scope on every page.
    private let scopeCache = ScopeCache()

    static let migrations: [ReplicaStore.Migration] = [
        ReplicaStore.Migration("server-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL UNIQUE,
                        role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'canvasser')),
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE enroll_codes (
                        code_hash TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        used_at INTEGER
                    );
                    CREATE TABLE devices (
                        replica TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                        name TEXT,
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        last_seen INTEGER,
                        revoked_at INTEGER
                    );
                    CREATE TABLE scope_delivered (
                        replica TEXT NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                        collection TEXT NOT NULL,
                        id TEXT NOT NULL,
                        PRIMARY KEY (replica, collection, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE scope_pending (
                        replica TEXT NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                        token INTEGER NOT NULL,
                        collection TEXT NOT NULL,
                        id TEXT NOT NULL,
                        added INTEGER NOT NULL,
                        PRIMARY KEY (replica, token, collection, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE scope_tokens (
                        replica TEXT PRIMARY KEY NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                        last_token INTEGER NOT NULL
                    );
                    """)
        }
    ]

    final class ScopeCache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String: (Int64, Set<RecordKey>)] = [:]

        func get(_ user: String, seq: Int64) -> Set<RecordKey>? {
            lock.withLock { entries[user].flatMap { $0.0 == seq ? $0.1 : nil } }
        }

        func put(_ user: String, seq: Int64, _ scope: Set<RecordKey>) {
            lock.withLock {
                if entries.count > 2_000 { entries.removeAll() }
                entries[user] = (seq, scope)
            }
        }
    }

    public init(store: ReplicaStore) throws {
        self.store = store
        if try store.replicaID() == nil {
            try store.setReplicaID(ReplicaID("srv-" + Credentials.randomID(length: 10)))
        }
        replica = try store.replicaID()!
        epoch = try store.meta("feed_epoch") ?? "0"
    }

    // Every method below uses GRDB's async API: a synchronous database call on a Swift
    // concurrency thread blocks one of only a few threads, and with a pool of readers that can
    // deadlock a busy server.

    /// Opens (creating) the store file in `directory`.
    public static func open(directory: String) throws -> SQLiteServerStorage {
        try SQLiteServerStorage(store: try ReplicaStore.open(path: (directory as NSString).appendingPathComponent("canvass.sqlite"), migrations: migrations))
    }

    public static func inMemory() throws -> SQLiteServerStorage {
        try SQLiteServerStorage(store: try ReplicaStore.inMemory(migrations: migrations))
    }

    public func identity() async throws -> (replica: ReplicaID, epoch: String) { (replica, epoch) }

    // MARK: records

    public func push(
        _ records: [CanvassCore.Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision {
        try await store.writer.write { db in
            var existing: [RecordKey: CanvassCore.Record] = [:]
            var loaded: [RecordKey: CanvassCore.Record?] = [:]
            var surveyIDs: Set<String> = []
            for r in records {
                let e = try ReplicaStore.record(db, r.key)
                loaded[r.key] = .some(e)
                if let e { existing[r.key] = e }
                if r.key.collection == "interactions", let sid = r["survey_id"]?.stringValue { surveyIDs.insert(sid) }
            }
            var surveys: [String: CanvassCore.Record] = [:]
            for sid in surveyIDs {
                if let s = try ReplicaStore.record(db, RecordKey("surveys", sid)) { surveys[sid] = s }
            }
            var scope: Set<RecordKey>?
            if device.role == .canvasser {
                // What the device may write: its scope now, plus what it still holds (a record
                // that left scope stays writable until the device has pulled its eviction).
                var s = try Self.canvasserScope(db, userID: device.userID, cache: self.scopeCache)
                s.formUnion(try Self.delivered(db, replica: device.replica))
                s.formUnion(try Self.pendingKeys(db, replica: device.replica))
                scope = s
            }
            let decision = decide(PushSnapshot(existing: existing, surveys: surveys, scope: scope))
            try ReplicaStore.apply(db, ChangeSet(records: decision.accepted), origin: device.replica, loaded: loaded)
            if device.role == .canvasser {
                // The device holds what it pushed: no scope backfill should echo it back.
                let held = try db.cachedStatement(sql: "INSERT OR IGNORE INTO scope_delivered (replica, collection, id) VALUES (?, ?, ?)")
                for k in decision.held { try held.execute(arguments: [device.replica.rawValue, k.collection, k.id]) }
            }
            return decision
        }
    }

    public func feed(since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?) async throws -> RawFeedPage {
        try await store.writer.read { db in
            try ReplicaStore.feedRaw(db, since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter)
        }
    }

    public func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws -> RawFeedPage {
        try await store.writer.read { db in
            try ReplicaStore.feedRaw(db, keys: keys, since: since, limit: limit, excludingOrigin: excludingOrigin)
        }
    }

    /// One writer at a time: the highest committed sequence is safe.
    public func safeWatermark() async throws -> Int64 { try await store.writer.read { db in try ReplicaStore.lastSeq(db) } }

    public func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord] {
        try await store.writer.read { db in try ReplicaStore.rawRecords(db, keys) }
    }

    public func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [CanvassCore.Record] {
        try await store.writer.write { db in try ReplicaStore.write(db, writes, wallclock: wallclock) }
    }

    public func record(_ key: RecordKey) async throws -> CanvassCore.Record? {
        try await store.writer.read { db in try ReplicaStore.record(db, key) }
    }

    public func records(in collection: String) async throws -> [CanvassCore.Record] {
        try await store.writer.read { db in try ReplicaStore.records(db, in: collection) }
    }

    // MARK: scope

    public func canvasserScope(userID: String) async throws -> Set<RecordKey> {
        let cache = scopeCache
        return try await store.writer.read { db in try Self.canvasserScope(db, userID: userID, cache: cache) }
    }

    static func canvasserScope(_ db: Database, userID: String, cache: ScopeCache) throws -> Set<RecordKey> {
        let seq = try ReplicaStore.lastSeq(db)
        if let hit = cache.get(userID, seq: seq) { return hit }
        let scope = try canvasserScope(db, userID: userID)
        cache.put(userID, seq: seq, scope)
        return scope
    }

    static func canvasserScope(_ db: Database, userID: String) throws -> Set<RecordKey> {
        var keys: Set<RecordKey> = []
        let assignments = try ReplicaStore.displays(db, in: "assignments", where: "AND json_extract(display, '$.user_id') = ?", arguments: [userID])
        var lists: Set<String> = []
        for (id, a) in assignments {
            keys.insert(RecordKey("assignments", id))
            if let l = a["list_id"]?.stringValue { lists.insert(l) }
        }
        var surveys: Set<String> = []
        var campaigns: Set<String> = []
        var households: Set<String> = []
        var contacts: Set<String> = []
        let listStmt = try db.cachedStatement(sql: "SELECT display FROM records WHERE collection = 'lists' AND id = ? AND deleted = 0")
        for l in lists {
            guard let text = try String.fetchOne(listStmt, arguments: [l]) else { continue }
            keys.insert(RecordKey("lists", l))
            let d = try JSONDecoder().decode([String: Value].self, from: Data(text.utf8))
            if let s = d["survey_id"]?.stringValue { surveys.insert(s) }
            if let c = d["campaign_id"]?.stringValue { campaigns.insert(c) }
            let items = try ReplicaStore.displays(db, in: "list_items", where: "AND json_extract(display, '$.list_id') = ?", arguments: [l])
            for (iid, item) in items {
                keys.insert(RecordKey("list_items", iid))
                if let c = item["contact_id"]?.stringValue { contacts.insert(c) }
                if let h = item["household_id"]?.stringValue { households.insert(h) }
            }
        }
        let householdOf = try db.cachedStatement(
            sql: "SELECT json_extract(display, '$.household_id') FROM records WHERE collection = 'contacts' AND id = ?")
        for c in contacts {
            keys.insert(RecordKey("contacts", c))
            if let h = try String.fetchOne(householdOf, arguments: [c]) { households.insert(h) }
        }
        for h in households { keys.insert(RecordKey("households", h)) }
        for s in surveys { keys.insert(RecordKey("surveys", s)) }
        for c in campaigns { keys.insert(RecordKey("campaigns", c)) }
        let own = try String.fetchAll(
            db, sql: "SELECT id FROM records WHERE collection = 'interactions' AND json_extract(display, '$.user_id') = ?", arguments: [userID])
        for i in own { keys.insert(RecordKey("interactions", i)) }
        // Only what exists (a list item may name a contact that was never imported).
        let exists = try db.cachedStatement(sql: "SELECT 1 FROM records WHERE collection = ? AND id = ? AND deleted = 0")
        return try keys.filter { try Bool.fetchOne(exists, arguments: [$0.collection, $0.id]) == true }
    }

    public func confirmScope(replica: ReplicaID, upTo token: Int64) async throws {
        try await store.writer.write { db in
            let r = replica.rawValue
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO scope_delivered (replica, collection, id)
                        SELECT replica, collection, id FROM scope_pending WHERE replica = ? AND token <= ? AND added = 1;
                    DELETE FROM scope_delivered WHERE replica = ? AND (collection, id) IN
                        (SELECT collection, id FROM scope_pending WHERE replica = ? AND token <= ? AND added = 0);
                    DELETE FROM scope_pending WHERE replica = ?;
                    """, arguments: [r, token, r, r, token, r])
        }
    }

    public func delivered(replica: ReplicaID) async throws -> Set<RecordKey> {
        try await store.writer.read { db in try Self.delivered(db, replica: replica) }
    }

    static func delivered(_ db: Database, replica: ReplicaID) throws -> Set<RecordKey> {
        let rows = try Row.fetchAll(db, sql: "SELECT collection, id FROM scope_delivered WHERE replica = ?", arguments: [replica.rawValue])
        return Set(rows.map { RecordKey($0["collection"], $0["id"]) })
    }

    static func pendingKeys(_ db: Database, replica: ReplicaID) throws -> Set<RecordKey> {
        let rows = try Row.fetchAll(db, sql: "SELECT collection, id FROM scope_pending WHERE replica = ?", arguments: [replica.rawValue])
        return Set(rows.map { RecordKey($0["collection"], $0["id"]) })
    }

    public func stageScope(replica: ReplicaID, added: [RecordKey], removed: [RecordKey]) async throws -> Int64 {
        try await store.writer.write { db in
            let r = replica.rawValue
            let token = try Int64.fetchOne(
                db, sql: "INSERT INTO scope_tokens (replica, last_token) VALUES (?, 1) ON CONFLICT (replica) DO UPDATE SET last_token = last_token + 1 RETURNING last_token",
                arguments: [r])!
            let stmt = try db.cachedStatement(sql: "INSERT OR REPLACE INTO scope_pending (replica, token, collection, id, added) VALUES (?, ?, ?, ?, ?)")
            for k in added { try stmt.execute(arguments: [r, token, k.collection, k.id, 1]) }
            for k in removed { try stmt.execute(arguments: [r, token, k.collection, k.id, 0]) }
            return token
        }
    }

    // MARK: users and devices

    public func addUser(id: String?, name: String, role: Role, now: Int64) async throws -> User {
        try await store.writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == true {
                throw ServerError.conflict("a user named '\(name)' already exists; issue a new code with `canvass-server user code \(name)`")
            }
            let user = User(id: id ?? "u-" + Credentials.randomID(length: 10), name: name, role: role, createdAt: now)
            try db.execute(sql: "INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)", arguments: [user.id, name, role.rawValue, now])
            return user
        }
    }

    public func users() async throws -> [User] {
        try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.user)
        }
    }

    public func user(named name: String) async throws -> User? {
        try await store.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ? OR id = ?", arguments: [name, name]).map(Self.user)
        }
    }

    static func user(_ row: Row) -> User {
        User(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .canvasser, createdAt: row["created_at"])
    }

    public func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws {
        try await store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO enroll_codes (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, userID, now, expiresAt])
        }
    }

    public func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64) async throws -> Device? {
        try await store.writer.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT user_id FROM enroll_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?", arguments: [codeHash, now])
            else { return nil }
            let userID: String = row["user_id"]
            try db.execute(sql: "UPDATE enroll_codes SET used_at = ? WHERE code_hash = ?", arguments: [now, codeHash])
            try db.execute(
                sql: "INSERT INTO devices (replica, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [replica.rawValue, userID, deviceName, tokenHash, now])
            return try Self.device(db, where: "d.replica = ?", [replica.rawValue])
        }
    }

    static func device(_ db: Database, where clause: String, _ args: StatementArguments) throws -> Device? {
        try Row.fetchOne(db, sql: "SELECT d.*, u.name AS user_name, u.role FROM devices d JOIN users u ON u.id = d.user_id WHERE \(clause)", arguments: args)
            .map(Self.device)
    }

    static func device(_ row: Row) -> Device {
        Device(
            replica: ReplicaID(row["replica"]), userID: row["user_id"], userName: row["user_name"], role: Role(rawValue: row["role"]) ?? .canvasser,
            name: row["name"], createdAt: row["created_at"], lastSeen: row["last_seen"], revokedAt: row["revoked_at"])
    }

    public func device(tokenHash: String) async throws -> Device? {
        try await store.writer.read { db in try Self.device(db, where: "d.token_hash = ?", [tokenHash]) }
    }

    public func devices() async throws -> [Device] {
        try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT d.*, u.name AS user_name, u.role FROM devices d JOIN users u ON u.id = d.user_id ORDER BY u.name, d.created_at")
                .map(Self.device)
        }
    }

    public func revoke(replica: ReplicaID, now: Int64) async throws -> Bool {
        try await store.writer.write { db in
            // Revoking twice is not an error: the device stays revoked since the first time.
            try db.execute(sql: "UPDATE devices SET revoked_at = ? WHERE replica = ? AND revoked_at IS NULL", arguments: [now, replica.rawValue])
            return try Bool.fetchOne(db, sql: "SELECT 1 FROM devices WHERE replica = ?", arguments: [replica.rawValue]) == true
        }
    }

    public func touch(replica: ReplicaID, now: Int64) async throws {
        try await store.writer.write { db in
            // At most once a minute: a busy server should not write on every request.
            try db.execute(
                sql: "UPDATE devices SET last_seen = ? WHERE replica = ? AND (last_seen IS NULL OR last_seen < ?)",
                arguments: [now, replica.rawValue, now - 60_000])
        }
    }
}
