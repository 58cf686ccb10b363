import CanvassCore

/// Time for the automation tests, without a clock: milliseconds since 1970, a Monday to start
/// from, and UTC as the campaign's zone.
protocol AutomationClockFixture {}

extension AutomationClockFixture {
    static var minute: Int64 { 60_000 }
    static var hour: Int64 { 3_600_000 }
    static var day: Int64 { 86_400_000 }
    /// Monday 1970-01-05 00:00 UTC.
    static var monday: Int64 { 4 * day }

    /// UTC as the campaign's zone: ISO weekday and minute of day.
    static func utc(_ t: Int64) -> AutomationLocalTime {
        AutomationLocalTime(weekday: Int((t / day + 3) % 7) + 1, minute: Int(t % day / minute))
    }
}
