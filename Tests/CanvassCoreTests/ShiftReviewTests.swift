import CanvassCore
import Testing

/// Quality review's flags, as table tests over interactions with their local day and minute.
struct ShiftReviewTests {
    /// A door (or call) at `second` seconds after 08:00 on `day`, at its own household unless given.
    static func door(
        _ id: String, _ user: String, at second: Int64, household: String? = nil, contacted: Bool = false,
        list: String = "l1", day: String = "2026-10-01", channel: Channel = .door, corrects: String? = nil,
        rolledBack: Bool = false
    ) -> ShiftReview.Interaction {
        ShiftReview.Interaction(
            id: id, userID: user, listID: list, householdID: household ?? "h-\(id)", channel: channel,
            recordedAt: 1_790_000_000_000 + second * 1000, day: day, minute: 8 * 60 + Int(second / 60),
            contacted: contacted, corrects: corrects, rolledBack: rolledBack)
    }

    /// `count` doors `gap` seconds apart from `start`, every `contactEvery`-th contacted (0: none).
    static func pace(
        _ user: String, count: Int, gap: Int64, start: Int64 = 0, contactEvery: Int = 0, day: String = "2026-10-01"
    ) -> [ShiftReview.Interaction] {
        (0..<count).map { n in
            door(
                "\(user)-\(day)-\(n)", user, at: start + Int64(n) * gap,
                contacted: contactEvery > 0 && n % contactEvery == 0, day: day)
        }
    }

    static func shift(_ review: ShiftReview.Review, _ user: String, _ day: String = "2026-10-01") throws
        -> ShiftReview.Shift
    {
        try #require(review.shifts.first { $0.userID == user && $0.day == day })
    }

