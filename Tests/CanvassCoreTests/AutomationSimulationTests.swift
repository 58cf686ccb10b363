import CanvassCore
import Testing

/// `automation simulate` without a database: the simulated clock jumps from one due instant to
/// the next, so a delay fires at its end and not before, a window defers to its next opening, a
/// decision takes its no path at the deadline, and each step fires once.
@Suite struct AutomationSimulationTests: AutomationClockFixture {
    static func member(_ id: String, _ contact: [String: Value] = [:], interactions: [PersonFacts.Interaction] = [])
        -> AutomationPersonRecords
    {
        AutomationPersonRecords(facts: PersonFacts(id: id, contact: contact, groups: ["g"]), interactions: interactions)
    }

    static func rule(_ steps: [AutomationStep], id: String = "r", entry: AutomationEntry = .group("g"))
        -> AutomationRule
    {
        AutomationRule(id: id, campaign: "C1", name: id, entry: entry, steps: steps)
    }

    static func simulate(
        _ rules: [AutomationRule], _ people: [AutomationPersonRecords], from: Int64 = monday, days: Int64
    ) -> [AutomationSimulation.Firing] {
        AutomationSimulation.run(
            rules: rules, people: people, rsvpQuestions: [:], from: from, until: from + days * day, local: utc)
    }

    @Test func aThreeDayDelayFiresAtDayThreeAndNotBefore() {
        let r = Self.rule([
            AutomationStep(id: "wait", trigger: .delayAfterEntry(3 * Self.day), actions: [.addToList("L")])
        ])
        let people = [Self.member("p1"), Self.member("p2")]
        let table: [(Int64, [String])] = [
            (1 * Self.day, []),
            (3 * Self.day - 1, []),
            (3 * Self.day, ["r@p1@1@wait", "r@p2@1@wait"]),
            (10 * Self.day, ["r@p1@1@wait", "r@p2@1@wait"]),
        ]
        for (span, keys) in table {
            let firings = AutomationSimulation.run(
                rules: [r], people: people, rsvpQuestions: [:], from: Self.monday, until: Self.monday + span,
                local: Self.utc)
            #expect(firings.map(\.key.description) == keys, "over \(span) ms")
            let due: Int64 = Self.monday + 3 * Self.day
            #expect(firings.allSatisfy { $0.at == due && $0.dueAt == due })
        }
        let f = Self.simulate([r], people, days: 5)[0]
        #expect(f.outcome == .fired)
        #expect(f.effects.writes.map(\.key) == [RecordKey("list_items", "L-p1")])
    }

    @Test func aWindowDefersToTheNextAllowedTime() {
        // Friday 16:30 plus one hour is 17:30, after hours: the step waits for Monday 09:00.
        let friday1630 = Self.monday + 4 * Self.day + 16 * Self.hour + 30 * Self.minute
        let r = Self.rule([
            AutomationStep(
                id: "call", trigger: .delayAfterEntry(Self.hour),
                window: AutomationWindow(start: 9 * 60, end: 17 * 60, weekdays: [1, 2, 3, 4, 5]),
                actions: [.addToList("calls")])
        ])
        let firings = Self.simulate([r], [Self.member("p1")], from: friday1630, days: 7)
        #expect(firings.map(\.key.description) == ["r@p1@1@call"])
        #expect(firings.first?.at == Self.monday + 7 * Self.day + 9 * Self.hour)
        #expect(firings.first?.dueAt == friday1630 + Self.hour)
        // Not yet by Monday 08:59.
        #expect(Self.simulate([r], [Self.member("p1")], from: friday1630, days: 2).isEmpty)
    }

