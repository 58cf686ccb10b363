import CanvassCore
import CanvassStore
import Foundation
import PostgresNIO

/// Users, one-time codes, devices and list share codes on PostgreSQL, as `ServerStore` keeps
/// them on SQLite; every account change mirrors the directory (`Directory.writes`) in its own
/// transaction.
///
/// Account changes from several processes are serialised by one transaction advisory lock
/// (`directoryLock`) taken first: the mirror reads the accounts and the directory records in
/// separate statements, and without the lock a change committed between them could be written
/// back stale. Accounts change rarely, so the lock costs nothing that matters.
extension PostgresStore {
    /// The directory's advisory lock (one-argument form, like the migrations' and the scheduler's).
    static let directoryLock: Int64 = 0x6361_6E76_6173_7302

    // MARK: users

    /// Adds a user and mirrors it into the directory, in one transaction; nil when the name is taken.
    public func addUser(id: String, name: String, role: Role, now: Int64) async throws -> User? {
        try await transaction { connection in
            try await exec(connection, "SELECT pg_advisory_xact_lock(\(Self.directoryLock))")
            let inserted = try await rows(
                connection,
                """
                INSERT INTO users (id, name, role, created_at) VALUES (\(id), \(name), \(role.rawValue), \(now))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """, as: String.self)
            guard !inserted.isEmpty else { return nil }
            try await mirrorDirectory(connection, now: now)
            return User(id: id, name: name, role: role, createdAt: now)
        }
    }

    public func user(id: String) async throws -> User? {
        try await read { connection in
            try await rows(
                connection, "SELECT id, name, role, created_at FROM users WHERE id = \(id)",
                as: (String, String, String, Int64).self
            ).first.map(Self.user)
        }
    }

    /// Every user, by name.
    public func users() async throws -> [User] {
        try await read { connection in try await users(connection) }
    }

    func users(_ connection: PostgresConnection) async throws -> [User] {
        try await rows(
            connection, "SELECT id, name, role, created_at FROM users ORDER BY name COLLATE \"C\"",
            as: (String, String, String, Int64).self
        ).map(Self.user)
    }

    /// The user with this name, or else this id.
    public func user(named name: String) async throws -> User? {
        try await read { connection in
            try await rows(
                connection,
                """
                SELECT id, name, role, created_at FROM users WHERE name = \(name) OR id = \(name)
                ORDER BY (name = \(name)) DESC LIMIT 1
                """, as: (String, String, String, Int64).self
            ).first.map(Self.user)
        }
    }

    static func user(_ row: (String, String, String, Int64)) -> User {
        User(id: row.0, name: row.1, role: Role(rawValue: row.2) ?? .canvasser, createdAt: row.3)
    }

    // MARK: codes and devices

    /// Stores a one-time code's hash for a user.
    public func addCode(hash: String, userID: String, expiresAt: Int64, now: Int64) async throws {
        try await transaction { connection in
            try await exec(
                connection,
                """
                INSERT INTO enroll_codes (code_hash, user_id, created_at, expires_at)
                VALUES (\(hash), \(userID), \(now), \(expiresAt))
                """)
        }
    }

    /// Consumes a live code and creates the device in one transaction; nil when the code is
    /// unknown, used or expired (the code's row is updated with a condition, so two processes
    /// redeeming it at once enroll one device).
    public func enroll(codeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, now: Int64)
        async throws -> Device?
    {
        try await transaction { connection in
            try await exec(connection, "SELECT pg_advisory_xact_lock(\(Self.directoryLock))")
            guard
                let userID = try await rows(
                    connection,
                    """
                    UPDATE enroll_codes SET used_at = \(now)
                    WHERE code_hash = \(codeHash) AND used_at IS NULL AND expires_at > \(now) RETURNING user_id
                    """, as: String.self
                ).first
            else { return nil }
            try await exec(
                connection,
                """
                INSERT INTO devices (replica, user_id, name, token_hash, created_at)
                VALUES (\(replica.rawValue), \(userID), \(deviceName), \(tokenHash), \(now))
                """)
            try await mirrorDirectory(connection, now: now)
            return try await device(connection, replica: replica)
        }
    }

