/// Quality review after sync: which canvassers' shifts look wrong enough for a coordinator to
/// look at. Field data counts at once; review runs on every coordinator's replica as a pure
/// function of the replicated interactions, so two coordinators offline flag the same shifts.
///
/// A shift is one canvasser's (`user_id`) interactions in one campaign on one local day (the
/// campaign's time zone, UTC when it has none; the caller reads days with its clock). A shift is
/// flagged for any of:
///
/// - **Contact rate far above the campaign's norm.** The norm is the campaign's contact rate on
///   a channel (door or call) over every canvasser: interactions whose result reached someone
///   (`contacted` in the survey's result codes) over all interactions. A shift with at least
///   `minimumAttempts` on that channel is flagged when its rate is both at least
///   `norm + rateMargin` and at least `norm × rateRatio` (defaults 10, 0.25 and 1.5: with a
///   norm of 30 %, a rate of 55 % or more flags, and with a norm of 60 %, 90 % or more).
/// - **Doors recorded too fast.** Door interactions in time order, one door being consecutive
///   interactions at the same household (people of one household answered together are one
///   door): with at least `minimumDoors` doors, flagged when the median gap between doors is
///   under `medianGapSeconds` (default 10 doors, 30 s), or whatever the number of doors when
///   `quickGaps` gaps are under `quickGapSeconds` (default 10 gaps under 10 s). Forty doors in
///   two minutes have a median gap of about 3 s.
/// - **Results outside the list's hours.** An interaction recorded outside its list's window
///   (`lists.window_start`/`window_end`, "HH:MM" in the campaign's time zone, the end not
///   included; a window whose end is before its start runs past midnight). At least
///   `outsideWindow` such interactions flag (default 1).
///
/// Corrections: an interaction a later one corrects (`Canvassing.corrections`) is left out
/// everywhere; its correction records the same knock again, at the time of the correction.
/// Roll-backs: the shift is judged on what was recorded, rolled back or not (a roll-back is the
/// coordinator's answer to the flag, not a reason to lift it), and counts how many of its
/// interactions were rolled back; the norm counts only interactions that were not, so rolled-back
/// contacts do not raise it.
public enum ShiftReview {
    /// The thresholds above, with their defaults.
    public struct Thresholds: Sendable, Hashable, Codable {
        public var minimumAttempts = 10
        public var rateMargin = 0.25
        public var rateRatio = 1.5
        public var minimumDoors = 10
        public var medianGapSeconds: Int64 = 30
        public var quickGapSeconds: Int64 = 10
        public var quickGaps = 10
        public var outsideWindow = 1

        public init() {}

        enum CodingKeys: String, CodingKey {
            case minimumAttempts = "minimum_attempts"
            case rateMargin = "rate_margin"
            case rateRatio = "rate_ratio"
            case minimumDoors = "minimum_doors"
            case medianGapSeconds = "median_gap_seconds"
            case quickGapSeconds = "quick_gap_seconds"
            case quickGaps = "quick_gaps"
            case outsideWindow = "outside_window"
        }
    }

    /// One interaction as the review reads it; the caller has read its local day and minute with
    /// the campaign's clock, and whether its result reached someone with its survey's codes.
    public struct Interaction: Sendable, Hashable {
        public let id: String
        public let userID: String
        public let listID: String?
        public let householdID: String?
        public let channel: Channel
        /// Milliseconds since 1970.
        public let recordedAt: Int64
        /// "YYYY-MM-DD" and minutes since midnight, in the campaign's time zone.
        public let day: String
        public let minute: Int
        public let contacted: Bool
        public let corrects: String?
        public let rolledBack: Bool

        public init(
            id: String, userID: String, listID: String?, householdID: String?, channel: Channel, recordedAt: Int64,
            day: String, minute: Int, contacted: Bool, corrects: String? = nil, rolledBack: Bool = false
        ) {
            self.id = id
            self.userID = userID
            self.listID = listID
            self.householdID = householdID
            self.channel = channel
            self.recordedAt = recordedAt
            self.day = day
            self.minute = minute
            self.contacted = contacted
            self.corrects = corrects
            self.rolledBack = rolledBack
        }
    }

    /// A list's hours, in minutes since midnight; `end` is not included.
    public struct Window: Sendable, Hashable {
        public let start: Int
        public let end: Int

        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }

