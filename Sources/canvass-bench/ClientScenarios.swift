import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation
import NIOCore

/// A transport that runs the server's sync service in-process but puts every answer through the
/// real wire path: JSON (the server splices stored records), gzip, gunzip and decoding. It counts
/// bytes and the time spent on each side, and can record pull pages to replay them without the
/// server (the client's work alone).
final class WireTransport: SyncTransport, @unchecked Sendable {
    let service: SyncService
    private let lock = NSLock()
    private var counters = Counters()
    /// Compressed pull bodies by the `since` that asked for them, for replaying without the server.
    private var recorded: [String: ByteBuffer] = [:]
    var replay = false

    struct Counters {
        var rawBytes = 0
        var gzipBytes = 0
        var serverSeconds = 0.0
        var decodeSeconds = 0.0
        var pages = 0
    }

    init(service: SyncService) {
        self.service = service
    }

    /// The counters since the last call, reset.
    func take() -> Counters {
        lock.withLock {
            defer { counters = Counters() }
            return counters
        }
    }

    func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        try await service.enroll(request, client: "bench", now: 1)
    }

    func push(_ request: PushRequest, token: String) async throws -> PushResponse {
        let body = try WireCodec.encode(request, .gzip)
        let decoded = try WireCodec.decode(PushRequest.self, from: body, .gzip)
        let device = try await service.authenticate(token: token, now: 1)
        return try await service.push(decoded, from: device.identity)
    }

    func pull(since: String?, limit: Int, token: String) async throws -> PullResponse {
        let saved = lock.withLock { replay ? recorded[since ?? ""] : nil }
        let body: ByteBuffer
        if let saved {
            body = saved
        } else {
            let t0 = ContinuousClock.now
            let device = try await service.authenticate(token: token, now: 1)
            let page = try await service.pull(since: since, limit: limit, for: device.identity)
            let plain = try WireCodec.encode(page)
            body = try WireCodec.compress(plain, .gzip)
            let spent = seconds(ContinuousClock.now - t0)
            lock.withLock {
                counters.serverSeconds += spent
                counters.rawBytes += plain.readableBytes
                counters.gzipBytes += body.readableBytes
                counters.pages += 1
                recorded[since ?? ""] = body
            }
        }
        let t1 = ContinuousClock.now
        let decoded = try WireCodec.decodePull(body, .gzip)
        let spent = seconds(ContinuousClock.now - t1)
        lock.withLock { counters.decodeSeconds += spent }
        return decoded
    }

    /// A new device of a new user on this server, enrolled with a real code.
    @discardableResult
    func enrollNew(_ replica: ClientReplica, user: String, role: Role, lists: [String]) async throws -> User {
        let (u, code) = try await service.addUser(name: user, role: role, now: 1)
        for l in lists {
            try await ServerAdmin(service: service).load([CampaignSeed.assignment(list: l, user: u.id)], now: 2)
        }
        _ = try await Enrollment.enroll(
            store: replica.store, serverURL: "bench:", code: code, deviceName: nil, transport: self)
        return u
    }

    /// Another device of an existing user.
    func enrollDevice(_ replica: ClientReplica, of user: User) async throws {
        let code = try await service.issueCode(for: user, now: 1)
        _ = try await Enrollment.enroll(
            store: replica.store, serverURL: "bench:", code: code, deviceName: nil, transport: self)
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// A campaign big enough for the client scenarios: `households` households in one walk list,
/// contacts padded to 25 fields with the custom fields a real voter file carries. In memory, or
/// in a store file (WAL, synchronous=FULL) in `directory`, as `canvass-server` keeps it.
func benchServer(households: Int, directory: String? = nil) async throws -> (SyncService, [Voter]) {
    let voters = VoterFileGenerator(seed: 20261103, households: households).generate()
    let storage = try directory.map { try SQLiteServerStorage.open(directory: $0) } ?? .inMemory()
    var writes = [CampaignSeed.campaign()] + CampaignSeed.people(voters)
    for i in writes.indices where writes[i].key.collection == "contacts" {
        var v = writes[i].values
        let extra = [
            "engagement_level": Value.int(Int64(1 + i % 5)), "language": "en", "do_not_call": false,
            "do_not_knock": false,
        ]
        v.merge(extra) { a, _ in a }
        var n = 0
        while v.count < 25 {
            v["x_custom_\(n)"] = .string("c\((i * 7 + n) % 13)")
            n += 1
        }
        writes[i].values = v
    }
    let survey = try Fixtures.survey("canvass")
    writes.append(try CampaignSeed.survey(survey))
    writes += CampaignSeed.list(id: "walk-all", name: "Everyone", kind: "walk", surveyID: survey.id, people: voters)
    let service = SyncService(storage: storage)
    try await ServerAdmin(service: service).load(writes, now: 1_760_000_000_000)
    return (service, voters)
}

/// A canvasser's and a coordinator's first sync of a 5,000-household campaign, end to end: the
/// server (feed, scope, encode, gzip) and the client (gunzip, decode, apply to a file store) in
/// one process, pages pipelined as `SyncEngine` does, then the same pages replayed into another
/// empty store to split out the client's own share. Optionally, a coordinator's `canvass login`
/// against `canvass-server demo`, as real processes.
struct InitialPullScenario: Scenario {
    static let name = "initial-pull"
    static let summary =
        "first sync of a 5,000-household campaign (≈12,500 people × 25 fields), server plus client, end to end"

    /// The roles measured; CANVASS_BENCH_ROLES=canvasser or =coordinator picks one.
    var roles: [Role] {
        let only = ProcessInfo.processInfo.environment["CANVASS_BENCH_ROLES"].flatMap(Role.init(rawValue:))
        return only.map { [$0] } ?? [.canvasser, .coordinator]
    }

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        progress("building the server's store (a file, WAL, synchronous=FULL)")
        let serverDir = dir.appendingPathComponent("server").path
        let (service, voters) = try await benchServer(households: 5000, directory: serverDir)
        let transport = WireTransport(service: service)
        // Every device is enrolled (and the list assigned) before the first pull, so all runs see
        // the same feed and the replays ask for the checkpoints that were recorded. One canvasser
        // with a device per run: the list has one walker, so no door checkout applies.
        var devices: [(role: Role, sync: ClientReplica, replay: ClientReplica)] = []
        for role in roles {
            var user: User?
            for r in 0..<repeats {
                let name = "\(role.rawValue)\(r)"
                let a = try ClientReplica.open(path: dir.appendingPathComponent("\(name)-sync.sqlite").path)
                let b = try ClientReplica.open(path: dir.appendingPathComponent("\(name)-replay.sqlite").path)
                for store in [a, b] {
                    if let user {
                        try await transport.enrollDevice(store, of: user)
                    } else {
                        user = try await transport.enrollNew(
                            store, user: role.rawValue, role: role, lists: role == .canvasser ? ["walk-all"] : [])
                    }
                }
                devices.append((role, a, b))
            }
        }
        var figures: [Figure] = [
            Figure(name: "people", value: Double(voters.count), unit: "people", target: nil, met: nil)
        ]
        for role in roles {
            var runs: [(total: Double, cpu: Double, client: Double, counters: WireTransport.Counters, records: Int)] =
                []
            for (r, d) in devices.filter({ $0.role == role }).enumerated() {
                transport.replay = false
                _ = transport.take()
                let c0 = processCPUSeconds()
                let t0 = ContinuousClock.now
                var report = SyncReport()
                try await SyncEngine(store: d.sync.store, transport: transport, pullPageSize: ProtocolInfo.maxPullLimit)
                    .pull(into: &report)
                let total = seconds(ContinuousClock.now - t0)
                let cpu = processCPUSeconds() - c0
                let counters = transport.take()
                transport.replay = true
                let t1 = ContinuousClock.now
                var replayed = SyncReport()
                try await SyncEngine(
                    store: d.replay.store, transport: transport, pullPageSize: ProtocolInfo.maxPullLimit
                ).pull(into: &replayed)
                let client = seconds(ContinuousClock.now - t1)
                _ = transport.take()
                guard replayed.pulled == report.pulled else {
                    throw BenchImportError("the replay applied \(replayed.pulled) records, the sync \(report.pulled)")
                }
                runs.append((total, cpu, client, counters, report.pulled))
                progress(
                    String(
                        format:
                            "%@ run %d: %.3f s end to end, %.3f s CPU (server %.3f s, client alone %.3f s), %d records",
                        role.rawValue, r, total, cpu, counters.serverSeconds, client, report.pulled))
            }
            let best = runs.min { $0.total < $1.total }!
            let medianTotal = runs.map(\.total).sorted()[runs.count / 2]
            let who = role.rawValue
            figures += [
                Figure(
                    name: "\(who): records pulled", value: Double(best.records), unit: "records", target: nil, met: nil),
                Figure(name: "\(who): pages", value: Double(best.counters.pages), unit: "pages", target: nil, met: nil),
                Figure(
                    name: "\(who): first sync, server + client, end to end (best)", value: best.total, unit: "s",
                    target: "≤ 1.0", met: best.total <= 1.0),
                Figure(name: "\(who): end to end (median)", value: medianTotal, unit: "s", target: nil, met: nil),
                Figure(
                    name: "\(who): CPU, server + client (least of the runs)", value: runs.map(\.cpu).min()!,
                    unit: "s", target: nil, met: nil),
                Figure(
                    name: "\(who):   server: auth + scope + feed + encode + gzip (that run)",
                    value: best.counters.serverSeconds, unit: "s", target: nil, met: nil),
                Figure(
                    name: "\(who):   client alone, pages replayed: gunzip + decode + apply (best)",
                    value: runs.map(\.client).min()!, unit: "s", target: nil, met: nil),
                Figure(
                    name: "\(who):   of which gunzip + decode (that run, overlapped with applying)",
                    value: best.counters.decodeSeconds, unit: "s", target: nil, met: nil),
                Figure(
                    name: "\(who): payload, JSON", value: Double(best.counters.rawBytes) / 1_048_576, unit: "MiB",
                    target: nil, met: nil),
                Figure(
                    name: "\(who): payload, gzip", value: Double(best.counters.gzipBytes) / 1_000_000, unit: "MB",
                    target: "≤ 2", met: best.counters.gzipBytes <= 2_000_000),
            ]
        }
        figures.append(Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil))
        var notes = [
            "server and client stores are files (WAL, synchronous=FULL); pages of \(ProtocolInfo.maxPullLimit) records, each applied in one transaction with its checkpoint while the next is fetched and decoded"
        ]
        if let login = try await demoLogin(progress: progress) {
            figures.append(
                Figure(
                    name: "canvass login, coordinator, demo campaign (\(login.people) people)", value: login.seconds,
                    unit: "s", target: nil, met: nil))
        } else {
            notes.append(
                "canvass login not timed: build canvass and canvass-server next to canvass-bench (--product canvass, --product canvass-server)"
            )
        }
        return ScenarioResult(scenario: Self.name, description: Self.summary, figures: figures, notes: notes)
    }

    /// A coordinator's `canvass login` against `canvass-server demo`, both real processes over
    /// loopback, when both executables sit next to this one.
    private func demoLogin(progress: (String) -> Void) async throws -> (seconds: Double, people: Int)? {
        let products = productsDirectory()
        let canvass = products.appendingPathComponent("canvass")
        guard FileManager.default.isExecutableFile(atPath: canvass.path),
            FileManager.default.isExecutableFile(atPath: products.appendingPathComponent("canvass-server").path)
        else { return nil }
        let dir = try temporaryDirectory("canvass-bench-login")
        defer { try? FileManager.default.removeItem(at: dir) }
        progress("starting canvass-server demo")
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: dir.appendingPathComponent("data").path)
        defer { server.stop() }
        guard let code = server.code(for: "coordinator") else {
            throw BenchImportError("canvass-server demo printed no coordinator code")
        }
        let login = Process()
        login.executableURL = canvass
        login.arguments = ["login", server.baseURL, code]
        login.environment = ProcessInfo.processInfo.environment.merging([
            "CANVASS_HOME": dir.appendingPathComponent("home").path
        ]) { _, b in b }
        login.standardOutput = FileHandle.nullDevice
        let t0 = ContinuousClock.now
        try login.run()
        login.waitUntilExit()
        let spent = seconds(ContinuousClock.now - t0)
        guard login.terminationStatus == 0 else {
            throw BenchImportError("canvass login exited with \(login.terminationStatus)")
        }
        let people = server.output.firstMatch(of: /Canvass demo: (\d+) people/).flatMap { Int($0.1) } ?? 0
        progress(String(format: "canvass login (coordinator, demo campaign): %.3f s", spent))
        return (spent, people)
    }
}

