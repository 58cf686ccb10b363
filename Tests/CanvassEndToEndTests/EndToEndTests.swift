import AsyncHTTPClient
import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassStore
import CanvassTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

private let quick = RetryPolicy(attempts: 2, initialDelay: .milliseconds(10))

/// A client replica in a file, enrolled over HTTP with a code.
struct Client {
    let store: ReplicaStore
    var transport: HTTPTransport
    var engine: SyncEngine { SyncEngine(store: store, transport: transport, retry: quick) }
    var ops: FieldOperations { FieldOperations(store: store) }

    init(dir: URL, name: String, url: String, code: String) async throws {
        store = try ReplicaStore.open(path: dir.appendingPathComponent("\(name).sqlite").path)
        transport = try HTTPTransport(baseURL: url)
        _ = try await Enrollment.enroll(
            store: store, serverURL: url, code: code, deviceName: name, transport: transport)
    }

    var token: String { get throws { try Session.load(from: store)!.token } }

    @discardableResult
    func sync(_ now: Int64 = 1_760_000_000_000) async throws -> SyncReport { try await engine.sync(now: now) }
}

/// Sends a raw request; returns the status and the decoded error body, if any.
func raw(
    _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [("Canvass-Protocol", "1")], body: [UInt8]? = nil
) async throws -> (Int, ErrorBody?) {
    var req = HTTPClientRequest(url: url)
    req.method = method
    for (k, v) in headers { req.headers.add(name: k, value: v) }
    if let body { req.body = .bytes(ByteBuffer(bytes: body)) }
    let res = try await HTTPClient.shared.execute(req, timeout: .seconds(30))
    let data = try await res.body.collect(upTo: 1 << 20)
    return (Int(res.status.code), try? WireCodec.decode(ErrorBody.self, from: data))
}

