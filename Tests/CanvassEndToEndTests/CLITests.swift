import CanvassTestSupport
import Foundation
import Testing

/// A JSON object a command printed (`--json`); the test fails, showing the text, when it is not one.
func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
}

/// A JSON array a command printed (`--json`); the test fails, showing the text, when it is not one.
func jsonArray(_ text: String) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
}

/// Logs `home` in to `server` as the demo's coordinator and returns a runner for its commands:
/// each must exit 0 (the test fails, naming the command and its error output), and the runner
/// gives what it printed.
func coordinator(on server: ServerProcess, home: String) async throws -> ([String]) async throws -> String {
    let login = try await canvass(["login", server.baseURL, try #require(server.code(for: "coordinator"))], home: home)
    #expect(login.status == 0, "login: \(login.err)")
    return { args in
        let r = try await canvass(args, home: home)
        #expect(r.status == 0, "\(args): \(r.err)")
        return r.out
    }
}

/// Runs the real `canvass` binary with CANVASS_HOME set; returns status, stdout and stderr.
/// Runs the real `canvass` binary. The wait happens on a Dispatch thread, not on the Swift
/// concurrency pool: a test blocking one of its few threads (two on this machine) for a whole
/// command starves every other test that awaits, and the wall-clock checks elsewhere then measure
/// that starvation instead of what they test.
func canvass(_ args: [String], home: String) async throws -> (status: Int32, out: String, err: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try canvassBlocking(args, home: home) })
        }
    }
}

private func canvassBlocking(_ args: [String], home: String) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = productsDirectory().appendingPathComponent("canvass")
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["CANVASS_HOME"] = home
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite(.serialized) struct CLITests {
    /// A canvasser's shift through the real binary: login, walk list, records (one refused with
    /// the valid choices named), an edit, status, sync.
    @Test func aShiftThroughTheCommandLine() async throws {
        let dir = try temporaryDirectory("canvass-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: dir.appendingPathComponent("server").path)
        defer { server.stop() }
        let home = dir.appendingPathComponent("a").path
        let login = try await canvass(
            ["login", server.baseURL, try #require(server.code(for: "canvasser-a"))], home: home)
        #expect(login.status == 0, "\(login.err)")
        #expect(login.out.contains("turf-01"))

        let walk = try await canvass(["walk", "turf-01", "--json"], home: home)
        #expect(walk.status == 0)
        let stops = try JSONSerialization.jsonObject(with: Data(walk.out.utf8)) as? [[String: Any]] ?? []
        #expect(stops.count == 50)
        let people = (stops.first?["people"] as? [[String: Any]]) ?? []
        let person = try #require(people.first?["id"] as? String)

        let ok = try await canvass(
            [
                "record", person, "--list", "turf-01", "--result", "contacted", "--answer", "willing=yes", "--answer",
                "support=4",
            ], home: home)
        #expect(ok.status == 0, "\(ok.err)")
        let bad = try await canvass(["record", person, "--list", "turf-01", "--result", "nothome"], home: home)
        #expect(bad.status == 65)
        #expect(bad.err.contains("not_home"), "the error names the valid codes: \(bad.err)")
        let forbidden = try await canvass(["edit", person, "--set", "party=GRN"], home: home)
        #expect(forbidden.status == 65 && forbidden.err.contains("coordinator"))
        #expect(try await canvass(["edit", person, "--set", "phone=614-555-0199"], home: home).status == 0)

        let before = try await canvass(["status", "--json"], home: home)
        let pending =
            (try JSONSerialization.jsonObject(with: Data(before.out.utf8)) as? [String: Any])?["pending"] as? Int
        #expect(pending == 2)
        let sync = try await canvass(["sync", "--json"], home: home)
        #expect(sync.status == 0, "\(sync.err)")
        let report = try JSONSerialization.jsonObject(with: Data(sync.out.utf8)) as? [String: Any]
        #expect(report?["accepted"] as? Int == 2)
        let after = try await canvass(["status", "--json"], home: home)
        #expect(
            (try JSONSerialization.jsonObject(with: Data(after.out.utf8)) as? [String: Any])?["pending"] as? Int == 0)

        // Wiping refuses while something is unsynced, unless forced.
        #expect(
            try await canvass(["record", person, "--list", "turf-01", "--result", "refused"], home: home).status == 0)
        let refused = try await canvass(["logout", "--wipe"], home: home)
        #expect(refused.status == 65 && refused.err.contains("--force"))
        #expect(FileManager.default.fileExists(atPath: home + "/replica.sqlite"))
        #expect(try await canvass(["sync"], home: home).status == 0)
        #expect(try await canvass(["logout", "--wipe"], home: home).status == 0)
        #expect(!FileManager.default.fileExists(atPath: home + "/replica.sqlite"))

        let nobody = try await canvass(["lists"], home: dir.appendingPathComponent("nobody").path)
        #expect(nobody.status == 77 && nobody.err.contains("canvass login"))
    }
}

extension CLITests {
    /// The interactive shift under a pseudo-terminal (`script` gives the binary a real tty):
    /// two doors answered, following a branch, then `q` at a prompt. Both doors stay saved.
    @Test func anInteractiveShiftSavesEachDoorAndQuitsCleanly() async throws {
        let dir = try temporaryDirectory("canvass-shift")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: dir.appendingPathComponent("server").path)
        defer { server.stop() }
        let home = dir.appendingPathComponent("a").path
        #expect(
            try await canvass(["login", server.baseURL, try #require(server.code(for: "canvasser-a"))], home: home)
                .status
                == 0)

        // Door 1: not home, no note. Door 2: contacted, "no" to the first question (branches to the
        // end), a note. Door 3: quit at the result prompt.
        let (exit, text) = try await canvassOnATerminal(
            "shift turf-01", home: home, typing: ["nothome", "not_home", "", "contacted", "no", "dog, friendly", "q"])
        #expect(exit == 0, "\(text)")
        #expect(text.contains("'nothome' is not a result code"), "a typo is explained and asked again")
        #expect(text.contains("stopped; 2 door(s) saved"), "\(text)")
        let status = try await canvass(["status", "--json"], home: home)
        #expect(
            (try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])?["pending"] as? Int == 2)
        let walk = try await canvass(["walk", "turf-01", "--json"], home: home)
        let stops = try JSONSerialization.jsonObject(with: Data(walk.out.utf8)) as? [[String: Any]] ?? []
        let results = stops.prefix(2).flatMap {
            ($0["people"] as? [[String: Any]] ?? []).compactMap { $0["last_result"] as? String }
        }
        #expect(results.contains("not_home") && results.contains("contacted"), "\(results)")
    }
}

