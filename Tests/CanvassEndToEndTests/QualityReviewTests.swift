import CanvassTestSupport
import Foundation
import Testing

/// Quality review with real processes: a demo server, the real `canvass` binary for two
/// canvassers and two coordinators. One canvasser records 40 doors in well under two minutes,
/// the other three at a normal shift's start; the coordinator's sync says one shift is flagged,
/// `review` names it with the interval reason, the coordinator rolls the shift back and syncs,
/// and another coordinator's replica sees the roll-back: campaign progress (and the report) no
/// longer count those doors, and a restored door counts again.
@Suite(.serialized) struct QualityReviewTests {
    @Test func fortyDoorsInTwoMinutesAreFlaggedAndRolledBack() async throws {
        let dir = try temporaryDirectory("canvass-review")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: data)
        defer { server.stop() }
        func home(_ name: String) -> String { dir.appendingPathComponent(name).path }
        var codes: [String: String] = [:]
        for (name, role) in [("Fast Fran", "canvasser"), ("Steady Sam", "canvasser"), ("Lee Park", "coordinator")] {
            let added = try runServerCommand(["user", "add", name, "--role", role, "--json"], dataDirectory: data)
            #expect(added.status == 0, "\(added.output)")
            codes[name] = try jsonObject(added.output)["code"] as? String
        }
        for (list, name) in [("turf-02", "Fast Fran"), ("turf-03", "Steady Sam")] {
            #expect(try runServerCommand(["list", "assign", list, name], dataDirectory: data).status == 0)
        }
        let fran = home("fran")
        let sam = home("sam")
        for (name, h) in [("Fast Fran", fran), ("Steady Sam", sam)] {
            #expect(try await canvass(["login", server.baseURL, try #require(codes[name])], home: h).status == 0)
        }

