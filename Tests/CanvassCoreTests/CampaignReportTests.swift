import CanvassCore
import Testing

/// The campaign report's counting rules, on facts without a database.
struct CampaignReportTests {
    typealias I = CampaignReport.Interaction

    static let survey = Survey(
        id: "s1", title: "Doors", kind: .canvass, resultCodes: ResultCode.standard,
        questions: [
            Question(id: "support", text: "Support?", kind: .scale, min: 1, max: 5),
            Question(id: "issues", text: "Issues", kind: .multipleChoice, options: [.init("tax"), .init("schools")]),
            Question(id: "note", text: "Anything else", kind: .text),
        ])

    static func facts(_ interactions: [I], rolledBack: Set<String> = [], from: String? = nil, to: String? = nil)
        -> CampaignReport.Facts
    {
        CampaignReport.Facts(
            campaign: "c", name: "C", goalDoors: 10, goalContacts: 4, interactions: interactions,
            rolledBack: rolledBack, surveys: ["s1": survey], campaignSurveys: ["s1"],
            lists: [
                .init(id: "L1", name: "North", survey: "s1", people: ["p1", "p2", "p3"], suppressed: ["p3"]),
                .init(id: "L2", name: "South", survey: "s1", people: ["p4"]),
            ],
            userNames: ["u1": "Ana", "u2": "Ben"], from: from, to: to)
    }

    static func door(
        _ id: String, _ person: String, _ household: String, _ result: String, list: String = "L1", user: String = "u1",
        day: String = "2026-10-01", at: Int64 = 0, answers: [String: Value] = [:], corrects: String? = nil
    ) -> I {
        I(
            id: id, person: person, household: household, list: list, survey: "s1", channel: "door", result: result,
            answers: answers, user: user, corrects: corrects, recordedAt: at, day: day)
    }

