import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's nginx running `deploy/nginx/canvass.conf` (the README's load-balancer example) as a
/// real process in front of two `canvass-server` processes on one PostgreSQL database (on SQLite,
/// one process named twice), and clients that sync only through it. Skipped, with a message,
/// when nginx is not installed (`.ci/run` installs it).
@Suite(.serialized) struct NginxTests {
    static let binary = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let skipped: Bool = {
        if binary == nil {
            print("nginx tests skipped: nginx is not installed (apt-get install nginx-light, or .ci/run)")
        }
        return binary == nil
    }()

    @Test(.freshDatabases, .enabled(if: !skipped), .timeLimit(.minutes(3)), arguments: TestBackend.all)
    func clientsSyncThroughNginxInFrontOfTwoProcesses(backend: TestBackend) async throws {
        let database = try await backend.database()
        let dir = try temporaryDirectory("canvass-nginx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let campaign = try TestCampaign(households: 20, turfSize: 10)
        let storage = try await database.storage()
        let service = SyncService(storage: storage)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await storage.write(try campaign.writes().map { LocalWrite($0.key, $0.values) }, wallclock: now)
        var codes: [String: String] = [:]
        for (name, role) in [("ann", Role.canvasser), ("kim", .coordinator)] {
            let (user, code) = try await service.addUser(name: name, role: role, now: now)
            if role == .canvasser {
                let a = CampaignSeed.assignment(list: "walk-0", user: user.id)
                try await storage.write([LocalWrite(a.key, a.values)], wallclock: now)
            }
            codes[name] = code
        }
        let servers = try (0..<(backend == .postgres ? 2 : 1)).map { _ in try ServerProcess(database: database) }
        defer { for s in servers { s.stop() } }
        let nginx = try NginxProcess(
            binary: try #require(Self.binary), directory: dir.appendingPathComponent("nginx"),
            upstreams: servers.count == 2 ? servers.map(\.port) : [servers[0].port, servers[0].port])
        defer { nginx.stop() }
        #expect(try await raw(.GET, nginx.baseURL + "/health").0 == 200)

        // Login, a shift's results, and the coordinator's view: all through nginx.
        let ann = try await Client(dir: dir, name: "ann", url: nginx.baseURL, code: try #require(codes["ann"]))
        let kim = try await Client(dir: dir, name: "kim", url: nginx.baseURL, code: try #require(codes["kim"]))
        try await ann.sync()
        try await kim.sync()
        let stops = try ann.store.walkList("walk-0")
        try #require(stops.count == 10)
        var recorded: [String] = []
        for (i, stop) in stops.enumerated() {
            recorded.append(
                try ann.ops.recordInteraction(
                    person: stop.people[0].id, list: "walk-0", result: "not_home", now: now + Int64(i)))
            // One sync per door: requests alternate between the processes behind nginx.
            let report = try await ann.sync(now + Int64(i))
            #expect(report.accepted == 1 && report.rejected == 0, "\(report)")
        }
        try kim.ops.edit(person: stops[0].people[0].id, set: ["phone": "614-555-0142"], now: now + 100)
        try await kim.sync()
        try await ann.sync()
        #expect(try ann.store.record(RecordKey("contacts", stops[0].people[0].id))?["phone"] == "614-555-0142")
        let onKim = Set(try kim.store.records(in: "interactions").map(\.key.id))
        #expect(onKim.isSuperset(of: recorded))
        #expect(try ann.store.counts().pending == 0)
        // A bad body still gets the server's JSON error through the proxy.
        let (status, error) = try await raw(
            .POST, nginx.baseURL + "/v1/push",
            headers: [
                ("Canvass-Protocol", "1"), ("Authorization", "Bearer \(try ann.token)"),
                ("Content-Type", "application/json"),
            ], body: Array("{not json".utf8))
        #expect(status == 400 && error?.error.code == "bad_json")
        // Both processes served requests (their access is nginx's round of least connections).
        let log = (try? String(contentsOf: nginx.accessLog, encoding: .utf8)) ?? ""
        let upstreams = Set(log.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) })
        #expect(upstreams.count == Set(servers.map(\.port)).count, "upstreams used: \(upstreams)")
    }
}

/// nginx as a child process: `deploy/nginx/canvass.conf` with its addresses replaced (the
/// upstream servers by `upstreams`, the listening port by a free one), included by a minimal main
/// configuration that keeps every file nginx writes in `directory`.
final class NginxProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let directory: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var accessLog: URL { directory.appendingPathComponent("access.log") }

    init(binary: String, directory: URL, upstreams: [Int]) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Workers run as nobody when the tests run as root: they must reach their files.
        chmod(directory.path, 0o755)
        chmod(directory.deletingLastPathComponent().path, 0o755)
        let example = try String(
            contentsOf: repositoryRoot().appendingPathComponent("deploy/nginx/canvass.conf"), encoding: .utf8)
        port = try freeLoopbackPort()
        var rendered = example.replacingOccurrences(of: "listen 127.0.0.1:8080;", with: "listen 127.0.0.1:\(port);")
        for (placeholder, upstream) in zip([8081, 8082], upstreams) {
            rendered = rendered.replacingOccurrences(of: "127.0.0.1:\(placeholder) ", with: "127.0.0.1:\(upstream) ")
        }
        guard rendered.contains(":\(port);"), upstreams.allSatisfy({ rendered.contains(":\($0) ") }) else {
            throw NginxTestError(description: "deploy/nginx/canvass.conf no longer has the addresses the test replaces")
        }
        let d = directory.path
        try rendered.write(to: directory.appendingPathComponent("canvass.conf"), atomically: true, encoding: .utf8)
        let main = """
            daemon off;
            worker_processes 1;
            pid \(d)/nginx.pid;
            error_log \(d)/error.log warn;
            events { worker_connections 256; }
            http {
                log_format upstream '$request $status $upstream_addr';
                access_log \(d)/access.log upstream;
                client_body_temp_path \(d)/client_body;
                proxy_temp_path \(d)/proxy;
                fastcgi_temp_path \(d)/fastcgi;
                uwsgi_temp_path \(d)/uwsgi;
                scgi_temp_path \(d)/scgi;
                include \(d)/canvass.conf;
            }
            """
        try main.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", d, "-e", "\(d)/error.log", "-c", "\(d)/nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready when it accepts connections.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { break }
            if let c = try? RawConnection(port: port) {
                _ = c
                return
            }
            usleep(50_000)
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
        stop()
        throw NginxTestError(description: "nginx did not start:\n\(log)")
    }

    /// Fast shutdown (SIGTERM: the master stops its workers), SIGKILL if it does not go.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct NginxTestError: Error, CustomStringConvertible {
    let description: String
}
