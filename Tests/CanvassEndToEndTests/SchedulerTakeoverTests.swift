import CanvassTestSupport
import Foundation
import Testing

/// The automation scheduler with two `canvass-server` processes on one PostgreSQL database: the
/// process that started first leads, and fires for a result pushed to the other (it reads the
/// watermark, since that push does not wake it); when the leader is killed (SIGKILL: no graceful
/// shutdown), the other takes over within seconds and fires for the next result. Each firing
/// happens once. Skipped without a PostgreSQL server (`TestBackend`).
@Suite(.serialized) struct SchedulerTakeoverTests {
    @Test(.freshDatabases, arguments: TestBackend.all.filter { $0 == .postgres })
    func aKilledLeadersSchedulerIsTakenOverWithinSeconds(backend: TestBackend) async throws {
        let dir = try temporaryDirectory("canvass-takeover")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await backend.database()
        let leader = try ServerProcess(arguments: ["demo"], database: database)
        defer { leader.stop() }
        let other = try ServerProcess(arguments: ["serve"], database: database)
        defer { other.stop() }
        // The coordinator works with the second process; only the first (the leader) runs passes.
        let kim = dir.appendingPathComponent("kim").path
        let code = try #require(leader.code(for: "coordinator"))
        #expect(try await canvass(["login", other.baseURL, code], home: kim).status == 0)
        let (_, file) = try await reachedRule(home: kim, in: dir)
        #expect(try await canvass(["automation", "add", "camp-2026", file], home: kim).status == 0)
        #expect(try await canvass(["sync"], home: kim).status == 0)
        let stops = try jsonArray(try await canvass(["walk", "turf-01", "--json"], home: kim).out)
        let people = stops.flatMap { ($0["people"] as? [[String: Any]]) ?? [] }.compactMap { $0["id"] as? String }
        let (first, second) = (try #require(people.first), try #require(people.last))

        /// The people the rule fired for, as the coordinator reads the log, once `count` have
        /// fired or `seconds` have passed.
        func fired(_ count: Int, within seconds: Double) async throws -> [String] {
            let end = Date().addingTimeInterval(seconds)
            var persons: [String] = []
            repeat {
                #expect(try await canvass(["sync"], home: kim).status == 0)
                let out = try await canvass(
                    ["automation", "log", "camp-2026", "--rule", "tag-reached", "--json"], home: kim)
                let entries = try #require(try jsonObject(out.out)["entries"] as? [[String: Any]], "\(out.err)")
                persons = entries.compactMap { $0["person"] as? String }.sorted()
                if persons.count >= count { return persons }
                try await Task.sleep(for: .milliseconds(200))
            } while Date() < end
            return persons
        }

        #expect(
            try await canvass(["record", first, "--list", "turf-01", "--result", "contacted"], home: kim).status == 0)
        #expect(try await canvass(["sync"], home: kim).status == 0)
        #expect(try await fired(1, within: 45) == [first])

        // The leader dies without a word; its connection closes and the other process leads.
        kill(leader.process.processIdentifier, SIGKILL)
        leader.process.waitUntilExit()
        let killed = Date()
        #expect(
            try await canvass(["record", second, "--list", "turf-01", "--result", "contacted"], home: kim).status == 0)
        #expect(try await canvass(["sync"], home: kim).status == 0)
        let after = try await fired(2, within: 45)
        let took = Date().timeIntervalSince(killed)
        #expect(after == [first, second].sorted(), "each fired once: \(after)")
        // The hand-over itself takes at most 2 s (PostgresAutomationTests); this bound leaves room
        // for a loaded machine running the whole suite.
        #expect(took < 30, "the other process fired \(took) s after the leader was killed")
    }
}
