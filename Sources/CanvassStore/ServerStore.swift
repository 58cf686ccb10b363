import CanvassCore
import Foundation
import GRDB

/// The server's replica on SQLite: every record and its feed (a `ReplicaStore`), plus users,
/// one-time codes, devices and what each device has been delivered. The server's SQLite backend
/// calls these methods; it never sees SQL. Rules (scope, push judgement, pull planning) come from
/// CanvassCore; this type only fetches their inputs and stores their outcome.
///
/// Every method is async and uses GRDB's async API: a synchronous database call on a Swift
/// concurrency thread blocks one of only a few threads, and with a pool of readers that can
/// deadlock a busy server.
public final class ServerStore: Sendable {

    public let replicaStore: ReplicaStore
    var writer: any DatabaseWriter { replicaStore.writer }
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
        },
        // List share codes (many volunteers log in with one until it expires) and door
        // checkouts on shared walk lists (one holder per door).
        ReplicaStore.Migration("server-v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE share_codes (
                        code_hash TEXT PRIMARY KEY NOT NULL,
                        list_id TEXT NOT NULL,
                        created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX share_codes_list ON share_codes (list_id);
                    CREATE TABLE checkouts (
                        list_id TEXT NOT NULL,
                        household_id TEXT NOT NULL,
                        replica TEXT NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                        expires_at INTEGER NOT NULL,
                        PRIMARY KEY (list_id, household_id)
                    ) WITHOUT ROWID;
                    """)
        },
        // Automation state, firings, outbox (ServerStore+Automation.swift).
        automationMigration,
    ]

    private init(_ store: ReplicaStore) { replicaStore = store }

    /// Opens (creating) the store file at `path`.
    public static func open(path: String) throws -> ServerStore {
        ServerStore(try ReplicaStore.open(path: path, migrations: migrations))
    }

    /// A store in memory, for tests and benchmarks.
    public static func inMemory() throws -> ServerStore {
        ServerStore(try ReplicaStore.inMemory(migrations: migrations))
    }

    /// This server's replica id, minted with `mint` the first time.
    public func replicaID(minting mint: () -> ReplicaID) throws -> ReplicaID {
        if let id = try replicaStore.replicaID() { return id }
        try replicaStore.setReplicaID(mint())
        return try replicaStore.replicaID()!
    }

    /// The feed epoch, which a restored file changes.
    public func feedEpoch() throws -> String { try replicaStore.meta("feed_epoch") ?? "0" }

    /// A secret kept in the store (hex), made with `mint` the first time, in one transaction so
    /// two callers cannot make two.
    /// Read without a write transaction once it exists: an endpoint that checks a token with it
    /// (unsubscribe, open to anyone) never queues for the single writer.
    public func secret(named name: String, minting mint: @Sendable () -> String) async throws -> String {
        if let s = try await writer.read({ db in try ReplicaStore.meta(db, "secret.\(name)") }) { return s }
        return try await writer.write { db in
            if let s = try ReplicaStore.meta(db, "secret.\(name)") { return s }
            let s = mint()
            try ReplicaStore.setMeta(db, "secret.\(name)", s)
            return s
        }
    }

    // MARK: records

    /// In one write transaction: reads the snapshot for `records` (their states, the surveys
    /// their interactions name, and for a canvasser what it may write), asks `decide`, merges what
    /// it accepted with the device as origin, and records what the device now holds. Commits
    /// durably (synchronous=FULL) or not at all.
    public func push(
        _ records: [CanvassCore.Record], device: DeviceIdentity, decide: @Sendable (PushSnapshot) -> PushDecision
    ) async throws -> PushDecision {
        let cache = scopeCache
        return try await writer.write { db in
            var existing: [RecordKey: CanvassCore.Record] = [:]
            var loaded: [RecordKey: CanvassCore.Record?] = [:]
            var surveyIDs: Set<String> = []
            let rows = RecordRows(db)
            for r in records {
                let e = try rows.load(r.key)
                loaded[r.key] = .some(e)
                if let e { existing[r.key] = e }
                if r.key.collection == "interactions", let sid = r["survey_id"]?.stringValue { surveyIDs.insert(sid) }
            }
            var surveys: [String: CanvassCore.Record] = [:]
            for sid in surveyIDs {
                if let s = try rows.load(RecordKey("surveys", sid)) { surveys[sid] = s }
            }
            var scope: Set<RecordKey>?
            if device.role == .canvasser {
                scope = try Self.canvasserScope(db, userID: device.userID, cache: cache).writable(
                    delivered: try Self.keys(db, "scope_delivered", replica: device.replica),
                    staged: try Self.keys(db, "scope_pending", replica: device.replica))
            }
            let decision = decide(PushSnapshot(existing: existing, surveys: surveys, scope: scope))
            try ReplicaStore.apply(db, ChangeSet(records: decision.accepted), origin: device.replica, loaded: loaded)
            if device.role == .canvasser {
                // The device holds what it pushed: no scope backfill should echo it back.
                let held = try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO scope_delivered (replica, collection, id) VALUES (?, ?, ?)")
                for k in decision.held { try held.execute(arguments: [device.replica.rawValue, k.collection, k.id]) }
            }
            return decision
        }
    }

    /// Feed rows after `since` as stored JSON; see `ReplicaStore.feedRaw`.
    public func feed(since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: (@Sendable (RecordKey) -> Bool)?)
        async throws -> RawFeedPage
    {
        try await writer.read { db in
            try ReplicaStore.feedRaw(db, since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter)
        }
    }

    /// The feed restricted to `keys`, found by key rather than by scanning.
    public func feed(keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?) async throws
        -> RawFeedPage
    {
        try await writer.read { db in
            try ReplicaStore.feedRaw(db, keys: keys, since: since, limit: limit, excludingOrigin: excludingOrigin)
        }
    }

    /// The highest committed sequence. SQLite has one writer at a time, so sequences commit in
    /// the order they are taken and this is a safe watermark.
    public func lastSeq() async throws -> Int64 { try await writer.read { db in try ReplicaStore.lastSeq(db) } }

    /// Stored JSON of the records among `keys` that exist in the table, in the order asked.
    public func rawRecords(_ keys: [RecordKey]) async throws -> [RawRecord] {
        try await writer.read { db in try ReplicaStore.rawRecords(db, keys) }
    }

    /// Writes as the server's own replica, in one transaction.
    @discardableResult
    public func write(_ writes: [LocalWrite], wallclock: Int64) async throws -> [CanvassCore.Record] {
        try await writer.write { db in try ReplicaStore.write(db, writes, wallclock: wallclock) }
    }

    public func record(_ key: RecordKey) async throws -> CanvassCore.Record? {
        try await writer.read { db in try RecordRows(db).load(key) }
    }

    /// Every existing record of a collection.
    public func records(in collection: String) async throws -> [CanvassCore.Record] {
        try await writer.read { db in try ReplicaStore.records(db, in: collection) }
    }

    // MARK: scope

    /// The user's `CanvasserScope`, derived by CanvassCore from the records this store fetches.
    public func canvasserScope(userID: String) async throws -> Set<RecordKey> {
        let cache = scopeCache
        return try await writer.read { db in try Self.canvasserScope(db, userID: userID, cache: cache).keys }
    }

    /// The scope from the cache when no change since it was derived may change it
    /// (`CanvasserScope.mayChange`), else derived again. The changes are read from the feed, so
    /// every writer (pushes, imports, automation, enrollment) is covered; a cached scope older
    /// than `scopeRecheckLimit` changes is derived again rather than checked.
    static func canvasserScope(_ db: Database, userID: String, cache: ScopeCache) throws -> CanvasserScope {
        let seq = try ReplicaStore.lastSeq(db)
        if let (at, cached) = cache.get(userID) {
            if at == seq { return cached }
            if at < seq, try !SQLScopeSource(db: db).changes(after: at, upTo: seq, limit: scopeRecheckLimit, cached) {
                cache.put(userID, seq: seq, cached)
                return cached
            }
        }
        let scope = try CanvasserScope(userID: userID, source: SQLScopeSource(db: db))
        cache.put(userID, seq: seq, scope)
        return scope
    }

    static let scopeRecheckLimit = 500

    /// Confirms the scope changes a device's checkpoint `token` proves it stored, as
    /// `PullPlanner.confirm` decides: those staged under earlier tokens move into the delivered
    /// set, those under `token` stay staged, later ones (a lost page) are forgotten; in one
    /// transaction, and only when something is to move or go.
    public func confirmScope(replica: ReplicaID, upTo token: Int64) async throws {
        // Nearly every pull has nothing to confirm: find that out with a read, so such a pull
        // never queues for the single writer nor writes. Staging for this device happens only in
        // its own pulls, so nothing can be staged between this read and the write below that matters.
        let writes = try await writer.read { db in
            PullPlanner.confirm(try Self.staged(db, replica: replica), upTo: token).writes
        }
        if !writes { return }
        try await writer.write { db in
            let r = replica.rawValue
            let outcome = PullPlanner.confirm(try Self.staged(db, replica: replica), upTo: token)
            let deliver = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO scope_delivered (replica, collection, id) VALUES (?, ?, ?)")
            for k in outcome.deliver { try deliver.execute(arguments: [r, k.collection, k.id]) }
            let forget = try db.cachedStatement(
                sql: "DELETE FROM scope_delivered WHERE replica = ? AND collection = ? AND id = ?")
            for k in outcome.forget { try forget.execute(arguments: [r, k.collection, k.id]) }
            try db.execute(sql: "DELETE FROM scope_pending WHERE replica = ? AND token <> ?", arguments: [r, token])
        }
    }

    private static func staged(_ db: Database, replica: ReplicaID) throws -> [StagedScopeChange] {
        try Row.fetchAll(
            db, sql: "SELECT token, collection, id, added FROM scope_pending WHERE replica = ?",
            arguments: [replica.rawValue]
        ).map { StagedScopeChange(token: $0["token"], key: RecordKey($0["collection"], $0["id"]), added: $0["added"]) }
    }

    /// A canvasser pull's inputs in one read: the scope changes its checkpoint's `token`
    /// confirms (a write only when some are to move or go), then the user's scope and what the
    /// device holds for planning (`ScopeConfirmation.holding`: the delivered set and the changes
    /// still staged under `token`). One read instead of three: on a pull with nothing new,
    /// hopping to a database thread and back is most of the cost.
    public func canvasserPull(replica: ReplicaID, userID: String, confirmingUpTo token: Int64) async throws -> (
        scope: Set<RecordKey>, delivered: Set<RecordKey>, unsettled: Bool
    ) {
        let cache = scopeCache
        // nil when the confirmation must write first (unless `anyway`: after that write, a
        // concurrent pull of the same device may have staged again; plan with what is there).
        let inputs = {
            @Sendable (db: Database, anyway: Bool) throws -> (
                scope: Set<RecordKey>, delivered: Set<RecordKey>, unsettled: Bool
            )? in
            let confirmation = PullPlanner.confirm(try Self.staged(db, replica: replica), upTo: token)
            if confirmation.writes && !anyway { return nil }
            return (
                try Self.canvasserScope(db, userID: userID, cache: cache).keys,
                confirmation.holding(try Self.keys(db, "scope_delivered", replica: replica)),
                !confirmation.pending.isEmpty
            )
        }
        if let found = try await writer.read({ db in try inputs(db, false) }) { return found }
        try await confirmScope(replica: replica, upTo: token)
        return try await writer.read { db in try inputs(db, true)! }
    }

    /// What the device is known to hold.
    public func delivered(replica: ReplicaID) async throws -> Set<RecordKey> {
        try await writer.read { db in try Self.keys(db, "scope_delivered", replica: replica) }
    }

    private static func keys(_ db: Database, _ table: StaticString, replica: ReplicaID) throws -> Set<RecordKey> {
        let rows = try Row.fetchAll(
            db, sql: "SELECT collection, id FROM \(table) WHERE replica = ?", arguments: [replica.rawValue])
        return Set(rows.map { RecordKey($0["collection"], $0["id"]) })
    }

    /// Stages records sent to and evicted from a device under a new token, which is returned.
    public func stageScope(replica: ReplicaID, added: [RecordKey], removed: [RecordKey]) async throws -> Int64 {
        try await writer.write { db in
            let r = replica.rawValue
            let token = try Int64.fetchOne(
                db,
                sql:
                    "INSERT INTO scope_tokens (replica, last_token) VALUES (?, 1) ON CONFLICT (replica) DO UPDATE SET last_token = last_token + 1 RETURNING last_token",
                arguments: [r])!
            let stmt = try db.cachedStatement(
                sql:
                    "INSERT OR REPLACE INTO scope_pending (replica, token, collection, id, added) VALUES (?, ?, ?, ?, ?)"
            )
            for k in added { try stmt.execute(arguments: [r, token, k.collection, k.id, 1]) }
            for k in removed { try stmt.execute(arguments: [r, token, k.collection, k.id, 0]) }
            return token
        }
    }

    // MARK: users, codes and devices

    /// Adds a user, and mirrors it into the directory in the same transaction; nil when the
    /// name is taken.
    public func addUser(id: String, name: String, role: Role, now: Int64) async throws -> User? {
        try await writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == true {
                return nil
            }
            try db.execute(
                sql: "INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)",
                arguments: [id, name, role.rawValue, now])
            try Self.mirrorDirectory(db, now: now)
            return User(id: id, name: name, role: role, createdAt: now)
        }
    }

    /// The user with this id.
    public func user(id: String) async throws -> User? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user)
        }
    }

    // MARK: the directory

    /// Brings the `users` and `devices` records in line with the accounts (`Directory.writes`),
    /// as the server's own replica; writes nothing when they are current. Account changes call
    /// it in their own transaction; opening a server calls it once, for accounts made before
    /// the directory existed.
    public func mirrorDirectory(now: Int64) throws {
        try writer.write { db in try Self.mirrorDirectory(db, now: now) }
    }

    static func mirrorDirectory(_ db: Database, now: Int64) throws {
        // A store that has no replica of its own yet cannot write; the mirror runs again on open.
        guard let server = try String.fetchOne(db, sql: "SELECT replica FROM clock") else { return }
        let users = try Row.fetchAll(db, sql: "SELECT * FROM users").map(Self.user)
        let devices = try Row.fetchAll(
            db, sql: "SELECT d.*, u.name AS user_name, u.role FROM devices d JOIN users u ON u.id = d.user_id"
        ).map(Self.device)
        var current: [RecordKey: [String: Value]] = [:]
        for collection in [Directory.users, Directory.devices] {
            for r in try ReplicaStore.records(db, in: collection) { current[r.key] = r.values }
        }
        let writes = Directory.writes(users: users, devices: devices, server: ReplicaID(server), current: current)
        if !writes.isEmpty {
            _ = try ReplicaStore.write(db, writes.map { LocalWrite($0.key, $0.values) }, wallclock: now)
        }
    }

    /// Every user, by name.
    public func users() async throws -> [User] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.user) }
    }

    /// The user with this name, or else this id.
    public func user(named name: String) async throws -> User? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ? OR id = ?", arguments: [name, name]).map(
                Self.user)
        }
    }

    private static func user(_ row: Row) -> User {
        User(
            id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .canvasser,
            createdAt: row["created_at"])
    }

    /// Stores a one-time code's hash for a user.
    public func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO enroll_codes (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, userID, now, expiresAt])
        }
    }

    /// Consumes a live code and creates the device in one transaction; nil when the code is
    /// unknown, used or expired.
    public func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64)
        async throws -> Device?
    {
        try await writer.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT user_id FROM enroll_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
                    arguments: [codeHash, now])
            else { return nil }
            let userID: String = row["user_id"]
            try db.execute(sql: "UPDATE enroll_codes SET used_at = ? WHERE code_hash = ?", arguments: [now, codeHash])
            try db.execute(
                sql: "INSERT INTO devices (replica, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [replica.rawValue, userID, deviceName, tokenHash, now])
            try Self.mirrorDirectory(db, now: now)
            return try Self.device(db, where: "d.replica = ?", [replica.rawValue])
        }
    }

    /// Stores a list share code's hash.
    public func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64)
        async throws
    {
        try await writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO share_codes (code_hash, list_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [hash, listID, createdBy, now, expiresAt])
        }
    }

    /// Revokes every live share code of a list; returns how many.
    public func revokeShareCodes(listID: String, now: Int64) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql:
                    "UPDATE share_codes SET revoked_at = ? WHERE list_id = ? AND revoked_at IS NULL AND expires_at > ?",
                arguments: [now, listID, now])
            return db.changesCount
        }
    }

    /// Enrolls a new volunteer with a live list share code, in one transaction: a canvasser user
    /// named `name` (made unique with " 2", " 3", … when taken), the device, the `writes` that
    /// give the user the list (the assignment, as the server's replica), and the directory.
    /// Nil when the code is unknown, revoked or expired, or its list no longer exists.
    public func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String,
        newUserID: String, now: Int64, writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device? {
        try await writer.write { db in
            guard
                let listID = try String.fetchOne(
                    db,
                    sql:
                        "SELECT list_id FROM share_codes WHERE code_hash = ? AND revoked_at IS NULL AND expires_at > ?",
                    arguments: [shareCodeHash, now]),
                CanvassCore.Record.exists(try RecordRows(db).load(RecordKey("lists", listID)))
            else { return nil }
            var unique = name
            var n = 1
            while try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [unique]) == true {
                n += 1
                unique = "\(name) \(n)"
            }
            try db.execute(
                sql: "INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)",
                arguments: [newUserID, unique, Role.canvasser.rawValue, now])
            try db.execute(
                sql: "INSERT INTO devices (replica, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [replica.rawValue, newUserID, deviceName, tokenHash, now])
            _ = try ReplicaStore.write(db, writes(newUserID, listID), wallclock: now)
            try Self.mirrorDirectory(db, now: now)
            return try Self.device(db, where: "d.replica = ?", [replica.rawValue])
        }
    }

    private static func device(_ db: Database, where clause: StaticString, _ args: StatementArguments) throws
        -> Device?
    {
        try Row.fetchOne(
            db,
            sql:
                "SELECT d.*, u.name AS user_name, u.role FROM devices d JOIN users u ON u.id = d.user_id WHERE \(clause)",
            arguments: args
        )
        .map(Self.device)
    }

    private static func device(_ row: Row) -> Device {
        Device(
            replica: ReplicaID(row["replica"]), userID: row["user_id"], userName: row["user_name"],
            role: Role(rawValue: row["role"]) ?? .canvasser,
            name: row["name"], createdAt: row["created_at"], lastSeen: row["last_seen"], revokedAt: row["revoked_at"])
    }

    /// The device holding this token (revoked ones too, with `revokedAt` set).
    public func device(tokenHash: String) async throws -> Device? {
        try await writer.read { db in try Self.device(db, where: "d.token_hash = ?", [tokenHash]) }
    }

    /// Every device, by user name and age.
    public func devices() async throws -> [Device] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT d.*, u.name AS user_name, u.role FROM devices d JOIN users u ON u.id = d.user_id ORDER BY u.name, d.created_at"
            )
            .map(Self.device)
        }
    }

    /// Revokes a device (revoking twice keeps the first time), releases the doors it held and
    /// mirrors the directory; false if there is none.
    public func revoke(replica: ReplicaID, now: Int64) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE devices SET revoked_at = ? WHERE replica = ? AND revoked_at IS NULL",
                arguments: [now, replica.rawValue])
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM devices WHERE replica = ?", arguments: [replica.rawValue])
                    == true
            else { return false }
            try db.execute(sql: "DELETE FROM checkouts WHERE replica = ?", arguments: [replica.rawValue])
            try Self.mirrorDirectory(db, now: now)
            return true
        }
    }

    // MARK: door checkout

    /// Checks out doors of `lists` to `device`, in one transaction: for each list, the inputs of
    /// `CheckoutAllocator` (its doors in walk order with `Canvassing`'s done rule, the stored
    /// checkouts, its users and their live devices), then its outcome stored. Returns every
    /// checkout of those lists as the device is told about them.
    public func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws
        -> [ListCheckout]
    {
        // Most lists are worked by one canvasser: find, with a read, the lists that are shared or
        // still hold checkouts, so that a sync of an unshared list takes no write lock at all.
        // The walk (which doors are done or waiting) is computed in that read too, outside the
        // write lock that every push waits for: a door that became done meanwhile is released at
        // the next sync, and a stale "not done" only keeps a door held a little longer.
        let (candidates, walks) = try await writer.read { db in
            var walks: [String: [WalkStop]] = [:]
            let candidates = try lists.sorted().filter { list in
                if try Self.checkoutApplies(db, list).applies {
                    walks[list] = try ReplicaStore.walkList(db, list).filter { !$0.householdID.isEmpty }
                    return true
                }
                return try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM checkouts WHERE list_id = ? LIMIT 1", arguments: [list]) == true
            }
            return (candidates, walks)
        }
        if candidates.isEmpty { return [] }
        return try await writer.write { db in
            var out: [ListCheckout] = []
            for list in candidates {
                let current = try Row.fetchAll(
                    db, sql: "SELECT household_id, replica, expires_at FROM checkouts WHERE list_id = ?",
                    arguments: [list]
                ).map {
                    Checkout(
                        householdID: $0["household_id"], replica: ReplicaID($0["replica"]), expiresAt: $0["expires_at"])
                }
                let (applies, users) = try Self.checkoutApplies(db, list)
                var next: [Checkout] = []
                if applies {
                    var holders: Set<ReplicaID> = []
                    let live = try db.cachedStatement(
                        sql: "SELECT replica FROM devices WHERE user_id = ? AND revoked_at IS NULL")
                    for u in users {
                        for r in try String.fetchAll(live, arguments: [u]) { holders.insert(ReplicaID(r)) }
                    }
                    next = CheckoutAllocator.allocate(
                        stops: try walks[list] ?? ReplicaStore.walkList(db, list), current: current,
                        sharedBy: users.count, holders: holders, device: device, now: now, policy: policy)
                }
                if Set(next) != Set(current) {
                    try db.execute(sql: "DELETE FROM checkouts WHERE list_id = ?", arguments: [list])
                    let insert = try db.cachedStatement(
                        sql: "INSERT INTO checkouts (list_id, household_id, replica, expires_at) VALUES (?, ?, ?, ?)")
                    for c in next {
                        try insert.execute(arguments: [list, c.householdID, c.replica.rawValue, c.expiresAt])
                    }
                }
                out += ListCheckout.view(list: list, next, for: device)
            }
            return out
        }
    }

    /// Whether a list's doors are checked out (`CheckoutAllocator.applies`: it exists, and is a
    /// walk list assigned to two or more users), and those users.
    private static func checkoutApplies(_ db: Database, _ list: String) throws -> (applies: Bool, users: [String]) {
        // The tombstone column and the display's `kind`, not the whole state decoded: every
        // canvasser pull asks this of each of its lists.
        let stmt = try db.cachedStatement(
            sql: """
                SELECT iif(json_type(display, '$.kind') = 'text', json_extract(display, '$.kind'), NULL) FROM records
                WHERE collection = 'lists' AND id = ? AND deleted = 0
                """)
        guard let row = try Row.fetchOne(stmt, arguments: [list]) else { return (false, []) }
        let kind: String? = row[0]
        let users = try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT json_extract(display, '$.user_id') FROM records
                WHERE collection = 'assignments' AND deleted = 0 AND json_extract(display, '$.list_id') = ?
                    AND json_type(display, '$.user_id') = 'text'
                """, arguments: [list])
        return (CheckoutAllocator.applies(kind: kind, sharedBy: users.count), users)
    }

    /// Every one-time code and device token as stored, for audits: only hashes may appear.
    public func storedCredentials() async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT code_hash FROM enroll_codes UNION ALL SELECT token_hash FROM devices")
        }
    }

    /// Notes a use of the device, unless one was noted within `granularity` milliseconds.
    public func touch(replica: ReplicaID, now: Int64, granularity: Int64) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE devices SET last_seen = ? WHERE replica = ? AND (last_seen IS NULL OR last_seen < ?)",
                arguments: [now, replica.rawValue, now - granularity])
        }
    }
}

