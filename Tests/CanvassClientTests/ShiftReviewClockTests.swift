import CanvassCampaign
import CanvassClient
import CanvassCore
import Testing

/// The campaign's clock that quality review's shifts and the report's days read times with.
struct ShiftReviewClockTests {
    /// 2026-11-04T03:30:00Z: still the 3rd in New York (EST, UTC-5), the 4th in UTC.
    static let lateEvening: Int64 = 1_793_763_000_000

    @Test func aUtcMomentIsTheCampaignsLocalDayAndMinute() {
        let ny = CampaignClock(timeZone: "America/New_York")
        #expect(ny.known)
        #expect(ny.local(Self.lateEvening) == .init(day: "2026-11-03", minute: 22 * 60 + 30))
        let utc = CampaignClock(timeZone: nil)
        #expect(!utc.known)
        #expect(utc.local(Self.lateEvening) == .init(day: "2026-11-04", minute: 3 * 60 + 30))
    }

    /// Automation windows read the same clock: the ISO weekday and minute of the local day.
    @Test func automationWindowsReadTheLocalWeekdayAndMinute() {
        let ny = CampaignClock(timeZone: "America/New_York")
        // Tuesday 2026-11-03, 22:30 in New York; Wednesday 03:30 in UTC.
        #expect(ny.automation(Self.lateEvening) == AutomationLocalTime(weekday: 2, minute: 22 * 60 + 30))
        #expect(CampaignClock.utc.automation(Self.lateEvening) == AutomationLocalTime(weekday: 3, minute: 3 * 60 + 30))
        // 1969-12-31 was a Wednesday.
        #expect(CampaignClock.utc.automation(-1000) == AutomationLocalTime(weekday: 3, minute: 1439))
    }

    @Test func anUnknownZoneReadsUtc() {
        let clock = CampaignClock(timeZone: "Mars/Olympus_Mons")
        #expect(!clock.known)
        #expect(clock.day(Self.lateEvening) == "2026-11-04")
    }

    @Test func summerTimeAndDaysBefore1970() {
        // 2026-07-01T16:00:00Z is noon in New York (EDT, UTC-4) and 18:00 in Berlin (CEST).
        let noon: Int64 = 1_782_921_600_000
        #expect(CampaignClock(timeZone: "America/New_York").local(noon) == .init(day: "2026-07-01", minute: 720))
        #expect(CampaignClock(timeZone: "Europe/Berlin").local(noon) == .init(day: "2026-07-01", minute: 1080))
        // One second before 1970 in UTC is 23:59 on the last day of 1969.
        #expect(CampaignClock.utc.local(-1000) == .init(day: "1969-12-31", minute: 1439))
        // Many moments at once read the same as one by one, across the autumn change in New
        // York (2026-11-01 06:00 UTC: 02:00 EDT becomes 01:00 EST) to the second.
        let change: Int64 = 1_793_512_800_000
        let moments: [Int64] =
            [Self.lateEvening, noon, -1000, noon + 86_400_000] + [-901_000, -1000, 0, 1000, 60_000].map { change + $0 }
        let ny = CampaignClock(timeZone: "America/New_York")
        #expect(ny.local(moments) == moments.map { ny.local($0) })
        #expect(ny.local([change - 1000, change]).map(\.minute) == [119, 60])
    }
}
