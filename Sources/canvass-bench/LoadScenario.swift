import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation

/// 500 enrolled devices syncing in a loop against one `canvass-server` process over loopback:
/// this process is the load generator. Each device waits a random think time (mean
/// `thinkMillis`), sometimes records an interaction, and syncs (a push when it has one, then a
/// pull); for `duration` seconds. Then: every push the server acknowledged is looked up in its store, and a
/// burst of pulls with nothing new is timed in the server's own CPU (from /proc/PID/stat).
struct LoadScenario: Scenario {
    static let name = "load"
    static let summary =
        "500 devices sync in a loop (pull always, push a small change set sometimes) over loopback HTTP for --seconds"

    var duration = 60
    var devices = 500
    /// Mean wait between one device's syncs.
    var thinkMillis = 400
    /// The share of syncs that first record an interaction (and so push).
    var pushShare = 0.2
    /// Pulls with nothing new, timed in the server's CPU after the loop.
    var emptyPulls = 2_000

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-load")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path

        progress("seeding the server store: \(devices) canvassers, each with a walk list of their own")
        var codes: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let service = SyncService(storage: try SQLiteServerStorage.open(directory: data))
            let voters = VoterFileGenerator(seed: 20261124, households: devices * 8).generate()
            let door = try Fixtures.survey("canvass")
            var writes = [CampaignSeed.campaign()] + CampaignSeed.people(voters) + [try CampaignSeed.survey(door)]
            for (i, turf) in CampaignSeed.turfs(voters, households: 8).enumerated() {
                writes += CampaignSeed.list(
                    id: "turf-\(i)", name: "Turf \(i)", kind: "walk", surveyID: door.id, people: turf)
            }
            let admin = ServerAdmin(service: service)
            try await admin.load(writes, now: 1_760_000_000_000)
            for c in 0..<devices {
                let (_, code) = try await service.addUser(name: "device\(c)", role: .canvasser, now: wallClock())
                try await admin.assign(list: "turf-\(c)", to: "device\(c)", now: 1_760_000_000_000)
                codes.append(code)
            }
        }
        let server = try ServerProcess(arguments: ["serve"], dataDirectory: data)
        defer { server.stop() }
        let pid = server.process.processIdentifier

        progress("enrolling \(devices) devices and pulling their lists")
        let recorder = LoadRecorder()
        var clients: [LoadDevice] = []
        for c in 0..<devices {
            let replica = try ClientReplica.inMemory()
            let transport = TimedTransport(try HTTPTransport(baseURL: server.baseURL), recorder: recorder)
            _ = try await Enrollment.enroll(
                store: replica.store, serverURL: server.baseURL, code: codes[c], deviceName: "load\(c)",
                transport: transport)
            let engine = SyncEngine(store: replica.store, transport: transport, retry: .none)
            _ = try await engine.sync(now: wallClock())
            clients.append(LoadDevice(replica: replica, engine: engine, people: try replica.walkPeople("turf-\(c)")))
        }
        recorder.reset()

        progress(
            "\(devices) devices syncing for \(duration) s (think time mean \(thinkMillis) ms, \(Int(pushShare * 100)) % push)"
        )
        let cpuBefore = processCPUSeconds(pid)
        let start = ContinuousClock.now
        let end = start + .seconds(duration)
        let (think, share) = (thinkMillis, pushShare)
        await withTaskGroup(of: Void.self) { group in
            for (c, device) in clients.enumerated() {
                group.addTask {
                    var g = SplitMix64(seed: UInt64(c) &+ 1)
                    var n = 0
                    while ContinuousClock.now < end {
                        let wait = Int(g.next() % UInt64(2 * think + 1))
                        try? await Task.sleep(for: .milliseconds(wait))
                        if ContinuousClock.now >= end { break }
                        do {
                            if Double(g.next() % 1000) < share * 1000 {
                                n += 1
                                try FieldOperations(store: device.replica.store).recordInteraction(
                                    person: device.people[Int(g.next() % UInt64(device.people.count))],
                                    list: "turf-\(c)", result: "contacted", answers: ["willing": "yes"],
                                    note: "load \(n)", now: wallClock())
                            }
                            _ = try await device.engine.sync(now: wallClock())
                        } catch {
                            recorder.error("\(error)")
                        }
                    }
                }
            }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let loadCPU = processCPUSeconds(pid) - cpuBefore
        let stats = recorder.take()

        progress("\(emptyPulls) pulls with nothing new, one at a time")
        let quiet = clients[0]
        _ = try await quiet.engine.sync(now: wallClock())
        recorder.reset()
        let emptyBefore = processCPUSeconds(pid)
        let emptyStart = ContinuousClock.now
        for _ in 0..<emptyPulls { _ = try await quiet.engine.sync(now: wallClock()) }
        let emptyWall = seconds(ContinuousClock.now - emptyStart)
        let emptyCPU = processCPUSeconds(pid) - emptyBefore
        let emptyStats = recorder.take()
        let rss = serverPeakRSS(pid)

        progress("stopping the server and looking up every acknowledged push in its store")
        server.stop()
        let store = try ServerStore.open(path: (data as NSString).appendingPathComponent("canvass.sqlite"))
        var missing = 0
        for key in stats.acknowledged where try await store.record(key) == nil { missing += 1 }

        let requests = stats.push.count + stats.pull.count
        let all = (stats.push + stats.pull).sorted()
        let p99 = percentile(all, 0.99)
        let perPull = emptyCPU / Double(max(1, emptyStats.pull.count)) * 1000
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "devices", value: Double(devices), unit: "devices", target: nil, met: nil),
                Figure(name: "duration", value: elapsed, unit: "s", target: nil, met: nil),
                Figure(
                    name: "requests per second", value: Double(requests) / elapsed, unit: "req/s", target: "≥ 1000",
                    met: Double(requests) / elapsed >= 1000),
                Figure(name: "pushes", value: Double(stats.push.count), unit: "requests", target: nil, met: nil),
                Figure(name: "pulls", value: Double(stats.pull.count), unit: "requests", target: nil, met: nil),
                Figure(
                    name: "push p50", value: percentile(stats.push.sorted(), 0.5) * 1000, unit: "ms", target: nil,
                    met: nil),
                Figure(
                    name: "push p99", value: percentile(stats.push.sorted(), 0.99) * 1000, unit: "ms",
                    target: "≤ 500", met: percentile(stats.push.sorted(), 0.99) <= 0.5),
                Figure(
                    name: "pull p50", value: percentile(stats.pull.sorted(), 0.5) * 1000, unit: "ms", target: nil,
                    met: nil),
                Figure(
                    name: "pull p99", value: percentile(stats.pull.sorted(), 0.99) * 1000, unit: "ms",
                    target: "≤ 500", met: percentile(stats.pull.sorted(), 0.99) <= 0.5),
                Figure(name: "all requests p99", value: p99 * 1000, unit: "ms", target: "≤ 500", met: p99 <= 0.5),
                Figure(
                    name: "errors", value: Double(stats.errors.count), unit: "errors", target: "= 0",
                    met: stats.errors.isEmpty),
                Figure(
                    name: "acknowledged pushes missing from the server afterwards", value: Double(missing),
                    unit: "records", target: "= 0", met: missing == 0),
                Figure(
                    name: "acknowledged records checked", value: Double(stats.acknowledged.count), unit: "records",
                    target: nil, met: nil),
                Figure(
                    name: "server CPU per request under load", value: loadCPU / Double(max(1, requests)) * 1000,
                    unit: "ms", target: nil, met: nil),
                Figure(
                    name: "server CPU per pull with nothing new", value: perPull, unit: "ms", target: "≤ 0.5",
                    met: perPull <= 0.5),
                Figure(
                    name: "pull with nothing new, wall (one at a time)",
                    value: emptyWall / Double(max(1, emptyStats.pull.count)) * 1000, unit: "ms", target: nil, met: nil),
                Figure(name: "server peak RSS", value: rss, unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "server: \(server.process.executableURL!.path); the devices run in this process (one shared HTTP client) on the same cores"
            ] + stats.errors.prefix(3).map { "error: \($0)" })
    }
}