        /// Reads `window_start` and `window_end` ("HH:MM", 00:00–23:59, or 24:00 for the end);
        /// nil when either is missing or not a time (then the list has no window).
        public init?(start: String?, end: String?) {
            guard let s = start.flatMap({ Self.minutes($0, end: false) }),
                let e = end.flatMap({ Self.minutes($0, end: true) }), s != e
            else { return nil }
            self.init(start: s, end: e)
        }

        /// "HH:MM" as minutes since midnight.
        public static func minutes(_ text: String, end: Bool = false) -> Int? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
                let h = Int(parts[0]), let m = Int(parts[1]), (0..<60).contains(m)
            else { return nil }
            if h == 24 && m == 0 && end { return 1440 }
            return (0..<24).contains(h) ? h * 60 + m : nil
        }

        /// "HH:MM".
        public static func text(_ minutes: Int) -> String {
            let h = minutes / 60
            let m = minutes % 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }

        public func contains(_ minute: Int) -> Bool {
            start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
        }

        public var description: String { Self.text(start) + "–" + Self.text(end) }
    }

    /// Why a shift is flagged: a code, and a sentence a coordinator can read with the numbers behind it.
    public struct Reason: Sendable, Hashable, Codable {
        /// `contact_rate`, `fast_doors` or `outside_window`.
        public let code: String
        public let message: String

        public init(_ code: String, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// A channel's contact rate: interactions that reached someone, of all.
    public struct Rate: Sendable, Hashable, Codable {
        public let attempts: Int
        public let contacts: Int

        public init(attempts: Int, contacts: Int) {
            self.attempts = attempts
            self.contacts = contacts
        }

        /// Nil with no attempts.
        public var rate: Double? { attempts == 0 ? nil : Double(contacts) / Double(attempts) }
    }

    /// One shift with the numbers its flags are computed from.
    public struct Shift: Sendable, Hashable {
        public let userID: String
        public let day: String
        /// Lists its interactions were recorded on, sorted.
        public let lists: [String]
        /// Its interactions (corrected ones left out), in time order.
        public let interactions: [String]
        /// Door and call interactions, and their contacts.
        public let doors: Rate
        public let calls: Rate
        /// Distinct doors (runs of interactions at one household) and the median gap between
        /// them in seconds (nil with fewer than two doors); gaps under `quickGapSeconds`.
        public let distinctDoors: Int
        public let medianGapSeconds: Int64?
        public let quickGaps: Int
        /// Interactions recorded outside their list's hours.
        public let outsideWindow: Int
        /// Milliseconds of its first and last interaction.
        public let firstAt: Int64
        public let lastAt: Int64
        /// How many of its interactions were rolled back.
        public let rolledBack: Int
        public let reasons: [Reason]

        public var flagged: Bool { !reasons.isEmpty }
    }

    /// The result of a review: the campaign's norms and every shift, flagged or not, by day then user.
    public struct Review: Sendable, Hashable {
        public let doorNorm: Rate
        public let callNorm: Rate
        public let shifts: [Shift]

        public var flagged: [Shift] { shifts.filter(\.flagged) }
    }

    /// The id of a shift's `shift_reviews` record: `USER@CAMPAIGN@DAY`.
    public static func reviewID(user: String, campaign: String, day: String) -> String {
        "\(user)@\(campaign)@\(day)"
    }

    /// Reviews a campaign's interactions (the caller passes only the campaign's).
    /// - Parameter windows: list id → its hours; a list not here has none.
    public static func review(
        _ interactions: [Interaction], windows: [String: Window] = [:], thresholds t: Thresholds = Thresholds()
    ) -> Review {
        let corrected = Canvassing.corrections(interactions.map { ($0.id, $0.corrects, $0.userID) })
        let kept = interactions.filter { corrected[$0.id] == nil }
        func rate(_ items: [Interaction], _ channel: Channel) -> Rate {
            let on = items.filter { $0.channel == channel }
            return Rate(attempts: on.count, contacts: on.filter(\.contacted).count)
        }
        let counted = kept.filter { !$0.rolledBack }
        let doorNorm = rate(counted, .door)
        let callNorm = rate(counted, .call)
        var byShift: [String: [String: [Interaction]]] = [:]
        for i in kept { byShift[i.day, default: [:]][i.userID, default: []].append(i) }
        var shifts: [Shift] = []
        for day in byShift.keys.sorted() {
            for (user, items) in byShift[day]!.sorted(by: { $0.key < $1.key }) {
                let ordered = items.sorted { ($0.recordedAt, $0.id) < ($1.recordedAt, $1.id) }
                shifts.append(
                    shift(
                        user: user, day: day, ordered, doors: rate(ordered, .door), calls: rate(ordered, .call),
                        norms: (doorNorm, callNorm), windows: windows, t))
            }
        }
        return Review(doorNorm: doorNorm, callNorm: callNorm, shifts: shifts)
    }

    static func shift(
        user: String, day: String, _ ordered: [Interaction], doors: Rate, calls: Rate, norms: (door: Rate, call: Rate),
        windows: [String: Window], _ t: Thresholds
    ) -> Shift {
        var reasons: [Reason] = []
        for (channel, own, norm) in [("door", doors, norms.door), ("call", calls, norms.call)] {
            guard own.attempts >= t.minimumAttempts, let r = own.rate, let n = norm.rate else { continue }
            if r >= n + t.rateMargin && r >= n * t.rateRatio {
                reasons.append(
                    Reason(
                        "contact_rate",
                        "contact rate \(percent(r)) on \(own.attempts) \(channel) attempts (\(own.contacts) contacts) against the campaign's \(percent(n)) over \(norm.attempts)"
                    ))
            }
        }
        // Doors: runs of door interactions at one household (or person) are one door.
        var doorTimes: [Int64] = []
        var lastHousehold: String?
        for i in ordered where i.channel == .door {
            let household = i.householdID ?? "interaction:" + i.id
            if lastHousehold != household { doorTimes.append(i.recordedAt) }
            lastHousehold = household
        }
        let gaps = zip(doorTimes.dropFirst(), doorTimes).map { ($0 - $1) / 1000 }.sorted()
        let median = gaps.isEmpty ? nil : gaps[gaps.count / 2]
        let quick = gaps.filter { $0 < t.quickGapSeconds }.count
        let span = (doorTimes.last ?? 0) - (doorTimes.first ?? 0)
        if let median, doorTimes.count >= t.minimumDoors, median < t.medianGapSeconds {
            reasons.append(
                Reason(
                    "fast_doors",
                    "\(doorTimes.count) doors in \(duration(span)): a median of \(median) s between doors, under the \(t.medianGapSeconds) s minimum"
                ))
        } else if quick >= t.quickGaps {
            reasons.append(
                Reason(
                    "fast_doors",
                    "\(quick) doors recorded under \(t.quickGapSeconds) s after the one before (\(doorTimes.count) doors in \(duration(span)))"
                ))
        }
        var outside = 0
        var outsideLists: [String: Window] = [:]
        for i in ordered {
            guard let list = i.listID, let w = windows[list], !w.contains(i.minute) else { continue }
            outside += 1
            outsideLists[list] = w
        }
        if outside >= t.outsideWindow && outside > 0 {
            let hours = outsideLists.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.description)" }
            reasons.append(
                Reason(
                    "outside_window",
                    "\(outside) result\(outside == 1 ? "" : "s") recorded outside the list's hours (\(hours.joined(separator: ", ")))"
                ))
        }
        return Shift(
            userID: user, day: day, lists: Set(ordered.compactMap(\.listID)).sorted(), interactions: ordered.map(\.id),
            doors: doors, calls: calls, distinctDoors: doorTimes.count, medianGapSeconds: median, quickGaps: quick,
            outsideWindow: outside, firstAt: ordered.first?.recordedAt ?? 0, lastAt: ordered.last?.recordedAt ?? 0,
            rolledBack: ordered.filter(\.rolledBack).count, reasons: reasons)
    }

    /// "37 %".
    public static func percent(_ rate: Double) -> String { "\(Int((rate * 100).rounded())) %" }

    /// "1 min 52 s", "45 s", "2 h 5 min".
    static func duration(_ milliseconds: Int64) -> String {
        let s = milliseconds / 1000
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}

extension ResultCode {
    /// Whether a recorded result reached someone: `contacted` in its survey's result codes, or in
    /// the standard codes when the survey is not held or does not define the code. Campaign
    /// progress and quality review count contacts by this one rule.
    public static func reached(_ result: String?, survey: Survey?) -> Bool {
        guard let result else { return false }
        return (survey?.resultCode(result) ?? standard.first { $0.code == result })?.contacted == true
    }
}