    struct Case: CustomTestStringConvertible {
        let name: String
        let interactions: [I]
        var rolledBack: Set<String> = []
        var from: String?
        var to: String?
        let attempts: Int
        let doors: Int
        let contacts: Int
        var results: [String: Int] = [:]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "two knocks at one household are one door; contacted results are contacts",
            interactions: [door("i1", "p1", "h1", "not_home", at: 1), door("i2", "p2", "h1", "contacted", at: 2)],
            attempts: 2, doors: 1, contacts: 1, results: ["not_home": 1, "contacted": 1]),
        Case(
            name: "a rolled-back interaction counts nowhere",
            interactions: [door("i1", "p1", "h1", "contacted"), door("i2", "p2", "h2", "contacted")],
            rolledBack: ["i2"], attempts: 1, doors: 1, contacts: 1, results: ["contacted": 1]),
        Case(
            name: "a corrected interaction gives way to its correction",
            interactions: [
                door("i1", "p1", "h1", "not_home", at: 1), door("i2", "p1", "h1", "contacted", at: 2, corrects: "i1"),
            ],
            attempts: 1, doors: 1, contacts: 1, results: ["contacted": 1]),
        Case(
            name: "a rolled-back correction corrects nothing: the knock it corrected counts again",
            interactions: [
                door("i1", "p1", "h1", "not_home", at: 1), door("i2", "p1", "h1", "contacted", at: 2, corrects: "i1"),
            ],
            rolledBack: ["i2"], attempts: 1, doors: 1, contacts: 0, results: ["not_home": 1]),
        Case(
            name: "another canvasser's correction corrects nothing",
            interactions: [
                door("i1", "p1", "h1", "not_home", at: 1),
                door("i2", "p1", "h1", "contacted", user: "u2", at: 2, corrects: "i1"),
            ],
            attempts: 2, doors: 1, contacts: 1, results: ["contacted": 1, "not_home": 1]),
        Case(
            name: "the range keeps its local days, both ends included",
            interactions: [
                door("i1", "p1", "h1", "contacted", day: "2026-09-30"), door("i2", "p2", "h2", "contacted"),
                door("i3", "p4", "h4", "refused", list: "L2", day: "2026-10-02"),
            ],
            from: "2026-10-01", to: "2026-10-02", attempts: 2, doors: 2, contacts: 2,
            results: ["contacted": 1, "refused": 1]),
        Case(
            name: "another campaign's list is not counted; calls are attempts but not doors",
            interactions: [
                door("i1", "p1", "h1", "contacted", list: "other"),
                I(id: "i2", person: "p4", list: "L2", survey: "s1", channel: "call", result: "contacted", user: "u2"),
            ],
            attempts: 1, doors: 0, contacts: 1, results: ["contacted": 1]),
    ]

    @Test(arguments: cases)
    func totals(_ c: Case) {
        let r = CampaignReport.build(Self.facts(c.interactions, rolledBack: c.rolledBack, from: c.from, to: c.to))
        #expect(r.totals.attempts == c.attempts)
        #expect(r.totals.doors == c.doors)
        #expect(r.totals.contacts == c.contacts)
        #expect(r.totals.contactRate == CampaignReport.rate(c.contacts, of: c.attempts))
        #expect(Dictionary(uniqueKeysWithValues: r.results.map { ($0.code, $0.count) }) == c.results)
        #expect(r.rolledBack == c.rolledBack.count)
        #expect(r.goals.doors.done == c.doors && r.goals.doors.goal == 10)
        #expect(r.goals.contacts.percent == Int64(c.contacts * 100 / 4))
    }

    @Test func tablesPerCanvasserListAndDay() {
        let r = CampaignReport.build(
            Self.facts([
                Self.door("i1", "p1", "h1", "contacted", at: 1),
                Self.door("i2", "p2", "h2", "not_home", user: "u2", at: 2),
                Self.door("i3", "p4", "h4", "moved", list: "L2", user: "u2", day: "2026-10-02", at: 3),
            ]))
        #expect(
            r.byCanvasser?.map { [$0.name, "\($0.tally.attempts)", "\($0.tally.contacts)"] } == [
                ["Ana", "1", "1"], ["Ben", "2", "0"],
            ])
        #expect(r.byDay?.map { "\($0.key):\($0.tally.doors)" } == ["2026-10-01:2", "2026-10-02:1"])
        // North: p1 contacted (done), p2 not home (to do again), p3 suppressed (done); South: p4 moved (done).
        #expect(r.byList?.map { "\($0.name) \($0.done!)/\($0.total!)" } == ["North 2/3", "South 1/1"])
        let onlyDays = CampaignReport.build(Self.facts([Self.door("i1", "p1", "h1", "contacted")]), by: .day)
        #expect(onlyDays.byCanvasser == nil && onlyDays.byList == nil && onlyDays.byDay?.count == 1)
    }

    @Test func answersCountEachPersonsLatestAnswer() {
        let r = CampaignReport.build(
            Self.facts(
                [
                    Self.door(
                        "i1", "p1", "h1", "contacted", at: 1,
                        answers: ["support": 2, "issues": .array(["tax", "schools"])]),
                    Self.door("i2", "p1", "h1", "contacted", at: 5, answers: ["support": 5]),
                    Self.door(
                        "i3", "p2", "h2", "contacted", at: 3,
                        answers: ["support": 4, "issues": .array(["tax"]), "note": "hi"]),
                    Self.door("i4", "p4", "h4", "contacted", list: "L2", at: 4, answers: ["support": 1]),
                ], rolledBack: ["i4"]))
        #expect(r.support == ["1": 0, "2": 0, "3": 0, "4": 1, "5": 1])
        let issues = r.questions.first { $0.id == "issues" }
        #expect(issues?.answered == 2)
        #expect(issues?.options.map { "\($0.value)=\($0.people)" } == ["tax=2", "schools=1"])
        let note = r.questions.first { $0.id == "note" }
        #expect(note?.answered == 1 && note?.options.isEmpty == true)
    }
}
