import CanvassTestSupport
import Foundation
import Testing

/// Runs `canvass ARGS` under a pseudo-terminal (`script` gives the binary a real tty), typing
/// `lines` one by one; returns the status and everything the terminal showed.
func canvassOnATerminal(_ args: String, home: String, typing lines: [String]) async throws -> (
    status: Int32, text: String
) {
    let binary = productsDirectory().appendingPathComponent("canvass").path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    p.arguments = ["-qfec", "\(binary) \(args)", "/dev/null"]
    var env = ProcessInfo.processInfo.environment
    env["CANVASS_HOME"] = home
    p.environment = env
    let input = Pipe()
    let output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    p.standardError = output
    try p.run()
    for line in lines {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
        try await Task.sleep(for: .milliseconds(150))
    }
    try input.fileHandleForWriting.close()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

@Suite(.serialized) struct PhoneBankTests {
    /// A phone banker works a call list under a pseudo-terminal, against a real server with the
    /// real binary: calls in list order with the number to dial, answers by number, initials and
    /// prefix, one `b` to correct the previous call, `q`; then a sync, and the server holds the
    /// calls as corrected.
    @Test func aPhoneBankerWorksACallListWithShift() async throws {
        let dir = try temporaryDirectory("canvass-phonebank")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: data)
        defer { server.stop() }
        let added = try runServerCommand(
            ["user", "add", "Pat Phone", "--role", "canvasser", "--json"], dataDirectory: data)
        #expect(added.status == 0, "\(added.output)")
        let code = try #require(
            (try JSONSerialization.jsonObject(with: Data(added.output.utf8)) as? [String: Any])?["code"] as? String)
        #expect(try runServerCommand(["list", "assign", "calls-1", "Pat Phone"], dataDirectory: data).status == 0)
        let home = dir.appendingPathComponent("pat").path
        let login = try await canvass(["login", server.baseURL, code], home: home)
        #expect(login.status == 0 && login.out.contains("calls-1"), "\(login.err)")

        let calls = try await canvass(["calls", "calls-1", "--json"], home: home)
        let people = try JSONSerialization.jsonObject(with: Data(calls.out.utf8)) as? [[String: Any]] ?? []
        let toCall = people.filter { ($0["done"] as? Bool) == false }
        try #require(toCall.count >= 4)
        let ids = toCall.prefix(3).compactMap { $0["id"] as? String }
        let firstPhone = try #require(toCall[0]["phone"] as? String)

        // Call 1: contacted by number, "not available" by its initials (branches to the end).
        // Call 2: wrong number by a prefix. Call 3: b, back to call 2, corrected to left message
        // by its initials; then call 3 again: no answer (not_home, "nh"). Call 4: q.
        let run = try await canvassOnATerminal(
            "shift calls-1", home: home, typing: ["1", "na", "", "wr", "", "b", "lm", "", "nh", "", "q"])
        #expect(run.status == 0, "\(run.text)")
        #expect(
            run.text.contains("call 1 of \(toCall.count)") && run.text.contains("dial \(firstPhone)"), "\(run.text)")
        #expect(run.text.contains("script: Hi, may I speak with"), "the phone script is shown")
        #expect(run.text.contains("→ wrong_number") && run.text.contains("→ left_message"), "picks are echoed")
        #expect(run.text.contains("saved: wrong_number; answer again to correct it"), "\(run.text)")
        #expect(run.text.contains("corrected (not synced yet"), "\(run.text)")
        #expect(run.text.contains("stopped; 3 call(s) saved this shift (1 corrected)"), "\(run.text)")

        let sync = try await canvass(["sync", "--json"], home: home)
        let report = try JSONSerialization.jsonObject(with: Data(sync.out.utf8)) as? [String: Any]
        #expect(sync.status == 0 && report?["rejected"] as? Int == 0, "\(sync.out) \(sync.err)")

        // The server holds the calls as corrected: a coordinator pulls them.
        let k = dir.appendingPathComponent("k").path
        #expect(
            try await canvass(["login", server.baseURL, try #require(server.code(for: "coordinator"))], home: k).status
                == 0)
        let seen =
            try JSONSerialization.jsonObject(
                with: Data(try await canvass(["calls", "calls-1", "--json"], home: k).out.utf8)) as? [[String: Any]]
            ?? []
        let results = ids.map { id in seen.first { $0["id"] as? String == id }?["last_result"] as? String }
        #expect(results == ["contacted", "left_message", "not_home"], "\(results)")
        let history = try await canvass(["history", ids[1], "--json"], home: k)
        let entries =
            (try JSONSerialization.jsonObject(with: Data(history.out.utf8)) as? [String: Any])?["entries"]
            as? [[String: Any]] ?? []
        let interactions = entries.filter { $0["kind"] as? String == "interaction" }
        #expect(interactions.count == 1, "the unsynced correction replaced the first answer: \(history.out)")
        #expect(interactions.first?["who"] as? String == "Pat Phone")
    }
}
