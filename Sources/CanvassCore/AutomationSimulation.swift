/// `canvass automation simulate` (issue 12): what rules would fire over a period on today's data,
/// without writing anything. Pure and deterministic: the same ``AutomationPass`` the server's
/// engine runs, over in-memory observation maps and per-(rule, person) states instead of stored
/// ones, so a preview and the real run cannot disagree.
///
/// The clock jumps from one instant something can happen to the next: every person is looked at
/// `from` (the first look observes as the engine's first pass would: a field's value is a
/// baseline, a group membership or a vote is new), then each person again at the earliest
/// `nextCheck` of their rules (a delay's end, a window's opening, a decision's deadline), until
/// `until`. Records do not change in a preview except by the firings themselves: a firing's
/// writes to the person (fields, groups) are applied to their facts in memory, and the person is
/// looked at again at once, so a rule entered by another rule's `add_to_group` is previewed too.
public enum AutomationSimulation {
    public struct Firing: Sendable, Hashable {
        public enum Outcome: String, Sendable, Hashable {
            /// The actions ran.
            case fired
            /// The conditions failed: nothing ran and the rotation ended.
            case skipped
        }

        /// The simulated instant the pass fired it.
        public var at: Int64
        /// The firing's unique key (`RULE@PERSON@ROTATION@STEP`), as the log would store it.
        public var key: AutomationFiringKey
        /// When the step became due (the event, the delay's end, the decision's deadline).
        public var dueAt: Int64
        public var outcome: Outcome
        /// "yes" or "no" for a decision.
        public var path: String?
        public var reason: String
        public var actions: [AutomationAction]
        /// What the actions would write and send (`AutomationEffects.apply`), and what they could not do.
        public var effects: AutomationEffects.Outcome
    }

    /// How many times one person is looked at again at one instant because the firings wrote to
    /// them: a chain of rules feeding each other ends here.
    static let maxLooksPerInstant = 8

    /// The firings, in the order they would happen (by `at`, then person as given, then rule as
    /// given).
    /// - Parameters:
    ///   - rules: the rules to run (all of one campaign).
    ///   - people: the campaign's people (`AutomationCampaignInputs.people`).
    ///   - rsvpQuestions: question id → event id for RSVPs taken on calls.
    ///   - from: the first instant (today's now).
    ///   - until: the last instant looked at.
    ///   - local: the campaign's wall time of an instant.
    public static func run(
        rules: [AutomationRule], people: [AutomationPersonRecords], rsvpQuestions: [String: String], from: Int64,
        until: Int64, local: (Int64) -> AutomationLocalTime
    ) -> [Firing] {
        guard !rules.isEmpty, from <= until else { return [] }
        var watch = AutomationWatch()
        for r in rules { watch.formUnion(r.observation) }
        var people = people
        var observed = [[String: AutomationObserved]](repeating: [:], count: people.count)
        var states = [[AutomationPersonState?]](
            repeating: [AutomationPersonState?](repeating: nil, count: rules.count), count: people.count)
        var queue = WakeQueue()
        var out: [Firing] = []

        /// Looks at person `p` at `now`; returns when to look again.
        func look(_ p: Int, now: Int64) -> Int64? {
            var next: Int64?
            for _ in 0..<maxLooksPerInstant {
                next = nil
                let seen = AutomationObserver.observe(people[p].facts, watch: watch, previous: observed[p], now: now)
                observed[p] = seen
                let events = AutomationPass.events(people[p], observed: seen, rsvpQuestions: rsvpQuestions)
                var wrote = false
                for (r, rule) in rules.enumerated() {
                    let result = AutomationPass.run(
                        rule, person: people[p], events: events, observed: seen, state: states[p][r], now: now,
                        local: local)
                    states[p][r] = result.state
                    if let n = result.nextCheck { next = min(next ?? n, n) }
                    for f in result.firings {
                        let firing = record(f, rule: rule, person: people[p].facts, now: now)
                        out.append(firing)
                        if apply(firing.effects.writes, to: &people[p].facts) { wrote = true }
                    }
                }
                guard wrote else { break }
            }
            return next
        }

        // A nextCheck not after the look (a pass asking to be run again at once) moves on by a
        // minute, the grain of windows, so a preview cannot crawl.
        for p in people.indices {
            if let next = look(p, now: from) { queue.schedule(p, at: max(next, from + 60_000)) }
        }
        while let (now, due) = queue.popEarliest(), now <= until {
            for p in due {
                if let next = look(p, now: now) { queue.schedule(p, at: max(next, now + 60_000)) }
            }
        }
        return out
    }

    static func record(_ f: AutomationFiring, rule: AutomationRule, person: PersonFacts, now: Int64) -> Firing {
        switch f.outcome {
        case .fire(let actions, let path):
            let effects = AutomationEffects.apply(
                actions, person: person, campaign: rule.campaign, rule: rule, firing: f.key, path: path, now: now)
            return Firing(
                at: now, key: f.key, dueAt: f.dueAt, outcome: .fired, path: path, reason: f.reason, actions: actions,
                effects: effects)
        case .skipped, .deferred:
            return Firing(
                at: now, key: f.key, dueAt: f.dueAt, outcome: .skipped, path: nil, reason: f.reason, actions: [],
                effects: AutomationEffects.Outcome())
        }
    }

    /// Applies a firing's writes to the person's own facts (contact fields, group memberships):
    /// what later looks and other rules read. Returns whether anything changed.
    static func apply(_ writes: [AutomationWrite], to facts: inout PersonFacts) -> Bool {
        var changed = false
        for w in writes {
            switch w.key.collection {
            case "contacts" where w.key.id == facts.id:
                for (field, value) in w.values where facts.contact[field] != value {
                    facts.contact[field] = value
                    changed = true
                }
            case "group_members":
                let suffix = "@\(facts.id)"
                guard w.key.id.hasSuffix(suffix) else { continue }
                let group = String(w.key.id.dropLast(suffix.count))
                if w.values[Record.deletedField] == .bool(true) {
                    if facts.groups.remove(group) != nil { changed = true }
                } else if facts.groups.insert(group).inserted {
                    changed = true
                }
            default: continue
            }
        }
        return changed
    }
}

/// People waiting for an instant: the earliest instant first, its people in ascending order.
/// A person is in the queue at most once (scheduling again moves them).
struct WakeQueue {
    private var heap: [Int64] = []
    private var due: [Int64: Set<Int>] = [:]
    private var at: [Int: Int64] = [:]

    mutating func schedule(_ person: Int, at t: Int64) {
        if let old = at[person] {
            if old == t { return }
            due[old]?.remove(person)
        }
        at[person] = t
        if due[t] == nil {
            due[t] = []
            push(t)
        }
        due[t]!.insert(person)
    }

    mutating func popEarliest() -> (Int64, [Int])? {
        while let t = pop() {
            guard let people = due.removeValue(forKey: t), !people.isEmpty else { continue }
            for p in people { at[p] = nil }
            return (t, people.sorted())
        }
        return nil
    }

    private mutating func push(_ t: Int64) {
        heap.append(t)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[parent] > heap[i] else { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private mutating func pop() -> Int64? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < heap.count, heap[l] < heap[m] { m = l }
                if r < heap.count, heap[r] < heap[m] { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