        // Fran: the first person of 40 doors, one `canvass record` after the other.
        func firstPeople(_ list: String, _ h: String, _ n: Int) async throws -> [String] {
            let stops = try jsonArray(try await canvass(["walk", list, "--json"], home: h).out)
            let people = stops.compactMap { ($0["people"] as? [[String: Any]])?.first?["id"] as? String }
            try #require(people.count >= n, "\(list) has \(people.count) doors")
            return Array(people.prefix(n))
        }
        let started = Date()
        var franIDs: Set<String> = []
        for person in try await firstPeople("turf-02", fran, 40) {
            let r = try await canvass(
                ["record", person, "--list", "turf-02", "--result", "not_home", "--json"], home: fran)
            #expect(r.status == 0, "\(r.err)")
            franIDs.insert(try #require(try jsonObject(r.out)["interaction"] as? String))
        }
        #expect(Date().timeIntervalSince(started) < 120, "40 doors in under two minutes")
        // Sam: three conversations, a shift's first doors.
        var samIDs: Set<String> = []
        for person in try await firstPeople("turf-03", sam, 3) {
            let r = try await canvass(
                ["record", person, "--list", "turf-03", "--result", "contacted", "--json"], home: sam)
            samIDs.insert(try #require(try jsonObject(r.out)["interaction"] as? String))
        }
        for h in [fran, sam] { #expect(try await canvass(["sync"], home: h).status == 0) }

        // The coordinator syncs: one shift flagged and undecided, Fran's, for its pace.
        let kim = home("kim")
        #expect(
            try await canvass(["login", server.baseURL, try #require(server.code(for: "coordinator"))], home: kim)
                .status == 0)
        let synced = try jsonObject(try await canvass(["sync", "--json"], home: kim).out)
        #expect(synced["flagged_shifts"] as? Int == 1, "\(synced)")
        let plain = try await canvass(["sync"], home: kim)
        #expect(plain.out.contains("1 flagged shift to review: canvass review"), "\(plain.out)")
        let before = try jsonObject(try await canvass(["campaign", "show", "camp-2026", "--json"], home: kim).out)
        let doorsBefore = try #require((before["progress"] as? [String: Any])?["doors"] as? Int)
        #expect(doorsBefore == franIDs.count + samIDs.count, "\(before)")
        let review = try jsonObject(try await canvass(["review", "--json"], home: kim).out)
        let shifts = try #require(review["shifts"] as? [[String: Any]])
        #expect(shifts.count == 1 && review["undecided"] as? Int == 1, "\(review)")
        let shift = try #require(shifts.first)
        #expect(shift["user"] as? String == "Fast Fran" && shift["campaign"] as? String == "camp-2026")
        #expect((shift["doors"] as? [String: Any])?["attempts"] as? Int == franIDs.count)
        #expect((shift["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["fast_doors"])
        let day = try #require(shift["day"] as? String)
        let table = try await canvass(["review"], home: kim)
        #expect(table.out.contains("Fast Fran on \(day) (camp-2026):"), "\(table.out)")
        #expect(
            table.out.contains("\(franIDs.count) doors in ") && table.out.contains("s between doors"), "\(table.out)")
        let shown = try jsonObject(try await canvass(["review", "show", "Fast Fran", day, "--json"], home: kim).out)
        let listed = Set((shown["interactions"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        #expect(listed == franIDs)

        // A reason is required; then the whole shift is rolled back and synced.
        let noReason = try await canvass(
            ["review", "rollback", "--shift", "Fast Fran", day, "--reason", " "], home: kim)
        #expect(noReason.status == 65 && noReason.err.contains("--reason"), "\(noReason.err)")
        let rolled = try jsonObject(
            try await canvass(
                ["review", "rollback", "--shift", "Fast Fran", day, "--reason", "40 doors in 2 minutes", "--json"],
                home: kim
            ).out)
        #expect(Set(rolled["changed"] as? [String] ?? []) == franIDs, "\(rolled)")
        #expect((rolled["decision"] as? [String: Any])?["decision"] as? String == "rolled_back")
        let pushed = try jsonObject(try await canvass(["sync", "--json"], home: kim).out)
        #expect(pushed["rejected"] as? Int == 0 && pushed["flagged_shifts"] as? Int == 0, "\(pushed)")

        // Another coordinator's replica sees the roll-back: Fran's doors count nowhere.
        let lee = home("lee")
        #expect(try await canvass(["login", server.baseURL, try #require(codes["Lee Park"])], home: lee).status == 0)
        let leeReview = try jsonObject(try await canvass(["review", "--all", "--json"], home: lee).out)
        let decided = try #require((leeReview["shifts"] as? [[String: Any]])?.first, "\(leeReview)")
        #expect(leeReview["undecided"] as? Int == 0)
        #expect((decided["decision"] as? [String: Any])?["decision"] as? String == "rolled_back")
        #expect(decided["rolled_back"] as? Int == franIDs.count)
        func progress(_ h: String) async throws -> [String: Any] {
            let shown = try jsonObject(try await canvass(["campaign", "show", "camp-2026", "--json"], home: h).out)
            return try #require(shown["progress"] as? [String: Any])
        }
        let after = try await progress(lee)
        #expect(after["doors"] as? Int == samIDs.count && after["contacts"] as? Int == samIDs.count, "\(after)")
        let report = try await canvass(["report", "camp-2026", "--json"], home: lee)
        #expect(report.status == 0, "\(report.err)")
        let totals = try jsonObject(report.out)["totals"] as? [String: Any]
        #expect(totals?["doors"] as? Int == samIDs.count, "the report leaves the rolled-back doors out: \(report.out)")
        #expect(totals?["contacts"] as? Int == samIDs.count, "\(String(describing: totals))")

        // A door restored counts again.
        let one = try #require(franIDs.sorted().first)
        let restored = try jsonObject(try await canvass(["review", "restore", one, "--json"], home: lee).out)
        #expect(restored["changed"] as? [String] == [one])
        #expect(try await progress(lee)["doors"] as? Int == samIDs.count + 1)
    }
}
