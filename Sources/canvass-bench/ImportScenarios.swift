import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation

/// Households of the import benchmarks: `CANVASS_BENCH_HOUSEHOLDS` (default 40,000, about
/// 100,000 people), so a debug build can run them small.
func importHouseholds() -> Int {
    ProcessInfo.processInfo.environment["CANVASS_BENCH_HOUSEHOLDS"].flatMap { Int($0) } ?? 40_000
}

/// The synthetic voter file of `households` households, written as CSV in `dir`.
func voterFile(households: Int, in dir: URL) throws -> (path: String, people: Int) {
    let voters = VoterFileGenerator(seed: 20261103, households: households).generate()
    let path = dir.appendingPathComponent("voters-\(households).csv").path
    try VoterCSV.render(voters).write(toFile: path, atomically: true, encoding: .utf8)
    return (path, voters.count)
}

/// A coordinator's home folder enrolled with an in-process server, with an empty campaign.
func coordinatorHome(_ dir: URL, name: String) async throws -> FieldClient {
    let home = dir.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    let service = SyncService(storage: try SQLiteServerStorage.inMemory())
    _ = try await enrolledClient(
        service: service, user: name, role: .coordinator, path: home.appendingPathComponent("replica.sqlite").path)
    let client = FieldClient(home: home.path)
    _ = try client.createCampaign(
        name: "Bench 2026", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil, now: 1)
    return client
}

/// `canvass import` of a 100,000-person voter file into a coordinator's store on disk (WAL,
/// synchronous=FULL): read, map, check, match, write, durable when it returns.
struct ImportScenario: Scenario {
    static let name = "import"
    static let summary =
        "100,000 people (40,000 households) imported from CSV into a coordinator's store, durable"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench-import")
        defer { try? FileManager.default.removeItem(at: dir) }
        let households = importHouseholds()
        progress("writing the voter file (\(households) households)")
        let (file, people) = try voterFile(households: households, in: dir)
        var times: [Double] = []
        var again: [Double] = []
        var report: VoterImportReport?
        for r in 0..<repeats {
            let client = try await coordinatorHome(dir, name: "coordinator\(r)")
            let t0 = ContinuousClock.now
            report = try client.importVoterFile(campaign: "bench-2026", file: file, now: 1_760_000_000_000)
            times.append(seconds(ContinuousClock.now - t0))
            // The same file again: everything matched, nothing written.
            let t1 = ContinuousClock.now
            let second = try client.importVoterFile(campaign: "bench-2026", file: file, now: 1_760_000_000_001)
            again.append(seconds(ContinuousClock.now - t1))
            guard second.people.created == 0, second.people.unchanged == people else {
                throw BenchImportError("re-import changed records: \(second.people)")
            }
            progress(String(format: "run %d: %.3f s, again %.3f s", r, times.last!, again.last!))
        }
        times.sort()
        again.sort()
        let best = times[0]
        let target = Double(people) >= 90_000 ? "≤ 10" : "≤ 10 (at 100,000 people)"
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(
                    name: "people", value: Double(report?.people.created ?? 0), unit: "people", target: nil, met: nil),
                Figure(
                    name: "households", value: Double(report?.households.created ?? 0), unit: "households", target: nil,
                    met: nil),
                Figure(
                    name: "records written", value: Double(report?.written ?? 0), unit: "records", target: nil, met: nil
                ),
                Figure(name: "import, durable (best)", value: best, unit: "s", target: target, met: best <= 10),
                Figure(name: "import (median)", value: times[times.count / 2], unit: "s", target: nil, met: nil),
                Figure(
                    name: "people per second", value: Double(people) / best, unit: "people/s", target: nil, met: nil),
                Figure(name: "the same file again (best)", value: again[0], unit: "s", target: nil, met: nil),
                Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "FieldClient.importVoterFile, as `canvass import` runs it: SwiftCSV, the mapping and row rules, matching against the store, writes in durable batches of 10,000 (file store, WAL, synchronous=FULL); CANVASS_BENCH_HOUSEHOLDS sets the size"
            ])
    }
}

