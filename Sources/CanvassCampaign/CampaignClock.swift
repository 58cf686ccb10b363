import CanvassCore
import CanvassStore
import Foundation

/// A campaign's clock: the local day ("YYYY-MM-DD") and minute of the day (0–1439) a
/// `recorded_at` (milliseconds since 1970, UTC) falls on in the campaign's time zone
/// (`campaigns.time_zone`, an IANA name such as "America/New_York"), read with Foundation's
/// `TimeZone` and `Calendar`. A campaign without a time zone, or with one Foundation does not
/// know, is read in UTC (`known` says which). Quality review's shifts (`ShiftReview`), list
/// windows, the report's days and automation's windows (`automation(_:)`, on the server and in
/// `simulate`) all read times through it, so they agree on what "a day" is.
public struct CampaignClock: Sendable, Hashable {
    /// A moment as the campaign reads it.
    public struct Local: Sendable, Hashable {
        /// "YYYY-MM-DD" in the campaign's time zone.
        public let day: String
        /// Minutes since local midnight, 0–1439.
        public let minute: Int

        public init(day: String, minute: Int) {
            self.day = day
            self.minute = minute
        }
    }

    public let timeZone: TimeZone
    /// Whether the time zone asked for was known; false when none was given or Foundation does
    /// not know the name (then the clock reads UTC).
    public let known: Bool

    public static let utc = CampaignClock(timeZone: nil)

    /// - Parameter timeZone: an IANA name ("America/Chicago"); nil or unknown reads UTC.
    public init(timeZone identifier: String?) {
        if let identifier, let zone = TimeZone(identifier: identifier) {
            timeZone = zone
            known = true
        } else {
            timeZone = TimeZone(identifier: "UTC")!
            known = false
        }
    }

    /// The clock of a campaign record (its `time_zone`; UTC for nil).
    public init(campaign: Record?) {
        self.init(timeZone: campaign?["time_zone"]?.stringValue)
    }

    /// The ISO weekday (1 = Monday … 7 = Sunday) and minute of the day of a moment, as automation
    /// windows read them.
    public func automation(_ milliseconds: Int64) -> AutomationLocalTime {
        let localSeconds = Self.floorDiv(milliseconds, 1000) + offset(atSecond: Self.floorDiv(milliseconds, 1000))
        let dayNumber = Self.floorDiv(localSeconds, 86_400)
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = Int(((dayNumber + 3) % 7 + 7) % 7) + 1
        return AutomationLocalTime(weekday: weekday, minute: Int((localSeconds - dayNumber * 86_400) / 60))
    }

    /// The clock of a campaign held in `store` (UTC when it has no `time_zone`, or no such campaign).
    public static func of(campaign: String, in store: ReplicaStore) throws -> CampaignClock {
        let zone = try store.record(RecordKey("campaigns", campaign)).flatMap { $0["time_zone"]?.stringValue }
        return CampaignClock(timeZone: zone)
    }

    /// The day and minute of one moment.
    public func local(_ milliseconds: Int64) -> Local {
        var days: [Int64: String] = [:]
        return local(milliseconds, days: &days)
    }

    /// The days and minutes of many moments, in order. Time zones change their offsets at whole
    /// quarter hours (UTC), so the offset is asked once per quarter hour of the moments and the
    /// day name once per day: 300,000 interactions of a month ask the zone about 3,000 times.
    public func local(_ moments: [Int64]) -> [Local] {
        var days: [Int64: String] = [:]
        var offsets: [Int64: Int64] = [:]
        return moments.map { m in
            let slot = Self.floorDiv(Self.floorDiv(m, 1000), 900)
            let offset: Int64
            if let known = offsets[slot] {
                offset = known
            } else {
                offset = self.offset(atSecond: slot * 900)
                offsets[slot] = offset
            }
            return local(m, offset: offset, days: &days)
        }
    }

    /// The local day of a moment, "YYYY-MM-DD".
    public func day(_ milliseconds: Int64) -> String { local(milliseconds).day }

    func offset(atSecond seconds: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    func local(_ milliseconds: Int64, days: inout [Int64: String]) -> Local {
        local(milliseconds, offset: offset(atSecond: Self.floorDiv(milliseconds, 1000)), days: &days)
    }

    /// `days` caches day names by local day number (days since 1970-01-01 in local time).
    func local(_ milliseconds: Int64, offset: Int64, days: inout [Int64: String]) -> Local {
        let seconds = Self.floorDiv(milliseconds, 1000)
        let localSeconds = seconds + offset
        let dayNumber = Self.floorDiv(localSeconds, 86_400)
        let minute = Int((localSeconds - dayNumber * 86_400) / 60)
        if let day = days[dayNumber] { return Local(day: day, minute: minute) }
        // The civil date of the local day number, read by a UTC Gregorian calendar.
        let parts = Self.utcCalendar.dateComponents(
            [.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(dayNumber * 86_400)))
        let day = Self.dayFormat(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
        days[dayNumber] = day
        return Local(day: day, minute: minute)
    }

    static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    static func dayFormat(year: Int, month: Int, day: Int) -> String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
