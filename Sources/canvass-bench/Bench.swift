import ArgumentParser
import Foundation

/// One measured figure.
struct Figure: Codable {
    let name: String
    let value: Double
    let unit: String
    /// The issue's target, if it sets one, as text ("≥ 1000000").
    let target: String?
    let met: Bool?
}

/// The outcome of one scenario.
struct ScenarioResult: Codable {
    let scenario: String
    let description: String
    let figures: [Figure]
    let notes: [String]
}

protocol Scenario {
    static var name: String { get }
    static var summary: String { get }
    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult
}

nonisolated(unsafe) let allScenarios: [any Scenario.Type] = [
    MergeScenario.self, MergeContendedScenario.self, InitialPullScenario.self, RecordScenario.self, BurstScenario.self,
    CodecScenario.self, ImportScenario.self, FirstSyncScenario.self, CutScenario.self, LoadScenario.self,
    ReportScenario.self, GotvScenario.self, AutomationScenario.self, DeltaPullScenario.self,
]

@main
struct CanvassBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canvass-bench",
        abstract: "Measure Canvass speed and memory on the scenarios the issues name.",
        discussion: """
            Build in release mode for meaningful figures:
              swift run -c release canvass-bench merge merge-contended
            Scenarios: \(allScenarios.map { "\n  \($0.name): \($0.summary)" }.joined())
            """)

    @Argument(help: "Scenarios to run (default: all).")
    var scenarios: [String] = []

    @Flag(help: "Print one JSON document instead of lines.")
    var json = false

    @Option(help: "Runs per scenario; the best and median are reported.")
    var repeats = 5

    @Option(help: "load: how long the devices sync, in seconds.")
    var seconds = 60

    @Option(help: "load: how many enrolled devices sync in a loop.")
    var devices = 500

    @Flag(help: "burst: run it on PostgreSQL too (two server processes on one fresh database) and compare.")
    var postgres = false

    @Option(
        help:
            "burst --postgres: a PostgreSQL server whose user may create databases (default CANVASS_TEST_POSTGRES_URL, else postgres://canvass@127.0.0.1:55434/postgres)."
    )
    var postgresURL: String?

    func validate() throws {
        let known = Set(allScenarios.map { $0.name })
        for s in scenarios where !known.contains(s) {
            throw ValidationError("unknown scenario '\(s)'; choose from: \(known.sorted().joined(separator: ", "))")
        }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if seconds < 1 { throw ValidationError("--seconds must be at least 1") }
        if devices < 1 { throw ValidationError("--devices must be at least 1") }
    }

    func run() async throws {
        #if DEBUG
            FileHandle.standardError.write(
                Data("warning: debug build; use `swift run -c release canvass-bench` for real figures\n".utf8))
        #endif
        let chosen = scenarios.isEmpty ? allScenarios : allScenarios.filter { scenarios.contains($0.name) }
        var results: [ScenarioResult] = []
        for s in chosen {
            let instance = try makeScenario(s)
            let result = try await instance.run(repeats: repeats) { line in
                if !json { FileHandle.standardError.write(Data("  … \(line)\n".utf8)) }
            }
            results.append(result)
            if !json {
                print("\(result.scenario): \(result.description)")
                for f in result.figures {
                    let target = f.target.map { "  (target \($0): \(f.met == true ? "met" : "MISSED"))" } ?? ""
                    print("  \(f.name): \(format(f.value)) \(f.unit)\(target)")
                }
                for n in result.notes { print("  note: \(n)") }
            }
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(results), as: UTF8.self))
        }
    }

    private func makeScenario(_ type: any Scenario.Type) throws -> any Scenario {
        switch type {
        case is MergeScenario.Type: return MergeScenario()
        case is MergeContendedScenario.Type: return MergeContendedScenario()
        case is InitialPullScenario.Type: return InitialPullScenario()
        case is RecordScenario.Type: return RecordScenario()
        case is CodecScenario.Type: return CodecScenario()
        case is BurstScenario.Type:
            guard postgres else { return BurstScenario() }
            let env = ProcessInfo.processInfo.environment["CANVASS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
            return BurstScenario(postgresURL: postgresURL ?? env ?? "postgres://canvass@127.0.0.1:55434/postgres")
        case is ImportScenario.Type: return ImportScenario()
        case is FirstSyncScenario.Type: return FirstSyncScenario()
        case is CutScenario.Type: return CutScenario()
        case is ReportScenario.Type: return ReportScenario()
        case is GotvScenario.Type: return GotvScenario()
        case is AutomationScenario.Type: return AutomationScenario()
        case is DeltaPullScenario.Type: return DeltaPullScenario()
        case is LoadScenario.Type: return LoadScenario(duration: seconds, devices: devices)
        default: throw ValidationError("no runner for \(type.name)")
        }
    }
}

func format(_ v: Double) -> String {
    if v >= 1000 { return String(Int64(v.rounded())) }
    if v >= 10 { return String(format: "%.1f", v) }
    return String(format: "%.3f", v)
}

/// Peak resident memory of this process (VmHWM), in MiB.
func peakRSSMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// Times `body` `repeats` times; returns (best, median) seconds and the last result.
func measure<T>(repeats: Int, _ body: () throws -> T) rethrows -> (best: Double, median: Double, last: T) {
    var times: [Double] = []
    var last: T?
    for _ in 0..<repeats {
        let start = ContinuousClock.now
        let r = try body()
        let d = ContinuousClock.now - start
        times.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        last = r
    }
    times.sort()
    return (times[0], times[times.count / 2], last!)
}
