import CanvassTestSupport
import Foundation
import Testing

/// A contact-driven rule end to end with real processes: a coordinator adds it from YAML, a
/// canvasser records a result and syncs, the server's engine fires after the merge, and the
/// coordinator sees the firing exactly once in `automation log` and the person in the group. The
/// same change set pushed a second time (the canvasser's home as it was before the first sync)
/// fires nothing more.
@Suite(.serialized) struct AutomationEndToEndTests {
    @Test(.freshDatabases, arguments: TestBackend.all)
    func aContactDrivenRuleFiresOnceAfterSyncEvenWhenTheChangeSetComesTwice(backend: TestBackend) async throws {
        let dir = try temporaryDirectory("canvass-automation")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(arguments: ["demo"], database: try await backend.database())
        defer { server.stop() }
        func home(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let kim = home("kim")
        let ana = home("ana")
        #expect(
            try await canvass(["login", server.baseURL, try #require(server.code(for: "coordinator"))], home: kim)
                .status == 0)
        #expect(
            try await canvass(["login", server.baseURL, try #require(server.code(for: "canvasser-a"))], home: ana)
                .status == 0)

        let (groupID, file) = try await reachedRule(home: kim, in: dir, actions: "{ engagement_points: 1 }")
        let broken = dir.appendingPathComponent("broken.yaml").path
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "result, code", with: "reslt, code")
            .replacingOccurrences(of: groupID, with: "grp-nowhere").write(
                toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await canvass(["automation", "add", "camp-2026", broken], home: kim)
        #expect(refused.status == 65 && refused.err.contains("broken.yaml:7:22"), "\(refused.err)")
        let pending = try jsonObject(try await canvass(["status", "--json"], home: kim).out)["pending"] as? Int
        let preview = try await canvass(
            ["automation", "simulate", "camp-2026", file, "--days", "3", "--json"], home: kim)
        #expect(preview.status == 0, "\(preview.err)")
        #expect(try jsonObject(preview.out)["fired"] as? Int == 0, "nobody has an interaction yet")
        #expect(try jsonObject(try await canvass(["status", "--json"], home: kim).out)["pending"] as? Int == pending)
        let added = try await canvass(["automation", "add", "camp-2026", file, "--json"], home: kim)
        #expect(added.status == 0, "\(added.err)")
        #expect(try jsonObject(added.out)["change"] as? String == "created")
        let pushed = try jsonObject(try await canvass(["sync", "--json"], home: kim).out)
        #expect(pushed["rejected"] as? Int == 0, "\(pushed)")

        // The canvasser records a contacted result; a copy of their home keeps the unsynced change set.
        let stops = try jsonArray(try await canvass(["walk", "turf-01", "--json"], home: ana).out)
        let people = stops.flatMap { ($0["people"] as? [[String: Any]]) ?? [] }.compactMap { $0["id"] as? String }
        let (first, second) = (try #require(people.first), try #require(people.last))
        let recorded = try await canvass(["record", first, "--list", "turf-01", "--result", "contacted"], home: ana)
        #expect(recorded.status == 0, "\(recorded.err)")
        let copy = home("ana-copy")
        try FileManager.default.copyItem(atPath: ana, toPath: copy)
        #expect(try await canvass(["sync"], home: ana).status == 0)

        /// The coordinator's log after syncing, once `done` holds (the engine runs after the merge).
        func log(until done: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
            var entries: [[String: Any]] = []
            for _ in 0..<80 {
                #expect(try await canvass(["sync"], home: kim).status == 0)
                let out = try await canvass(
                    ["automation", "log", "camp-2026", "--rule", "tag-reached", "--json"], home: kim)
                entries = try #require(try jsonObject(out.out)["entries"] as? [[String: Any]], "\(out.err)")
                if done(entries) { return entries }
                try await Task.sleep(for: .milliseconds(250))
            }
            return entries
        }
        var entries = try await log { !$0.isEmpty }
        #expect(entries.count == 1, "\(entries)")
        let firing = try #require(entries.first)
        #expect(firing["person"] as? String == first && firing["outcome"] as? String == "fired")
        #expect(firing["id"] as? String == "tag-reached@\(first)@1@tag")
        #expect((firing["name"] as? String)?.isEmpty == false && (firing["reason"] as? String)?.isEmpty == false)
        let members = try jsonObject(try await canvass(["group", "show", groupID, "--json"], home: kim).out)
        #expect((members["people"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [first], "\(members)")

        // The same change set again, then a new result for someone else: once the engine has
        // fired for the second person, it has seen the repeat, which fired nothing.
        let again = try await canvass(["sync", "--json"], home: copy)
        #expect(again.status == 0, "\(again.err)")
        let repeated = try jsonObject(again.out)
        #expect(repeated["rejected"] as? Int == 0 && repeated["accepted"] as? Int == 1, "pushed again: \(repeated)")
        #expect(
            try await canvass(["record", second, "--list", "turf-01", "--result", "contacted"], home: ana).status == 0)
        #expect(try await canvass(["sync"], home: ana).status == 0)
        entries = try await log { $0.count >= 2 }
        let persons = entries.compactMap { $0["person"] as? String }
        #expect(persons.sorted() == [first, second].sorted(), "each person fired once: \(entries)")
        let shown = try jsonObject(try await canvass(["automation", "show", "tag-reached", "--json"], home: kim).out)
        #expect((shown["rule"] as? [String: Any])?["fired"] as? Int == 2, "\(shown)")
        let mine = try jsonObject(
            try await canvass(["automation", "log", "--person", first, "--json"], home: kim).out)
        #expect(mine["total"] as? Int == 1, "\(mine)")
    }
}

/// A coordinator at `home` makes the group "Reached" in camp-2026 and writes (not adds) the rule
/// file that puts everyone reached there, with `actions` after that one; the group id and the file.
func reachedRule(home: String, in dir: URL, actions extra: String? = nil) async throws -> (
    groupID: String, file: String
) {
    let group = try jsonObject(
        try await canvass(["group", "create", "camp-2026", "Reached", "--json"], home: home).out)
    let groupID = try #require(group["id"] as? String)
    let file = dir.appendingPathComponent("reached.yaml").path
    try """
    id: tag-reached
    campaign: camp-2026
    name: Tag who we reached
    entry: { interaction: any }
    steps:
      - id: tag
        trigger: { kind: result, code: contacted }
        actions: [{ add_to_group: \(groupID) }\(extra.map { ", " + $0 } ?? "")]
    """.write(toFile: file, atomically: true, encoding: .utf8)
    return (groupID, file)
}
