import CanvassCampaign
import CanvassClient
import CanvassCore
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_780_000_000_000

/// Quality review through the façade, on a coordinator's file store that pulled the test
/// campaign from an in-process server: a fast shift is flagged, bad roll-backs write nothing,
/// a roll-back leaves segments (`CampaignPeople`) and campaign progress, a restore brings the
/// doors back, an approval decides the shift, and the server accepts every record written.
@Suite struct ShiftReviewClientTests {
    @Test func aFastShiftIsFlaggedRolledBackRestoredAndApproved() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        // 12 doors 3 s apart, the first person of each door: not home.
        let people = try client.walk("walk-0", now: T0).compactMap(\.people.first?.id).prefix(12)
        try #require(people.count == 12)
        var ids: [String] = []
        for (n, person) in people.enumerated() {
            ids.append(
                try client.record(
                    person: person, list: "walk-0", result: "not_home", answers: [], note: nil,
                    now: T0 + Int64(n) * 3000))
        }
        let day = CampaignClock.utc.day(T0)
        let report = try client.reviewShifts(campaign: "camp-2026", all: false)
        let shift = try #require(report.shifts.first)
        #expect(report.shifts.count == 1 && report.undecided == 1 && shift.day == day)
        #expect(
            shift.reasons.map(\.code) == ["fast_doors"] && shift.doors.attempts == 12 && shift.medianGapSeconds == 3)
        #expect(try client.flaggedShifts() == 1)
        #expect(try client.countCriteria(campaign: "camp-2026", criteria: "last_result=not_home") == 12)
        #expect(try client.campaign("camp-2026").progress.doors == 12)

        // A blank reason, or one unknown id among good ones: every problem, nothing written.
        let pending = try store.counts().pending
        let blank = try #require(throws: ClientError.self) {
            try client.rollBack(interactions: [ids[0]], reason: "  ", now: T0)
        }
        #expect(blank.code == .invalid && blank.problems.map(\.location) == ["--reason"])
        let unknown = try #require(throws: ClientError.self) {
            try client.rollBack(interactions: [ids[0], "i-nowhere"], reason: "too fast", now: T0)
        }
        #expect(unknown.problems.map(\.location) == ["INTERACTION[2]"], "\(unknown)")
        #expect(try store.counts().pending == pending, "nothing written")

        // The whole shift rolled back: the doors count nowhere, and the shift is decided.
        let rolled = try client.rollBackShift(
            user: shift.userID, day: day, campaign: nil, reason: "12 doors in 33 s", now: T0 + 60_000)
        #expect(Set(rolled.changed) == Set(ids) && rolled.decision?.decision == "rolled_back")
        #expect(try client.countCriteria(campaign: "camp-2026", criteria: "last_result=not_home") == 0)
        #expect(try client.countCriteria(campaign: "camp-2026", criteria: "attempts=0") >= 12)
        #expect(try client.campaign("camp-2026").progress.doors == 0)
        #expect(try client.reviewShifts(campaign: nil, all: false).shifts.isEmpty)
        #expect(try client.flaggedShifts() == 0)
        let again = try client.rollBack(interactions: [ids[0]], reason: "again", now: T0)
        #expect(again.changed.isEmpty && again.unchanged == [ids[0]])

        // Restored, two doors count again; approving replaces the decision.
        let restored = try client.restore(interactions: [ids[0], ids[1], ids[1]], now: T0 + 120_000)
        #expect(restored.changed == [ids[0], ids[1]])
        #expect(try client.campaign("camp-2026").progress.doors == 2)
        #expect(try client.countCriteria(campaign: "camp-2026", criteria: "last_result=not_home") == 2)
        let approved = try client.approveShift(
            user: shift.userID, day: day, campaign: "camp-2026", note: "two were real", now: T0 + 180_000)
        let decided = try #require(try client.reviewShifts(campaign: nil, all: true).shifts.first)
        #expect(decided.decision == approved && decided.rolledBack == 10)
        let detail = try client.reviewShift(user: shift.userID, day: day, campaign: nil)
        #expect(detail.interactions.map(\.id) == ids && detail.interactions.filter(\.rolledBack).count == 10)
        #expect(throws: ClientError.self) {
            try client.reviewShift(user: shift.userID, day: "2001-01-01", campaign: nil)
        }

        let pushed = try await CoordinatorSetUpTests.push(store, service)
        #expect(pushed.rejected == 0 && pushed.accepted > 12, "\(pushed)")
    }
}

extension ShiftReviewClientTests {
    /// A list's hours are read in the campaign's time zone: 20:26 UTC is outside 09:00–17:00 in
    /// UTC, and inside it in Los Angeles (13:26). Bad hours and an unknown zone write nothing.
    @Test func resultsOutsideTheListsHoursInTheCampaignsTimeZone() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = try #require(throws: ClientError.self) {
            try client.setListHours(list: "walk-0", start: "9am", end: "25:00", now: T0)
        }
        #expect(bad.problems.map(\.location) == ["START", "END"], "\(bad)")
        let zone = try #require(throws: ClientError.self) {
            try client.createCampaign(
                name: "Zoned", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil,
                timeZone: "Mars/Base", now: T0)
        }
        #expect(zone.problems.map(\.location) == ["--time-zone"])
        #expect(try store.counts().pending == 0, "nothing written")
        let zoned = try client.createCampaign(
            name: "Zoned", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil,
            timeZone: "America/Chicago", now: T0)
        #expect(zoned.timeZone == "America/Chicago")

        let hours = try client.setListHours(list: "walk-0", start: "09:00", end: "17:00", now: T0)
        #expect(hours.windowStart == "09:00" && hours.windowEnd == "17:00")
        let people = try client.walk("walk-0", now: T0).compactMap(\.people.first?.id).prefix(2)
        for (n, person) in people.enumerated() {
            _ = try client.record(
                person: person, list: "walk-0", result: "contacted", answers: [], note: nil,
                now: T0 + Int64(n) * 300_000)
        }
        let shift = try #require(try client.reviewShifts(campaign: "camp-2026", all: false).shifts.first)
        #expect(shift.reasons.map(\.code) == ["outside_window"] && shift.outsideWindow == 2, "\(shift)")
        try store.write(
            [LocalWrite(RecordKey("campaigns", "camp-2026"), ["time_zone": .string("America/Los_Angeles")])],
            wallclock: T0)
        let report = try client.reviewShifts(campaign: "camp-2026", all: false)
        #expect(report.shifts.isEmpty && report.campaigns.first?.timeZone == "America/Los_Angeles", "\(report)")
        #expect(try client.setListHours(list: "walk-0", start: nil, end: nil, now: T0).windowStart == nil)
        let pushed = try await CoordinatorSetUpTests.push(store, service)
        #expect(pushed.rejected == 0, "\(pushed)")
    }
}
