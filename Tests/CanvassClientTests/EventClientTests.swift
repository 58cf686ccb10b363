import CanvassClient
import CanvassCore
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_780_000_000_000

/// Events through the façade: a start read in the campaign's time zone, an id from the campaign
/// and name, every problem of bad input at once with nothing written, and the server accepting it all.
@Suite struct EventClientTests {
    @Test func createdInTheCampaignsTimeZoneWithEveryProblemAtOnce() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try client.createCampaign(
            name: "Rally NY", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil,
            timeZone: "America/New_York", now: T0)
        let pending = try store.counts().pending
        let e = try #require(throws: ClientError.self) {
            try client.createEvent(
                campaign: c.id, name: "Rally", at: "tomorrow", ends: "2026-10-15 17:00", capacity: -1, location: nil,
                now: T0)
        }
        #expect(e.problems.map(\.location) == ["--at", "--capacity"], "\(e.problems)")
        let e2 = try #require(throws: ClientError.self) {
            try client.createEvent(
                campaign: c.id, name: "Rally", at: "2026-10-15 18:00", ends: "2026-10-15 17:00", capacity: nil,
                location: nil, now: T0)
        }
        #expect(e2.problems.map(\.code) == ["bad_range"])
        #expect(try store.counts().pending == pending, "nothing written")

        // 18:00 in New York in October is 22:00 UTC; an offset is read as given.
        let rally = try client.createEvent(
            campaign: c.id, name: "Capitol Rally!", at: "2026-10-15 18:00", ends: "2026-10-15T20:30-04:00",
            capacity: 50, location: "State Capitol", now: T0)
        #expect(rally.event == "evt-rally-ny-capitol-rally")
        #expect(rally.startsAt == 1_792_101_600_000 && rally.endsAt == 1_792_110_600_000, "\(rally)")
        #expect(throws: ClientError.self) {
            try client.createEvent(
                campaign: c.id, name: "capitol rally", at: "2026-10-15 18:00", ends: nil, capacity: nil,
                location: nil, now: T0)
        }
        #expect(try client.events(campaign: c.id).map(\.event) == [rally.event])
        #expect(try client.event("Capitol Rally!").turnout.capacity == 50, "found by name too")
        #expect(try await CoordinatorSetUpTests.push(store, service).rejected == 0)
    }
}
