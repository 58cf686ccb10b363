import CanvassTestSupport
import Foundation
import Testing

/// CiviEngage's direct-action scenario with real processes only (a fresh server, the real
/// `canvass` binary for a coordinator and a phone banker): a rally, a phone survey asking for
/// RSVPs, a call list; the phone banker records calls with RSVPs while the server is down, then
/// syncs; the coordinator checks people in at the door (a walk-in among them), closes the event,
/// and turnout against RSVPs is what the test recorded. Then GOTV: voted marks from the field and
/// a ballot-return file take people off the chase list.
@Suite(.serialized) struct DirectActionTests {
    /// One call as the phone banker records it.
    struct Call {
        let voter: String
        let result: String
        let answers: [String: String]
        var person: String { "c-\(voter)" }
    }

    @Test func rsvpsOnCallsOfflineThenCheckInAndTurnoutAgainstRsvps() async throws {
        let dir = try temporaryDirectory("canvass-direct-action")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let added = try runServerCommand(
            ["user", "add", "Kim Lee", "--role", "coordinator", "--json"], dataDirectory: data)
        let kimCode = try #require(try jsonObject(added.output)["code"] as? String)
        var server = try ServerProcess(arguments: ["serve"], dataDirectory: data)
        defer { server.stop() }
        let kim = dir.appendingPathComponent("kim").path
        let pat = dir.appendingPathComponent("pat").path
        func run(_ args: [String], _ home: String) async throws -> String {
            let r = try await canvass(args, home: home)
            #expect(r.status == 0, "canvass \(args.joined(separator: " ")): \(r.err)")
            return r.out
        }
        #expect(try await canvass(["login", server.baseURL, kimCode], home: kim).status == 0)

        // The campaign, ten people with phones, the rally, and a phone survey asking for RSVPs.
        let campaign = try #require(
            try jsonObject(try await run(["campaign", "create", "Rally 2026", "--json"], kim))["id"] as? String)
        let voters = (1...10).map { String(format: "OH%03d", $0) }
        let csv =
            "voter_id,first_name,last_name,address,city,zip,phone\n"
            + voters.enumerated().map { i, v in
                "\(v),P\(i + 1),Member,\(i + 1) Main St,Columbus,43205,614-555-01\(String(format: "%02d", i + 1))"
            }.joined(separator: "\n") + "\n"
        let file = dir.appendingPathComponent("members.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await run(["import", campaign, file], kim)
        let created = try jsonObject(
            try await run(
                [
                    "event", "create", campaign, "Capitol Rally", "--at", "2026-10-15 18:00", "--capacity", "3",
                    "--location", "State Capitol", "--json",
                ], kim))
        let event = try #require(created["event"] as? String)
        #expect(created["capacity"] as? Int == 3 && created["rsvp_yes"] as? Int == 0, "\(created)")
        let survey = dir.appendingPathComponent("rally.yaml").path
        try """
        id: rally-calls
        title: Rally calls
        kind: phone
        result_codes:
          - { code: contacted, label: Contacted, contacted: true }
          - { code: not_home, label: No answer, recontact_days: 2 }
          - { code: already_voted, label: Already voted, contacted: true, effect: voted }
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: rally, text: Will you come to the rally?, type: rsvp, event: \(event) }
          - { id: voted_yet, text: Have you voted yet?, type: yes_no, marks_voted: ["yes"] }
        """.write(toFile: survey, atomically: true, encoding: .utf8)
        _ = try await run(["survey", "create", campaign, survey], kim)
        let cut = try jsonObject(
            try await run(
                ["list", "cut", campaign, "--survey", "rally-calls", "--kind", "call", "--name", "Rally", "--json"], kim
            ))
        let list = try #require((cut["lists"] as? [[String: Any]])?.first?["id"] as? String)
        let user = try jsonObject(try await run(["user", "add", "Pat Phone", "--role", "canvasser", "--json"], kim))
        _ = try await run(["list", "assign", list, "Pat Phone"], kim)
        _ = try await run(["sync"], kim)
        #expect(
            try await canvass(["login", server.baseURL, try #require(user["code"] as? String)], home: pat).status == 0)

        // The server goes down; the phone banker records the calls with their RSVPs.
        let calls = [
            Call(voter: "OH001", result: "contacted", answers: ["support": "5", "rally": "yes"]),
            Call(voter: "OH002", result: "contacted", answers: ["support": "5", "rally": "yes"]),
            Call(voter: "OH003", result: "contacted", answers: ["support": "4", "rally": "yes"]),
            Call(voter: "OH004", result: "contacted", answers: ["support": "4", "rally": "maybe"]),
            Call(voter: "OH005", result: "contacted", answers: ["support": "2", "rally": "no"]),
            Call(voter: "OH006", result: "contacted", answers: ["support": "5", "voted_yet": "yes"]),
            Call(voter: "OH007", result: "already_voted", answers: ["support": "5"]),
            Call(voter: "OH008", result: "contacted", answers: ["support": "5", "rally": "no"]),
            Call(voter: "OH009", result: "not_home", answers: [:]),
        ]
        let port = server.port
        server.stop()
        for c in calls {
            _ = try await run(
                ["record", c.person, "--list", list, "--result", c.result]
                    + c.answers.sorted { $0.key < $1.key }.flatMap { ["--answer", "\($0.key)=\($0.value)"] }, pat)
        }
        #expect(try await canvass(["sync"], home: pat).status == 69, "unreachable: the calls stay on the laptop")
        server = try ServerProcess(arguments: ["serve"], dataDirectory: data, port: port)
        let pushed = try jsonObject(try await run(["sync", "--json"], pat))
        #expect(pushed["rejected"] as? Int == 0, "\(pushed)")
        _ = try await run(["sync"], kim)

        // At the door: OH008 said no on the phone and yes to the coordinator later; three RSVPs
        // come, and OH010, never called, walks in. Then the event is closed.
        var rsvps: [String: String] = [:]
        for c in calls { if let a = c.answers["rally"] { rsvps[c.person] = a } }
        _ = try await run(["event", "rsvp", event, "c-OH008", "yes"], kim)
        rsvps["c-OH008"] = "yes"
        let arrived = ["c-OH001", "c-OH003", "c-OH004", "c-OH010"]
        for p in arrived {
            let change = try jsonObject(try await run(["event", "checkin", event, p, "--json"], kim))
            #expect(change["walk_in"] as? Bool == (rsvps[p] != "yes" && rsvps[p] != "maybe"), "\(p): \(change)")
        }
        _ = try await run(["event", "close", event], kim)

        let expectedYes = rsvps.values.filter { $0 == "yes" }.count
        let attendedYes = arrived.filter { rsvps[$0] == "yes" }.count
        let expected: [String: Int] = [
            "rsvp_yes": expectedYes, "rsvp_maybe": rsvps.values.filter { $0 == "maybe" }.count,
            "rsvp_no": rsvps.values.filter { $0 == "no" }.count, "attended": arrived.count,
            "attended_yes": attendedYes, "attended_maybe": arrived.filter { rsvps[$0] == "maybe" }.count,
            "walk_ins": arrived.filter { rsvps[$0] != "yes" && rsvps[$0] != "maybe" }.count,
            "no_shows": rsvps.filter { ($0.value == "yes" || $0.value == "maybe") && !arrived.contains($0.key) }.count,
            "turnout_percent": attendedYes * 100 / expectedYes,
        ]
        let shown = try jsonObject(try await run(["event", "show", event, "--json"], kim))
        let turnout = try #require(shown["turnout"] as? [String: Any])
        for (key, value) in expected {
            #expect(turnout[key] as? Int == value, "\(key): \(turnout)")
        }
        #expect(turnout["capacity"] as? Int == 3 && turnout["closed_at"] as? Int != nil)
        // The campaign report's event section gives the same turnout against RSVPs.
        let report = try jsonObject(try await run(["report", campaign, "--json"], kim))
        let section = try #require((report["events"] as? [[String: Any]])?.first { $0["event"] as? String == event })
        for (key, value) in expected {
            #expect(section[key] as? Int == value, "report \(key): \(section)")
        }
        let people = try #require(shown["people"] as? [[String: Any]])
        #expect(people.first { $0["person"] as? String == "c-OH008" }?["rsvp_source"] as? String == "direct")
        #expect(people.first { $0["person"] as? String == "c-OH002" }?["attendance"] as? String == "no_show")

        // GOTV: supporters are those the calls gave 4 or 5; two voted by the field (an answer
        // that marks voted, a result with effect voted); a ballot file marks one more.
        let supporters = Set(calls.filter { Int($0.answers["support"] ?? "") ?? 0 >= 4 }.map(\.person))
        var voted: Set<String> = ["c-OH006", "c-OH007"]
        func chase() async throws -> (summary: [String: Any], people: Set<String>) {
            let c = try jsonObject(try await run(["gotv", "chase", campaign, "--json"], kim))
            return (
                try #require(c["summary"] as? [String: Any]),
                Set((c["people"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            )
        }
        var now = try await chase()
        #expect(now.people == supporters.subtracting(voted), "\(now)")
        #expect(now.summary["supporters"] as? Int == supporters.count)
        let ballots = dir.appendingPathComponent("ballots.csv").path
        try "SOS_VOTER_ID,BALLOT_STATUS\nOH001,A\nOH002,sent\nZZ999,A\n,A\nOH003,R\n".write(
            toFile: ballots, atomically: true, encoding: .utf8)
        let imported = try jsonObject(try await run(["gotv", "import", campaign, ballots, "--json"], kim))
        voted.insert("c-OH001")
        let counts = try #require(imported["counts"] as? [String: Any])
        #expect(counts["unknown_voter_ids"] as? Int == 1 && counts["updated"] as? Int == 2, "\(imported)")
        #expect(imported["bad_rows"] as? Int == 2, "an empty voter id and an ambiguous R: \(imported)")
        let problems = (imported["problems"] as? [[String: Any]] ?? []).compactMap { $0["location"] as? String }
        #expect(problems == ["line 5, SOS_VOTER_ID", "line 6, BALLOT_STATUS"], "\(problems)")
        let again = try jsonObject(try await run(["gotv", "import", campaign, ballots, "--json"], kim))
        #expect(again["written"] as? Int == 0, "re-importing the day's file writes nothing: \(again)")
        now = try await chase()
        #expect(now.people == supporters.subtracting(voted), "\(now)")
        #expect(now.summary["left_to_chase"] as? Int == supporters.subtracting(voted).count)
        #expect(now.summary["supporters_voted"] as? Int == voted.intersection(supporters).count)
        let text = try await run(["gotv", "chase", campaign, "--limit", "1"], kim)
        #expect(
            text.contains("\(supporters.subtracting(voted).count) left to chase") && text.contains("… and"), "\(text)")
        let table = try await run(["event", "show", event], kim)
        #expect(table.contains("(walk-in)") && table.contains("no_show") && table.contains("closed "), "\(table)")
        let gotv = try #require(
            try jsonObject(try await run(["report", campaign, "--json"], kim))["gotv"] as? [String: Any])
        #expect(gotv["left_to_chase"] as? Int == supporters.subtracting(voted).count, "report: \(gotv)")
        #expect(gotv["supporters"] as? Int == supporters.count, "report: \(gotv)")
        let chaseCut = try jsonObject(
            try await run(
                [
                    "list", "cut", campaign, "--survey", "rally-calls", "--kind", "call", "--chase", "--dry-run",
                    "--json",
                ],
                kim))
        #expect(
            (chaseCut["lists"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["people"] as? Int ?? 0) }
                == supporters.subtracting(voted).count, "\(chaseCut)")
    }
}