/// The candidates the scope rules ask for, found through the store's indexes. Deleted records are
/// returned too: `CanvasserScope` decides what counts.
///
/// Each row is projected by SQLite to the fields the rules read, never decoded whole: a
/// canvasser's scope is derived again after every push, and decoding each of their interactions
/// and contacts with a JSON decoder made that the push's largest cost. The rules read these fields
/// only as ids, so a field is delivered when its display value is a string and left out otherwise;
/// the tombstone comes from the `deleted` column, which stores the outcome of `Record.exists`.
struct SQLScopeSource: ScopeSource {
    let db: Database

    init(db: Database) { self.db = db }

    /// `SELECT id, deleted, <field>...` for `fields`, each field a string or NULL.
    private func projection(_ fields: [String]) -> String {
        let columns = fields.map { f in
            "iif(json_type(display, '$.\(f)') = 'text', json_extract(display, '$.\(f)'), NULL)"
        }
        return (["SELECT id, deleted"] + columns).joined(separator: ", ")
    }

    private func values(_ row: Row, _ fields: [String]) -> [String: Value] {
        var values: [String: Value] = [:]
        if row[1] as Bool { values[Record.deletedField] = .bool(true) }
        for (i, f) in fields.enumerated() {
            if let s = row[i + 2] as String? { values[f] = .string(s) }
        }
        return values
    }