/// One simulated device.
private struct LoadDevice: Sendable {
    let replica: ClientReplica
    let engine: SyncEngine
    let people: [String]
}

/// Latencies of each request kind, errors, and the keys the server acknowledged.
final class LoadRecorder: @unchecked Sendable {
    struct Stats {
        var push: [Double] = []
        var pull: [Double] = []
        var errors: [String] = []
        var acknowledged: Set<RecordKey> = []
    }
    private let lock = NSLock()
    private var stats = Stats()

    func push(_ seconds: Double, _ response: PushResponse) {
        lock.withLock {
            stats.push.append(seconds)
            for r in response.results where r.status == .accepted {
                stats.acknowledged.insert(RecordKey(r.collection, r.id))
            }
        }
    }

    func pull(_ seconds: Double) { lock.withLock { stats.pull.append(seconds) } }
    func error(_ text: String) { lock.withLock { stats.errors.append(text) } }
    func reset() { lock.withLock { stats = Stats() } }

    func take() -> Stats {
        lock.withLock {
            defer { stats = Stats() }
            return stats
        }
    }
}

/// The client's HTTP transport, timing each request.
struct TimedTransport: SyncTransport {
    let inner: HTTPTransport
    let recorder: LoadRecorder

    init(_ inner: HTTPTransport, recorder: LoadRecorder) {
        self.inner = inner
        self.recorder = recorder
    }

    func enroll(_ request: EnrollRequest) async throws -> EnrollResponse { try await inner.enroll(request) }

    func push(_ request: PushRequest, token: String) async throws -> PushResponse {
        let t0 = ContinuousClock.now
        let response = try await inner.push(request, token: token)
        recorder.push(seconds(ContinuousClock.now - t0), response)
        return response
    }

    func pull(since: String?, limit: Int, token: String) async throws -> PullResponse {
        let t0 = ContinuousClock.now
        let response = try await inner.pull(since: since, limit: limit, token: token)
        recorder.pull(seconds(ContinuousClock.now - t0))
        return response
    }
}

/// The value at fraction `q` of sorted values; 0 when there are none.
func percentile(_ sorted: [Double], _ q: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
}