    static let deviceColumns = """
        SELECT d.replica, d.user_id, u.name, u.role, d.name, d.created_at, d.last_seen, d.revoked_at
        FROM devices d JOIN users u ON u.id = d.user_id
        """
    typealias DeviceRow = (String, String, String, String, String?, Int64, Int64?, Int64?)

    static func device(_ r: DeviceRow) -> Device {
        Device(
            replica: ReplicaID(r.0), userID: r.1, userName: r.2, role: Role(rawValue: r.3) ?? .canvasser, name: r.4,
            createdAt: r.5, lastSeen: r.6, revokedAt: r.7)
    }

    /// The devices whose `column` holds `value`.
    static func deviceQuery(where column: StaticString, is value: String) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(value)
        return PostgresQuery(unsafeSQL: "\(deviceColumns) WHERE \(column) = $1", binds: binds)
    }

    func device(_ connection: PostgresConnection, replica: ReplicaID) async throws -> Device? {
        try await rows(
            connection, Self.deviceQuery(where: "d.replica", is: replica.rawValue),
            as: DeviceRow.self
        ).first.map(Self.device)
    }

    /// The device holding this token (revoked ones too, with `revokedAt` set).
    public func device(tokenHash: String) async throws -> Device? {
        try await read { connection in
            try await rows(
                connection,
                Self.deviceQuery(where: "d.token_hash", is: tokenHash),
                as: DeviceRow.self
            ).first.map(Self.device)
        }
    }

    /// Every device, by user name and age.
    public func devices() async throws -> [Device] {
        try await read { connection in try await devices(connection) }
    }

    func devices(_ connection: PostgresConnection) async throws -> [Device] {
        try await rows(
            connection,
            PostgresQuery(unsafeSQL: Self.deviceColumns + " ORDER BY u.name COLLATE \"C\", d.created_at, d.replica"),
            as: DeviceRow.self
        ).map(Self.device)
    }

    /// Revokes a device (revoking twice keeps the first time), releases the doors it held and
    /// mirrors the directory, in one transaction; false if there is none.
    public func revoke(replica: ReplicaID, now: Int64) async throws -> Bool {
        try await transaction { connection in
            try await exec(connection, "SELECT pg_advisory_xact_lock(\(Self.directoryLock))")
            let r = replica.rawValue
            guard !(try await rows(connection, "SELECT 1 FROM devices WHERE replica = \(r)", as: Int32.self)).isEmpty
            else { return false }
            try await exec(
                connection, "UPDATE devices SET revoked_at = \(now) WHERE replica = \(r) AND revoked_at IS NULL")
            try await exec(connection, "DELETE FROM checkouts WHERE replica = \(r)")
            try await mirrorDirectory(connection, now: now)
            return true
        }
    }

    /// Notes a use of the device, unless one was noted within `granularity` milliseconds: the
    /// condition makes a busy device's requests write nothing (no row is updated).
    public func touch(replica: ReplicaID, now: Int64, granularity: Int64) async throws {
        try await read { connection in
            try await exec(
                connection,
                """
                UPDATE devices SET last_seen = \(now)
                WHERE replica = \(replica.rawValue) AND (last_seen IS NULL OR last_seen < \(now - granularity))
                """)
        }
    }

    /// Every one-time code and device token as stored, for audits: only hashes may appear.
    public func storedCredentials() async throws -> [String] {
        try await read { connection in
            try await rows(
                connection, "SELECT code_hash FROM enroll_codes UNION ALL SELECT token_hash FROM devices",
                as: String.self)
        }
    }

    // MARK: list share codes

    /// Stores a list share code's hash.
    public func addShareCode(hash: String, listID: String, createdBy: String, expiresAt: Int64, now: Int64)
        async throws
    {
        try await transaction { connection in
            try await exec(
                connection,
                """
                INSERT INTO share_codes (code_hash, list_id, created_by, created_at, expires_at)
                VALUES (\(hash), \(listID), \(createdBy), \(now), \(expiresAt))
                """)
        }
    }

    /// Revokes every live share code of a list; returns how many.
    public func revokeShareCodes(listID: String, now: Int64) async throws -> Int {
        try await transaction { connection in
            try await rows(
                connection,
                """
                UPDATE share_codes SET revoked_at = \(now)
                WHERE list_id = \(listID) AND revoked_at IS NULL AND expires_at > \(now) RETURNING 1
                """, as: Int32.self
            ).count
        }
    }

    /// Enrolls a new volunteer with a live list share code, in one transaction: a canvasser user
    /// named `name` (made unique with " 2", " 3", … when taken), the device, the `writes` that
    /// give the user the list (as the server's replica), and the directory. Nil when the code is
    /// unknown, revoked or expired, or its list no longer exists.
    public func enroll(
        shareCodeHash: String, replica: ReplicaID, tokenHash: String, deviceName: String?, name: String,
        newUserID: String, now: Int64, writes: @Sendable (_ userID: String, _ listID: String) -> [LocalWrite]
    ) async throws -> Device? {
        try await transaction { connection in
            try await exec(connection, "SELECT pg_advisory_xact_lock(\(Self.directoryLock))")
            guard
                let listID = try await rows(
                    connection,
                    """
                    SELECT list_id FROM share_codes
                    WHERE code_hash = \(shareCodeHash) AND revoked_at IS NULL AND expires_at > \(now)
                    """, as: String.self
                ).first,
                Record.exists(try await load(connection, [RecordKey("lists", listID)])[RecordKey("lists", listID)])
            else { return nil }
            var taken: Set<String> = []
            for n in try await rows(
                connection, "SELECT name FROM users WHERE name = \(name) OR starts_with(name, \(name + " "))",
                as: String.self)
            {
                taken.insert(n)
            }
            var unique = name
            var n = 1
            while taken.contains(unique) {
                n += 1
                unique = "\(name) \(n)"
            }
            try await exec(
                connection,
                """
                INSERT INTO users (id, name, role, created_at)
                VALUES (\(newUserID), \(unique), \(Role.canvasser.rawValue), \(now))
                """)
            try await exec(
                connection,
                """
                INSERT INTO devices (replica, user_id, name, token_hash, created_at)
                VALUES (\(replica.rawValue), \(newUserID), \(deviceName), \(tokenHash), \(now))
                """)
            // The directory and the list's writes as one write of the server's replica: its
            // sequence numbers are the transaction's last step.
            try await mirrorDirectory(connection, now: now, with: writes(newUserID, listID))
            return try await device(connection, replica: replica)
        }
    }

    // MARK: the directory

    /// Brings the `users` and `devices` records in line with the accounts (`Directory.writes`),
    /// as the server's own replica; writes nothing when they are current. Opening a server calls
    /// it once (the server's own entry, and accounts made before the directory existed).
    public func mirrorDirectory(now: Int64) async throws {
        try await transaction { connection in
            try await exec(connection, "SELECT pg_advisory_xact_lock(\(Self.directoryLock))")
            try await mirrorDirectory(connection, now: now)
        }
    }

    /// The mirror inside a caller's transaction, which holds `directoryLock`; `extra` writes go
    /// with it. Call it last: it takes the transaction's sequence numbers.
    func mirrorDirectory(_ connection: PostgresConnection, now: Int64, with extra: [LocalWrite] = []) async throws {
        let users = try await users(connection)
        let devices = try await devices(connection)
        var current: [RecordKey: [String: Value]] = [:]
        let decoder = JSONDecoder()
        for (c, id, display) in try await rows(
            connection,
            """
            SELECT collection, id, display::text FROM records
            WHERE collection IN (\(Directory.users), \(Directory.devices)) AND NOT deleted
            """, as: (String, String, String).self)
        {
            current[RecordKey(c, id)] = try decoder.decode([String: Value].self, from: Data(display.utf8))
        }
        let mirror = Directory.writes(users: users, devices: devices, server: replica, current: current)
        let writes = extra + mirror.map { LocalWrite($0.key, $0.values) }
        if !writes.isEmpty { _ = try await write(connection, writes, wallclock: now) }
    }
}