/// The first `canvass sync` of a coordinator who imported 100,000 people: every record pushed
/// over loopback HTTP to a `canvass-server` process, judged and merged durably, then the pull.
struct FirstSyncScenario: Scenario {
    static let name = "first-sync"
    static let summary = "first sync of 100,000 imported people from a coordinator to a real server over loopback"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench-first-sync")
        defer { try? FileManager.default.removeItem(at: dir) }
        let households = importHouseholds()
        progress("writing the voter file (\(households) households)")
        let (file, people) = try voterFile(households: households, in: dir)
        var times: [Double] = []
        var last = SyncReport()
        var serverRSS = 0.0
        var cpu: (client: Double, server: Double) = (0, 0)
        for r in 0..<repeats {
            let data = dir.appendingPathComponent("server\(r)").path
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let (_, code) = try await SyncService(storage: try SQLiteServerStorage.open(directory: data)).addUser(
                name: "coordinator", role: .coordinator, now: wallClock())
            let server = try ServerProcess(arguments: ["serve"], dataDirectory: data)
            defer { server.stop() }
            let home = dir.appendingPathComponent("coordinator\(r)").path
            let client = FieldClient(home: home)
            _ = try await client.login(server: server.baseURL, code: code, deviceName: "bench", now: wallClock())
            _ = try client.createCampaign(
                name: "Bench 2026", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil, now: 1)
            progress("run \(r): importing \(people) people")
            _ = try client.importVoterFile(campaign: "bench-2026", file: file, now: 1_760_000_000_000)
            let (c0, s0) = (processCPUSeconds(), processCPUSeconds(pid: server.process.processIdentifier))
            let t0 = ContinuousClock.now
            last = try await client.sync(now: 1_760_000_000_001)
            times.append(seconds(ContinuousClock.now - t0))
            cpu = (processCPUSeconds() - c0, processCPUSeconds(pid: server.process.processIdentifier) - s0)
            guard last.rejected == 0 else { throw BenchImportError("the server rejected \(last.rejected) records") }
            serverRSS = max(serverRSS, serverPeakRSS(server.process.processIdentifier))
            progress(
                String(format: "run %d: %.3f s, %d pushed in %d pages", r, times.last!, last.pushed, last.pushPages))
        }
        times.sort()
        let best = times[0]
        let target = Double(people) >= 90_000 ? "≤ 10" : "≤ 10 (at 100,000 people)"
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "people", value: Double(people), unit: "people", target: nil, met: nil),
                Figure(name: "records pushed", value: Double(last.pushed), unit: "records", target: nil, met: nil),
                Figure(name: "push pages", value: Double(last.pushPages), unit: "pages", target: nil, met: nil),
                Figure(name: "first sync, durable (best)", value: best, unit: "s", target: target, met: best <= 10),
                Figure(name: "first sync (median)", value: times[times.count / 2], unit: "s", target: nil, met: nil),
                Figure(
                    name: "records per second", value: Double(last.pushed) / best, unit: "records/s", target: nil,
                    met: nil),
                Figure(name: "client CPU (last run)", value: cpu.client, unit: "s", target: nil, met: nil),
                Figure(name: "server CPU (last run)", value: cpu.server, unit: "s", target: nil, met: nil),
                Figure(name: "server peak RSS", value: serverRSS, unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "FieldClient.sync as `canvass sync` runs it (HTTP over loopback, gzip) against `canvass-server serve` on its SQLite store; build the server in release too; CANVASS_BENCH_HOUSEHOLDS sets the size"
            ])
    }
}

/// User plus system CPU time of a process (this one by default), in seconds, from /proc.
func processCPUSeconds(pid: Int32? = nil) -> Double {
    let path = "/proc/\(pid.map(String.init) ?? "self")/stat"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return 0 }
    // Fields after the command name: state is field 3, utime 14 and stime 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

struct BenchImportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
