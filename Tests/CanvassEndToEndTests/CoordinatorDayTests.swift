import CanvassFixtures
import CanvassTestSupport
import Foundation
import Testing

/// One coordinator's day across every part of the set-up, with real processes only: a fresh
/// server, the real `canvass` binary for a coordinator and two canvassers. The voter file is in
/// a vendor layout (with a bad row and a duplicate), the survey file is broken before it is good,
/// the walk list is cut, assigned to both canvassers and checked out to them in disjoint
/// batches; both work with the server down, then sync; the coordinator sees the conflict with
/// who and when, resolves it, and the resolution reaches the canvassers.
@Suite(.serialized) struct CoordinatorDayTests {
    @Test func fromAVoterFileToAResolvedConflict() async throws {
        let dir = try temporaryDirectory("canvass-day")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let added = try runServerCommand(
            ["user", "add", "Kim Lee", "--role", "coordinator", "--json"], dataDirectory: data)
        #expect(added.status == 0, "\(added.output)")
        let kimCode = try #require(try jsonObject(added.output)["code"] as? String)
        var server = try ServerProcess(
            arguments: ["serve"], dataDirectory: data, environment: ["CANVASS_CHECKOUT_BATCH": "3"])
        defer { server.stop() }
        func home(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let kim = home("kim")
        #expect(try await canvass(["login", server.baseURL, kimCode], home: kim).status == 0)

        // The campaign and its voter file, in a vendor layout; importing twice changes nothing.
        let campaign = try await canvass(["campaign", "create", "Day 2026", "--goal", "doors=40", "--json"], home: kim)
        #expect(campaign.status == 0, "\(campaign.err)")
        let campaignID = try #require(try jsonObject(campaign.out)["id"] as? String)
        let vendor = VendorVoterFile(fixture: VoterFileGenerator().generate())
        let file = dir.appendingPathComponent("vendor.csv").path
        try vendor.csv.write(toFile: file, atomically: true, encoding: .utf8)
        let first = try jsonObject(try await canvass(["import", campaignID, file, "--json"], home: kim).out)
        #expect((first["people"] as? [String: Any])?["created"] as? Int == vendor.people)
        #expect(first["bad_rows"] as? Int == 1 && first["duplicates"] as? Int == 1, "\(first)")
        let again = try jsonObject(try await canvass(["import", campaignID, file, "--json"], home: kim).out)
        #expect((again["people"] as? [String: Any])?["created"] as? Int == 0)
        #expect((again["people"] as? [String: Any])?["unchanged"] as? Int == vendor.people)

        // A survey file with two mistakes, refused with both located; then the good one.
        let broken = dir.appendingPathComponent("door.yaml").path
        try """
        id: day-door
        title: Day doors
        kind: canvass
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5, nxt: end }
          - { id: sign, text: Yard sign?, type: yes_no, next: nowhere }
        """.write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await canvass(["survey", "create", campaignID, broken], home: kim)
        #expect(refused.status == 65, "\(refused.err)")
        #expect(refused.err.contains("door.yaml:5:") && refused.err.contains("door.yaml:6:"), "\(refused.err)")
        try """
        id: day-door
        title: Day doors
        kind: canvass
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: sign, text: Yard sign?, type: yes_no }
        """.write(toFile: broken, atomically: true, encoding: .utf8)
        let survey = try await canvass(["survey", "create", campaignID, broken], home: kim)
        #expect(survey.status == 0, "\(survey.err)")

        // Turf, and two canvassers from the command line who share the first list.
        let cut = try jsonObject(
            try await canvass(
                [
                    "list", "cut", campaignID, "--survey", "day-door", "--kind", "walk", "--doors", "10", "--name",
                    "Day", "--json",
                ], home: kim
            ).out)
        let lists = try #require(cut["lists"] as? [[String: Any]])
        let largest = try #require(lists.max { ($0["doors"] as? Int ?? 0) < ($1["doors"] as? Int ?? 0) })
        let list = try #require(largest["id"] as? String)
        #expect((largest["doors"] as? Int ?? 0) >= 6, "two batches of three: \(cut)")
        var codes: [String: String] = [:]
        for name in ["Ana Diaz", "Ben Okafor"] {
            let user = try await canvass(["user", "add", name, "--role", "canvasser", "--json"], home: kim)
            #expect(user.status == 0, "\(user.err)")
            codes[name] = try jsonObject(user.out)["code"] as? String
            #expect(try await canvass(["list", "assign", list, name], home: kim).status == 0)
        }
        let pushed = try jsonObject(try await canvass(["sync", "--json"], home: kim).out)
        #expect(pushed["rejected"] as? Int == 0, "\(pushed)")

        let ana = home("ana")
        let ben = home("ben")
        for (name, h) in [("Ana Diaz", ana), ("Ben Okafor", ben)] {
            #expect(try await canvass(["login", server.baseURL, try #require(codes[name])], home: h).status == 0)
        }
        #expect(try await canvass(["sync"], home: ana).status == 0)
        func stops(_ h: String) async throws -> [[String: Any]] {
            try jsonArray(try await canvass(["walk", list, "--json"], home: h).out)
        }
        func mine(_ h: String) async throws -> Set<String> {
            Set(
                try await stops(h).filter { $0["checkout"] as? String == "mine" }.compactMap {
                    $0["household_id"] as? String
                }
            )
        }
        let anaDoors = try await mine(ana)
        let benDoors = try await mine(ben)
        #expect(anaDoors.count == 3 && benDoors.count == 3 && anaDoors.isDisjoint(with: benDoors))

        // The server goes down; both work on, and one person gets two different phones.
        let person = try #require(
            (try await stops(ana).first { anaDoors.contains($0["household_id"] as? String ?? "") }?["people"]
                as? [[String: Any]])?.first?["id"] as? String)
        let port = server.port
        server.stop()
        #expect(try await canvass(["record", person, "--list", list, "--result", "contacted"], home: ana).status == 0)
        #expect(try await canvass(["edit", person, "--set", "phone=614-555-0101"], home: ana).status == 0)
        #expect(try await canvass(["edit", person, "--set", "phone=614-555-0199"], home: ben).status == 0)
        let offline = try await canvass(["sync"], home: ana)
        #expect(offline.status == 69, "unreachable, changes kept: \(offline.err)")

        server = try ServerProcess(
            arguments: ["serve"], dataDirectory: data, port: port, environment: ["CANVASS_CHECKOUT_BATCH": "3"])
        for h in [ana, ben, kim] { #expect(try await canvass(["sync"], home: h).status == 0) }

        // The coordinator sees who wrote what, when, and without having seen what; resolves.
        let conflicts = try jsonArray(
            try await canvass(["conflicts", "--campaign", campaignID, "--json"], home: kim).out)
        let phone = try #require(conflicts.first { $0["id"] as? String == person && $0["field"] as? String == "phone" })
        let siblings = try #require(phone["siblings"] as? [[String: Any]])
        #expect(Set(siblings.compactMap { $0["user"] as? String }) == ["Ana Diaz", "Ben Okafor"], "\(phone)")
        #expect(siblings.allSatisfy { $0["wallclock"] != nil && $0["device"] != nil })
        let story = (phone["story"] as? [String] ?? []).joined(separator: "\n")
        #expect(
            story.contains("Ana Diaz set phone to 614-555-0101 without having seen Ben Okafor's 614-555-0199"),
            "\(story)")
        let keep = try #require(siblings.first { $0["value"] as? String == "614-555-0101" }?["number"] as? Int)
        #expect(
            try await canvass(["resolve", "contacts/\(person)", "phone", "--keep", String(keep)], home: kim).status == 0
        )
        #expect(try await canvass(["sync"], home: kim).status == 0)

        // The resolution reaches the field; Ana's door is in the coordinator's history.
        for h in [ana, ben] {
            #expect(try await canvass(["sync"], home: h).status == 0)
            let shown = try jsonObject(try await canvass(["show", person, "--json"], home: h).out)
            let field = (shown["fields"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "phone" }
            #expect(field?["value"] as? String == "614-555-0101" && field?["conflict"] as? Bool == false, "\(shown)")
        }
        let history = try jsonObject(try await canvass(["history", person, "--json"], home: kim).out)
        let entries = history["entries"] as? [[String: Any]] ?? []
        #expect(entries.contains { $0["kind"] as? String == "interaction" && $0["user"] as? String == "Ana Diaz" })
        let shown = try jsonObject(try await canvass(["campaign", "show", campaignID, "--json"], home: kim).out)
        #expect(shown["people"] as? Int == vendor.people, "\(shown)")
    }
}
