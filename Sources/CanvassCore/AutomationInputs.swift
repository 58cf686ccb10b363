/// What the automation engine reads of a person, and what a firing writes (issue 12). Pure: the
/// server's engine, `canvass automation simulate` and the bench build the same events from the
/// same records through these functions, and turn the same actions into the same writes.

/// One person as read from replicated records: their facts (segments and conditions read them),
/// their interactions in the campaign (rolled-back ones left out by the reader), the RSVPs a
/// coordinator took directly (`event_attendance`), and their donations.
public struct AutomationPersonRecords: Sendable, Hashable {
    public struct RSVP: Sendable, Hashable {
        public var event: String
        public var answer: String
        public var at: Int64
        public init(event: String, answer: String, at: Int64) {
            self.event = event
            self.answer = answer
            self.at = at
        }
    }

    public struct Donation: Sendable, Hashable {
        public var cents: Int64
        public var at: Int64
        public var pledge: Bool
        public var mailing: String?
        public init(cents: Int64, at: Int64, pledge: Bool = false, mailing: String? = nil) {
            self.cents = cents
            self.at = at
            self.pledge = pledge
            self.mailing = mailing
        }
    }

    public var facts: PersonFacts
    public var interactions: [PersonFacts.Interaction]
    public var rsvps: [RSVP]
    public var donations: [Donation]

    public init(
        facts: PersonFacts, interactions: [PersonFacts.Interaction] = [], rsvps: [RSVP] = [],
        donations: [Donation] = []
    ) {
        self.facts = facts
        self.interactions = interactions
        self.rsvps = rsvps
        self.donations = donations
    }

    public var id: String { facts.id }

    /// Events with a time of their own in the records: each interaction's result and answers (an
    /// answer to an `rsvp` question, in `rsvpQuestions` by question id → event id, is also an RSVP),
    /// each direct RSVP, each donation received (a pledge is a promise, not a donation). An
    /// interaction a later one corrects counts for nothing, as in `PersonFacts`.
    public func recordedEvents(rsvpQuestions: [String: String] = [:]) -> [AutomationEvent] {
        var out: [AutomationEvent] = []
        let corrected = PersonFacts.corrected(interactions)
        for i in interactions where corrected[i.id] == nil {
            guard let at = i.recordedAt else { continue }
            if let r = i.result { out.append(AutomationEvent(.result(r), at: at)) }
            for (q, v) in i.answers.sorted(by: { $0.key < $1.key }) {
                for text in Self.answerTexts(v) {
                    out.append(AutomationEvent(.answer(question: q, value: text), at: at))
                    if let event = rsvpQuestions[q] {
                        out.append(AutomationEvent(.rsvp(event: event, answer: text), at: at))
                    }
                }
            }
        }
        for r in rsvps { out.append(AutomationEvent(.rsvp(event: r.event, answer: r.answer), at: r.at)) }
        for d in donations where !d.pledge { out.append(AutomationEvent(.donation(cents: d.cents), at: d.at)) }
        return out
    }

    /// An answer as the texts a trigger's `value` compares with: one per chosen option of a
    /// multiple choice, `yes`/`no` for a boolean, the number as written.
    public static func answerTexts(_ v: Value) -> [String] {
        switch v {
        case .string(let s): return [s]
        case .int(let n): return [String(n)]
        case .double(let d): return [d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)]
        case .bool(let b): return [b ? "yes" : "no"]
        case .array(let a): return a.flatMap(answerTexts)
        case .null, .object: return []
        }
    }
}

extension PersonFacts {
    /// Sets `donatedCents` and `gifts` from the person's donations to the campaign: received
    /// money only, a pledge is a promise.
    public mutating func count(_ donations: [AutomationPersonRecords.Donation]) {
        let received = donations.filter { !$0.pledge }
        donatedCents = received.reduce(0) { $0 + $1.cents }
        gifts = received.count
    }
}

/// What the engine watches on a person because some rule's trigger names it: contact fields
/// (`field` triggers), static groups (`group` triggers) and the voted mark.
public struct AutomationWatch: Sendable, Hashable {
    public var fields: Set<String>
    public var groups: Set<String>
    public var voted: Bool

    public init(fields: Set<String> = [], groups: Set<String> = [], voted: Bool = false) {
        self.fields = fields
        self.groups = groups
        self.voted = voted
    }

    public mutating func formUnion(_ other: AutomationWatch) {
        fields.formUnion(other.fields)
        groups.formUnion(other.groups)
        voted = voted || other.voted
    }
}

extension AutomationRule {
    /// Everything this rule's triggers and decisions wait for that only observation can see.
    public var watch: AutomationWatch {
        var w = AutomationWatch()
        func add(_ t: AutomationTrigger) {
            switch t {
            case .fieldChange(let f): w.fields.insert(f)
            case .joinedGroup(let g): w.groups.insert(g)
            case .voted: w.voted = true
            default: break
            }
        }
        for s in steps {
            add(s.trigger)
            if let d = s.decision { add(d.awaiting) }
        }
        return w
    }
}