/// 300 interactions recorded one by one, each in its own durable transaction, as the CLI does.
struct RecordScenario: Scenario {
    static let name = "record"
    static let summary = "300 interactions recorded one by one, each its own durable transaction"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let (service, voters) = try await benchServer(households: 300)
        let dir = try temporaryDirectory("canvass-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ClientReplica.open(path: dir.appendingPathComponent("client.sqlite").path)
        let transport = WireTransport(service: service)
        try await transport.enrollNew(store, user: "ann", role: .canvasser, lists: ["walk-all"])
        _ = try await SyncEngine(store: store.store, transport: transport).sync(now: 0)
        let ops = FieldOperations(store: store.store)
        var latencies: [Double] = []
        let people = voters.map(CampaignSeed.contactID)
        for i in 0..<300 {
            let t0 = ContinuousClock.now
            try ops.recordInteraction(
                person: people[i % people.count], list: "walk-all", result: i % 3 == 0 ? "contacted" : "not_home",
                answers: i % 3 == 0 ? ["willing": "yes", "support": .int(Int64(1 + i % 5))] : [:],
                note: i % 10 == 0 ? "dog in yard" : nil,
                now: 1_760_000_000_000 + Int64(i))
            latencies.append(seconds(ContinuousClock.now - t0) * 1000)
        }
        latencies.sort()
        let median = latencies[latencies.count / 2]
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "median", value: median, unit: "ms", target: "≤ 2", met: median <= 2),
                Figure(name: "p95", value: latencies[latencies.count * 95 / 100], unit: "ms", target: nil, met: nil),
                Figure(name: "max", value: latencies.last!, unit: "ms", target: nil, met: nil),
            ],
            notes: ["file store, WAL, synchronous=FULL; validation against the survey included"])
    }
}
