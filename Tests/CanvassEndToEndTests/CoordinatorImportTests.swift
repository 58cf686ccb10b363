import CanvassFixtures
import CanvassTestSupport
import Foundation
import Testing

/// The JSON object a command printed.
private func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
}

/// A new user's one-time code from the server's admin command.
private func addUser(_ name: String, role: String, data: String) throws -> String {
    let added = try runServerCommand(["user", "add", name, "--role", role, "--json"], dataDirectory: data)
    #expect(added.status == 0, "\(added.output)")
    return try #require(try object(added.output)["code"] as? String)
}

@Suite(.serialized) struct CoordinatorImportTests {
    /// A coordinator sets up a campaign with real processes: logs in to a real server, creates a
    /// campaign, imports the fixture voter file and a vendor file in another layout (with a bad
    /// row and a duplicate), imports the vendor file again (nothing changes), and syncs; a second
    /// coordinator's laptop then pulls every person from the server.
    @Test func aCoordinatorCreatesACampaignImportsTwoLayoutsAndSyncs() async throws {
        let dir = try temporaryDirectory("canvass-coordinator")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let ana = try addUser("Ana Coordinator", role: "coordinator", data: data)
        let ben = try addUser("Ben Coordinator", role: "coordinator", data: data)
        let cam = try addUser("Cam Canvasser", role: "canvasser", data: data)
        let server = try ServerProcess(arguments: ["serve"], dataDirectory: data)
        defer { server.stop() }

        let home = dir.appendingPathComponent("ana").path
        let login = try await canvass(["login", server.baseURL, ana], home: home)
        #expect(login.status == 0, "\(login.err)")
        let created = try await canvass(
            [
                "campaign", "create", "Rivera 2026", "--type", "election", "--start", "2026-09-01", "--end",
                "11/3/2026", "--goal", "doors=20000", "--goal", "revenue=$1,250.50", "--json",
            ], home: home)
        #expect(created.status == 0, "\(created.err)")
        let campaign = try object(created.out)
        #expect(campaign["id"] as? String == "rivera-2026" && campaign["end_date"] as? String == "2026-11-03")
        #expect((campaign["goals"] as? [String: Any])?["revenue_cents"] as? Int == 125_050)
        let badGoal = try await canvass(["campaign", "create", "Other", "--goal", "revenue=12.345"], home: home)
        #expect(badGoal.status == 65 && badGoal.err.contains("--goal[1]"), "\(badGoal.err)")

        // The fixture file, in the common state layout.
        let fixture = Fixtures.votersPath()
        let voters = VoterFileGenerator().generate()
        let first = try await canvass(["import", "rivera-2026", fixture, "--json"], home: home)
        #expect(first.status == 0, "\(first.err)")
        let a = try object(first.out)
        #expect((a["people"] as? [String: Any])?["created"] as? Int == voters.count)
        #expect(a["bad_rows"] as? Int == 0)
        #expect(first.err.contains("writing"), "progress lines on stderr when not a terminal")

        // The vendor layout: matched where it repeats the fixture's voters, a bad row, a duplicate.
        let vendor = VendorVoterFile(fixture: voters)
        let file = dir.appendingPathComponent("vendor.csv").path
        try vendor.csv.write(toFile: file, atomically: true, encoding: .utf8)
        let dry = try await canvass(["import", "rivera-2026", file, "--dry-run"], home: home)
        #expect(dry.status == 0 && dry.out.contains("nothing written"), "\(dry.out)")
        let second = try await canvass(["import", "rivera-2026", file, "--json"], home: home)
        #expect(second.status == 0, "\(second.err)")
        let b = try object(second.out)
        let people = try #require(b["people"] as? [String: Any])
        #expect(people["created"] as? Int == vendor.freshPeople)
        #expect(people["unchanged"] as? Int == vendor.people - vendor.freshPeople)
        #expect(b["bad_rows"] as? Int == 1 && b["duplicates"] as? Int == 1)
        let problems = (b["problems"] as? [[String: Any]] ?? []).compactMap { $0["location"] as? String }
        #expect(
            problems.contains("line \(vendor.badLine), RESADDRESS") && problems.contains("line \(vendor.duplicateLine)")
        )
        let again = try object(try await canvass(["import", "rivera-2026", file, "--json"], home: home).out)
        #expect((again["people"] as? [String: Any])?["created"] as? Int == 0)
        #expect((again["people"] as? [String: Any])?["updated"] as? Int == 0)
        #expect(again["written"] as? Int == 0)

        // A canvasser may do neither.
        let camHome = dir.appendingPathComponent("cam").path
        #expect(try await canvass(["login", server.baseURL, cam], home: camHome).status == 0)
        let refused = try await canvass(["import", "rivera-2026", file], home: camHome)
        #expect(refused.status == 65 && refused.err.contains("only coordinators"), "\(refused.err)")

        let sync = try await canvass(["sync", "--json"], home: home)
        #expect(sync.status == 0, "\(sync.err)")
        let report = try object(sync.out)
        let written = (a["written"] as? Int ?? 0) + (b["written"] as? Int ?? 0) + 1
        #expect(report["accepted"] as? Int == written && report["rejected"] as? Int == 0, "\(report)")

        // The server holds the people: another coordinator's laptop pulls them all.
        let benHome = dir.appendingPathComponent("ben").path
        #expect(try await canvass(["login", server.baseURL, ben], home: benHome).status == 0)
        let shown = try object(try await canvass(["campaign", "show", "Rivera 2026", "--json"], home: benHome).out)
        #expect(shown["people"] as? Int == voters.count + vendor.freshPeople)
        #expect((shown["campaign"] as? [String: Any])?["id"] as? String == "rivera-2026")
    }
}
