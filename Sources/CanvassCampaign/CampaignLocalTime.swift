import CanvassCore
import Foundation

/// A campaign's wall clock for automation windows (issue 12): the ISO weekday and minute of day
/// of an instant in the campaign's `time_zone` (an IANA name), read with Foundation's `TimeZone`;
/// UTC when the campaign has none or Foundation does not know it. The server's engine and
/// `automation simulate` both read windows through it.
public struct CampaignLocalTime: Sendable {
    public let timeZone: TimeZone

    public init(timeZone identifier: String?) {
        timeZone = identifier.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
    }

    /// The clock of a campaign record (its `time_zone`).
    public init(campaign: Record?) {
        self.init(timeZone: campaign?["time_zone"]?.stringValue)
    }

    /// Weekday (1 = Monday … 7 = Sunday) and minute of the day of `milliseconds` (since 1970, UTC).
    public func local(_ milliseconds: Int64) -> AutomationLocalTime {
        let utcSeconds = Self.floorDiv(milliseconds, 1000)
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
        let seconds = utcSeconds + offset
        let day = Self.floorDiv(seconds, 86_400)
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = Int(((day + 3) % 7 + 7) % 7) + 1
        return AutomationLocalTime(weekday: weekday, minute: Int((seconds - day * 86_400) / 60))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
