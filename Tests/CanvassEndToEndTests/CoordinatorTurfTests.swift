import CanvassTestSupport
import Foundation
import Testing

/// A command's JSON output.
private func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

@Suite(.serialized) struct CoordinatorTurfTests {
    /// A coordinator's set-up with real processes, against the demo server: a broken survey file is
    /// refused with every problem at its line and column and nothing written, a good one is
    /// created; a segment is saved, walk lists are cut from it, drawn as a map and synced; a
    /// canvasser assigned one of them sees it, in the cut's walk order.
    @Test func aCoordinatorCreatesASurveyCutsTurfAndACanvasserWalksIt() async throws {
        let dir = try temporaryDirectory("canvass-turf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: data)
        defer { server.stop() }
        let coordinator = dir.appendingPathComponent("k").path
        let canvasser = dir.appendingPathComponent("a").path
        for (home, who) in [(coordinator, "coordinator"), (canvasser, "canvasser-a")] {
            let login = try await canvass(["login", server.baseURL, try #require(server.code(for: who))], home: home)
            #expect(login.status == 0, "\(who): \(login.err)")
        }

        // A broken file: every problem, each at its line and column, and nothing written.
        let broken = dir.appendingPathComponent("broken.yaml").path
        try """
        id: spring-door
        title: Spring doors
        kind: canvass
        result_codes:
          - { code: contacted, contacted: true }
          - { code: not_home, recontact_days: -2 }
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: issue, text: Issue?, type: single_choice, nxt: end,
              options: [{ value: housing, next: nowhere }] }
          - { id: plan, text: Plan?, type: yes_or_no }
        """.write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await canvass(["survey", "create", "camp-2026", broken], home: coordinator)
        #expect(refused.status == 65, "\(refused.err)")
        for place in ["broken.yaml:6:39", "broken.yaml:9:53", "broken.yaml:10:41", "broken.yaml:11:36"] {
            #expect(refused.err.contains(place), "\(place) in \(refused.err)")
        }
        #expect(refused.err.contains("4 problems") && refused.err.contains("nothing was written"))
        let pending = try json(try await canvass(["status", "--json"], home: coordinator).out) as? [String: Any]
        #expect(pending?["pending"] as? Int == 0, "a refused file writes nothing")

        // The good one.
        let good = dir.appendingPathComponent("good.yaml").path
        try """
        id: spring-door
        title: Spring doors
        kind: canvass
        result_codes:
          - { code: contacted, contacted: true }
          - { code: not_home, recontact_days: 2 }
          - { code: moved, effect: moved }
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: issue, text: Issue?, type: single_choice,
              options: [{ value: housing }, { value: other, next: other }], next: end }
          - { id: other, text: What?, type: text }
        """.write(toFile: good, atomically: true, encoding: .utf8)
        let created = try await canvass(["survey", "create", "camp-2026", good, "--json"], home: coordinator)
        #expect(created.status == 0, "\(created.err)")
        #expect((try json(created.out) as? [String: Any])?["change"] as? String == "created")
        let shown = try await canvass(["survey", "show", "spring-door"], home: coordinator)
        #expect(shown.status == 0 && shown.out.contains("other→other"), "\(shown.out)")

        // Criteria with mistakes point at them; a segment, then lists cut from it.
        let bad = try await canvass(
            ["segment", "create", "camp-2026", "North Dems", "--where", "party=DEMS precint=1-A"], home: coordinator)
        #expect(bad.status == 65)
        #expect(bad.err.contains("  party=DEMS precint=1-A\n        ^^^^ ^^^^^^^"), "\(bad.err)")
        let segment = try await canvass(
            ["segment", "create", "camp-2026", "North Dems", "--where", "party=DEM precinct=1-A,1-B", "--json"],
            home: coordinator)
        #expect(segment.status == 0, "\(segment.err)")
        let chosen = try #require((try json(segment.out) as? [String: Any])?["count"] as? Int)
        #expect(chosen > 50)
        let cut = try await canvass(
            [
                "list", "cut", "camp-2026", "--survey", "spring-door", "--kind", "walk", "--segment", "North Dems",
                "--doors", "25", "--name", "Spring", "--json",
            ], home: coordinator)
        #expect(cut.status == 0, "\(cut.err)")
        let report = try #require(try json(cut.out) as? [String: Any])
        let lists = try #require(report["lists"] as? [[String: Any]])
        #expect(lists.count >= 2 && lists.first?["id"] as? String == "spring-01", "\(cut.out)")
        #expect(lists.reduce(0) { $0 + ($1["people"] as? Int ?? 0) } == chosen, "nobody in the demo is suppressed")
        #expect(lists.allSatisfy { ($0["route_m"] as? Int ?? 0) > 0 })
        let again = try await canvass(
            [
                "list", "cut", "camp-2026", "--survey", "spring-door", "--kind", "walk", "--segment", "North Dems",
                "--doors", "25", "--name", "Spring",
            ], home: coordinator)
        #expect(again.status == 65 && again.err.contains("exist already"), "the same ids twice are refused")

        let svg = dir.appendingPathComponent("spring-01.svg").path
        let map = try await canvass(["list", "map", "spring-01", "--svg", svg], home: coordinator)
        #expect(map.status == 0, "\(map.err)")
        let drawing = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(drawing.contains("<svg") && drawing.contains("<polyline"))
        let mode = try FileManager.default.attributesOfItem(atPath: svg)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the map holds addresses")

        let sync = try await canvass(["sync", "--json"], home: coordinator)
        #expect(sync.status == 0, "\(sync.err)")
        let synced = try #require(try json(sync.out) as? [String: Any])
        #expect(synced["rejected"] as? Int == 0 && (synced["accepted"] as? Int ?? 0) > chosen, "\(sync.out)")

        // The canvasser, assigned one cut list, walks it in the cut's order.
        let assigned = try runServerCommand(["list", "assign", "spring-02", "canvasser-a"], dataDirectory: data)
        #expect(assigned.status == 0, "\(assigned.output)")
        #expect(try await canvass(["sync"], home: canvasser).status == 0)
        let theirs = try json(try await canvass(["lists", "--json"], home: canvasser).out) as? [[String: Any]] ?? []
        #expect(theirs.contains { $0["id"] as? String == "spring-02" }, "\(theirs)")
        func walk(_ home: String) async throws -> [String] {
            let stops =
                try json(try await canvass(["walk", "spring-02", "--json"], home: home).out) as? [[String: Any]]
            return (stops ?? []).compactMap { $0["household_id"] as? String }
        }
        let order = try await walk(canvasser)
        #expect(order.count == lists[1]["doors"] as? Int)
        #expect(order == (try await walk(coordinator)), "one walk order everywhere: the cut's positions")
        let survey = try await canvass(["survey", "spring-02", "--json"], home: canvasser)
        #expect((try json(survey.out) as? [String: Any])?["id"] as? String == "spring-door", "\(survey.err)")
    }
}
