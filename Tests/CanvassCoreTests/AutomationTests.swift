import CanvassCore
import Testing

/// The automation evaluator: each step fires once per (rule, person, rotation, step), delays are
/// not early, windows defer to the next allowed time, decisions take the yes path in time and the
/// no path at the deadline. No clock, no database: `now` and the campaign's wall time are inputs.
@Suite struct AutomationTests: AutomationClockFixture {
    static func person(_ events: [AutomationEvent] = [], groups: Set<String> = []) -> AutomationPerson {
        AutomationPerson(facts: PersonFacts(id: "p1", contact: ["voted": .bool(false)], groups: groups), events: events)
    }

    static func rule(_ steps: [AutomationStep], reentry: Bool = false) -> AutomationRule {
        AutomationRule(id: "r", campaign: "C1", name: "R", entry: .group("g"), reentry: reentry, steps: steps)
    }

    static func fired(_ e: AutomationEvaluation) -> [String] {
        e.firings.map { f in
            switch f.outcome {
            case .fire(let actions, let path): return "\(f.key) fire \(path ?? "-") \(actions.count)"
            case .deferred(let until): return "\(f.key) deferred \(until)"
            case .skipped: return "\(f.key) skipped"
            }
        }
    }

    @Test func contactDrivenStepFiresOncePerRotation() {
        let r = Self.rule(
            [AutomationStep(id: "s", trigger: .result("refused"), actions: [.addToGroup("refusers")])], reentry: true)
        let p = Self.person([AutomationEvent(.result("refused"), at: Self.monday + Self.hour)])
        var progress = AutomationProgress(rotation: 1, enteredAt: Self.monday)
        let first = r.evaluate(person: p, progress: progress, now: Self.monday + 2 * Self.hour, local: Self.utc)
        // Evaluated twice (overlapping runs, a change set pushed twice): the same key, so a unique
        // index keeps one.
        let again = r.evaluate(person: p, progress: progress, now: Self.monday + 2 * Self.hour, local: Self.utc)
        #expect(Self.fired(first) == ["r@p1@1@s fire - 1"])
        #expect(first.firings.map(\.key) == again.firings.map(\.key))
        #expect(first.firings.first?.dueAt == Self.monday + Self.hour)
        progress.fired["s"] = Self.monday + 2 * Self.hour
        #expect(r.evaluate(person: p, progress: progress, now: Self.monday + Self.day, local: Self.utc).firings.isEmpty)
        // Re-entry: a later entry is a new rotation; the old event does not fire it again.
        #expect(Self.rule(r.steps).rotation(previous: progress, qualifiesSince: Self.monday + Self.day) == nil)
        let second = r.rotation(previous: progress, qualifiesSince: Self.monday + Self.day)
        #expect(second?.rotation == 2)
        #expect(r.rotation(previous: progress, qualifiesSince: Self.monday) == nil)
        let quiet = r.evaluate(person: p, progress: second!, now: Self.monday + 2 * Self.day, local: Self.utc)
        #expect(quiet.firings.isEmpty)
        let p2 = Self.person(p.events + [AutomationEvent(.result("refused"), at: Self.monday + Self.day + Self.hour)])
        #expect(
            Self.fired(r.evaluate(person: p2, progress: second!, now: Self.monday + 2 * Self.day, local: Self.utc))
                == ["r@p1@2@s fire - 1"])
    }

    @Test func threeDayDelayFiresAfterThreeDaysNotBefore() {
        let r = Self.rule([
            AutomationStep(id: "wait", trigger: .delayAfterEntry(3 * Self.day), actions: [.addToList("L")])
        ])
        let progress = AutomationProgress(rotation: 1, enteredAt: Self.monday)
        let table: [(Int64, [String], Int64?)] = [
            (0, [], 3 * Self.day),
            (3 * Self.day - 1, [], 3 * Self.day),
            (3 * Self.day, ["r@p1@1@wait fire - 1"], nil),
            (5 * Self.day, ["r@p1@1@wait fire - 1"], nil),
        ]
        for (offset, expected, next) in table {
            let e = r.evaluate(person: Self.person(), progress: progress, now: Self.monday + offset, local: Self.utc)
            #expect(Self.fired(e) == expected, "at +\(offset)")
            #expect(e.nextCheck == next.map { Self.monday + $0 }, "at +\(offset)")
        }
    }

    @Test func windowDefersToNextAllowedTime() {
        let window = AutomationWindow(start: 9 * 60, end: 17 * 60, weekdays: [1, 2, 3, 4, 5])
        let r = Self.rule([
            AutomationStep(id: "call", trigger: .delayAfterEntry(0), window: window, actions: [.addToList("calls")])
        ])
        let progress = AutomationProgress(rotation: 1, enteredAt: Self.monday)
        let (m, h, d) = (Self.monday, Self.hour, Self.day)
        let table: [(now: Int64, expected: String)] = [
            (m + 8 * h, "r@p1@1@call deferred \(m + 9 * h)"),
            (m + 8 * h + 30 * Self.minute + 15_000, "r@p1@1@call deferred \(m + 9 * h)"),
            (m + 17 * h, "r@p1@1@call deferred \(m + d + 9 * h)"),
            (m + 4 * d + 18 * h, "r@p1@1@call deferred \(m + 7 * d + 9 * h)"),  // Friday evening → Monday
            (m + 5 * d + 10 * h, "r@p1@1@call deferred \(m + 7 * d + 9 * h)"),  // Saturday
            (m + 2 * d + 10 * h, "r@p1@1@call fire - 1"),
            (m + 9 * h, "r@p1@1@call fire - 1"),
        ]
        for row in table {
            let e = r.evaluate(person: Self.person(), progress: progress, now: row.now, local: Self.utc)
            #expect(Self.fired(e) == [row.expected], "at \(row.now)")
        }
    }

    @Test func decisionNoPathAtDeadlineYesPathInTime() {
        let decision = AutomationDecision(
            awaiting: .result("contacted"), within: 3 * Self.day, yes: [.engagementPoints(1)],
            no: [.addToList("calls"), .addToGroup("hard")])
        let r = Self.rule([AutomationStep(id: "d", trigger: .delayAfterEntry(0), decision: decision)])
        let progress = AutomationProgress(rotation: 1, enteredAt: Self.monday)
        let (m, d) = (Self.monday, Self.day)
        let contacted = { (at: Int64) in [AutomationEvent(.result("contacted"), at: at)] }
        let table: [(events: [AutomationEvent], now: Int64, expected: [String], dueAt: Int64?)] = [
            ([], m + 2 * d, [], nil),
            ([], m + 3 * d - 1, [], nil),
            ([], m + 3 * d, ["r@p1@1@d fire no 2"], m + 3 * d),
            (contacted(m + d), m + d, ["r@p1@1@d fire yes 1"], m + d),
            (contacted(m + d), m + 4 * d, ["r@p1@1@d fire yes 1"], m + d),
            (contacted(m + 3 * d + 1), m + 4 * d, ["r@p1@1@d fire no 2"], m + 3 * d),  // too late
            ([AutomationEvent(.result("refused"), at: m + d)], m + 3 * d, ["r@p1@1@d fire no 2"], m + 3 * d),
        ]
        for row in table {
            let e = r.evaluate(person: Self.person(row.events), progress: progress, now: row.now, local: Self.utc)
            #expect(Self.fired(e) == row.expected, "at \(row.now)")
            #expect(e.firings.first?.dueAt == row.dueAt)
            if row.expected.isEmpty { #expect(e.nextCheck == m + 3 * d) }
        }
    }

    @Test func stepsRunInOrderAndConditionsEndTheRotation() {
        guard case .valid(let notVoted) = Criteria.parse("voted=no"),
            case .valid(let voted) = Criteria.parse("voted=yes")
        else { Issue.record("criteria"); return }
        let steps = [
            AutomationStep(id: "a", trigger: .result("contacted"), conditions: notVoted, actions: [.addToGroup("x")]),
            AutomationStep(id: "b", trigger: .delayAfterPrevious(Self.day), actions: [.sendEmail("t")]),
        ]
        let p = Self.person([AutomationEvent(.result("contacted"), at: Self.monday)])
        var progress = AutomationProgress(rotation: 1, enteredAt: Self.monday)
        let now = Self.monday + Self.hour
        let first = Self.rule(steps).evaluate(person: p, progress: progress, now: now, local: Self.utc)
        #expect(Self.fired(first) == ["r@p1@1@a fire - 1"])
        #expect(first.nextCheck == now + Self.day)
        progress.fired["a"] = now
        #expect(
            Self.fired(Self.rule(steps).evaluate(person: p, progress: progress, now: now + Self.day, local: Self.utc))
                == ["r@p1@1@b fire - 1"])
        var blocked = steps
        blocked[0].conditions = voted
        let skipped = Self.rule(blocked).evaluate(
            person: p, progress: AutomationProgress(rotation: 1, enteredAt: Self.monday), now: now, local: Self.utc)
        #expect(Self.fired(skipped) == ["r@p1@1@a skipped"])
        #expect(skipped.nextCheck == nil)
    }
}
