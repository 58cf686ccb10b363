import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassPostgres
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation

/// 200 canvassers come back from a shift at once: each pushes 300 interactions and 30 contact
/// edits, 50 at a time over loopback HTTP to one `canvass-server` process on its SQLite store,
/// then pulls. The floor, plain SQLite storing the same field writes one row each, is measured in
/// the same run. With `postgresURL`, the burst runs again on a fresh PostgreSQL database behind
/// two server processes, clients spread across both, and is compared with the SQLite burst.
struct BurstScenario: Scenario {
    static let name = "burst"
    static let summary =
        "200 canvassers × (300 interactions + 30 edits), 50 at a time, over loopback HTTP to one server"

    /// A PostgreSQL server whose user may create databases: the burst then runs on both backends.
    var postgresURL: String?
    let canvassers = 200
    let concurrency = 50

    /// One burst's outcome.
    struct Run {
        var accepted = 0
        var rejected = 0
        var fieldWrites = 0
        var floorWrites = 0
        var floor = 0.0
        var total = 0.0
        var p50 = 0.0
        var p99 = 0.0
        var rss = 0.0
        var serverCPU = 0.0
        var clientCPU = 0.0
        var servers: [String] = []
    }

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let sqlite = try await burst(database: nil, progress: progress)
        var figures = [
            Figure(
                name: "records pushed", value: Double(sqlite.accepted + sqlite.rejected), unit: "records", target: nil,
                met: nil),
            Figure(
                name: "rejected", value: Double(sqlite.rejected), unit: "records", target: "= 0",
                met: sqlite.rejected == 0),
            Figure(name: "field writes", value: Double(sqlite.floorWrites), unit: "writes", target: nil, met: nil),
            Figure(
                name: "whole burst, durable", value: sqlite.total, unit: "s", target: "≤ 3", met: sqlite.total <= 3),
            Figure(
                name:
                    "floor: plain SQLite, \(sqlite.floorWrites) field writes, one INSERT each, \(canvassers) transactions",
                value: sqlite.floor, unit: "s", target: nil, met: nil),
            Figure(
                name: "burst / floor", value: sqlite.total / sqlite.floor, unit: "×", target: "≤ 1",
                met: sqlite.total <= sqlite.floor),
            Figure(name: "server CPU during the burst", value: sqlite.serverCPU, unit: "s", target: nil, met: nil),
            Figure(
                name: "clients' CPU during the burst (this process)", value: sqlite.clientCPU, unit: "s", target: nil,
                met: nil),
            Figure(
                name: "field writes per second", value: Double(sqlite.floorWrites) / sqlite.total, unit: "writes/s",
                target: nil, met: nil),
            Figure(name: "sync latency p50", value: sqlite.p50 * 1000, unit: "ms", target: nil, met: nil),
            Figure(
                name: "sync latency p99", value: sqlite.p99 * 1000, unit: "ms", target: "≤ 1000", met: sqlite.p99 <= 1),
            Figure(name: "server peak RSS", value: sqlite.rss, unit: "MiB", target: "≤ 250", met: sqlite.rss <= 250),
        ]
        var notes = [
            "server: \(sqlite.servers.first ?? "") (build it in release too); clients run in this process on the same cores",
            "field writes: each device's own siblings in what it pushes (10 fields per interaction, 1 per edit), the rows the floor inserts",
        ]
        if let postgresURL {
            let name = "canvass_bench_" + Credentials.randomID(length: 10)
            progress("creating PostgreSQL database \(name) on \(PostgresServerStorage.describe(url: postgresURL))")
            let url = try await PostgresDatabases.create(name, on: postgresURL)
            let pg: Run
            do {
                pg = try await burst(database: url, progress: progress)
            } catch {
                try? await PostgresDatabases.drop(name, on: postgresURL)
                throw error
            }
            try? await PostgresDatabases.drop(name, on: postgresURL)
            figures += [
                Figure(
                    name: "PostgreSQL, 2 server processes: rejected", value: Double(pg.rejected), unit: "records",
                    target: "= 0", met: pg.rejected == 0),
                Figure(
                    name: "PostgreSQL, 2 server processes: whole burst, durable", value: pg.total, unit: "s",
                    target: nil, met: nil),
                Figure(
                    name: "PostgreSQL burst / SQLite burst", value: pg.total / sqlite.total, unit: "×", target: "≤ 2",
                    met: pg.total <= 2 * sqlite.total),
                Figure(name: "PostgreSQL: sync latency p99", value: pg.p99 * 1000, unit: "ms", target: nil, met: nil),
                Figure(
                    name: "PostgreSQL: both servers' CPU during the burst", value: pg.serverCPU, unit: "s", target: nil,
                    met: nil),
                Figure(name: "PostgreSQL: larger server peak RSS", value: pg.rss, unit: "MiB", target: nil, met: nil),
            ]
            notes.append(
                "PostgreSQL: a fresh database on \(PostgresServerStorage.describe(url: postgresURL)), dropped after")
        }
        return ScenarioResult(scenario: Self.name, description: Self.summary, figures: figures, notes: notes)
    }

    /// One burst on SQLite (`database` nil: one server process) or on the PostgreSQL database
    /// `database` (two server processes, clients alternating between them).
    func burst(database: String?, progress: (String) -> Void) async throws -> Run {
        let dir = try temporaryDirectory("canvass-burst")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        let backend = database == nil ? "SQLite" : "PostgreSQL"

        progress("\(backend): seeding the server store: 100 lists, \(canvassers) canvassers (two per list)")
        var codes: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let storage: any ServerStorage
            if let database {
                storage = try await PostgresServerStorage.open(url: database)
            } else {
                storage = try SQLiteServerStorage.open(directory: data)
            }
            let service = SyncService(storage: storage)
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
            if let pg = storage as? PostgresServerStorage { await pg.close() }
        }
        var servers: [ServerProcess] = []
        defer { for s in servers { s.stop() } }
        if let database {
            for i in 0..<2 {
                let folder = dir.appendingPathComponent("server-\(i)").path
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                servers.append(try ServerProcess(arguments: ["serve", "--postgres", database], dataDirectory: folder))
            }
        } else {
            servers.append(try ServerProcess(arguments: ["serve"], dataDirectory: data))
        }

        progress("\(backend): enrolling \(canvassers) devices and pulling their lists")
        var clients: [(ClientReplica, SyncEngine)] = []
        for c in 0..<canvassers {
            let baseURL = servers[c % servers.count].baseURL
            let replica = try ClientReplica.inMemory()
            let transport = try HTTPTransport(baseURL: baseURL)
            _ = try await Enrollment.enroll(
                store: replica.store, serverURL: baseURL, code: codes[c], deviceName: "bench\(c)",
                transport: transport)
            let engine = SyncEngine(
                store: replica.store, transport: transport, pushPageSize: ProtocolInfo.maxPushRecords)
            _ = try await engine.sync(now: 1_760_000_000_000)
            clients.append((replica, engine))
        }

        progress("\(backend): recording the shifts offline")
        var run = Run()
        run.servers = servers.map { $0.process.executableURL!.path }
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
        run.floorWrites = floorRows.reduce(0) { $0 + $1.count }
        if database == nil {
            progress(
                "the floor: plain SQLite INSERTs \(run.floorWrites) field writes in \(floorRows.count) transactions")
            run.floor = try IngestFloor.insert(floorRows, path: dir.appendingPathComponent("floor.sqlite").path)
        }

        progress("\(backend): the burst: \(canvassers) syncs, \(concurrency) at a time")
        let pids = servers.map { $0.process.processIdentifier }
        let cpuBefore = pids.map(processCPUSeconds).reduce(0, +)
        let clientCPUBefore = processCPUSeconds(getpid())
        let start = ContinuousClock.now
        var latencies: [Double] = []
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
                run.accepted += report.accepted
                run.rejected += report.rejected
                if next < clients.count { launch() }
            }
        }
        run.total = seconds(ContinuousClock.now - start)
        run.serverCPU = pids.map(processCPUSeconds).reduce(0, +) - cpuBefore
        run.clientCPU = processCPUSeconds(getpid()) - clientCPUBefore
        latencies.sort()
        run.p50 = latencies[latencies.count / 2]
        run.p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        run.rss = pids.map(serverPeakRSS).max() ?? 0
        return run
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
