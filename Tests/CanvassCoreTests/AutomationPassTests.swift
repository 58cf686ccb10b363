import CanvassCore
import Testing

/// What the engine and `simulate` share, without a database: the events a person's records hold,
/// what observation dates, one pass of a rule (entry, rotations, skipped steps), what a firing's
/// actions write and send, and when a failed delivery is tried again.
@Suite struct AutomationPassTests: AutomationClockFixture {
    static func interaction(
        _ id: String, _ result: String?, at: Int64?, answers: [String: Value] = [:], corrects: String? = nil
    ) -> PersonFacts.Interaction {
        PersonFacts.Interaction(
            id: id, result: result, surveyID: "S1", recordedAt: at, answers: answers, corrects: corrects, userID: "u1")
    }

    static func criteria(_ text: String) -> Criteria {
        guard case .valid(let c) = Criteria.parse(text) else { fatalError("bad criteria \(text)") }
        return c
    }

    static func rule(
        _ entry: AutomationEntry, reentry: Bool = false, _ steps: [AutomationStep]
    ) -> AutomationRule {
        AutomationRule(id: "r", campaign: "C1", name: "R", entry: entry, reentry: reentry, steps: steps)
    }

    // MARK: recorded events

    @Test func recordedEventsReadResultsAnswersRsvpsAndGifts() {
        let t = Self.monday
        let person = AutomationPersonRecords(
            facts: PersonFacts(id: "p1", contact: [:]),
            interactions: [
                Self.interaction(
                    "i1", "contacted", at: t + 1,
                    answers: ["issues": .array([.string("housing"), .string("jobs")]), "vol": .bool(true)]),
                Self.interaction("i2", "not_home", at: t + 2),
                // Corrected by i3: counts for nothing.
                Self.interaction("i3", "refused", at: t + 3, corrects: "i2"),
                // No time: no event.
                Self.interaction("i4", "moved", at: nil),
                Self.interaction("i5", nil, at: t + 5, answers: ["rsvp_q": .string("yes")]),
            ],
            rsvps: [.init(event: "E2", answer: "maybe", at: t + 6)],
            donations: [.init(cents: 2500, at: t + 7), .init(cents: 9900, at: t + 8, pledge: true)])
        let events = person.recordedEvents(rsvpQuestions: ["rsvp_q": "E1"])
        let expected: [AutomationEvent] = [
            .init(.result("contacted"), at: t + 1),
            .init(.answer(question: "issues", value: "housing"), at: t + 1),
            .init(.answer(question: "issues", value: "jobs"), at: t + 1),
            .init(.answer(question: "vol", value: "yes"), at: t + 1),
            .init(.result("refused"), at: t + 3),
            .init(.answer(question: "rsvp_q", value: "yes"), at: t + 5),
            .init(.rsvp(event: "E1", answer: "yes"), at: t + 5),
            .init(.rsvp(event: "E2", answer: "maybe"), at: t + 6),
            .init(.donation(cents: 2500), at: t + 7),
        ]
        #expect(events == expected)
        // Without the rsvp question map, the answer is only an answer.
        #expect(!person.recordedEvents().contains { if case .rsvp(event: "E1", _) = $0.kind { true } else { false } })
    }

    // MARK: observation

