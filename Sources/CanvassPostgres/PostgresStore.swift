import CanvassCore
import CanvassStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The server's store on PostgreSQL: the same records, feed, accounts and automation tables as
/// `ServerStore` on SQLite, for several `canvass-server` processes on one database.
///
/// Rules come from CanvassCore (merge, scope, push judgement) and CanvassStore (`StoredRecord`:
/// the columns of a stored row, `LocalWrite.perform`); this type fetches their inputs with SQL and
/// stores their outcome. Connections come from postgres-nio's `PostgresClient` (a pool) that the
/// store runs in a task of its own until `close()`.
public final class PostgresStore: Sendable {
    public let client: PostgresClient
    let logger: Logger
    /// Where the server is, for error messages ("HOST:PORT").
    public let endpoint: String
    /// This server's replica id (its dots, shared by every process on the database) and the feed epoch.
    public let replica: ReplicaID
    public let epoch: String
    private let runner: Task<Void, Never>
    /// How to open a connection of its own, outside the pool (the scheduler's lease, P2).
    let sessionConfiguration: PostgresConnection.Configuration
    /// Scopes by user, valid while the watermark has not moved (see `canvasserScope`).
    let scopeCache = ScopeCache()

    private init(
        client: PostgresClient, runner: Task<Void, Never>, endpoint: String, replica: ReplicaID, epoch: String,
        sessionConfiguration: PostgresConnection.Configuration, logger: Logger
    ) {
        self.client = client
        self.sessionConfiguration = sessionConfiguration
        self.runner = runner
        self.endpoint = endpoint
        self.replica = replica
        self.epoch = epoch
        self.logger = logger
    }

    /// Opens the database at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, optionally
    /// `?sslmode=disable|prefer|require`): checks that it answers, migrates it (once, under an
    /// advisory lock, whatever other process starts at the same time), mints the server's replica
    /// id the first time, and starts a pool of at most `poolSize` connections.
    public static func open(
        url: String, poolSize: Int = 8, mintReplica: @Sendable () -> ReplicaID,
        logger: Logger = Logger(label: "canvass.postgres")
    ) async throws -> PostgresStore {
        let config = try configuration(url: url)
        let endpoint = "\(config.host ?? "?"):\(config.port ?? 5432)"
        var connectionConfig = PostgresConnection.Configuration(
            host: config.host ?? "127.0.0.1", port: config.port ?? 5432, username: config.username,
            password: config.password, database: config.database, tls: config.tlsForConnection)
        connectionConfig.options.connectTimeout = .seconds(10)
        var poolConfig = config.client
        poolConfig.options.maximumConnections = max(1, poolSize)
        poolConfig.options.minimumConnections = 0
        let client = PostgresClient(configuration: poolConfig, backgroundLogger: logger)
        // Running before the first lease (postgres-nio warns about a lease before `run()`).
        let runner = Task { await client.run() }
        // A first connection of its own: a clear error when the server is not there, and the
        // migrations before any pooled connection is used.
        let (replica, epoch): (ReplicaID, String)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: connectionConfig, id: 0, logger: logger)
            do {
                try await migrate(connection, logger: logger)
                (replica, epoch) = try await identity(connection, mint: mintReplica(), logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            runner.cancel()
            throw storeError(error, endpoint: endpoint)
        }
        return PostgresStore(
            client: client, runner: runner, endpoint: endpoint, replica: replica, epoch: epoch,
            sessionConfiguration: connectionConfig, logger: logger)
    }

    /// Stops the pool: queries after this fail.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    /// `HOST:PORT/DATABASE` of a URL, without its user and password.
    public static func describe(url: String) -> String {
        guard let c = try? configuration(url: url) else { return "(not a PostgreSQL URL)" }
        return "\(c.host ?? "?"):\(c.port ?? 5432)/\(c.database ?? c.username)"
    }

    /// A URL taken apart by Foundation's `URLComponents`, for the pool and for the first connection.
    struct URLConfiguration {
        var client: PostgresClient.Configuration
        var host: String? { client.host }
        var port: Int? { client.port }
        var username: String { client.username }
        var password: String? { client.password }
        var database: String? { client.database }
        var sslmode: String
        var tlsForConnection: PostgresConnection.Configuration.TLS {
            switch sslmode {
            case "disable": return .disable
            case "require": return .require(try! .init(configuration: .makeClientConfiguration()))
            default: return .prefer(try! .init(configuration: .makeClientConfiguration()))
            }
        }
    }