extension CLITests {
    /// Two canvassers on the same list and a coordinator, all through the real binary: offline
    /// records while the server is down, the same phone number changed on both laptops, the
    /// conflict listed everywhere after sync, resolved by the coordinator, converged everywhere.
    @Test func concurrentPhoneEditsBecomeAConflictEverywhereAndTheCoordinatorResolvesIt() async throws {
        let dir = try temporaryDirectory("canvass-cli2")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        var server = try ServerProcess(arguments: ["demo"], dataDirectory: data)
        let port = server.port
        let homes = ["a", "b", "k"].map { dir.appendingPathComponent($0).path }
        for (home, who) in zip(homes, ["canvasser-a", "canvasser-b", "coordinator"]) {
            let r = try await canvass(["login", server.baseURL, try #require(server.code(for: who))], home: home)
            #expect(r.status == 0, "\(who): \(r.err)")
        }
        let walk = try await canvass(["walk", "turf-01", "--json"], home: homes[0])
        let stops = try JSONSerialization.jsonObject(with: Data(walk.out.utf8)) as? [[String: Any]] ?? []
        let person = try #require(((stops.first?["people"] as? [[String: Any]])?.first?["id"]) as? String)

        #expect(server.stop() == 0)
        #expect(
            try await canvass(["record", person, "--list", "turf-01", "--result", "not_home"], home: homes[0]).status
                == 0)
        #expect(try await canvass(["edit", person, "--set", "phone=614-555-0111"], home: homes[0]).status == 0)
        #expect(try await canvass(["edit", person, "--set", "phone=614-555-0122"], home: homes[1]).status == 0)
        let offline = try await canvass(["sync"], home: homes[0])
        #expect(offline.status == 69 && offline.err.contains("safe"), "offline sync: \(offline.err)")

        server = try ServerProcess(arguments: ["serve"], dataDirectory: data, port: port)
        defer { server.stop() }
        for _ in 0..<2 { for h in homes { #expect(try await canvass(["sync"], home: h).status == 0) } }
        for h in homes {
            let c = try await canvass(["conflicts", "--json"], home: h)
            let list = try JSONSerialization.jsonObject(with: Data(c.out.utf8)) as? [[String: Any]] ?? []
            #expect(list.count == 1 && list.first?["field"] as? String == "phone", "\(h): \(c.out)")
            #expect(Set((list.first?["values"] as? [String]) ?? []) == ["614-555-0111", "614-555-0122"])
        }
        let resolve = try await canvass(
            ["resolve", "contacts/\(person)", "phone", "--value", "614-555-0133"], home: homes[2])
        #expect(resolve.status == 0, "\(resolve.err)")
        for _ in 0..<2 {
            for h in [homes[2], homes[0], homes[1]] { #expect(try await canvass(["sync"], home: h).status == 0) }
        }
        for h in homes {
            #expect(try await canvass(["conflicts"], home: h).out.contains("no conflicts"))
            #expect(try await canvass(["calls", "turf-01", "--json"], home: h).status == 0)
            let walkAfter = try await canvass(["walk", "turf-01", "--json"], home: h)
            #expect(walkAfter.status == 0)
        }
        // The coordinator's view of the person carries the resolved phone.
        let k = try await canvass(["calls", "turf-01", "--json"], home: homes[2])
        let people = try JSONSerialization.jsonObject(with: Data(k.out.utf8)) as? [[String: Any]] ?? []
        #expect(people.first { $0["id"] as? String == person }?["phone"] as? String == "614-555-0133")
    }
}

extension CLITests {
    /// `--home` before or after the subcommand, the documented `--json` keys present even when
    /// empty, a malformed server address as a usage error, and a person not on the lists.
    @Test func homeGoesEitherSideOfTheSubcommandAndDocumentedKeysAreAlwaysThere() async throws {
        let dir = try temporaryDirectory("canvass-cli3")
        defer { try? FileManager.default.removeItem(at: dir) }
        // CANVASS_HOME points nowhere useful: only --home can make these commands work.
        let elsewhere = dir.appendingPathComponent("elsewhere").path
        let home = dir.appendingPathComponent("a").path

        let malformed = try await canvass(["login", "localhost:8080", "ABCD-EFGH", "--home", home], home: elsewhere)
        #expect(malformed.status == 64, "\(malformed.err)")
        #expect(malformed.err.contains("http://127.0.0.1:8080") && !malformed.err.contains("safe"), "\(malformed.err)")
        #expect(!FileManager.default.fileExists(atPath: home), "nothing is created for a bad address")

        let server = try ServerProcess(arguments: ["demo"], dataDirectory: dir.appendingPathComponent("server").path)
        defer { server.stop() }
        let login = try await canvass(
            ["--home", home, "login", server.baseURL, try #require(server.code(for: "canvasser-a"))], home: elsewhere)
        #expect(login.status == 0, "\(login.err)")

        let before = try await canvass(["--home", home, "walk", "turf-01", "--json"], home: elsewhere)
        let after = try await canvass(["walk", "turf-01", "--json", "--home", home], home: elsewhere)
        #expect(before.status == 0 && after.status == 0, "\(before.err) \(after.err)")
        #expect(before.out == after.out)
        let stops = try JSONSerialization.jsonObject(with: Data(after.out.utf8)) as? [[String: Any]] ?? []
        #expect(stops.count == 50)
        let people = stops.flatMap { $0["people"] as? [[String: Any]] ?? [] }
        #expect(!people.isEmpty)
        for key in ["id", "name", "last_result", "suppressed", "done"] {
            #expect(people.allSatisfy { $0[key] != nil }, "every person carries \(key)")
        }
        #expect(people.contains { $0["last_result"] is NSNull }, "null, not left out")
        for key in ["household_id", "address", "side", "done", "people"] {
            #expect(stops.allSatisfy { $0[key] != nil }, "every stop carries \(key)")
        }
        let status =
            try JSONSerialization.jsonObject(
                with: Data(try await canvass(["status", "--json", "--home", home], home: elsewhere).out.utf8))
            as? [String: Any]
        for key in ["pending", "rejected", "conflicts", "last_sync"] {
            #expect(status?[key] != nil, "status carries \(key)")
        }

        let stranger = try await canvass(
            ["edit", "c-NOBODY", "--set", "phone=614-555-0100", "--home", home], home: elsewhere)
        #expect(stranger.status == 65 && stranger.err.contains("not on your lists"), "\(stranger.err)")
    }
}
