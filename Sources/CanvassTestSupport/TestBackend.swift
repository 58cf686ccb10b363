import CanvassPostgres
import CanvassServer
import CanvassStore
import Foundation
import Logging
import Testing

/// The server's storage backends, as arguments of a Swift Testing test, so one suite runs on
/// each: `@Test(.freshDatabases, arguments: TestBackend.all)` then `backend.storage()` (in
/// process) or `backend.database()` (for a `canvass-server` process).
///
/// SQLite is always there. PostgreSQL runs when `CANVASS_TEST_POSTGRES_URL` names a server
/// (`.ci/run` starts one; its user needs CREATEDB): each test gets a database of its own,
/// `canvass_test_<random>`, dropped when the test ends. Without the variable the PostgreSQL
/// cases are left out and one line says so; with `CANVASS_REQUIRE_POSTGRES=1` (CI) they run
/// and fail instead.
public enum TestBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public static let skipMessage = "PostgreSQL tests skipped: set CANVASS_TEST_POSTGRES_URL or run .ci/run"

    /// The backends to run on here.
    public static let all: [TestBackend] = {
        if serverURL != nil || requirePostgres { return [.sqlite, .postgres] }
        FileHandle.standardError.write(Data((skipMessage + "\n").utf8))
        return [.sqlite]
    }()

    /// The server the PostgreSQL cases make their databases on.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["CANVASS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var requirePostgres: Bool { ProcessInfo.processInfo.environment["CANVASS_REQUIRE_POSTGRES"] == "1" }

    public var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }

    /// A fresh, empty store in this process: SQLite in memory, or PostgreSQL on a new database.
    public func storage() async throws -> any ServerStorage {
        switch self {
        case .sqlite:
            _ = try TestDatabaseScope.current()
            return try SQLiteServerStorage.inMemory()
        case .postgres: return try await database().storage()
        }
    }

    /// A fresh, empty database, for a server process (`ServerProcess(..., database:)`) or for
    /// several stores on the same data: a temporary folder on SQLite, a new database on PostgreSQL.
    /// Both are removed when the test ends.
    public func database() async throws -> TestDatabase {
        let scope = try TestDatabaseScope.current()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "canvass-test-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        scope.onEnd("removing \(folder)") { try? FileManager.default.removeItem(atPath: folder) }
        switch self {
        case .sqlite:
            return TestDatabase(backend: self, directory: folder, url: nil, scope: scope)
        case .postgres:
            guard let server = Self.serverURL else {
                throw ServerProcessError(
                    message: "CANVASS_REQUIRE_POSTGRES=1 but CANVASS_TEST_POSTGRES_URL is not set: run .ci/run, "
                        + "or set it to a PostgreSQL server whose user may create databases")
            }
            let name =
                "canvass_test_" + String((0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
            let url = try await PostgresDatabases.create(name, on: server)
            // DROP DATABASE waits for a checkpoint, which a busy server with fsync on can take a while to finish.
            scope.onEnd("dropping database \(name)", patience: .seconds(120)) {
                try? await PostgresDatabases.drop(name, on: server)
            }
            return TestDatabase(backend: self, directory: folder, url: url, scope: scope)
        }
    }
}

/// One test's database: `directory` is the data folder a server process gets (`--data`; on
/// SQLite the data itself) and `url` the PostgreSQL database (`--postgres`), nil on SQLite.
public final class TestDatabase: Sendable {
    public let backend: TestBackend
    public let directory: String
    public let url: String?
    private let scope: TestDatabaseScope

    init(backend: TestBackend, directory: String, url: String?, scope: TestDatabaseScope) {
        self.backend = backend
        self.directory = directory
        self.url = url
        self.scope = scope
    }

    /// A store on this database, as a server process would open it (a new one each call: a
    /// "restart"). PostgreSQL stores are closed when the test ends.
    public func storage() async throws -> any ServerStorage {
        guard let url else { return try SQLiteServerStorage.open(directory: directory) }
        var logger = Logger(label: "canvass.test.postgres")
        logger.logLevel = .warning
        let storage = try await PostgresServerStorage.open(url: url, poolSize: 4, logger: logger)
        scope.onEnd("closing the store on \(url)") { await storage.close() }
        return storage
    }
}

/// What a test made that must go when it ends, undone in reverse order (stores closed before their
/// database is dropped). The `.freshDatabases` trait opens one around each test case.
final class TestDatabaseScope: @unchecked Sendable {
    @TaskLocal static var active: TestDatabaseScope?
    /// How long a clean-up may take, unless it says otherwise, before the test fails for it (it
    /// is then left running).
    static let patience: Duration = .seconds(30)

    private let lock = NSLock()
    private var cleanups: [(what: String, patience: Duration, run: @Sendable () async -> Void)] = []

    static func current() throws -> TestDatabaseScope {
        guard let scope = active else {
            throw ServerProcessError(
                message: "TestBackend needs the .freshDatabases trait on the test or its suite, to drop its databases")
        }
        return scope
    }

    func onEnd(_ what: String, patience: Duration = patience, _ cleanup: @escaping @Sendable () async -> Void) {
        lock.withLock { cleanups.append((what, patience, cleanup)) }
    }

    /// Runs the clean-ups, newest first; returns those that did not finish in time (a store
    /// that never closes is a bug of its own, reported rather than hanging the run).
    func end() async -> [String] {
        let all = lock.withLock {
            defer { cleanups = [] }
            return cleanups
        }
        var late: [String] = []
        for cleanup in all.reversed() where !(await Self.finishes(within: cleanup.patience, cleanup.run)) {
            late.append("\(cleanup.what) did not finish within \(cleanup.patience)")
        }
        return late
    }

    /// Whether `body` returns within `limit`; when it does not, it is left to run on.
    private static func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let decided = Once()
        return await withCheckedContinuation { continuation in
            Task {
                await body()
                if decided.claim() { continuation.resume(returning: true) }
            }
            Task {
                try? await Task.sleep(for: limit)
                if decided.claim() { continuation.resume(returning: false) }
            }
        }
    }
}

/// True for the first caller only.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false
    func claim() -> Bool {
        lock.withLock {
            defer { taken = true }
            return !taken
        }
    }
}

/// Gives each test case (of a test, or of every test in a suite) its own `TestDatabaseScope`:
/// what `TestBackend` made for it is removed when it ends, passed or failed.
public struct FreshDatabases: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> FreshDatabases? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let scope = TestDatabaseScope()
        func end() async {
            for problem in await scope.end() { Issue.record(Comment(rawValue: problem)) }
        }
        do {
            try await TestDatabaseScope.$active.withValue(scope) { try await function() }
        } catch {
            await end()
            throw error
        }
        await end()
    }
}

extension Trait where Self == FreshDatabases {
    /// Each test case gets its own databases, removed when it ends (see `TestBackend`).
    public static var freshDatabases: Self { FreshDatabases() }
}

extension TestCampaign {
    /// A server seeded with the campaign, on a fresh store of `backend`.
    public func server(on backend: TestBackend) async throws -> SyncService {
        let storage = try await backend.storage()
        try await storage.write(try writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_760_000_000_000)
        return SyncService(storage: storage)
    }
}
