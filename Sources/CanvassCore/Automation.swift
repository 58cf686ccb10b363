/// Campaign automation (issue 12): rules as plain values and the pure evaluator.
///
/// A rule has an entry (who comes in), and steps that fire in order, each at most once per person,
/// rule and rotation. Every entry is a new rotation (a second one only when the rule allows
/// re-entry). The evaluator is a pure function of the rule, the person's state, the progress of
/// this rotation and `now`; the engine stores each ``AutomationFiring`` under its
/// ``AutomationFiring/key`` with a unique index, so a firing computed twice (an overlapping run, a
/// change set pushed twice) is written once. Times are milliseconds since 1970 (UTC); windows are
/// in the campaign's zone, through the ``AutomationLocalTime`` the caller computes (CanvassCore
/// has no calendar).
public struct AutomationRule: Sendable, Hashable {
    public var id: String
    public var campaign: String
    public var name: String
    public var entry: AutomationEntry
    /// Whether a person who finished a rotation enters again (a new rotation) on a later entry.
    public var reentry: Bool
    public var steps: [AutomationStep]
    /// When the rule started (its record's `added_at`; `simulate` uses now): an "any interaction"
    /// entry is dated no earlier, so interactions from before the rule existed neither trigger
    /// its steps nor start its delays in the past.
    public var activeSince: Int64 = 0

    public init(
        id: String, campaign: String, name: String, entry: AutomationEntry, reentry: Bool = false,
        steps: [AutomationStep]
    ) {
        self.id = id
        self.campaign = campaign
        self.name = name
        self.entry = entry
        self.reentry = reentry
        self.steps = steps
    }
}

/// Who enters a rule.
public enum AutomationEntry: Sendable, Hashable {
    /// Members of a static group (id).
    case group(String)
    /// People matching segment criteria.
    case segment(Criteria)
    /// Anyone with an interaction in the campaign.
    case anyInteraction
}

/// Something that happened to a person, as the engine reads it from replicated records.
public enum AutomationEventKind: Sendable, Hashable {
    case result(String)
    case answer(question: String, value: String)
    case fieldChanged(String)
    case joinedGroup(String)
    case rsvp(event: String, answer: String)
    case voted
    case donation(cents: Int64)
}

public struct AutomationEvent: Sendable, Hashable {
    public var kind: AutomationEventKind
    public var at: Int64

    public init(_ kind: AutomationEventKind, at: Int64) {
        self.kind = kind
        self.at = at
    }
}

/// What makes a step due.
public enum AutomationTrigger: Sendable, Hashable {
    // Contact-driven: an event after the step's start (entry, or the previous step).
    case result(String)
    /// An answer to a question; nil value is any answer.
    case answer(question: String, value: String?)
    case fieldChange(String)
    case joinedGroup(String)
    /// An RSVP; nil event is any event, nil answer any answer.
    case rsvp(event: String?, answer: String?)
    case voted
    case donation
    // Time-driven.
    /// At an instant (milliseconds).
    case at(Int64)
    /// A delay (milliseconds) after the rotation's entry.
    case delayAfterEntry(Int64)
    /// A delay (milliseconds) after the previous step fired (after entry for the first step).
    case delayAfterPrevious(Int64)

    public var isContactDriven: Bool {
        switch self {
        case .at, .delayAfterEntry, .delayAfterPrevious: return false
        default: return true
        }
    }

    /// Whether an event satisfies this (contact-driven) trigger.
    public func matches(_ event: AutomationEventKind) -> Bool {
        switch (self, event) {
        case (.result(let a), .result(let b)): return a.lowercased() == b.lowercased()
        case (.answer(let q, let v), .answer(let eq, let ev)):
            return q == eq && (v.map { $0.lowercased() == ev.lowercased() } ?? true)
        case (.fieldChange(let a), .fieldChanged(let b)): return a == b
        case (.joinedGroup(let a), .joinedGroup(let b)): return a == b
        case (.rsvp(let e, let a), .rsvp(let ee, let ea)):
            return (e.map { $0 == ee } ?? true) && (a.map { $0.lowercased() == ea.lowercased() } ?? true)
        case (.voted, .voted), (.donation, .donation): return true
        default: return false
        }
    }
}

/// Local wall time in the campaign's zone: ISO weekday (1 = Monday … 7 = Sunday) and minute of day.
public struct AutomationLocalTime: Sendable, Hashable {
    public var weekday: Int
    public var minute: Int

    public init(weekday: Int, minute: Int) {
        self.weekday = weekday
        self.minute = minute
    }
}

/// Hours and days a step may fire: `[start, end)` minutes of the day on the given weekdays.
public struct AutomationWindow: Sendable, Hashable {
    public var start: Int
    public var end: Int
    /// ISO weekdays (1 = Monday); empty means every day.
    public var weekdays: Set<Int>

    public init(start: Int = 0, end: Int = 1440, weekdays: Set<Int> = []) {
        self.start = start
        self.end = end
        self.weekdays = weekdays
    }