    static func configuration(url: String) throws -> URLConfiguration {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql",
            let host = c.host, !host.isEmpty
        else {
            throw StoreError(
                .invalid, "'\(url)' is not a PostgreSQL URL: use postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let user = c.user, !user.isEmpty else {
            throw StoreError(.invalid, "the PostgreSQL URL names no user: use postgres://USER@HOST[:PORT]/DATABASE")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let sslmode = c.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslmode) else {
            throw StoreError(.invalid, "sslmode '\(sslmode)' is not supported: use disable, prefer or require")
        }
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        let config = PostgresClient.Configuration(
            host: host, port: c.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: c.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.isEmpty ? nil : database.removingPercentEncoding ?? database, tls: tls)
        return URLConfiguration(client: config, sslmode: sslmode)
    }

    /// The replica id (minted with `mint` the first time, by whichever process comes first) and
    /// the feed epoch.
    private static func identity(_ connection: PostgresConnection, mint: ReplicaID, logger: Logger) async throws
        -> (ReplicaID, String)
    {
        try await connection.query(
            "UPDATE clock SET replica = \(mint.rawValue) WHERE id = 1 AND replica IS NULL", logger: logger)
        var replica = mint.rawValue
        for try await r in try await connection.query("SELECT replica FROM clock WHERE id = 1", logger: logger)
            .decode(String.self)
        {
            replica = r
        }
        var epoch = "0"
        for try await e in try await connection.query(
            "SELECT value FROM meta WHERE key = 'feed_epoch'", logger: logger
        ).decode(String.self) {
            epoch = e
        }
        return (ReplicaID(replica), epoch)
    }

    // MARK: running SQL

    /// Runs `body` in one transaction on a pooled connection: all of it commits (durably,
    /// `synchronous_commit` on) or none of it does. Errors come out as `StoreError`.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw Self.storeError(error, endpoint: endpoint)
        }
    }

    /// Runs `body` on a pooled connection without a transaction (one statement sees one snapshot).
    public func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw Self.storeError(error, endpoint: endpoint)
        }
    }

    /// Runs one statement and returns its rows decoded.
    func rows<each C: PostgresDecodable & Sendable>(
        _ connection: PostgresConnection, _ query: PostgresQuery, as types: (repeat each C).Type
    ) async throws -> [(repeat each C)] {
        var out: [(repeat each C)] = []
        for try await row in try await connection.query(query, logger: logger).decode((repeat each C).self) {
            out.append(row)
        }
        return out
    }

    /// Runs one statement, ignoring rows.
    func exec(_ connection: PostgresConnection, _ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger)
    }

    /// postgres-nio's errors as the store's: what went wrong and what to do.
    static func storeError(_ error: Error, endpoint: String) -> Error {
        if error is StoreError || error is CancellationError { return error }
        if let e = error as? PSQLError {
            switch e.code {
            case .server:
                let message = e.serverInfo?[.message] ?? "unknown error"
                let state = e.serverInfo?[.sqlState] ?? ""
                if state == "28P01" || state == "28000" {
                    return StoreError(
                        .invalid,
                        "PostgreSQL at \(endpoint) refused the login: \(message); check the user and password in --postgres"
                    )
                }
                if state == "3D000" {
                    return StoreError(
                        .invalid, "PostgreSQL at \(endpoint): \(message); create it (createdb) or check --postgres")
                }
                return StoreError(.invalid, "PostgreSQL at \(endpoint) failed: \(message) (SQLSTATE \(state))")
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
                return StoreError(
                    .invalid, "cannot reach PostgreSQL at \(endpoint): is it running? check --postgres")
            case .sslUnsupported:
                return StoreError(
                    .invalid,
                    "PostgreSQL at \(endpoint) does not offer TLS: add ?sslmode=disable or prefer to --postgres")
            default:
                return StoreError(.invalid, "PostgreSQL at \(endpoint) failed: \(e.code)")
            }
        }
        if error is NIOConnectionError || error is IOError || error is ChannelError {
            return StoreError(.invalid, "cannot reach PostgreSQL at \(endpoint): is it running? check --postgres")
        }
        return error
    }
}
extension PostgresStore: ServerStoreOperations {}