/// A watched value as last seen, and since when. `since` 0 is a baseline: the value the engine
/// found the first time it looked, which is no event.
public struct AutomationObserved: Sendable, Hashable, Codable {
    public var value: String
    public var since: Int64

    public init(value: String, since: Int64) {
        self.value = value
        self.since = since
    }
}

/// Events that have no time in the records (a field changed, a person joined a group, a voted
/// mark), seen by comparing what is watched now with what the engine saw last time. The engine
/// keeps the map per person; a change is dated when the engine first sees it, which after a
/// sync is the run that follows the merge.
///
/// - A field's first sighting is a baseline (it did not *change*); a later different value is
///   a `fieldChanged` event.
/// - Joining a group and the voted mark start from "no": the first sighting of a membership or
///   a vote is an event.
public enum AutomationObserver {
    public static func key(field: String) -> String { "field:\(field)" }
    public static func key(group: String) -> String { "group:\(group)" }
    public static let votedKey = "voted"

    /// The map after looking at `facts` at `now`. Keys no longer watched are dropped.
    public static func observe(
        _ facts: PersonFacts, watch: AutomationWatch, previous: [String: AutomationObserved], now: Int64
    ) -> [String: AutomationObserved] {
        var out: [String: AutomationObserved] = [:]
        func see(_ key: String, _ value: String, baselineFirst: Bool) {
            if let old = previous[key] {
                out[key] = old.value == value ? old : AutomationObserved(value: value, since: now)
            } else {
                out[key] = AutomationObserved(value: value, since: baselineFirst || value == "0" ? 0 : now)
            }
        }
        for f in watch.fields { see(key(field: f), facts.contact[f].map(text) ?? "", baselineFirst: true) }
        for g in watch.groups { see(key(group: g), facts.groups.contains(g) ? "1" : "0", baselineFirst: false) }
        if watch.voted { see(votedKey, Gotv.hasVoted(facts.contact) ? "1" : "0", baselineFirst: false) }
        return out
    }

    /// The events the map holds: each change since the baseline, each membership and vote.
    public static func events(_ observed: [String: AutomationObserved]) -> [AutomationEvent] {
        var out: [AutomationEvent] = []
        for (k, o) in observed.sorted(by: { $0.key < $1.key }) where o.since > 0 {
            if k.hasPrefix("field:") {
                out.append(AutomationEvent(.fieldChanged(String(k.dropFirst(6))), at: o.since))
            } else if k.hasPrefix("group:"), o.value == "1" {
                out.append(AutomationEvent(.joinedGroup(String(k.dropFirst(6))), at: o.since))
            } else if k == votedKey, o.value == "1" {
                out.append(AutomationEvent(.voted, at: o.since))
            }
        }
        return out
    }

    static func text(_ v: Value) -> String {
        switch v {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        case .array, .object: return String(describing: v)
        }
    }
}

/// A record write a firing makes, as the server's own replica (`LocalWrite` in the store).
public struct AutomationWrite: Sendable, Hashable {
    public var key: RecordKey
    public var values: [String: Value]

    public init(_ key: RecordKey, _ values: [String: Value]) {
        self.key = key
        self.values = values
    }
}

/// A message in the engine's durable outbox: a webhook POST or an email. `id` is unique: a
/// firing's deliveries are `FIRING#N`, a mailing's `MAILING@PERSON`, so queuing one twice
/// queues it once.
public struct AutomationDelivery: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable { case webhook, email }

    public var id: String
    public var kind: Kind
    /// The URL, or the email address.
    public var target: String
    public var campaign: String
    public var contact: String?
    public var mailing: String?
    public var firing: String?
    /// The webhook's JSON body (an object); nil for email, whose message is rendered at sending.
    public var payload: Value?

    public init(
        id: String, kind: Kind, target: String, campaign: String, contact: String?, mailing: String? = nil,
        firing: String? = nil, payload: Value? = nil
    ) {
        self.id = id
        self.kind = kind
        self.target = target
        self.campaign = campaign
        self.contact = contact
        self.mailing = mailing
        self.firing = firing
        self.payload = payload
    }
}

/// When a failed delivery is tried again: exponential back-off from `base`, each wait at most
/// `maxDelay`, and after `maxAttempts` attempts it is failed for good (kept, visible, never
/// dropped).
public struct DeliveryPolicy: Sendable, Hashable {
    public var base: Int64
    public var maxDelay: Int64
    public var maxAttempts: Int

    public init(base: Int64 = 30_000, maxDelay: Int64 = 3_600_000, maxAttempts: Int = 8) {
        self.base = base
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
    }

    public enum Next: Sendable, Hashable {
        case retry(at: Int64)
        case failed
    }

    /// After the `attempts`-th attempt (1-based) failed at `now`.
    public func next(afterAttempt attempts: Int, now: Int64) -> Next {
        guard attempts < maxAttempts else { return .failed }
        let shift = min(attempts - 1, 40)
        let delay = base > maxDelay >> Int64(shift) ? maxDelay : min(maxDelay, base << Int64(shift))
        return .retry(at: now + delay)
    }
}
