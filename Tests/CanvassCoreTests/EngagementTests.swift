import CanvassCore
import Testing

/// Engagement levels: the documented rules (raise only, never 5, once per rule and level), the
/// level at a time from the history, and movement between levels over a period.
struct EngagementTests {
    typealias A = Engagement.Activity

    @Test(
        arguments: [
            // (current, activity, already applied, expected level, expected rule)
            (nil, A(), [], nil, nil),
            (nil, A(rsvpYes: true), [], 2, "rsvp_yes"),
            (1, A(eventsAttended: 1), [], 3, "attended"),
            (2, A(donated: true), [], 3, "donated"),
            (1, A(rsvpYes: true, eventsAttended: 1, donated: true), [], 3, "attended"),
            (1, A(eventsAttended: 2), [], 4, "volunteered"),
            (3, A(volunteerYes: true), [], 4, "volunteered"),
            // Never lower: a 4 who only RSVPed stays 4; a 5 stays 5.
            (4, A(rsvpYes: true, eventsAttended: 1), [], nil, nil),
            (5, A(eventsAttended: 3, donated: true, volunteerYes: true), [], nil, nil),
            // A rule raises once: lowered by hand after `attended`, the next rule met applies.
            (2, A(eventsAttended: 1), ["p@attended@3"], nil, nil),
            (2, A(eventsAttended: 1, donated: true), ["p@attended@3"], 3, "donated"),
        ] as [(Int?, A, Set<String>, Int?, String?)])
    func rules(_ row: (Int?, A, Set<String>, Int?, String?)) {
        let p = Engagement.proposal(contact: "p", current: row.0, activity: row.1, applied: row.2)
        #expect(p?.level == row.3 && p?.rule.rawValue == row.4, "\(String(describing: p))")
    }

    @Test func activityFromRecords() {
        let a = A(
            events: [
                EventPerson(person: "p", rsvp: EventRsvp(person: "p", answer: "no", at: 1), attendance: "attended"),
                EventPerson(person: "p", rsvp: EventRsvp(person: "p", answer: "yes", at: 1), attendance: nil),
                EventPerson(person: "p", rsvp: nil, attendance: "no_show"),
            ],
            answers: ["volunteer": "no"],
            donations: [Donation(id: "d", contactID: "p", campaignID: "c", amountCents: 5, pledge: true)])
        #expect(a == A(rsvpYes: true, eventsAttended: 1, donated: false, volunteerYes: false))
        let b = A(
            events: [], answers: ["other": "yes", "volunteer": "yes"],
            donations: [Donation(id: "d", contactID: "p", campaignID: "c", amountCents: 5, pledge: false)])
        #expect(b == A(rsvpYes: false, eventsAttended: 0, donated: true, volunteerYes: true))
        #expect(A(events: [], answers: ["volunteer": true], donations: []).volunteerYes)
    }

    @Test func hand() {
        #expect(Engagement.checkHand(level: 5, reason: "leads the phone bank").isEmpty)
        #expect(Set(Engagement.checkHand(level: 6, reason: "  ").map(\.location)) == ["LEVEL", "--reason"])
        #expect(Engagement.checkHand(level: 0, reason: "x").map(\.location) == ["LEVEL"])
        #expect(Engagement.name(4) == "volunteer" && Engagement.name(0) == nil)
    }

    static func change(_ id: String, _ who: String, _ from: Int?, _ to: Int, at: Int64, rule: String = "hand")
        -> Engagement.Change
    {
        Engagement.Change(
            id: id, contactID: who, campaignID: "c", level: to, previousLevel: from, rule: rule, reason: nil,
            changedAt: at, userID: "u")
    }