    public func contains(_ t: AutomationLocalTime) -> Bool {
        (weekdays.isEmpty || weekdays.contains(t.weekday)) && t.minute >= start && t.minute < end
    }

    /// Minutes from `t` to the next allowed minute (0 when `t` is inside), nil when none in a week.
    public func minutesUntilOpen(from t: AutomationLocalTime) -> Int? {
        for d in 0...7 {
            let day = (t.weekday - 1 + d) % 7 + 1
            guard weekdays.isEmpty || weekdays.contains(day) else { continue }
            if d == 0 {
                guard t.minute < end else { continue }
                return max(t.minute, start) - t.minute
            }
            return d * 1440 + start - t.minute
        }
        return nil
    }

    /// The first instant at or after `now` inside the window, given the campaign's clock.
    public func nextOpen(after now: Int64, local: (Int64) -> AutomationLocalTime) -> Int64? {
        var t = now
        // A daylight-saving change between now and the answer can shift it; re-check a few times.
        for _ in 0..<4 {
            let lt = local(t)
            guard let minutes = minutesUntilOpen(from: lt) else { return nil }
            if minutes == 0 { return t }
            t = t - t % 60_000 + Int64(minutes) * 60_000
        }
        return contains(local(t)) ? t : nil
    }
}

/// A decision: wait for an event until a deadline; yes path when it comes in time, no path at the
/// deadline.
public struct AutomationDecision: Sendable, Hashable {
    /// A contact-driven trigger.
    public var awaiting: AutomationTrigger
    /// Milliseconds after the step became due.
    public var within: Int64
    public var yes: [AutomationAction]
    public var no: [AutomationAction]

    public init(awaiting: AutomationTrigger, within: Int64, yes: [AutomationAction], no: [AutomationAction]) {
        self.awaiting = awaiting
        self.within = within
        self.yes = yes
        self.no = no
    }
}

public enum AutomationAction: Sendable, Hashable {
    case addToGroup(String)
    case removeFromGroup(String)
    case engagementPoints(Int)
    case engagementLevel(Int)
    /// Add to a walk or call list (id) as a follow-up.
    case addToList(String)
    case setField(String, String)
    /// Mark do not contact on a channel (`all`, `email`, `phone`, `mail`, `door`).
    case doNotContact(String)
    /// POST JSON to an integration URL (through the durable outbox).
    case webhook(String)
    /// Send a campaign email from a template.
    case sendEmail(String)
}

public struct AutomationStep: Sendable, Hashable {
    public var id: String
    public var trigger: AutomationTrigger
    public var window: AutomationWindow?
    public var decision: AutomationDecision?
    /// Checked when the step is due; when they fail the step is skipped and the rotation ends.
    public var conditions: Criteria
    public var actions: [AutomationAction]

    public init(
        id: String, trigger: AutomationTrigger, window: AutomationWindow? = nil, decision: AutomationDecision? = nil,
        conditions: Criteria = .everyone, actions: [AutomationAction] = []
    ) {
        self.id = id
        self.trigger = trigger
        self.window = window
        self.decision = decision
        self.conditions = conditions
        self.actions = actions
    }
}

/// The person as the evaluator sees them.
public struct AutomationPerson: Sendable, Hashable {
    public var facts: PersonFacts
    /// Events, any order.
    public var events: [AutomationEvent]

    public init(facts: PersonFacts, events: [AutomationEvent]) {
        self.facts = facts
        self.events = events
    }

    public var id: String { facts.id }
}

/// What has happened in one rotation: when the person entered, and when each step fired (by id).
public struct AutomationProgress: Sendable, Hashable {
    public var rotation: Int
    public var enteredAt: Int64
    public var fired: [String: Int64]
    /// Set when a step was skipped (its conditions failed): the rotation is over.
    public var ended: Bool

    public init(rotation: Int, enteredAt: Int64, fired: [String: Int64] = [:], ended: Bool = false) {
        self.rotation = rotation
        self.enteredAt = enteredAt
        self.fired = fired
        self.ended = ended
    }

    public func isComplete(_ rule: AutomationRule) -> Bool {
        ended || rule.steps.allSatisfy { fired[$0.id] != nil }
    }
}

/// The unique key of a firing: a storage layer enforces at-most-once with it.
public struct AutomationFiringKey: Sendable, Hashable, CustomStringConvertible {
    public var rule: String
    public var person: String
    public var rotation: Int
    public var step: String

    public init(rule: String, person: String, rotation: Int, step: String) {
        self.rule = rule
        self.person = person
        self.rotation = rotation
        self.step = step
    }

    public var description: String { "\(rule)@\(person)@\(rotation)@\(step)" }
}

public struct AutomationFiring: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Run these actions now (`path` is "yes"/"no" for a decision, nil otherwise).
        case fire(actions: [AutomationAction], path: String?)
        /// Due, but outside the window: try again at this instant (not a firing to store).
        case deferred(until: Int64)
        /// Due, but the conditions failed: record it, and the rotation ends.
        case skipped
    }

    public var key: AutomationFiringKey
    /// When the step became due (the event's time, the delay's end, the decision's deadline).
    public var dueAt: Int64
    public var outcome: Outcome
    /// Why, for the log.
    public var reason: String
}

