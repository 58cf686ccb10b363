import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// Real processes killed with SIGKILL at random moments, mid-write or mid-sync. After each kill:
/// both store files open, every acknowledged interaction is in the client store, and (every other
/// trial) a sync completes with every acknowledged interaction on the server exactly once and the
/// replicas identical. CANVASS_CRASH_TRIALS sets the number of trials (default 50).
@Suite(.serialized) struct CrashTests {
    @Test func killedAtRandomPointsLosesNothingAcknowledged() async throws {
        let trials = Int(ProcessInfo.processInfo.environment["CANVASS_CRASH_TRIALS"] ?? "") ?? 50
        let probe = productsDirectory().appendingPathComponent("canvass-crashprobe")
        try #require(FileManager.default.isExecutableFile(atPath: probe.path), "build the package first: \(probe.path)")
        let dir = try temporaryDirectory("canvass-crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let serverPath = dir.appendingPathComponent("server").path
        let clientPath = dir.appendingPathComponent("client.sqlite").path
        do {
            let service = try await TestCampaign(households: 12, turfSize: 12).server(directory: serverPath)
            let (client, transport) = try await enrolledClient(
                service: service, user: "probe", role: .coordinator, path: clientPath)
            _ = try await SyncEngine(store: client, transport: transport).sync(now: 0)
        }
        var acknowledged: Set<String> = []
        var rng = SplitMix64(seed: 0xC4A5)
        var killedMidway = 0
        for trial in 0..<trials {
            let process = Process()
            process.executableURL = probe
            process.arguments = [clientPath, serverPath, String(trial + 1)]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the probe is working (however slow the machine), then kill it at a
            // random moment of its write-and-sync loop.
            var early = ""
            let deadline = Date().addingTimeInterval(30)
            while !early.contains("READY") && Date() < deadline && process.isRunning {
                early += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            }
            let delay = rng.below(300)
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = early + String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let acks = text.split(separator: "\n").filter { $0.hasPrefix("ACK ") }.map { String($0.dropFirst(4)) }
            if text.contains("READY") { killedMidway += 1 }
            acknowledged.formUnion(acks)

            let client = try ReplicaStore.open(path: clientPath)
            let server = SyncService(storage: try SQLiteServerStorage.open(directory: serverPath))
            let local = Set(try client.records(in: "interactions").map(\.key.id))
            let missing = acknowledged.subtracting(local)
            #expect(missing.isEmpty, "trial \(trial): acknowledged but lost after kill: \(missing.prefix(3))")
            if trial % 2 == 1 {
                _ = try await SyncEngine(store: client, transport: InProcessTransport(service: server)).sync(now: 0)
                let onServer = try server.replicaStore.records(in: "interactions").map(\.key.id)
                #expect(
                    Set(onServer).isSuperset(of: acknowledged),
                    "trial \(trial): acknowledged interactions missing on the server")
                #expect(try client.counts().pending == 0, "trial \(trial)")
                #expect(
                    try everything(client) == everything(server.replicaStore),
                    "trial \(trial): replicas differ after recovery sync")
            }
        }
        #expect(killedMidway == trials, "every kill should land while the probe is working")
        #expect(!acknowledged.isEmpty)
    }
}