    @Test func fortyDoorsInTwoMinutesAreTooFastAndANormalPaceIsNot() throws {
        let review = ShiftReview.review(
            Self.pace("fast", count: 40, gap: 3) + Self.pace("steady", count: 30, gap: 240)
                + Self.pace("brisk", count: 12, gap: 35))
        let fast = try Self.shift(review, "fast")
        #expect(fast.reasons.map(\.code) == ["fast_doors"])
        #expect(fast.distinctDoors == 40 && fast.medianGapSeconds == 3 && fast.quickGaps == 39)
        #expect(
            fast.reasons.first?.message
                == "40 doors in 1 min 57 s: a median of 3 s between doors, under the 30 s minimum")
        #expect(!(try Self.shift(review, "steady")).flagged)
        #expect(!(try Self.shift(review, "brisk")).flagged)
        #expect(review.flagged.map(\.userID) == ["fast"])
    }

    @Test func manyQuickGapsFlagEvenWhenTheMedianIsSlow() throws {
        // 10 doors in a burst (9 gaps under 10 s), then 20 slow ones: the median is slow, the
        // burst is not; an 11th burst door makes 10 quick gaps.
        let nine =
            Self.pace("a", count: 10, gap: 5)
            + Self.pace("a", count: 20, gap: 300, start: 100).map {
                Self.door($0.id + "s", "a", at: ($0.recordedAt - 1_790_000_000_000) / 1000)
            }
        #expect(!(try Self.shift(ShiftReview.review(nine), "a")).flagged)
        let ten = nine + [Self.door("extra", "a", at: 48)]
        let flagged = try Self.shift(ShiftReview.review(ten), "a")
        #expect(flagged.quickGaps == 10 && flagged.reasons.map(\.code) == ["fast_doors"], "\(flagged)")
        #expect(flagged.reasons.first?.message.hasPrefix("10 doors recorded under 10 s after the one before") == true)
    }

    @Test func peopleOfOneHouseholdAnsweredTogetherAreOneDoor() throws {
        // 12 households 60 s apart, three people each answered within 4 s: one door each.
        var items: [ShiftReview.Interaction] = []
        for h in 0..<12 {
            for p in 0..<3 {
                items.append(Self.door("i\(h)-\(p)", "u", at: Int64(h * 60 + p * 2), household: "h\(h)"))
            }
        }
        let shift = try Self.shift(ShiftReview.review(items), "u")
        #expect(shift.doors.attempts == 36 && shift.distinctDoors == 12 && shift.medianGapSeconds == 60)
        #expect(!shift.flagged)
    }

    @Test func aContactRateFarAboveTheNormFlagsWithEnoughAttempts() throws {
        // The norm: 200 steady doors at 1 in 4 contacted, plus the shifts below.
        let norm =
            Self.pace("n1", count: 100, gap: 120, contactEvery: 4)
            + Self.pace("n2", count: 100, gap: 120, contactEvery: 4)
        let table: [(user: String, attempts: Int, every: Int, flagged: Bool)] = [
            ("all", 12, 1, true),  // 100 % against 82 / 253 = 32 %
            ("few", 9, 1, false),  // too few attempts to judge
            ("half", 12, 2, false),  // 50 %: not 25 points above the norm (needs about 57 %)
            ("usual", 20, 4, false),
        ]
        var items = norm
        for row in table { items += Self.pace(row.user, count: row.attempts, gap: 120, contactEvery: row.every) }
        let review = ShiftReview.review(items)
        #expect(review.doorNorm.attempts == 253 && review.doorNorm.contacts == 50 + 12 + 9 + 6 + 5)
        for row in table {
            let shift = try Self.shift(review, row.user)
            #expect(shift.flagged == row.flagged, "\(row.user): \(shift.reasons)")
            if row.flagged {
                #expect(shift.reasons.map(\.code) == ["contact_rate"])
                #expect(
                    shift.reasons.first?.message
                        == "contact rate 100 % on 12 door attempts (12 contacts) against the campaign's 32 % over 253")
            }
        }
        // Calls have their own norm: a calling shift is not judged against doors.
        let calls = (0..<12).map { Self.door("c\($0)", "caller", at: Int64($0) * 120, contacted: true, channel: .call) }
        let withCalls = ShiftReview.review(norm + calls)
        let caller = try Self.shift(withCalls, "caller")
        #expect(withCalls.callNorm.rate == 1 && !caller.flagged)
    }

    @Test func resultsOutsideTheListsHoursFlag() throws {
        let windows: [String: ShiftReview.Window] = [
            "day": try #require(ShiftReview.Window(start: "09:00", end: "20:00")),
            "night": try #require(ShiftReview.Window(start: "22:00", end: "02:00")),
        ]
        // Minutes 08:00 + second/60: 07:59 would be before 09:00 on "day".
        let early = Self.door("e", "u", at: 0, list: "day")  // 08:00
        let inHours = Self.door("i", "u", at: 3600, list: "day")  // 09:00
        let free = Self.door("f", "u", at: 7200, list: "other")  // no window
        let review = ShiftReview.review([early, inHours, free], windows: windows)
        let shift = try Self.shift(review, "u")
        #expect(shift.outsideWindow == 1 && shift.reasons.map(\.code) == ["outside_window"])
        #expect(shift.reasons.first?.message == "1 result recorded outside the list's hours (day 09:00–20:00)")
        #expect(windows["night"]!.contains(23 * 60) && windows["night"]!.contains(60))
        #expect(!windows["night"]!.contains(12 * 60) && !windows["day"]!.contains(20 * 60))
    }

    @Test func windowTimesAreReadStrictly() {
        let table: [(String?, String?, ShiftReview.Window?)] = [
            ("09:00", "20:30", .init(start: 540, end: 1230)),
            ("00:00", "24:00", .init(start: 0, end: 1440)),
            ("9:00", "20:00", nil), ("09:00", "25:00", nil), ("09:60", "20:00", nil),
            ("24:00", "08:00", nil), (nil, "20:00", nil), ("10:00", "10:00", nil), ("ab:cd", "20:00", nil),
        ]
        for (start, end, want) in table {
            #expect(ShiftReview.Window(start: start, end: end) == want, "\(start ?? "nil")–\(end ?? "nil")")
        }
    }

    @Test func aCorrectionRecordsTheSameKnockAgain() throws {
        // 10 doors two minutes apart; door 5 answered again 4 s later (b in a shift): still 10
        // doors, no quick gap, and the corrected interaction is not the shift's.
        var items = Self.pace("u", count: 10, gap: 120)
        let five = items[5]
        items.append(
            Self.door(
                "fix", "u", at: (five.recordedAt - 1_790_000_000_000) / 1000 + 4, contacted: true, corrects: five.id))
        let shift = try Self.shift(ShiftReview.review(items), "u")
        #expect(
            shift.interactions.count == 10 && !shift.interactions.contains(five.id)
                && shift.interactions.contains("fix"))
        #expect(shift.distinctDoors == 10 && shift.quickGaps == 0 && shift.doors.contacts == 1)
        // Another canvasser's `corrects` corrects nothing.
        let foreign = Self.door("x", "v", at: 30, corrects: items[0].id)
        #expect((try Self.shift(ShiftReview.review(items + [foreign]), "u")).interactions.contains(items[0].id))
    }

    @Test func rolledBackInteractionsStayEvidenceButLeaveTheNorm() throws {
        let fast = Self.pace("fast", count: 40, gap: 3, contactEvery: 1).map {
            Self.door($0.id, "fast", at: ($0.recordedAt - 1_790_000_000_000) / 1000, contacted: true, rolledBack: true)
        }
        let steady = Self.pace("steady", count: 20, gap: 300, contactEvery: 4)
        let review = ShiftReview.review(fast + steady)
        let shift = try Self.shift(review, "fast")
        #expect(shift.rolledBack == 40 && shift.reasons.map(\.code) == ["contact_rate", "fast_doors"])
        #expect(review.doorNorm == .init(attempts: 20, contacts: 5))
    }

    @Test func aShiftIsOneCanvasserOnOneDay() {
        let review = ShiftReview.review(
            Self.pace("a", count: 2, gap: 60) + Self.pace("a", count: 3, gap: 60, day: "2026-10-02")
                + Self.pace("b", count: 1, gap: 60))
        #expect(
            review.shifts.map { "\($0.userID) \($0.day) \($0.interactions.count)" } == [
                "a 2026-10-01 2", "b 2026-10-01 1", "a 2026-10-02 3",
            ])
        #expect(ShiftReview.reviewID(user: "ana", campaign: "c", day: "2026-10-01") == "ana@c@2026-10-01")
    }
}