    /// Rows of `collection` whose `field` displays `value`; the literal path matches the
    /// expression indexes (`assignments_user`, `list_items_list`, `interactions_user`).
    private func rows(_ collection: String, where field: StaticString, is value: String, fields: [String]) throws
        -> [RecordValues]
    {
        let stmt = try db.cachedStatement(
            sql: projection(fields) + " FROM records WHERE collection = ? AND json_extract(display, '$.\(field)') = ?")
        return try Row.fetchAll(stmt, arguments: [collection, value]).map { row in
            RecordValues(key: RecordKey(collection, row[0]), values: values(row, fields))
        }
    }

    func assignments(of userID: String, fields: [String]) throws -> [RecordValues] {
        try rows("assignments", where: "user_id", is: userID, fields: fields)
    }

    func listItems(of lists: Set<String>, fields: [String]) throws -> [RecordValues] {
        try lists.flatMap { try rows("list_items", where: "list_id", is: $0, fields: fields) }
    }

    func interactions(of userID: String, fields: [String]) throws -> [RecordValues] {
        try rows("interactions", where: "user_id", is: userID, fields: fields)
    }

    /// Whether a change with a sequence in `after...upTo` may change `scope`; true too when there
    /// are more than `limit` of them (deriving the scope again is then cheaper than asking).
    func changes(after: Int64, upTo: Int64, limit: Int, _ scope: CanvasserScope) throws -> Bool {
        let fields = CanvasserScope.readFields
        let stmt = try db.cachedStatement(
            sql: projection(fields).replacingOccurrences(of: "SELECT id", with: "SELECT collection, id")
                + " FROM records WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
        let rows = try Row.fetchCursor(stmt, arguments: [after, upTo, limit + 1])
        var n = 0
        while let row = try rows.next() {
            n += 1
            if n > limit { return true }
            var values: [String: Value] = [:]
            for (i, f) in fields.enumerated() {
                if let s = row[i + 3] as String? { values[f] = .string(s) }
            }
            if scope.mayChange(after: RecordValues(key: RecordKey(row[0], row[1]), values: values)) { return true }
        }
        return false
    }

    func records(_ keys: Set<RecordKey>, fields: [String]) throws -> [RecordValues] {
        let stmt = try db.cachedStatement(sql: projection(fields) + " FROM records WHERE collection = ? AND id = ?")
        return try keys.compactMap { k in
            guard let row = try Row.fetchOne(stmt, arguments: [k.collection, k.id]) else { return nil }
            return RecordValues(key: k, values: values(row, fields))
        }
    }
}

/// Scopes by user, each with the feed sequence (the watermark) it is valid at; a later request
/// checks the changes since (`CanvasserScope.mayChange`). Both backends keep one per process.
public final class ScopeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (Int64, CanvasserScope)] = [:]

    public init() {}

    /// The user's scope and the sequence it is known to be valid at.
    public func get(_ user: String) -> (Int64, CanvasserScope)? {
        lock.withLock { entries[user] }
    }

    public func put(_ user: String, seq: Int64, _ scope: CanvasserScope) {
        lock.withLock {
            if entries.count > 2_000 { entries.removeAll() }
            // Two readers may race: keep the entry valid at the later sequence.
            if let old = entries[user], old.0 > seq { return }
            entries[user] = (seq, scope)
        }
    }
}