/// What one evaluation found: firings to store (in step order), and when to look again.
public struct AutomationEvaluation: Sendable, Hashable {
    public var firings: [AutomationFiring]
    /// The earliest instant a time-driven step, window or deadline becomes due; nil when only a
    /// contact's event can move the rotation on.
    public var nextCheck: Int64?
}

extension AutomationRule {
    /// Whether the person qualifies for entry now. `hasInteraction` is whether they have an
    /// interaction in the campaign.
    public func admits(_ facts: PersonFacts, hasInteraction: Bool) -> Bool {
        switch entry {
        case .group(let g): return facts.groups.contains(g)
        case .segment(let c): return c.matches(facts)
        case .anyInteraction: return hasInteraction
        }
    }

    /// The rotation to evaluate: the current one while it runs; a new one when the person
    /// qualifies (`enteredAt`: when they last came to qualify) and either never entered, or
    /// re-entry is allowed, the last rotation is complete and the entry is later than its own.
    public func rotation(previous: AutomationProgress?, qualifiesSince enteredAt: Int64?) -> AutomationProgress? {
        guard let previous else { return enteredAt.map { AutomationProgress(rotation: 1, enteredAt: $0) } }
        guard previous.isComplete(self) else { return previous }
        guard reentry, let enteredAt, enteredAt > previous.enteredAt else { return nil }
        return AutomationProgress(rotation: previous.rotation + 1, enteredAt: enteredAt)
    }

    /// Evaluates the rotation at `now`. Steps run in order; a step fired in this evaluation starts
    /// the next (its "previous" time is `now`). `local` gives the campaign's wall time of an instant.
    public func evaluate(
        person: AutomationPerson, progress: AutomationProgress, now: Int64,
        local: (Int64) -> AutomationLocalTime
    ) -> AutomationEvaluation {
        var firings: [AutomationFiring] = []
        var nextCheck: Int64?
        func wake(_ t: Int64) { nextCheck = min(nextCheck ?? t, t) }
        guard !progress.ended else { return AutomationEvaluation(firings: [], nextCheck: nil) }
        let events = person.events.sorted { $0.at < $1.at }
        var previous = progress.enteredAt
        for step in steps {
            if let at = progress.fired[step.id] {
                previous = at
                continue
            }
            let key = AutomationFiringKey(rule: id, person: person.id, rotation: progress.rotation, step: step.id)
            // When the step's trigger is met.
            let due: Int64
            let why: String
            switch step.trigger {
            case .at(let t): due = t; why = "scheduled time"
            case .delayAfterEntry(let d): due = progress.enteredAt + d; why = "delay after entry"
            case .delayAfterPrevious(let d): due = previous + d; why = "delay after previous step"
            default:
                guard
                    let e = events.first(where: { $0.at >= previous && $0.at <= now && step.trigger.matches($0.kind) })
                else { return AutomationEvaluation(firings: firings, nextCheck: nextCheck) }
                due = e.at
                why = "event \(e.kind)"
            }
            guard due <= now else {
                wake(due)
                return AutomationEvaluation(firings: firings, nextCheck: nextCheck)
            }
            // A decision resolves before the window applies: yes at the awaited event, no at the deadline.
            var actions = step.actions
            var path: String?
            var dueAt = due
            var reason = why
            if let decision = step.decision {
                let deadline = due + decision.within
                if let e = events.first(where: {
                    $0.at >= due && $0.at <= deadline && $0.at <= now && decision.awaiting.matches($0.kind)
                }) {
                    actions = decision.yes
                    path = "yes"
                    dueAt = e.at
                    reason = "\(why); then event \(e.kind) before the deadline"
                } else if now >= deadline {
                    actions = decision.no
                    path = "no"
                    dueAt = deadline
                    reason = "\(why); no awaited event by the deadline"
                } else {
                    wake(deadline)
                    return AutomationEvaluation(firings: firings, nextCheck: nextCheck)
                }
            }
            if let window = step.window, !window.contains(local(now)) {
                if let open = window.nextOpen(after: now, local: local) {
                    firings.append(.init(key: key, dueAt: dueAt, outcome: .deferred(until: open), reason: reason))
                    wake(open)
                }
                return AutomationEvaluation(firings: firings, nextCheck: nextCheck)
            }
            guard step.conditions.matches(person.facts) else {
                firings.append(
                    .init(key: key, dueAt: dueAt, outcome: .skipped, reason: "\(reason); conditions not met"))
                return AutomationEvaluation(firings: firings, nextCheck: nil)
            }
            firings.append(.init(key: key, dueAt: dueAt, outcome: .fire(actions: actions, path: path), reason: reason))
            previous = now
        }
        return AutomationEvaluation(firings: firings, nextCheck: nextCheck)
    }
}