/// The demo's two canvassers and its coordinator, logged in with the codes it printed and synced once.
func demoClients(dir: URL, server: ServerProcess) async throws -> (a: Client, b: Client, k: Client) {
    let a = try await Client(
        dir: dir, name: "a", url: server.baseURL, code: try #require(server.code(for: "canvasser-a")))
    let b = try await Client(
        dir: dir, name: "b", url: server.baseURL, code: try #require(server.code(for: "canvasser-b")))
    let k = try await Client(
        dir: dir, name: "k", url: server.baseURL, code: try #require(server.code(for: "coordinator")))
    for c in [a, b, k] { try await c.sync() }
    return (a, b, k)
}

@Suite(.serialized) struct EndToEndTests {
    @Test(.freshDatabases, arguments: TestBackend.all)
    func offlineShiftThenSyncConvergesAndConflictsResolveEverywhere(backend: TestBackend) async throws {
        let dir = try temporaryDirectory("canvass-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await backend.database()
        var server = try ServerProcess(arguments: ["demo"], database: database)
        let port = server.port
        let (a, b, k) = try await demoClients(dir: dir, server: server)

        // Each canvasser holds exactly the shared walk list; the coordinator holds everything.
        let stopsA = try a.store.walkList("turf-01")
        try #require(stopsA.count == 50)
        #expect(try a.ops.lists().map(\.id) == ["turf-01"])
        let contactsA = try a.store.records(in: "contacts").count
        #expect(contactsA == stopsA.reduce(0) { $0 + $1.people.count })
        #expect(try k.store.records(in: "contacts").count > 5000)

        // The server goes away; the shift goes on offline.
        #expect(server.stop() == 0, "graceful shutdown exits 0")
        let person = stopsA[0].people[0].id
        var recorded: [String] = []
        for (i, stop) in stopsA.prefix(3).enumerated() {
            recorded.append(
                try a.ops.recordInteraction(
                    person: stop.people[0].id, list: "turf-01", result: "not_home", now: 1_760_000_000_000 + Int64(i)))
        }
        recorded.append(
            try b.ops.recordInteraction(
                person: person, list: "turf-01", result: "contacted", answers: ["willing": "yes", "support": 5],
                note: "wants a sign", now: 1_760_000_000_100))
        try a.ops.edit(person: person, set: ["phone": "614-555-0111"], now: 1_760_000_000_200)
        try b.ops.edit(person: person, set: ["phone": "614-555-0122"], now: 1_760_000_000_300)
        let offline = await #expect(throws: ClientError.self) { try await a.sync() }
        #expect(offline?.isRetryable == true && offline?.status == nil, "\(String(describing: offline))")
        #expect(try a.store.counts().pending == 4, "nothing lost while offline")

        // Back online on the same port and data: everything lands, the conflict shows everywhere.
        server = try ServerProcess(arguments: ["serve"], database: database, port: port)
        defer { server.stop() }
        for _ in 0..<2 { for c in [a, b, k] { try await c.sync() } }
        let key = RecordKey("contacts", person)
        for c in [a, b, k] {
            let conflicts = try c.store.conflicts()
            #expect(conflicts.map(\.key) == [key] && conflicts.map(\.field) == ["phone"])
            #expect(try c.store.counts().pending == 0)
        }
        let onCoordinator = Set(try k.store.records(in: "interactions").map(\.key.id))
        #expect(onCoordinator.isSuperset(of: recorded))
        #expect(try a.store.person(person)?.interactions.count == 1, "a sees its own interactions only")

        try k.ops.resolve(key, field: "phone", value: "614-555-0133", now: 1_760_000_001_000)
        for _ in 0..<2 { for c in [k, a, b] { try await c.sync() } }
        for c in [a, b, k] {
            #expect(try c.store.conflicts().isEmpty)
            #expect(try c.store.record(key)?["phone"] == "614-555-0133")
        }
        let again = try await a.sync()
        #expect(again.pulled == 0 && again.pushed == 0, "a sync right after a sync moves nothing")
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func revokedForgedOutOfScopeAndBadBodiesAreRefused(backend: TestBackend) async throws {
        let dir = try temporaryDirectory("canvass-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(arguments: ["demo"], database: try await backend.database())
        defer { server.stop() }
        let (a, b, k) = try await demoClients(dir: dir, server: server)
        let baseline = try await k.sync()
        #expect(baseline.pulled == 0)

        // A code works once.
        let reused = await #expect(throws: ClientError.self) {
            _ = try await Client(dir: dir, name: "a2", url: server.baseURL, code: server.code(for: "canvasser-a")!)
        }
        #expect(reused?.code == .refused, "\(String(describing: reused))")

        // Out of scope: a contact that is on no list of a's.
        let outside = try #require(try k.store.records(in: "contacts").first { try a.store.record($0.key) == nil })
        try a.store.apply(ChangeSet(records: [outside]))
        try a.store.write(outside.key, ["phone": "614-555-0177"], wallclock: 1_760_000_000_000)
        // Forged: a value carrying b's dots.
        let mine = try #require(try a.store.records(in: "contacts").first)
        let bReplica = try Session.load(from: b.store)!.replicaID
        let forged = Record(
            key: mine.key,
            fields: [
                "email": Register(siblings: [Sibling(dot: Dot(bReplica, 999), wallclock: 5, value: "x@example.org")])
            ])
        // A forged record refuses its whole page, naming the problem.
        do {
            _ = try await a.transport.push(PushRequest(changes: ChangeSet(records: [forged])), token: try a.token)
            Issue.record("a forged push was answered 200")
        } catch let e as ClientError where e.status != nil {
            #expect(e.status == 400 && e.serverError?.error.details?.contains { $0.code == "foreign_dot" } == true)
        }
        let report = try await a.sync()
        #expect(report.rejected == 1)
        #expect(try a.store.outbox(status: "rejected").first?.problems.contains { $0.code == "out_of_scope" } == true)

        // Bad bodies: each is a 4xx with a JSON error, and nothing is applied.
        let url = server.baseURL + "/v1/push"
        let auth = ("Authorization", "Bearer \(try a.token)")
        let json = ("Content-Type", "application/json")
        let good = Array(#"{"changes":{"records":[]}}"#.utf8)
        let cases: [(String, [(String, String)], [UInt8], Int, String)] = [
            ("malformed", [("Canvass-Protocol", "1"), auth, json], Array("{not json".utf8), 400, "bad_json"),
            (
                "truncated", [("Canvass-Protocol", "1"), auth, json],
                Array(#"{"changes":{"records":[{"collection":"contacts","id":"x","#.utf8), 400, "bad_json"
            ),
            (
                "wrong shape", [("Canvass-Protocol", "1"), auth, json],
                Array(
                    #"{"changes":{"records":[{"collection":"contacts","id":"x","fields":{"phone":{"siblings":[["me",0,1,"x"]]}}}]}}"#
                        .utf8), 400, "bad_request"
            ),
            (
                "unknown key", [("Canvass-Protocol", "1"), auth, json],
                Array(#"{"changes":{"records":[]},"extra":1}"#.utf8), 400, "bad_request"
            ),
            (
                "empty register", [("Canvass-Protocol", "1"), auth, json],
                Array(
                    #"{"changes":{"records":[{"collection":"interactions","id":"z","fields":{"x":{"siblings":[]}}}]}}"#
                        .utf8), 400, "bad_request"
            ),
            ("no version", [auth, json], good, 400, "protocol_version_missing"),
            ("wrong version", [("Canvass-Protocol", "7"), auth, json], good, 426, "protocol_version"),
            ("no token", [("Canvass-Protocol", "1"), json], good, 401, "unauthorized"),
            (
                "bad token", [("Canvass-Protocol", "1"), ("Authorization", "Bearer nope"), json], good, 401,
                "unauthorized"
            ),
            (
                "unknown encoding", [("Canvass-Protocol", "1"), auth, json, ("Content-Encoding", "br")], good, 415,
                "unsupported_encoding"
            ),
            (
                "not gzip", [("Canvass-Protocol", "1"), auth, json, ("Content-Encoding", "gzip")], good, 400,
                "bad_compression"
            ),
            (
                "oversized", [("Canvass-Protocol", "1"), auth, json],
                Array(repeating: UInt8(ascii: " "), count: 9 << 20), 413, "too_large"
            ),
        ]
        for (name, headers, body, status, code) in cases {
            let (got, error) = try await raw(.POST, url, headers: headers, body: body)
            #expect(got == status, "\(name): status")
            #expect(error?.error.code == code, "\(name): error code \(error?.error.code ?? "none")")
            #expect(!(error?.error.message.isEmpty ?? true), "\(name): a message that says what to do")
        }
        // A known path with the wrong method: 405 with Allow.
        let (wrongMethod, wrongError) = try await raw(.GET, url, headers: [("Canvass-Protocol", "1"), auth])
        #expect(wrongMethod == 405 && wrongError?.error.code == "method_not_allowed")
        // A zip bomb: small on the wire, far over the cap inflated.
        let bomb = try WireCodec.compress(
            ByteBuffer(bytes: Array(repeating: UInt8(ascii: " "), count: 40 << 20)), .gzip)
        let (bombStatus, bombError) = try await raw(
            .POST, url, headers: [("Canvass-Protocol", "1"), auth, json, ("Content-Encoding", "gzip")],
            body: Array(bomb.readableBytesView))
        #expect(bombStatus == 413 && bombError?.error.code == "too_large")
        let after = try await k.sync()
        #expect(after.pulled == 0, "nothing from a refused request was applied")

        // Revocation: the coordinator revokes b; b's next sync is refused.
        let bReplicaID = try Session.load(from: b.store)!.replicaID
        try await k.transport.revoke(bReplicaID, token: try k.token)
        // (401 device_revoked: the client discards its synced data and says what it kept.)
        let revoked = await #expect(throws: ClientError.self) { try await b.sync() }
        #expect(revoked?.code == .revoked)
        try await k.transport.revoke(bReplicaID, token: try k.token)  // revoking twice is fine
        do {
            try await b.sync()
        } catch let e as ClientError {
            #expect(e.code == .revoked)
        }
        // A canvasser may not revoke.
        let forbidden = await #expect(throws: ClientError.self) {
            try await a.transport.revoke(try Session.load(from: k.store)!.replicaID, token: try a.token)
        }
        #expect(forbidden?.code == .refused, "\(String(describing: forbidden))")
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func unassignedListsAreEvictedAndNewOnesArrive(backend: TestBackend) async throws {
        let dir = try temporaryDirectory("canvass-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await backend.database()
        let (data, postgres) = (database.directory, database.url)
        let server = try ServerProcess(arguments: ["demo"], database: database)
        defer { server.stop() }
        let a = try await Client(
            dir: dir, name: "a", url: server.baseURL, code: try #require(server.code(for: "canvasser-a")))
        try await a.sync()
        #expect(try a.ops.lists().map(\.id) == ["turf-01"])
        let first = try a.store.walkList("turf-01")
        try a.ops.recordInteraction(
            person: first[0].people[0].id, list: "turf-01", result: "refused", now: 1_760_000_000_000)
        for (command, list) in [("assign", "turf-02"), ("unassign", "turf-01")] {
            let run = try runServerCommand(
                ["list", command, list, "canvasser-a"], dataDirectory: data, postgres: postgres)
            #expect(run.status == 0, "\(run.output)")
        }
        let report = try await a.sync()
        #expect(report.evicted > 0)
        #expect(try a.ops.lists().map(\.id) == ["turf-02"])
        #expect(try a.store.walkList("turf-02").count == 50)
        #expect(
            try a.store.record(RecordKey("contacts", first[0].people[0].id)) == nil
                || first[0].people[0].id == (try a.store.walkList("turf-02").first?.people.first?.id))
        #expect(try a.store.counts().pending == 0, "the interaction was pushed before its list was evicted")
        let again = try await a.sync()
        #expect(again.pulled == 0 && again.evicted == 0)
    }
}

@Suite(.serialized) struct TLSTests {
    /// `--tls-cert`/`--tls-key` serve HTTPS (a self-signed certificate made with openssl).
    @Test func servesHTTPSWhenGivenACertificate() async throws {
        let dir = try temporaryDirectory("canvass-tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0, "openssl is needed for this test")
        let server = try ServerProcess(
            arguments: ["serve", "--tls-cert", cert, "--tls-key", key],
            dataDirectory: dir.appendingPathComponent("data").path)
        defer { server.stop() }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(certificateVerification: .none))
        var status: UInt = 0
        var plainRefused = false
        do {
            status = try await client.execute(
                HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/health"), timeout: .seconds(10)
            ).status.code
            do {
                _ = try await client.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/health"), timeout: .seconds(5))
            } catch {
                plainRefused = true
            }
        } catch {
            Issue.record("HTTPS request failed: \(error)")
        }
        try await client.shutdown()
        #expect(status == 200)
        #expect(plainRefused, "plain HTTP must not be served on the TLS port")
    }
}
