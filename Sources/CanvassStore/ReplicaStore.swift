import CanvassCore
import Foundation
import GRDB

/// What went wrong in the store, and what to do about it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure: a public code over a hidden enum, so that codes can be added
    /// without breaking callers (PostgresNIO's `PSQLError` style).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case notEnrolled = "not_enrolled"
            case alreadyEnrolled = "already_enrolled"
            case corrupt
            case notFound = "not_found"
            case invalid
            case unsafeFolder = "unsafe_folder"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The store has no replica id yet: log in first.
        public static let notEnrolled = Code(.notEnrolled)
        /// The store already belongs to a replica.
        public static let alreadyEnrolled = Code(.alreadyEnrolled)
        /// A stored row cannot be read.
        public static let corrupt = Code(.corrupt)
        public static let notFound = Code(.notFound)
        public static let invalid = Code(.invalid)
        /// A store folder others can read that cannot be made private.
        public static let unsafeFolder = Code(.unsafeFolder)

        /// The stable, machine-readable name, e.g. `not_enrolled`.
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A replica on SQLite: the record states, the changes feed, the outbox of unacknowledged local
/// changes, and a small key-value table for sessions and checkpoints.
///
/// One row per record holds every field register as JSON (`state`) plus the display values
/// (`display`) that queries read with `json_extract`. The feed is the table indexed by `seq`: a
/// record's `seq` is bumped whenever its state changes, so a reader "since N" sees the latest
/// state of every record changed after N, never a log.
public final class ReplicaStore: Sendable {
    /// Sealed: only this module reads and writes the database (GRDB's `AppDatabase` style).
    let writer: any DatabaseWriter
    /// The file path, or nil for an in-memory store.
    public let path: String?

    /// A schema change a module above the store adds to the same file (the server's user and
    /// device tables, say). Registered after the store's own, never edited once shipped.
    struct Migration: Sendable {
        let identifier: String
        let migrate: @Sendable (Database) throws -> Void

        init(_ identifier: String, _ migrate: @escaping @Sendable (Database) throws -> Void) {
            self.identifier = identifier
            self.migrate = migrate
        }
    }

    private init(writer: any DatabaseWriter, path: String?, extra: [Migration]) throws {
        self.writer = writer
        self.path = path
        var migrator = Self.migrator
        for m in extra { migrator.registerMigration(m.identifier, migrate: m.migrate) }
        try migrator.migrate(writer)
    }

    /// Opens (creating if needed) a store file. The file is created with mode 0600 because it
    /// holds voter data; SQLite gives its -wal and -shm files the same mode.
    public static func open(path: String) throws -> ReplicaStore {
        try open(path: path, migrations: [], cacheKiB: 32768)
    }

    /// - Parameter cacheKiB: pages each connection may keep in memory; nil for SQLite's 2 MiB.
    static func open(path: String, migrations: [Migration], cacheKiB: Int? = nil) throws -> ReplicaStore {
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !fm.fileExists(atPath: dir) {
            try fm.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreError(
                    .invalid, "cannot create the store file \(path): check the folder exists and is writable")
            }
        }
        try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // Acknowledge only what is on disk: a power cut after a commit loses nothing.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A field replica keeps up to 32 MiB of pages per connection (SQLite's default is
            // 2 MiB): a pulled page of 2,000 records no longer spills to the log mid-transaction,
            // and a first sync stops reading back the pages it has just written. Memory is taken
            // only as pages are used. The server keeps the default: it has many connections.
            if let cacheKiB { try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)") }
        }
        config.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: config)
        return try ReplicaStore(writer: pool, path: path, extra: migrations)
    }

    /// A store in memory, for tests and benchmarks.
    public static func inMemory() throws -> ReplicaStore { try inMemory(migrations: []) }

    static func inMemory(migrations: [Migration]) throws -> ReplicaStore {
        var config = Configuration()
        config.foreignKeysEnabled = true
        return try ReplicaStore(writer: try DatabaseQueue(configuration: config), path: nil, extra: migrations)
    }

    // `counters` (v1) is no longer written or read: the push judge checks contexts against the
    // record's own registers. The table stays because shipped migrations never change.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE clock (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        replica TEXT,
                        counter INTEGER NOT NULL DEFAULT 0,
                        seq INTEGER NOT NULL DEFAULT 0
                    );
                    INSERT INTO clock (id) VALUES (1);
                    CREATE TABLE records (
                        collection TEXT NOT NULL,
                        id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        display TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        conflicts INTEGER NOT NULL DEFAULT 0,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        origin TEXT,
                        PRIMARY KEY (collection, id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX records_seq ON records (seq);
                    CREATE INDEX records_conflicted ON records (collection, id) WHERE conflicts > 0;
                    CREATE INDEX interactions_person ON records (json_extract(display, '$.person_id'))
                        WHERE collection = 'interactions';
                    CREATE INDEX list_items_list ON records (json_extract(display, '$.list_id'))
                        WHERE collection = 'list_items';
                    CREATE INDEX assignments_user ON records (json_extract(display, '$.user_id'))
                        WHERE collection = 'assignments';
                    CREATE INDEX interactions_user ON records (json_extract(display, '$.user_id'))
                        WHERE collection = 'interactions';
                    CREATE TABLE outbox (
                        collection TEXT NOT NULL,
                        id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rejected')),
                        problems TEXT,
                        PRIMARY KEY (collection, id),
                        FOREIGN KEY (collection, id) REFERENCES records (collection, id) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    CREATE INDEX outbox_seq ON outbox (status, seq);
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    -- The highest counter of each replica this store has held, in a sibling or a context.
                    CREATE TABLE counters (replica TEXT PRIMARY KEY NOT NULL, counter INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO meta (key, value) VALUES ('feed_epoch', lower(hex(randomblob(6))));
                    """)
        }
        return m
    }

    // MARK: identity

    /// This replica's id, nil until enrollment sets it.
    public func replicaID() throws -> ReplicaID? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT replica FROM clock").map(ReplicaID.init) }
    }

    /// Sets the replica id once. A replica id is never changed or reused: a device that needs a new
    /// one needs a new store.
    public func setReplicaID(_ id: ReplicaID) throws {
        try writer.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT replica FROM clock"), existing != id.rawValue {
                throw StoreError(
                    .alreadyEnrolled,
                    "this store already belongs to replica \(existing); use a new store (another --home) to enroll again"
                )
            }
            try db.execute(sql: "UPDATE clock SET replica = ?", arguments: [id.rawValue])
        }
    }

    /// The last feed sequence.
    public func lastSeq() throws -> Int64 {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM clock") ?? 0 }
    }

    // MARK: meta

    public func meta(_ key: String) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMeta(_ key: String, _ value: String?) throws {
        try writer.write { db in try Self.setMeta(db, key, value) }
    }

    static func setMeta(_ db: Database, _ key: String, _ value: String?) throws {
        if let value {
            try db.execute(
                sql:
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        } else {
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
        }
    }

    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }
}
