import Logging
import PostgresNIO

/// One schema step of the PostgreSQL store, identified by name, recorded in `migrations` once run
/// and never edited once shipped: a later change is a new step appended to the list.
struct PostgresMigration: Sendable {
    let identifier: String
    let statements: [String]

    init(_ identifier: String, _ statements: [String]) {
        self.identifier = identifier
        self.statements = statements
    }
}

extension PostgresStore {
    /// The advisory lock (the one-argument form) every migrating process takes, so that two
    /// processes starting together migrate once.
    static let migrationLock: Int64 = 0x6361_6E76_6173_7301

    /// The schema, mirroring SQLite's (`ReplicaStore.migrator` and `ServerStore.migrations`):
    /// `state` is the protocol's compact JSON spliced into pull responses as is; `display` is
    /// jsonb for the scope's and queries' reads; `seq` is taken from the one-row `feed_clock` as
    /// the last step of each writing transaction (see `PostgresStore+Records.swift`).
    static let migrations: [PostgresMigration] = [
        PostgresMigration(
            "v1",
            [
                """
                CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)
                """,
                // The server's replica id and the counter of its dots (`write` as the server).
                """
                CREATE TABLE clock (
                    id int PRIMARY KEY CHECK (id = 1),
                    replica text,
                    counter bigint NOT NULL DEFAULT 0
                )
                """,
                "INSERT INTO clock (id) VALUES (1)",
                // The feed's sequence: its committed value is the safe watermark.
                """
                CREATE TABLE feed_clock (
                    id int PRIMARY KEY CHECK (id = 1),
                    seq bigint NOT NULL DEFAULT 0
                )
                """,
                "INSERT INTO feed_clock (id) VALUES (1)",
                "INSERT INTO meta (key, value) VALUES ('feed_epoch', substr(md5(random()::text), 1, 12))",
                """
                CREATE TABLE records (
                    collection text NOT NULL,
                    id text NOT NULL,
                    state text NOT NULL,
                    display jsonb NOT NULL,
                    seq bigint NOT NULL UNIQUE,
                    conflicts int NOT NULL DEFAULT 0,
                    deleted boolean NOT NULL DEFAULT false,
                    origin text,
                    PRIMARY KEY (collection, id)
                )
                """,
                "CREATE INDEX records_conflicted ON records (collection, id) WHERE conflicts > 0",
                """
                CREATE INDEX interactions_person ON records ((display->>'person_id'))
                    WHERE collection = 'interactions'
                """,
                "CREATE INDEX list_items_list ON records ((display->>'list_id')) WHERE collection = 'list_items'",
                "CREATE INDEX assignments_user ON records ((display->>'user_id')) WHERE collection = 'assignments'",
                """
                CREATE INDEX assignments_list ON records ((display->>'list_id'))
                    WHERE collection = 'assignments'
                """,
                "CREATE INDEX interactions_user ON records ((display->>'user_id')) WHERE collection = 'interactions'",
                """
                CREATE TABLE users (
                    id text PRIMARY KEY,
                    name text NOT NULL UNIQUE,
                    role text NOT NULL CHECK (role IN ('admin', 'coordinator', 'canvasser')),
                    created_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE enroll_codes (
                    code_hash text PRIMARY KEY,
                    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at bigint NOT NULL,
                    expires_at bigint NOT NULL,
                    used_at bigint
                )
                """,
                """
                CREATE TABLE devices (
                    replica text PRIMARY KEY,
                    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    name text,
                    token_hash text NOT NULL UNIQUE,
                    created_at bigint NOT NULL,
                    last_seen bigint,
                    revoked_at bigint
                )
                """,
                "CREATE INDEX devices_user ON devices (user_id)",
                """
                CREATE TABLE scope_delivered (
                    replica text NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                    collection text NOT NULL,
                    id text NOT NULL,
                    PRIMARY KEY (replica, collection, id)
                )
                """,
                """
                CREATE TABLE scope_pending (
                    replica text NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                    token bigint NOT NULL,
                    collection text NOT NULL,
                    id text NOT NULL,
                    added boolean NOT NULL,
                    PRIMARY KEY (replica, token, collection, id)
                )
                """,
                """
                CREATE TABLE scope_tokens (
                    replica text PRIMARY KEY REFERENCES devices (replica) ON DELETE CASCADE,
                    last_token bigint NOT NULL
                )
                """,
                """
                CREATE TABLE share_codes (
                    code_hash text PRIMARY KEY,
                    list_id text NOT NULL,
                    created_by text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at bigint NOT NULL,
                    expires_at bigint NOT NULL,
                    revoked_at bigint
                )
                """,
                "CREATE INDEX share_codes_list ON share_codes (list_id)",
                """
                CREATE TABLE checkouts (
                    list_id text NOT NULL,
                    household_id text NOT NULL,
                    replica text NOT NULL REFERENCES devices (replica) ON DELETE CASCADE,
                    expires_at bigint NOT NULL,
                    PRIMARY KEY (list_id, household_id)
                )
                """,
                "CREATE INDEX checkouts_replica ON checkouts (replica)",
            ]),
        // The automation engine's tables (PostgresStore+Automation.swift).
        automationMigration,
    ]

    /// Runs the steps not yet recorded, in one transaction under an advisory lock.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS migrations (identifier text PRIMARY KEY, applied_at timestamptz NOT NULL)",
                logger: logger)
            var done: Set<String> = []
            for try await id in try await connection.query("SELECT identifier FROM migrations", logger: logger)
                .decode(String.self)
            {
                done.insert(id)
            }
            for m in migrations where !done.contains(m.identifier) {
                for sql in m.statements { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await connection.query(
                    "INSERT INTO migrations (identifier, applied_at) VALUES (\(m.identifier), now())", logger: logger)
                logger.info("PostgreSQL migration \(m.identifier) applied")
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
