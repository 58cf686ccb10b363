import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation
import NIOCore

/// A transport that runs the server's sync service in-process but puts every answer through the
/// real wire path: JSON (the server splices stored records), gzip, and back. It counts bytes and
/// the time spent on each side, and can record pull pages to replay them without the server.
final class WireTransport: SyncTransport, @unchecked Sendable {
    let service: SyncService
    var rawBytes = 0
    var gzipBytes = 0
    var serverSeconds = 0.0
    var decodeSeconds = 0.0
    /// Compressed pull bodies by the `since` that asked for them, for replaying without the server.
    var recorded: [String: ByteBuffer] = [:]
    var replay = false

    init(service: SyncService) {
        self.service = service
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
        let body: ByteBuffer
        if replay, let saved = recorded[since ?? ""] {
            body = saved
        } else {
            let t0 = ContinuousClock.now
            let device = try await service.authenticate(token: token, now: 1)
            let page = try await service.pull(since: since, limit: limit, for: device.identity)
            let plain = try WireCodec.encode(page)
            body = try WireCodec.compress(plain, .gzip)
            serverSeconds += seconds(ContinuousClock.now - t0)
            rawBytes += plain.readableBytes
            gzipBytes += body.readableBytes
            recorded[since ?? ""] = body
        }
        let t1 = ContinuousClock.now
        let decoded = try WireCodec.decode(PullResponse.self, from: body, .gzip)
        decodeSeconds += seconds(ContinuousClock.now - t1)
        return decoded
    }

    /// A new device of a new user on this server, enrolled with a real code.
    func enrollNew(_ replica: ClientReplica, user: String, role: Role, lists: [String]) async throws {
        let (u, code) = try await service.addUser(name: user, role: role, now: 1)
        for l in lists {
            try await ServerAdmin(service: service).load([CampaignSeed.assignment(list: l, user: u.id)], now: 2)
        }
        _ = try await Enrollment.enroll(
            store: replica.store, serverURL: "bench:", code: code, deviceName: nil, transport: self)
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// A campaign big enough for the client scenarios: `households` households in one walk list,
/// contacts padded to 25 fields with the custom fields a real voter file carries.
func benchServer(households: Int) async throws -> (SyncService, [Voter]) {
    let voters = VoterFileGenerator(seed: 20261103, households: households).generate()
    let storage = try SQLiteServerStorage.inMemory()
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

/// A 5,000-household walk list pulled into an empty client store (file-backed, WAL,
/// synchronous=FULL) through the wire encoding with gzip.
struct InitialPullScenario: Scenario {
    static let name = "initial-pull"
    static let summary = "5,000-household walk list (≈12,500 people × 25 fields) pulled into an empty client store"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        progress("building the server replica")
        let (service, voters) = try await benchServer(households: 5000)
        let transport = WireTransport(service: service)
        // Run 0 talks to the server and records its gzip pages; the timed runs replay them, so
        // the figure is the client's own work: gunzip, decode, apply (and disk).
        var times: [Double] = []
        var records = 0
        // Every device is enrolled (and its list assigned) before the first pull, so all runs see
        // the same feed and ask for the same checkpoints.
        let dir = try temporaryDirectory("canvass-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        var stores: [ClientReplica] = []
        for r in 0...repeats {
            let store = try ClientReplica.open(path: dir.appendingPathComponent("client\(r).sqlite").path)
            try await transport.enrollNew(store, user: "ann\(r)", role: .canvasser, lists: ["walk-all"])
            stores.append(store)
        }
        for (r, store) in stores.enumerated() {
            let engine = SyncEngine(store: store.store, transport: transport, pullPageSize: ProtocolInfo.maxPullLimit)
            transport.replay = r > 0
            transport.decodeSeconds = 0
            let t0 = ContinuousClock.now
            var report = SyncReport()
            try await engine.pull(into: &report)
            let total = seconds(ContinuousClock.now - t0)
            records = report.pulled
            if r > 0 { times.append(total) }
            progress(
                "run \(r)\(r == 0 ? " (recording the server's pages)" : ""): \(String(format: "%.3f", total)) s, \(report.pulled) records"
            )
        }
        times.sort()
        let best = times[0]
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "people", value: Double(voters.count), unit: "people", target: nil, met: nil),
                Figure(name: "records pulled", value: Double(records), unit: "records", target: nil, met: nil),
                Figure(
                    name: "client: gunzip + decode + apply (best)", value: best, unit: "s", target: "≤ 1.0",
                    met: best <= 1.0),
                Figure(name: "client (median)", value: times[times.count / 2], unit: "s", target: nil, met: nil),
                Figure(
                    name: "  of which gunzip + JSON decode (last run, overlapped with applying)",
                    value: transport.decodeSeconds, unit: "s", target: nil, met: nil),
                Figure(
                    name: "server: feed + encode + gzip", value: transport.serverSeconds, unit: "s", target: nil,
                    met: nil),
                Figure(
                    name: "payload, JSON", value: Double(transport.rawBytes) / 1_048_576, unit: "MiB", target: nil,
                    met: nil),
                Figure(
                    name: "payload, gzip", value: Double(transport.gzipBytes) / 1_048_576, unit: "MiB",
                    target: "≤ 2 MB", met: transport.gzipBytes <= 2_000_000),
                Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "client store on disk (WAL, synchronous=FULL); pages of \(ProtocolInfo.maxPullLimit) records, each applied in one transaction with its checkpoint, the next page decoded meanwhile"
            ])
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
