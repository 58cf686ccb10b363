import CanvassStore
import Foundation
import Logging
import PostgresNIO

/// Whole databases on a PostgreSQL server: made and dropped through a connection to the database
/// a URL names (its owner needs CREATEDB). The test suites make one per test this way
/// (`TestBackend`), so every test starts from an empty, freshly migrated database.
public enum PostgresDatabases {
    /// Creates the empty database `name` on the server `url` points at and returns the same URL
    /// naming the new database instead.
    public static func create(_ name: String, on url: String, logger: Logger = Logger(label: "canvass.postgres"))
        async throws -> String
    {
        try await run("CREATE DATABASE \(try identifier(name))", on: url, logger: logger)
        return try self.url(url, database: name)
    }

    /// Drops `name`, ending the sessions still connected to it (`WITH (FORCE)`); nothing when it is
    /// not there.
    public static func drop(_ name: String, on url: String, logger: Logger = Logger(label: "canvass.postgres"))
        async throws
    {
        try await run("DROP DATABASE IF EXISTS \(try identifier(name)) WITH (FORCE)", on: url, logger: logger)
    }

    /// `url` with its database (the path) replaced by `database`.
    public static func url(_ url: String, database: String) throws -> String {
        _ = try PostgresStore.configuration(url: url)
        guard var c = URLComponents(string: url) else { throw StoreError(.invalid, "'\(url)' is not a URL") }
        c.path = "/" + database
        guard let out = c.string else { throw StoreError(.invalid, "'\(url)' is not a URL") }
        return out
    }

    /// A database name is an identifier, never a bound value: only lowercase letters, digits and
    /// underscores are let through, so it needs no quoting.
    static func identifier(_ name: String) throws -> String {
        let ok =
            !name.isEmpty && name.count <= 63 && name.first.map { $0.isLetter || $0 == "_" } == true
            && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        guard ok else { throw StoreError(.invalid, "'\(name)' is not a database name: use a-z, 0-9 and _") }
        return name
    }

    private static func run(_ sql: String, on url: String, logger: Logger) async throws {
        let config = try PostgresStore.configuration(url: url)
        let endpoint = "\(config.host ?? "?"):\(config.port ?? 5432)"
        var connectionConfig = PostgresConnection.Configuration(
            host: config.host ?? "127.0.0.1", port: config.port ?? 5432, username: config.username,
            password: config.password, database: config.database, tls: config.tlsForConnection)
        connectionConfig.options.connectTimeout = .seconds(10)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: connectionConfig, id: 0, logger: logger)
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw PostgresStore.storeError(error, endpoint: endpoint)
        }
    }
}