    @Test func observerDatesChangesMembershipsAndVotesFromTheFirstLook() {
        let watch = AutomationWatch(fields: ["phone"], groups: ["vols", "hosts"], voted: true)
        let t0 = Self.monday
        let before = PersonFacts(
            id: "p1", contact: ["phone": .string("555-1000"), "voted": .bool(false)], groups: ["vols"])
        let first = AutomationObserver.observe(before, watch: watch, previous: [:], now: t0)
        // A field's first sighting is a baseline; a membership already there is new to the engine.
        #expect(first["field:phone"] == AutomationObserved(value: "555-1000", since: 0))
        #expect(first["group:vols"] == AutomationObserved(value: "1", since: t0))
        #expect(first["group:hosts"] == AutomationObserved(value: "0", since: 0))
        #expect(first["voted"] == AutomationObserved(value: "0", since: 0))
        #expect(AutomationObserver.events(first) == [AutomationEvent(.joinedGroup("vols"), at: t0)])

        // Nothing changed: the map is the same, dates kept.
        #expect(AutomationObserver.observe(before, watch: watch, previous: first, now: t0 + Self.hour) == first)

        let t1 = t0 + Self.day
        let after = PersonFacts(
            id: "p1", contact: ["phone": .string("555-2000"), "voted": .bool(true)], groups: ["hosts"])
        let second = AutomationObserver.observe(after, watch: watch, previous: first, now: t1)
        #expect(
            Set(AutomationObserver.events(second)) == [
                AutomationEvent(.fieldChanged("phone"), at: t1), AutomationEvent(.joinedGroup("hosts"), at: t1),
                AutomationEvent(.voted, at: t1),
            ])
        // Leaving a group is no event.
        #expect(second["group:vols"] == AutomationObserved(value: "0", since: t1))
        // A key no longer watched is dropped.
        let narrower = AutomationObserver.observe(after, watch: AutomationWatch(voted: true), previous: second, now: t1)
        #expect(Array(narrower.keys) == ["voted"])
    }

    // MARK: one pass

    static func pass(
        _ rule: AutomationRule, _ person: AutomationPersonRecords,
        observed previous: [String: AutomationObserved] = [:],
        state: AutomationPersonState?, now: Int64
    ) -> (AutomationPass.Result, [String: AutomationObserved]) {
        let observed = AutomationObserver.observe(
            person.facts, watch: rule.observation, previous: previous, now: now)
        let events = AutomationPass.events(person, observed: observed, rsvpQuestions: [:])
        return (
            AutomationPass.run(
                rule, person: person, events: events, observed: observed, state: state, now: now, local: Self.utc),
            observed
        )
    }

    @Test func entryByGroupSegmentAndInteraction() {
        let step = AutomationStep(id: "s", trigger: .delayAfterEntry(0), actions: [.engagementPoints(1)])
        let t = Self.monday + Self.hour
        let member = AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: [:], groups: ["g"]))
        let outsider = AutomationPersonRecords(facts: PersonFacts(id: "p2", contact: ["party": .string("REP")]))
        let dem = AutomationPersonRecords(facts: PersonFacts(id: "p3", contact: ["party": .string("DEM")]))
        let knocked = AutomationPersonRecords(
            facts: PersonFacts(id: "p4", contact: [:]),
            interactions: [
                Self.interaction("i1", "not_home", at: t - Self.day), Self.interaction("i2", "x", at: t - 5),
            ])
        let table: [(String, AutomationEntry, AutomationPersonRecords, Int64?)] = [
            ("group member", .group("g"), member, t),
            ("not a member", .group("g"), outsider, nil),
            ("segment match", .segment(Self.criteria("party=DEM")), dem, t),
            ("segment miss", .segment(Self.criteria("party=DEM")), outsider, nil),
            ("interaction", .anyInteraction, knocked, t - 5),
            ("no interaction", .anyInteraction, member, nil),
        ]
        for (name, entry, person, enteredAt) in table {
            let (result, _) = Self.pass(Self.rule(entry, [step]), person, state: nil, now: t)
            #expect(result.state.enteredAt == enteredAt, "\(name)")
            #expect(result.state.rotation == enteredAt.map { _ in 1 }, "\(name)")
            #expect(
                result.firings.map(\.key.description) == (enteredAt == nil ? [] : ["r@\(person.id)@1@s"]), "\(name)")
        }
    }

    /// A rule on "any interaction" added today does not fire for last week's knocks: people
    /// contacted before it enter when it starts, so an old result is no event of theirs and a
    /// delay counts from the rule's start; a result recorded after it (even offline, synced
    /// later) fires.
    @Test func interactionsFromBeforeTheRuleDoNotFireIt() {
        let start = Self.monday + 7 * Self.day
        var rule = Self.rule(
            .anyInteraction,
            [AutomationStep(id: "s", trigger: .result("refused"), actions: [.addToGroup("g")])])
        rule.activeSince = start
        let old = AutomationPersonRecords(
            facts: PersonFacts(id: "p1", contact: [:]),
            interactions: [Self.interaction("i1", "refused", at: start - 3 * Self.day)])
        var (r, _) = Self.pass(rule, old, state: nil, now: start + Self.hour)
        #expect(r.state.enteredAt == start)
        #expect(r.firings.isEmpty, "an old refusal does not fire a new rule")
        var later = old
        later.interactions.append(Self.interaction("i2", "refused", at: start + 30 * Self.minute))
        (r, _) = Self.pass(rule, later, state: r.state, now: start + 2 * Self.hour)
        #expect(r.firings.map(\.key.description) == ["r@p1@1@s"])
    }

    @Test func reentryIsANewRotationOnlyWhenTheRuleAllowsIt() {
        let step = AutomationStep(id: "s", trigger: .delayAfterEntry(0), actions: [.addToList("L")])
        let segment = AutomationEntry.segment(Self.criteria("party=DEM"))
        let dem = AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: ["party": .string("DEM")]))
        let rep = AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: ["party": .string("REP")]))
        for reentry in [true, false] {
            let rule = Self.rule(segment, reentry: reentry, [step])
            var t = Self.monday
            var (r, _) = Self.pass(rule, dem, state: nil, now: t)
            #expect(r.firings.map(\.key.description) == ["r@p1@1@s"])
            // Still matching: nothing new.
            t += Self.hour
            (r, _) = Self.pass(rule, dem, state: r.state, now: t)
            #expect(r.firings.isEmpty)
            // Stops matching, then matches again: a new entry.
            t += Self.hour
            (r, _) = Self.pass(rule, rep, state: r.state, now: t)
            #expect(r.firings.isEmpty && r.state.qualifiedSince == nil)
            t += Self.hour
            (r, _) = Self.pass(rule, dem, state: r.state, now: t)
            #expect(r.firings.map(\.key.description) == (reentry ? ["r@p1@2@s"] : []), "reentry \(reentry)")
            #expect(r.state.rotation == (reentry ? 2 : 1))
        }
    }

    @Test func groupRejoinIsANewRotationDatedByObservation() {
        let step = AutomationStep(id: "s", trigger: .delayAfterEntry(Self.hour), actions: [.addToList("L")])
        let rule = Self.rule(.group("g"), reentry: true, [step])
        let inside = AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: [:], groups: ["g"]))
        let outside = AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: [:]))
        let t = Self.monday
        var (r, seen) = Self.pass(rule, inside, state: nil, now: t)
        #expect(r.firings.isEmpty && r.nextCheck == t + Self.hour)
        (r, seen) = Self.pass(rule, inside, observed: seen, state: r.state, now: t + Self.hour)
        #expect(r.firings.map(\.key.description) == ["r@p1@1@s"])
        (r, seen) = Self.pass(rule, outside, observed: seen, state: r.state, now: t + 2 * Self.hour)
        (r, seen) = Self.pass(rule, inside, observed: seen, state: r.state, now: t + 3 * Self.hour)
        #expect(r.state.rotation == 2 && r.state.enteredAt == t + 3 * Self.hour)
        #expect(r.nextCheck == t + 4 * Self.hour)
    }

    @Test func aNewRuleEntersALongStandingMemberWhenItFirstSeesThem() {
        // The engine observed the membership a month ago for another rule; a rule added today
        // with a one-hour delay enters the member today, as simulate's first look does.
        let step = AutomationStep(id: "s", trigger: .delayAfterEntry(Self.hour), actions: [.addToList("L")])
        let rule = Self.rule(.group("g"), [step])
        let member = AutomationPersonRecords(facts: PersonFacts(id: "p1", contact: [:], groups: ["g"]))
        let now = Self.monday + 30 * Self.day
        let old = ["group:g": AutomationObserved(value: "1", since: Self.monday)]
        let (r, _) = Self.pass(rule, member, observed: old, state: nil, now: now)
        #expect(r.firings.isEmpty)
        #expect(r.state.enteredAt == now && r.nextCheck == now + Self.hour)
    }

    @Test func aSkippedStepEndsTheRotation() {
        let rule = Self.rule(
            .group("g"),
            [
                AutomationStep(
                    id: "ask", trigger: .delayAfterEntry(0), conditions: Self.criteria("voted=no"),
                    actions: [.addToList("L")]),
                AutomationStep(id: "later", trigger: .delayAfterPrevious(Self.day), actions: [.engagementPoints(5)]),
            ])
        let voter = AutomationPersonRecords(
            facts: PersonFacts(id: "p1", contact: ["voted": .bool(true)], groups: ["g"]))
        let t = Self.monday
        let (r, seen) = Self.pass(rule, voter, state: nil, now: t)
        #expect(r.firings.count == 1)
        #expect(r.firings.first?.outcome == .skipped)
        #expect(r.state.ended && r.nextCheck == nil)
        let (later, _) = Self.pass(rule, voter, observed: seen, state: r.state, now: t + 2 * Self.day)
        #expect(later.firings.isEmpty)
        // A non-voter goes on to the next step.
        let other = AutomationPersonRecords(
            facts: PersonFacts(id: "p2", contact: ["voted": .bool(false)], groups: ["g"]))
        let (ok, _) = Self.pass(rule, other, state: nil, now: t)
        #expect(ok.firings.map(\.outcome) == [.fire(actions: [.addToList("L")], path: nil)])
        #expect(!ok.state.ended && ok.nextCheck == t + Self.day)
    }

    // MARK: effects

    @Test func eachActionWritesOrSendsWhatItSays() {
        let rule = Self.rule(.group("g"), [])
        let key = AutomationFiringKey(rule: "r", person: "p1", rotation: 2, step: "s")
        let person = PersonFacts(
            id: "p1",
            contact: [
                "email": .string(" ann@example.org "), "engagement_points": .int(3), "engagement_level": .int(2),
                "household_id": .string("H1"),
            ])
        let now = Self.monday
        func apply(_ a: AutomationAction, to p: PersonFacts = person) -> AutomationEffects.Outcome {
            AutomationEffects.apply([a], person: p, campaign: "C1", rule: rule, firing: key, path: "no", now: now)
        }
        let c = RecordKey("contacts", "p1")
        let table: [(AutomationAction, [AutomationWrite])] = [
            (
                .addToGroup("G"),
                [
                    AutomationWrite(
                        RecordKey("group_members", "G@p1"),
                        ["group_id": .string("G"), "contact_id": .string("p1"), "_deleted": .bool(false)])
                ]
            ),
            (.removeFromGroup("G"), [AutomationWrite(RecordKey("group_members", "G@p1"), ["_deleted": .bool(true)])]),
            (.engagementPoints(-2), [AutomationWrite(c, ["engagement_points": .int(1)])]),
            (
                .addToList("L"),
                [
                    AutomationWrite(
                        RecordKey("list_items", "L-p1"),
                        [
                            "list_id": .string("L"), "contact_id": .string("p1"), "household_id": .string("H1"),
                            "_deleted": .bool(false),
                        ])
                ]
            ),
            (.setField("language", "es"), [AutomationWrite(c, ["language": .string("es")])]),
            // A rule may not undo a do-not-contact (an unsubscribe), mark someone deceased, or re-point a reference.
            (.setField("do_not_email", "no"), []),
            (.setField("do_not_call", "yes"), []),
            (.setField("deceased", "yes"), []),
            (.setField("campaign_id", "C2"), []),
            (.setField("ward", "12"), [AutomationWrite(c, ["ward": .int(12)])]),
            (.setField("ward", "twelve"), []),
            (.setField("party", "WHIG"), []),
            (.doNotContact("all"), [AutomationWrite(c, ["do_not_contact": .bool(true)])]),
            (.doNotContact("email"), [AutomationWrite(c, ["do_not_email": .bool(true)])]),
            (.doNotContact("phone"), [AutomationWrite(c, ["do_not_call": .bool(true)])]),
            (.doNotContact("door"), [AutomationWrite(c, ["do_not_knock": .bool(true)])]),
            (.webhook("https://example.org/h"), []),
            (.sendEmail("M1"), []),
        ]
        for (action, writes) in table {
            #expect(apply(action).writes == writes, "\(action)")
        }
        #expect(apply(.setField("ward", "twelve")).notes.count == 1)
        // Two point actions in one firing add up.
        let twice = AutomationEffects.apply(
            [.engagementPoints(2), .engagementPoints(5)], person: person, campaign: "C1", rule: rule, firing: key,
            path: nil, now: now)
        #expect(twice.writes.last == AutomationWrite(c, ["engagement_points": .int(10)]))

        // The level: the contact's field and a kept change; the same level again is a note.
        let level = apply(.engagementLevel(4))
        #expect(level.writes.first == AutomationWrite(c, ["engagement_level": .int(4)]))
        #expect(level.writes.last?.key == RecordKey("engagement_changes", "r@p1@2@s#0"))
        #expect(level.writes.last?.values["previous_level"] == .int(2))
        #expect(apply(.engagementLevel(2)).writes.isEmpty && apply(.engagementLevel(2)).notes.count == 1)

        // Deliveries: unique ids FIRING#N, the webhook with its JSON body, the email to the address.
        let both = AutomationEffects.apply(
            [.webhook("https://example.org/h"), .sendEmail("M1")], person: person, campaign: "C1", rule: rule,
            firing: key, path: "no", now: now)
        #expect(both.deliveries.map(\.id) == ["r@p1@2@s#0", "r@p1@2@s#1"])
        #expect(both.deliveries.map(\.kind) == [.webhook, .email])
        #expect(both.deliveries.map(\.target) == ["https://example.org/h", "ann@example.org"])
        #expect(both.deliveries[1].mailing == "M1")
        guard case .object(let body)? = both.deliveries[0].payload else {
            Issue.record("webhook without a JSON body")
            return
        }
        #expect(body["person"] == .string("p1") && body["path"] == .string("no") && body["rotation"] == .int(2))
        #expect(body["delivery"] == .string("r@p1@2@s#0"))

        // Nobody who unsubscribed, or has no address, is emailed: a note instead.
        for contact: [String: Value] in [
            ["email": .string("ann@example.org"), "do_not_email": .bool(true)],
            ["email": .string("ann@example.org"), "do_not_contact": .bool(true)], ["email": .string("not an address")],
            [:],
        ] {
            let refused = apply(.sendEmail("M1"), to: PersonFacts(id: "p1", contact: contact))
            #expect(refused.deliveries.isEmpty && refused.notes.count == 1, "\(contact)")
        }
    }

    // MARK: delivery back-off

    @Test func backOffDoublesIsCappedAndFailsAfterTheLastAttempt() {
        let policy = DeliveryPolicy(base: 1_000, maxDelay: 10_000, maxAttempts: 6)
        let now: Int64 = 1_000_000
        let table: [(Int, DeliveryPolicy.Next)] = [
            (1, .retry(at: now + 1_000)), (2, .retry(at: now + 2_000)), (3, .retry(at: now + 4_000)),
            (4, .retry(at: now + 8_000)), (5, .retry(at: now + 10_000)), (6, .failed), (7, .failed),
        ]
        for (attempts, next) in table {
            #expect(policy.next(afterAttempt: attempts, now: now) == next, "attempt \(attempts)")
        }
        // No overflow with a long cap.
        let long = DeliveryPolicy(base: 30_000, maxDelay: 3_600_000, maxAttempts: 100)
        #expect(long.next(afterAttempt: 80, now: now) == .retry(at: now + 3_600_000))
    }
}