    @Test func aDecisionTakesItsNoPathAtTheDeadlineAndItsYesPathOnTheEvent() {
        let t = Self.monday + 10 * Self.hour
        let r = Self.rule([
            AutomationStep(
                id: "chase", trigger: .at(t - 2 * Self.hour),
                decision: AutomationDecision(
                    awaiting: .result("contacted"), within: 3 * Self.day, yes: [.engagementPoints(1)],
                    no: [.addToList("calls")]))
        ])
        let silent = Self.member("p1")
        let reached = Self.member(
            "p2",
            interactions: [
                PersonFacts.Interaction(
                    id: "i1", result: "contacted", surveyID: nil, recordedAt: t - Self.hour, answers: [:])
            ])
        let firings = Self.simulate([r], [silent, reached], from: t, days: 5)
        #expect(firings.map(\.key.person) == ["p2", "p1"])
        #expect(firings.map(\.path) == ["yes", "no"])
        let deadline: Int64 = t - 2 * Self.hour + 3 * Self.day
        let times: [Int64] = [t, deadline]
        #expect(firings.map(\.at) == times)
        #expect(firings[1].dueAt == deadline)
        #expect(firings[1].effects.writes.map(\.key) == [RecordKey("list_items", "calls-p1")])
        #expect(
            firings[0].effects.writes == [AutomationWrite(RecordKey("contacts", "p2"), ["engagement_points": .int(1)])])
        // One day short of the deadline: no path yet.
        #expect(Self.simulate([r], [silent], from: t, days: 2).isEmpty)
    }

    @Test func eachStepFiresOnceAndChainedRulesArePreviewed() {
        // A contact-driven step fires once, however long the preview; its add_to_group enters the
        // person into a second rule, whose conditions skip one person and end their rotation.
        let t = Self.monday
        let first = Self.rule(
            [AutomationStep(id: "s", trigger: .result("refused"), actions: [.addToGroup("hard")])], id: "tag",
            entry: .anyInteraction)
        let second = Self.rule(
            [
                AutomationStep(
                    id: "a", trigger: .delayAfterEntry(Self.day), conditions: Self.criteria("voted=no"),
                    actions: [.engagementPoints(-1)]),
                AutomationStep(id: "b", trigger: .delayAfterPrevious(Self.day), actions: [.webhook("https://x.org/h")]),
            ], id: "follow", entry: .group("hard"))
        let refused = PersonFacts.Interaction(
            id: "i1", result: "refused", surveyID: nil, recordedAt: t - Self.hour, answers: [:])
        let people = [
            AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: [:]), interactions: [refused]),
            AutomationPersonRecords(
                facts: PersonFacts(id: "p2", contact: ["voted": .bool(true)]), interactions: [refused]),
            AutomationPersonRecords(facts: PersonFacts(id: "p3", contact: [:])),
        ]
        let firings = Self.simulate([first, second], people, days: 30)
        let seen = firings.map { "\($0.key) \($0.outcome.rawValue) +\(($0.at - t) / Self.day)" }
        #expect(
            seen == [
                "tag@p1@1@s fired +0", "tag@p2@1@s fired +0", "follow@p1@1@a fired +1", "follow@p2@1@a skipped +1",
                "follow@p1@1@b fired +2",
            ])
        #expect(firings.last?.effects.deliveries.map(\.id) == ["follow@p1@1@b#0"])
        // Deterministic: the same inputs, the same preview.
        #expect(Self.simulate([first, second], people, days: 30) == firings)
    }

    @Test func theFirstLookIsABaselineForFieldsAsTheEngineSeesIt() {
        let r = Self.rule([AutomationStep(id: "s", trigger: .fieldChange("phone"), actions: [.addToList("L")])])
        #expect(Self.simulate([r], [Self.member("p1", ["phone": .string("555")])], days: 30).isEmpty)
        // A group membership already there is new to the engine: a group trigger fires at the first look.
        let joined = Self.rule([AutomationStep(id: "s", trigger: .joinedGroup("g"), actions: [.addToList("L")])])
        #expect(Self.simulate([joined], [Self.member("p1")], days: 1).map(\.at) == [Self.monday])
    }

    static func criteria(_ text: String) -> Criteria {
        guard case .valid(let c) = Criteria.parse(text) else { fatalError("bad criteria \(text)") }
        return c
    }
}