    @Test(
        arguments: [
            // (time, expected): history 1 →(t=100) 2 →(t=200) 4
            (nil, 4), (50, 1), (99, 1), (100, 2), (150, 2), (200, 4), (1000, 4),
        ] as [(Int64?, Int?)])
    func levelAtATime(_ row: (Int64?, Int?)) {
        let history = [Self.change("b", "p", 2, 4, at: 200), Self.change("a", "p", 1, 2, at: 100)]
        #expect(Engagement.level(at: row.0, changes: history, current: 4) == row.1)
    }

    @Test func aPersonWithoutHistoryKeepsTheirLevel() {
        #expect(Engagement.level(at: 5, changes: [], current: 3) == 3)
        #expect(Engagement.level(at: 5, changes: [Self.change("a", "p", nil, 2, at: 10)], current: 2) == nil)
    }

    @Test func movementOverAPeriod() {
        // p1: none → 2 (t=100) → 4 (t=300); p2: 3 → 1 (t=200); p3: 2, no changes; p4: none.
        let changes = [
            Self.change("a", "p1", nil, 2, at: 100, rule: "rsvp_yes"), Self.change("b", "p1", 2, 4, at: 300),
            Self.change("c", "p2", 3, 1, at: 200), Self.change("z", "elsewhere", 1, 5, at: 200),
        ]
        let people: [(id: String, level: Int?)] = [("p1", 4), ("p2", 1), ("p3", 2), ("p4", nil)]
        let all = EngagementReport.make(campaign: "c", people: people, changes: changes, from: nil, to: nil)
        #expect(all.people == 4)
        #expect(all.distribution.map(\.people) == [1, 1, 0, 1, 0, 1], "1–5 then unrated")
        #expect(all.distribution.last?.level == nil && all.distribution.last?.name == "unrated")
        #expect(all.raised == 1 && all.lowered == 1 && all.unchanged == 2)
        #expect(
            Set(all.movement)
                == Set([
                    EngagementReport.Move(from: nil, to: 4, people: 1),
                    EngagementReport.Move(from: 3, to: 1, people: 1),
                ]))
        #expect(all.changesByRule == ["rsvp_yes": 1, "hand": 2])
        // Between 150 and 250: p1 stays at 2, p2 goes 3 → 1.
        let mid = EngagementReport.make(campaign: "c", people: people, changes: changes, from: 150, to: 250)
        #expect(
            mid.movement == [EngagementReport.Move(from: 3, to: 1, people: 1)] && mid.raised == 0 && mid.lowered == 1)
        #expect(mid.changesByRule == ["hand": 1])
        // From 100 on: p1's first change counts (a period includes its first moment).
        let late = EngagementReport.make(campaign: "c", people: people, changes: changes, from: 100, to: nil)
        #expect(late.movement.contains(EngagementReport.Move(from: nil, to: 4, people: 1)))
    }

    @Test func aRulesChangeIDIsThePersonTheRuleAndTheLevel() {
        #expect(Engagement.ruleKey(contact: "p-1", rule: .attended, level: 3) == "p-1@attended@3")
        #expect(
            Engagement.ruleChangeID(contact: "p-1", rule: .attended, level: 3, replica: "lap") == "p-1@attended@3@lap")
        let c = Self.change("x", "p", 1, 3, at: 9, rule: "attended")
        #expect(Engagement.Change(id: "x", c.values) == c)
    }

    @Test func theSameRuleChangeOnTwoLaptopsIsOneChange() {
        let a = Self.change("p@donated@3@lap-b", "p", 2, 3, at: 20, rule: "donated")
        let b = Self.change("p@donated@3@lap-a", "p", 2, 3, at: 10, rule: "donated")
        let hand = Self.change("p@hand@3@lap-a-5", "p", 2, 3, at: 5)
        let again = Self.change("p@hand@3@lap-b-6", "p", 2, 3, at: 6)
        #expect(Engagement.distinct([a, hand, b, again]) == [hand, again, b], "hand changes all kept, a rule once")
        #expect(b.ruleKey == "p@donated@3" && hand.ruleKey == nil)
    }
}
