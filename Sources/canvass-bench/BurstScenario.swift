import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation

/// 200 canvassers come back from a shift at once: each pushes 300 interactions (9 fields) and 30
/// contact edits, 50 at a time over loopback HTTP to one `canvass-server` process on its SQLite
/// store, then pulls.
struct BurstScenario: Scenario {
    static let name = "burst"
    static let summary =
        "200 canvassers × (300 interactions + 30 edits), 50 at a time, over loopback HTTP to one server"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let canvassers = 200
        let concurrency = 50
        let dir = try temporaryDirectory("canvass-burst")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path

        progress("seeding the server store: 100 lists, \(canvassers) canvassers (two per list)")
        var codes: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let service = SyncService(storage: try SQLiteServerStorage.open(directory: data))
            let voters = VoterFileGenerator(seed: 20261103, households: 1500).generate()
            let door = try Fixtures.survey("canvass")
            var writes = [CampaignSeed.campaign()] + CampaignSeed.people(voters) + [try CampaignSeed.survey(door)]
            for (i, turf) in CampaignSeed.turfs(voters, households: 15).enumerated() {
                writes += CampaignSeed.list(
                    id: "turf-\(i)", name: "Turf \(i)", kind: "walk", surveyID: door.id, people: turf)
            }
            try await ServerAdmin(service: service).load(writes, now: 1_760_000_000_000)
            let admin = ServerAdmin(service: service)
            for c in 0..<canvassers {
                let (_, code) = try await service.addUser(name: "canvasser\(c)", role: .canvasser, now: wallClock())
                try await admin.assign(list: "turf-\(c / 2)", to: "canvasser\(c)", now: 1_760_000_000_000)
                codes.append(code)
            }
        }
        let server = try ServerProcess(arguments: ["serve"], dataDirectory: data)
        defer { server.stop() }

        progress("enrolling \(canvassers) devices and pulling their lists")
        var clients: [(ClientReplica, SyncEngine)] = []
        for c in 0..<canvassers {
            let replica = try ClientReplica.inMemory()
            let transport = try HTTPTransport(baseURL: server.baseURL)
            _ = try await Enrollment.enroll(
                store: replica.store, serverURL: server.baseURL, code: codes[c], deviceName: "bench\(c)",
                transport: transport)
            let engine = SyncEngine(
                store: replica.store, transport: transport, pushPageSize: ProtocolInfo.maxPushRecords)
            _ = try await engine.sync(now: 1_760_000_000_000)
            clients.append((replica, engine))
        }

        progress("recording the shifts offline")
        var fieldWrites = 0
        for (c, (replica, _)) in clients.enumerated() {
            let ops = FieldOperations(store: replica.store)
            let people = try replica.walkPeople("turf-\(c / 2)")
            for i in 0..<300 {
                try ops.recordInteraction(
                    person: people[i % people.count], list: "turf-\(c / 2)", result: "contacted",
                    answers: ["willing": "yes"],
                    note: "door \(i)", now: 1_760_000_100_000 + Int64(i))
            }
            for i in 0..<30 {
                try ops.edit(
                    person: people[(i * 7 + c) % people.count], set: ["email": .string("c\(c)-\(i)@example.org")],
                    now: 1_760_000_200_000 + Int64(i))
            }
            fieldWrites += 300 * 9 + 30
        }

        // The floor: the same field writes (each device's own siblings in what it is about to
        // push), one row and one INSERT each, one transaction per canvasser.
        var floorRows: [[IngestFloor.Row]] = []
        for (replica, _) in clients {
            let own = try replica.store.replicaID()?.rawValue ?? ""
            var rows: [IngestFloor.Row] = []
            for (_, record) in try replica.store.pendingPage(limit: 1_000_000) {
                for (field, register) in record.fields {
                    for sibling in register.siblings where sibling.dot.replica.rawValue == own {
                        var value = JSONText()
                        value.value(sibling.value)
                        rows.append(
                            IngestFloor.Row(
                                collection: record.key.collection, id: record.key.id, field: field,
                                value: value.string, replica: own, counter: Int64(sibling.dot.counter),
                                wallclock: sibling.wallclock))
                    }
                }
            }
            floorRows.append(rows)
        }
        let floorWrites = floorRows.reduce(0) { $0 + $1.count }
        progress("the floor: plain SQLite INSERTs \(floorWrites) field writes in \(floorRows.count) transactions")
        let floor = try IngestFloor.insert(floorRows, path: dir.appendingPathComponent("floor.sqlite").path)

        progress("the burst: \(canvassers) syncs, \(concurrency) at a time")
        let cpuBefore = processCPUSeconds(server.process.processIdentifier)
        let clientCPUBefore = processCPUSeconds(getpid())
        let start = ContinuousClock.now
        var latencies: [Double] = []
        var accepted = 0
        var rejected = 0
        try await withThrowingTaskGroup(of: (Double, SyncReport).self) { group in
            var next = 0
            func launch() {
                let engine = clients[next].1
                group.addTask {
                    let t0 = ContinuousClock.now
                    let report = try await engine.sync(now: 1_760_000_300_000)
                    return (seconds(ContinuousClock.now - t0), report)
                }
                next += 1
            }
            while next < min(concurrency, clients.count) { launch() }
            while let (latency, report) = try await group.next() {
                latencies.append(latency)
                accepted += report.accepted
                rejected += report.rejected
                if next < clients.count { launch() }
            }
        }
        let total = seconds(ContinuousClock.now - start)
        let serverCPU = processCPUSeconds(server.process.processIdentifier) - cpuBefore
        let clientCPU = processCPUSeconds(getpid()) - clientCPUBefore
        latencies.sort()
        let p50 = latencies[latencies.count / 2]
        let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        let rss = serverPeakRSS(server.process.processIdentifier)
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(
                    name: "records pushed", value: Double(accepted + rejected), unit: "records", target: nil, met: nil),
                Figure(name: "rejected", value: Double(rejected), unit: "records", target: "= 0", met: rejected == 0),
                Figure(name: "field writes", value: Double(fieldWrites), unit: "writes", target: nil, met: nil),
                Figure(name: "whole burst, durable", value: total, unit: "s", target: "≤ 3", met: total <= 3),
                Figure(
                    name:
                        "floor: plain SQLite, \(floorWrites) field writes, one INSERT each, \(floorRows.count) transactions",
                    value: floor, unit: "s", target: nil, met: nil),
                Figure(
                    name: "burst / floor", value: total / floor, unit: "×", target: "≤ 1", met: total <= floor),
                Figure(name: "server CPU during the burst", value: serverCPU, unit: "s", target: nil, met: nil),
                Figure(
                    name: "clients' CPU during the burst (this process)", value: clientCPU, unit: "s", target: nil,
                    met: nil),
                Figure(
                    name: "field writes per second", value: Double(fieldWrites) / total, unit: "writes/s", target: nil,
                    met: nil),
                Figure(name: "sync latency p50", value: p50 * 1000, unit: "ms", target: nil, met: nil),
                Figure(name: "sync latency p99", value: p99 * 1000, unit: "ms", target: "≤ 1000", met: p99 <= 1),
                Figure(name: "server peak RSS", value: rss, unit: "MiB", target: "≤ 250", met: rss <= 250),
            ],
            notes: [
                "server: \(server.process.executableURL!.path) (build it in release too); clients run in this process on the same 2 cores"
            ])
    }
}

/// CPU time (user + system) another process has used so far, in seconds, from /proc/PID/stat.
func processCPUSeconds(_ pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return 0 }
    // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Peak resident memory of another process (VmHWM), in MiB.
func serverPeakRSS(_ pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
    }
    return 0
}
