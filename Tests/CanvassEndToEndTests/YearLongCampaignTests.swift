import CanvassFixtures
import CanvassTestSupport
import Foundation
import Testing

/// CiviCampaign's year-long campaign with real processes only (a fresh server, the real
/// `canvass` binary for a coordinator and a phone banker): a campaign with a revenue goal, its
/// most active members (engagement level 4 or more) as a segment and a call list cut from it,
/// calls with RSVPs and a volunteer question made offline and synced, an event with check-ins,
/// donations and a pledge paid in part, the engagement rules applied, and the campaign against
/// its goals. Every number checked is computed from what the test recorded.
@Suite(.serialized) struct YearLongCampaignTests {
    @Test func aYearLongCampaignAgainstItsGoals() async throws {
        let dir = try temporaryDirectory("canvass-year")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let added = try runServerCommand(
            ["user", "add", "Kim Lee", "--role", "coordinator", "--json"], dataDirectory: data)
        #expect(added.status == 0, "\(added.output)")
        let server = try ServerProcess(arguments: ["serve"], dataDirectory: data)
        defer { server.stop() }
        let kim = dir.appendingPathComponent("kim").path
        let pat = dir.appendingPathComponent("pat").path
        func run(_ args: [String], _ home: String) async throws -> String {
            let r = try await canvass(args, home: home)
            #expect(r.status == 0, "canvass \(args.joined(separator: " ")): \(r.err)")
            return r.out
        }
        _ = try await run(
            ["login", server.baseURL, try #require(try jsonObject(added.output)["code"] as? String)], kim)

        // The campaign, with a revenue goal, and its members from a voter file.
        let goalCents = 200_000
        let campaign = try #require(
            try jsonObject(
                try await run(
                    ["campaign", "create", "Year 2027", "--type", "fundraising", "--goal", "revenue=$2,000", "--json"],
                    kim))["id"] as? String)
        let vendor = VendorVoterFile(fixture: VoterFileGenerator().generate())
        let file = dir.appendingPathComponent("members.csv").path
        try vendor.csv.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await run(["import", campaign, file], kim)

        // An event, and the phone script that invites to it and asks members to volunteer.
        let event = try #require(
            try jsonObject(
                try await run(
                    [
                        "event", "create", campaign, "Spring rally", "--at", "2027-04-10 18:00", "--capacity", "50",
                        "--json",
                    ],
                    kim))["event"] as? String)
        let script = dir.appendingPathComponent("calls.yaml").path
        try """
        id: year-calls
        title: Member calls
        kind: phone
        questions:
          - { id: rally, text: Will you come to the spring rally?, type: rsvp, event: \(event) }
          - { id: volunteer, text: Will you volunteer this year?, type: yes_no }
        """.write(toFile: script, atomically: true, encoding: .utf8)
        _ = try await run(["survey", "create", campaign, script], kim)

        // The coordinator rates seven reachable members by hand; the most active are 4 and 5.
        _ = try await run(["segment", "create", campaign, "Reachable", "--where", "phone=yes"], kim)
        // (Callable: not suppressed on the phone, `Canvassing.suppression`.)
        var reachable: [String] = []
        for candidate in try #require(
            try jsonObject(try await run(["segment", "show", "Reachable", "--limit", "30", "--json"], kim))["people"]
                as? [[String: Any]]
        ).compactMap({ $0["id"] as? String }) where reachable.count < 7 {
            let fields = try #require(
                try jsonObject(try await run(["show", candidate, "--json"], kim))["fields"] as? [[String: Any]])
            let suppressed = fields.contains {
                ["deceased", "moved", "do_not_contact", "do_not_call"].contains($0["name"] as? String ?? "")
                    && $0["value"] as? Bool == true
            }
            if !suppressed { reachable.append(candidate) }
        }
        try #require(reachable.count == 7)
        var level: [String: Int] = [:]
        for (person, l) in zip(reachable, [4, 4, 4, 5, 2, 3, 0]) where l > 0 {
            let set = try jsonObject(
                try await run(["engagement", "set", person, String(l), "--reason", "rated at intake", "--json"], kim))
            #expect(set["level"] as? Int == l && set["rule"] as? String == "hand", "\(set)")
            level[person] = l
        }
        let active = Set(level.filter { $0.value >= 4 }.map(\.key))
        let segment = try jsonObject(
            try await run(["segment", "create", campaign, "Most active", "--where", "engagement>=4", "--json"], kim))
        #expect(segment["count"] as? Int == active.count, "\(segment)")
        let cut = try jsonObject(
            try await run(
                [
                    "list", "cut", campaign, "--survey", "year-calls", "--kind", "call", "--segment", "Most active",
                    "--name", "Active members", "--json",
                ], kim))
        // (The cutter splits call lists by precinct: the phone banker gets them all.)
        let lists = try #require(cut["lists"] as? [[String: Any]], "\(cut)").compactMap { $0["id"] as? String }
        let added2 = try jsonObject(try await run(["user", "add", "Pat Phone", "--role", "canvasser", "--json"], kim))
        for list in lists { _ = try await run(["list", "assign", list, "Pat Phone"], kim) }
        _ = try await run(["sync"], kim)

        // The phone banker calls the lists, offline from the coordinator, and syncs.
        _ = try await run(["login", server.baseURL, try #require(added2["code"] as? String)], pat)
        var listOf: [String: String] = [:]
        var toCall: [String] = []
        for list in lists {
            for person in try jsonArray(try await run(["calls", list, "--json"], pat)).compactMap({
                $0["id"] as? String
            }) {
                toCall.append(person)
                listOf[person] = list
            }
        }
        #expect(Set(toCall) == active, "the call lists are the most active members")
        try #require(toCall.count == 4)
        let calls: [(result: String, answers: [String])] = [
            ("contacted", ["rally=yes", "volunteer=yes"]), ("contacted", ["rally=yes"]),
            ("contacted", ["rally=no", "volunteer=no"]), ("not_home", []),
        ]
        for (person, call) in zip(toCall, calls) {
            _ = try await run(
                ["record", person, "--list", listOf[person] ?? "", "--result", call.result]
                    + call.answers.flatMap { ["--answer", $0] },
                pat)
        }
        let patSync = try jsonObject(try await run(["sync", "--json"], pat))
        #expect(patSync["rejected"] as? Int == 0, "\(patSync)")
        _ = try await run(["sync"], kim)

        // At the rally: the first caller and a walk-in (a 2) check in; the unrated member said
        // yes to the coordinator directly.
        let walkIn = reachable[4]
        let unrated = reachable[6]
        _ = try await run(["event", "checkin", event, toCall[0]], kim)
        _ = try await run(["event", "checkin", event, walkIn], kim)
        _ = try await run(["event", "rsvp", event, unrated, "yes"], kim)

        // Donations, and a pledge paid in part.
        var received = 0
        for (person, dollars) in [(toCall[1], 250), (walkIn, 100)] {
            let d = try jsonObject(
                try await run(["donation", "add", person, "$\(dollars)", "--method", "check", "--json"], kim))
            #expect((d["donation"] as? [String: Any])?["campaign_id"] as? String == campaign, "\(d)")
            received += dollars * 100
        }
        let pledgeCents = 100_000
        let pledge = try #require(
            (try jsonObject(try await run(["donation", "add", reachable[3], "1,000", "--pledge", "--json"], kim))[
                "donation"] as? [String: Any])?["id"] as? String)
        let paid = try jsonObject(try await run(["donation", "fulfil", pledge, "400", "--json"], kim))
        #expect((paid["donation"] as? [String: Any])?["fulfils"] as? String == pledge, "\(paid)")
        received += 40_000
        let outstanding = pledgeCents - 40_000

        // The documented rules: the walk-in attended (2 → 3), the unrated member said yes (→ 2);
        // the first caller attended and volunteers but is a 4 already; nobody is lowered.
        var expected = level
        expected[walkIn] = 3
        expected[unrated] = 2
        let moved = expected.filter { level[$0.key] != $0.value }
        let dry = try jsonObject(try await run(["engagement", "apply", campaign, "--dry-run", "--json"], kim))
        let dryMoves = try #require(dry["moves"] as? [[String: Any]])
        #expect(
            Dictionary(
                uniqueKeysWithValues: dryMoves.compactMap { m in (m["person"] as? String).map { ($0, m["to"] as? Int) }
                })
                == moved.mapValues { Optional($0) }, "\(dry)")
        #expect(dryMoves.first { $0["person"] as? String == walkIn }?["rule"] as? String == "attended")
        let applied = try jsonObject(try await run(["engagement", "apply", campaign, "--json"], kim))
        #expect((applied["moves"] as? [[String: Any]])?.count == moved.count)
        let again = try jsonObject(try await run(["engagement", "apply", campaign, "--json"], kim))
        #expect((again["moves"] as? [[String: Any]])?.isEmpty == true, "a rule raises a person once")
        let history = try jsonObject(try await run(["engagement", "history", walkIn, "--json"], kim))
        #expect(
            (history["changes"] as? [[String: Any]])?.map { $0["level"] as? Int } == [2, 3]
                && history["level"] as? Int == 3, "\(history)")

        // Everything reaches the server, and the campaign stands against its goals.
        let kimSync = try jsonObject(try await run(["sync", "--json"], kim))
        #expect(kimSync["rejected"] as? Int == 0, "\(kimSync)")
        let shown = try jsonObject(try await run(["campaign", "show", campaign, "--json"], kim))
        let progress = try #require(shown["progress"] as? [String: Any])
        #expect(progress["contacts"] as? Int == calls.filter { $0.result == "contacted" }.count, "\(progress)")
        #expect(progress["revenue_cents"] as? Int == received, "\(progress)")
        #expect(progress["pledged_outstanding_cents"] as? Int == outstanding, "\(progress)")
        #expect(progress["revenue_percent"] as? Int == received * 100 / goalCents, "\(progress)")
        let people = try #require(shown["people"] as? Int)

        let engagement = try jsonObject(try await run(["engagement", "show", campaign, "--json"], kim))
        let distribution = try #require(engagement["distribution"] as? [[String: Any]])
        for l in 1...5 {
            #expect(
                distribution.first { $0["level"] as? Int == l }?["people"] as? Int
                    == expected.values.filter { $0 == l }.count, "level \(l): \(distribution)")
        }
        #expect(distribution.last?["people"] as? Int == people - expected.count, "unrated")
        #expect(engagement["raised"] as? Int == expected.count && engagement["lowered"] as? Int == 0)
        #expect(
            (engagement["changes_by_rule"] as? [String: Int]) == ["hand": level.count, "attended": 1, "rsvp_yes": 1])

        let revenue = try #require(
            try jsonObject(try await run(["donation", "list", campaign, "--json"], kim))["revenue"] as? [String: Any])
        #expect(revenue["donors"] as? Int == 3 && revenue["gifts"] as? Int == 3, "\(revenue)")
        #expect(revenue["goal_cents"] as? Int == goalCents && revenue["open_pledges"] as? Int == 1)
        // The same as tables, for a coordinator reading rather than a script.
        let listed = try await run(["donation", "list", campaign], kim)
        #expect(listed.contains("received of $2,000.00") && listed.contains("pledge"), "\(listed)")
        #expect(try await run(["engagement", "show", campaign], kim).contains("\(people) people in \(campaign)"))
        let shownHistory = try await run(["engagement", "history", walkIn], kim)
        #expect(shownHistory.contains("attended") && shownHistory.contains("Kim Lee"), "\(shownHistory)")
        #expect(try await run(["campaign", "show", campaign], kim).contains("pledged, not yet paid"))

        // The campaign report: calls, turnout against RSVPs, revenue and engagement.
        let report = try jsonObject(try await run(["report", campaign, "--json"], kim))
        let totals = try #require(report["totals"] as? [String: Any], "\(report)")
        #expect(totals["attempts"] as? Int == calls.count && totals["contacts"] as? Int == progress["contacts"] as? Int)
        let rally = try #require((report["events"] as? [[String: Any]])?.first { $0["event"] as? String == event })
        let saidYes = calls.filter { $0.answers.contains("rally=yes") }.count + 1
        #expect(rally["rsvp_yes"] as? Int == saidYes && rally["attended"] as? Int == 2, "\(rally)")
        #expect(rally["walk_ins"] as? Int == 1, "\(rally)")
        let money = try #require(report["revenue"] as? [String: Any], "\(report)")
        #expect(
            money["received_cents"] as? Int == received && money["pledged_outstanding_cents"] as? Int == outstanding)
        #expect(money["percent_of_goal"] as? Int == received * 100 / goalCents)
        let levels = try #require((report["engagement"] as? [String: Any])?["distribution"] as? [[String: Any]])
        #expect(
            levels.compactMap { $0["level"] as? Int == nil ? nil : $0["people"] as? Int }
                == (1...5).map { l in expected.values.filter { $0 == l }.count }, "\(levels)")
    }
}
