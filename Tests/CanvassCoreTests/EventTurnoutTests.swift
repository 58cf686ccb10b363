import CanvassCore
import Testing

/// Event turnout against RSVPs, table-driven: the latest RSVP of calls and direct ones, rolled-back
/// and corrected calls left out, walk-ins, no-shows.
@Suite struct EventTurnoutTests {
    static let survey = Survey(
        id: "rally-calls", title: "Rally calls", kind: .phone,
        questions: [
            Question(id: "rally", text: "Will you come?", kind: .rsvp, event: "evt-rally"),
            Question(id: "other", text: "And the picnic?", kind: .rsvp, event: "evt-picnic"),
        ])

    static func call(_ id: String, _ answers: [String: Value], at: Int64, corrects: String? = nil)
        -> PersonFacts.Interaction
    {
        PersonFacts.Interaction(
            id: id, result: "contacted", surveyID: "rally-calls", recordedAt: at, answers: answers, corrects: corrects,
            userID: "u-bank")
    }

    static func attendance(_ person: String, _ values: [String: Value]) -> RecordValues {
        var v = values
        v["event_id"] = "evt-rally"
        v["contact_id"] = .string(person)
        return RecordValues(key: RecordKey("event_attendance", "evt-rally@\(person)"), values: v)
    }

    @Test func theLatestRsvpCounts() {
        let cases: [(call: (String, Int64)?, direct: (String, Int64)?, expected: String?)] = [
            (("yes", 10), nil, "yes"),
            (nil, ("maybe", 10), "maybe"),
            (("yes", 10), ("no", 20), "no"),
            (("no", 30), ("yes", 20), "no"),
            // At the same moment the direct one counts.
            (("no", 20), ("yes", 20), "yes"),
            (nil, nil, nil),
        ]
        for (i, c) in cases.enumerated() {
            let calls =
                c.call.map {
                    EventTurnout.callRsvps(
                        event: "evt-rally", surveys: ["rally-calls": Self.survey],
                        interactions: ["p": [Self.call("i\(i)", ["rally": .string($0.0)], at: $0.1)]], rolledBack: [])
                } ?? []
            let direct = c.direct.map { [Self.attendance("p", ["rsvp": .string($0.0), "rsvp_at": .int($0.1)])] } ?? []
            let people = EventTurnout.people(attendance: direct, callRsvps: calls)
            #expect(people.first?.rsvp?.answer == c.expected, "case \(i)")
        }
    }

    @Test func callRsvpsLeaveOutRolledBackCorrectedAndOtherEvents() {
        let interactions: [String: [PersonFacts.Interaction]] = [
            "p1": [Self.call("a", ["rally": "yes"], at: 1)],
            // Rolled back in quality review.
            "p2": [Self.call("b", ["rally": "yes"], at: 1)],
            // Corrected by the same canvasser: the correction's answer counts.
            "p3": [Self.call("c", ["rally": "yes"], at: 1), Self.call("d", ["rally": "no"], at: 2, corrects: "c")],
            // Answered the other event's question only.
            "p4": [Self.call("e", ["other": "yes"], at: 1)],
            // Two calls: the later answer counts.
            "p5": [Self.call("f", ["rally": "no"], at: 1), Self.call("g", ["rally": "maybe"], at: 5)],
        ]
        let calls = EventTurnout.callRsvps(
            event: "evt-rally", surveys: ["rally-calls": Self.survey], interactions: interactions, rolledBack: ["b"])
        let people = EventTurnout.people(attendance: [], callRsvps: calls)
        #expect(people.map(\.person) == ["p1", "p3", "p5"])
        #expect(people.map { $0.rsvp?.answer } == ["yes", "no", "maybe"])
        // A survey that does not ask about the event gives nothing.
        #expect(
            EventTurnout.callRsvps(
                event: "evt-none", surveys: ["rally-calls": Self.survey], interactions: interactions, rolledBack: []
            )
            .isEmpty)
    }

    @Test func turnoutAgainstRsvps() {
        let calls = [
            EventRsvp(person: "y1", answer: "yes", at: 1, interaction: "i1"),
            EventRsvp(person: "y2", answer: "yes", at: 1, interaction: "i2"),
            EventRsvp(person: "y3", answer: "yes", at: 1, interaction: "i3"),
            EventRsvp(person: "m1", answer: "maybe", at: 1, interaction: "i4"),
            EventRsvp(person: "m2", answer: "maybe", at: 1, interaction: "i5"),
            EventRsvp(person: "n1", answer: "no", at: 1, interaction: "i6"),
            EventRsvp(person: "n2", answer: "no", at: 1, interaction: "i7"),
        ]
        var attendance = [
            Self.attendance("y1", ["attendance": "attended"]), Self.attendance("y2", ["attendance": "attended"]),
            Self.attendance("m1", ["attendance": "attended"]),
            // Said no, came anyway; and one who never answered.
            Self.attendance("n1", ["attendance": "attended"]), Self.attendance("w1", ["attendance": "attended"]),
        ]
        let before = EventTurnout.people(attendance: attendance, callRsvps: calls)
        #expect(EventTurnout.noShows(before) == ["m2", "y3"])
        #expect(before.filter(\.walkIn).map(\.person) == ["n1", "w1"])
        attendance += EventTurnout.noShows(before).map { Self.attendance($0, ["attendance": "no_show"]) }
        // A deleted record counts for nothing.
        attendance.append(
            RecordValues(
                key: RecordKey("event_attendance", "evt-rally@gone"),
                values: ["contact_id": "gone", "attendance": "attended", "_deleted": true]))
        var t = EventTurnout(event: "evt-rally", name: "Rally", capacity: 4)
        t.tally(EventTurnout.people(attendance: attendance, callRsvps: calls))
        #expect([t.rsvpYes, t.rsvpMaybe, t.rsvpNo] == [3, 2, 2])
        #expect([t.attended, t.attendedYes, t.attendedMaybe, t.walkIns, t.noShows] == [5, 2, 1, 2, 2])
        #expect(t.turnoutPercent == 66)
        #expect(EventTurnout.noShows(EventTurnout.people(attendance: attendance, callRsvps: calls)).isEmpty)
        #expect(EventTurnout(event: "e", name: "E").turnoutPercent == nil)
    }
}
