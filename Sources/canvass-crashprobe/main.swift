// Test tool: records interactions and syncs in a loop against a server store file, printing
// "ACK <id>" after each durable write, until killed. The crash-safety tests kill it with SIGKILL
// at random moments and then check that nothing acknowledged was lost.
import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassServer
import CanvassTestSupport
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("canvass-crashprobe: \(message)\n".utf8))
    exit(2)
}

let args = CommandLine.arguments
guard args.count == 4, let seed = UInt64(args[3]) else {
    fail("usage: canvass-crashprobe CLIENT_DB SERVER_DIR SEED  (the client must already be enrolled)")
}
let (clientPath, serverPath) = (args[1], args[2])

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

do {
    let server = SyncService(storage: try SQLiteServerStorage.open(directory: serverPath))
    let client = try ClientReplica.open(path: clientPath)
    let transport = InProcessTransport(service: server)
    let engine = SyncEngine(
        store: client.store, transport: transport,
        retry: RetryPolicy(attempts: 2, initialDelay: .milliseconds(1), sleep: { _ in }), pushPageSize: 4,
        pullPageSize: 25)
    let ops = FieldOperations(store: client.store)
    var rng = SplitMix64(seed: seed)
    let people = try client.callPeople("walk-0")
    var clock = Int64(Date().timeIntervalSince1970 * 1000)
    say("READY")
    while true {
        clock += 1
        if rng.chance(70), !people.isEmpty {
            let id = try ops.recordInteraction(
                person: rng.pick(people), list: "walk-0", result: rng.pick(["not_home", "refused"]),
                note: "probe \(seed)", now: clock)
            say("ACK \(id)")
        } else {
            transport.inject([rng.pick([nil, nil, .dropResponse, .dropRequest])])
            do {
                _ = try await engine.sync(now: clock)
                say("SYNCED")
            } catch let e as ClientError where [.cannotConnect, .unreachable, .refused].contains(e.code) {
                say("SYNC-BROKE")
            }
        }
    }
} catch {
    fail("\(error)")
}
