/// Engagement levels: how involved a person is, from 1 to 5, with every change kept (who, when,
/// why) in write-once `engagement_changes` records. A coordinator sets a level by hand, or the
/// documented rules raise it from what the person did in a campaign:
///
/// | rule          | the person …                                                         | at least |
/// |---------------|----------------------------------------------------------------------|----------|
/// | `rsvp_yes`    | said yes to an event of the campaign (the latest RSVP, `EventTurnout.people`) | 2 |
/// | `donated`     | gave money to the campaign (received, not only pledged)              | 3        |
/// | `attended`    | attended an event of the campaign (checked in)                       | 3        |
/// | `volunteered` | answered yes to a question with id `volunteer`, or attended two events | 4      |
///
/// Rules only raise a level, never lower it; level 5 (leader) is given only by hand. A rule's
/// change is known by the person, the rule and the level (`ruleKey`, `PERSON@attended@3`), so a
/// rule raises a person once, and a level a coordinator lowers by hand afterwards stays lowered
/// until another rule is met. Its record id is that key and the writing replica
/// (`PERSON@attended@3@laptop-1`): the collection is write-once, so two coordinators who apply
/// the same rule before either syncs must not create one id twice (the server refuses the
/// second as a change to a write-once record); they write two records, which `distinct` counts
/// as one change, and the level they both write merges to the same value.
public enum Engagement {
    /// The levels and their names, lowest first.
    public static let levels: [(level: Int, name: String)] = [
        (1, "aware"), (2, "interested"), (3, "participant"), (4, "volunteer"), (5, "leader"),
    ]

    /// The name of a level ("volunteer" for 4), nil outside 1–5.
    public static func name(_ level: Int) -> String? { levels.first { $0.level == level }?.name }

    /// The `rule` of a change set by hand.
    public static let byHand = "hand"

    /// The question id whose yes answer the `volunteered` rule reads.
    public static let volunteerQuestion = "volunteer"

    /// A documented rule and the level it raises a person to.
    public enum Rule: String, CaseIterable, Sendable, Codable {
        case volunteered
        case attended
        case donated
        case rsvpYes = "rsvp_yes"

        public var level: Int {
            switch self {
            case .rsvpYes: return 2
            case .attended, .donated: return 3
            case .volunteered: return 4
            }
        }
    }

    /// What a person did in a campaign, as the rules read it.
    public struct Activity: Sendable, Hashable {
        /// Their latest RSVP to an event is yes (taken directly, or an `rsvp` answer on a call).
        public var rsvpYes: Bool
        /// Events attended (`event_attendance.attendance == attended`).
        public var eventsAttended: Int
        /// Gave money received (not a pledge).
        public var donated: Bool
        /// The latest answer to the `volunteer` question is yes.
        public var volunteerYes: Bool

        public init(rsvpYes: Bool = false, eventsAttended: Int = 0, donated: Bool = false, volunteerYes: Bool = false) {
            self.rsvpYes = rsvpYes
            self.eventsAttended = eventsAttended
            self.donated = donated
            self.volunteerYes = volunteerYes
        }

        /// Reads the activity from a person's records in one campaign.
        /// - Parameters:
        ///   - events: the person at each of the campaign's events (`EventTurnout.people`: their
        ///     latest RSVP, from calls or taken directly, and their attendance).
        ///   - answers: their latest answer to each question of the campaign's surveys.
        ///   - donations: their donations to the campaign.
        public init(events: [EventPerson], answers: [String: Value], donations: [Donation]) {
            self.init(
                rsvpYes: events.contains { $0.rsvp?.answer == "yes" },
                eventsAttended: events.filter { $0.attendance == "attended" }.count,
                donated: donations.contains { !$0.pledge },
                volunteerYes: Engagement.isYes(answers[Engagement.volunteerQuestion]))
        }
    }

    static func isYes(_ v: Value?) -> Bool {
        guard let v else { return false }
        return v.boolValue == true || v.stringValue?.lowercased() == "yes"
    }

    /// A rule met, with the reason in words.
    public struct Proposal: Sendable, Hashable, Codable {
        public let rule: Rule
        public let level: Int
        public let reason: String
    }

    /// The rules an activity meets, highest level first (ties in the table's order).
    public static func met(_ a: Activity) -> [Proposal] {
        var out: [Proposal] = []
        if a.volunteerYes {
            out.append(Proposal(rule: .volunteered, level: 4, reason: "answered yes to volunteering"))
        } else if a.eventsAttended >= 2 {
            out.append(Proposal(rule: .volunteered, level: 4, reason: "attended \(a.eventsAttended) events"))
        }
        if a.eventsAttended >= 1 {
            out.append(
                Proposal(
                    rule: .attended, level: 3,
                    reason: a.eventsAttended == 1 ? "attended an event" : "attended \(a.eventsAttended) events"))
        }
        if a.donated { out.append(Proposal(rule: .donated, level: 3, reason: "gave money")) }
        if a.rsvpYes { out.append(Proposal(rule: .rsvpYes, level: 2, reason: "answered yes to an event")) }
        return out
    }

    /// What the rules do to one person: the highest rule met that raises them above `current`
    /// and has not raised them before (its `ruleKey` is not in `applied`); nil when none does.
    /// Never lowers a level, never gives 5.
    public static func proposal(contact: String, current: Int?, activity: Activity, applied: Set<String>)
        -> Proposal?
    {
        met(activity).first { p in
            p.level > (current ?? 0) && !applied.contains(ruleKey(contact: contact, rule: p.rule, level: p.level))
        }
    }

    /// What a rule's change is known by: the person, the rule and the level.
    public static func ruleKey(contact: String, rule: Rule, level: Int) -> String {
        "\(contact)@\(rule.rawValue)@\(level)"
    }

    /// The record id of a rule's change written by `replica`: its `ruleKey` and the replica.
    public static func ruleChangeID(contact: String, rule: Rule, level: Int, replica: String) -> String {
        "\(ruleKey(contact: contact, rule: rule, level: level))@\(replica)"
    }

    /// The changes with each rule change once: the same rule raising the same person to the same
    /// level on several laptops (one record each) is one change, the earliest. Changes by hand
    /// are all kept.
    public static func distinct(_ changes: [Change]) -> [Change] {
        var seen: Set<String> = []
        return changes.sorted(by: Change.older).filter { c in c.ruleKey.map { seen.insert($0).inserted } ?? true }
    }

    /// One change of a person's level (an `engagement_changes` record).
    public struct Change: Sendable, Hashable, Codable {
        public let id: String
        public let contactID: String
        public let campaignID: String?
        public let level: Int
        public let previousLevel: Int?
        /// `hand`, or the rule's name.
        public let rule: String
        public let reason: String?
        public let changedAt: Int64
        public let userID: String?

        public init(
            id: String, contactID: String, campaignID: String?, level: Int, previousLevel: Int?, rule: String,
            reason: String?, changedAt: Int64, userID: String?
        ) {
            self.id = id
            self.contactID = contactID
            self.campaignID = campaignID
            self.level = level
            self.previousLevel = previousLevel
            self.rule = rule
            self.reason = reason
            self.changedAt = changedAt
            self.userID = userID
        }

        /// A change from a record's display values; nil without a person, a level or a time.
        public init?(id: String, _ v: [String: Value]) {
            guard let c = v["contact_id"]?.stringValue, let l = v["level"]?.intValue, let at = v["changed_at"]?.intValue
            else { return nil }
            self.init(
                id: id, contactID: c, campaignID: v["campaign_id"]?.stringValue, level: Int(l),
                previousLevel: v["previous_level"]?.intValue.map(Int.init), rule: v["rule"]?.stringValue ?? byHand,
                reason: v["reason"]?.stringValue, changedAt: at, userID: v["user_id"]?.stringValue)
        }

        /// The record's field values.
        public var values: [String: Value] {
            var v: [String: Value] = [
                "contact_id": .string(contactID), "level": .int(Int64(level)), "rule": .string(rule),
                "changed_at": .int(changedAt),
            ]
            if let campaignID { v["campaign_id"] = .string(campaignID) }
            if let previousLevel { v["previous_level"] = .int(Int64(previousLevel)) }
            if let reason { v["reason"] = .string(reason) }
            if let userID { v["user_id"] = .string(userID) }
            return v
        }

        public static let fields = [
            "contact_id", "campaign_id", "level", "previous_level", "rule", "reason", "changed_at", "user_id",
        ]

        enum CodingKeys: String, CodingKey {
            case id, level, rule, reason
            case contactID = "contact_id"
            case campaignID = "campaign_id"
            case previousLevel = "previous_level"
            case changedAt = "changed_at"
            case userID = "user_id"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(contactID, forKey: .contactID)
            try c.encode(campaignID, forKey: .campaignID)
            try c.encode(level, forKey: .level)
            try c.encode(previousLevel, forKey: .previousLevel)
            try c.encode(rule, forKey: .rule)
            try c.encode(reason, forKey: .reason)
            try c.encode(changedAt, forKey: .changedAt)
            try c.encode(userID, forKey: .userID)
        }

        /// The rule change's `Engagement.ruleKey`; nil for a change by hand.
        public var ruleKey: String? {
            Rule(rawValue: rule).map { Engagement.ruleKey(contact: contactID, rule: $0, level: level) }
        }

        /// Oldest first: by the time of the change, then by id.
        public static func older(_ a: Change, _ b: Change) -> Bool { (a.changedAt, a.id) < (b.changedAt, b.id) }
    }

    /// Checks a level set by hand: 1–5 and a reason.
    public static func checkHand(level: Int, reason: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        if name(level) == nil {
            out.append(Diagnostic(at: "LEVEL", code: "out_of_range", "\(level) is not a level; give 1 to 5"))
        }
        if reason.allSatisfy(\.isWhitespace) {
            out.append(Diagnostic(at: "--reason", code: "missing", "say why the level changes (--reason TEXT)"))
        }
        return out
    }

    /// A person's level at `time` (milliseconds) from their changes: the latest change at or
    /// before it; before their first change, that change's previous level; with no changes, or
    /// `time` nil (now), `current` (the contact's `engagement_level`).
    public static func level(at time: Int64?, changes: [Change], current: Int?) -> Int? {
        guard let time, !changes.isEmpty else { return current }
        let sorted = changes.sorted(by: Change.older)
        if let last = sorted.last(where: { $0.changedAt <= time }) { return last.level }
        return sorted[0].previousLevel
    }
}

/// Engagement in a campaign: how many of its people are at each level now, and how they moved
/// between levels over a period (`canvass engagement show`, `canvass report`).
public struct EngagementReport: Sendable, Codable, Hashable {
    public struct Level: Sendable, Codable, Hashable {
        /// 1–5, or nil for people without a level.
        public let level: Int?
        public let name: String
        public let people: Int

        public init(level: Int?, name: String, people: Int) {
            self.level = level
            self.name = name
            self.people = people
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(level, forKey: .level)
            try c.encode(name, forKey: .name)
            try c.encode(people, forKey: .people)
        }

        enum CodingKeys: String, CodingKey { case level, name, people }
    }

    /// People who went from one level to another over the period.
    public struct Move: Sendable, Codable, Hashable {
        public let from: Int?
        public let to: Int?
        public let people: Int

        public init(from: Int?, to: Int?, people: Int) {
            self.from = from
            self.to = to
            self.people = people
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(people, forKey: .people)
        }

        enum CodingKeys: String, CodingKey { case from, to, people }
    }

    public var campaign: String
    /// The period, milliseconds since 1970; nil: from the first change, up to now.
    public var from: Int64?
    public var to: Int64?
    /// The campaign's people.
    public var people: Int
    /// Levels 1–5, then people without a level, now.
    public var distribution: [Level]
    /// Each (from, to) pair of levels someone moved along, most people first.
    public var movement: [Move]
    public var raised: Int
    public var lowered: Int
    public var unchanged: Int
    /// Changes recorded in the period, by rule (`hand` for by hand).
    public var changesByRule: [String: Int]

    enum CodingKeys: String, CodingKey {
        case campaign, from, to, people, distribution, movement, raised, lowered, unchanged
        case changesByRule = "changes_by_rule"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(campaign, forKey: .campaign)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(people, forKey: .people)
        try c.encode(distribution, forKey: .distribution)
        try c.encode(movement, forKey: .movement)
        try c.encode(raised, forKey: .raised)
        try c.encode(lowered, forKey: .lowered)
        try c.encode(unchanged, forKey: .unchanged)
        try c.encode(changesByRule, forKey: .changesByRule)
    }

    /// The report for a campaign's people.
    /// - Parameters:
    ///   - people: each person's id and current level (`engagement_level`).
    ///   - changes: engagement changes (any person's; others are skipped).
    ///   - from, to: the period; nil from is before the first change, nil to is now.
    public static func make(
        campaign: String, people: [(id: String, level: Int?)], changes: [Engagement.Change], from: Int64?, to: Int64?
    ) -> EngagementReport {
        var byPerson: [String: [Engagement.Change]] = [:]
        for c in changes { byPerson[c.contactID, default: []].append(c) }
        var counts: [Int?: Int] = [:]
        var moves: [Pair: Int] = [:]
        var raised = 0
        var lowered = 0
        var unchanged = 0
        var rules: [String: Int] = [:]
        for p in people {
            counts[p.level.flatMap { Engagement.name($0) == nil ? nil : $0 }, default: 0] += 1
            let history = byPerson[p.id] ?? []
            let before: Int?
            if let from {
                before = Engagement.level(at: from - 1, changes: history, current: p.level)
            } else if let first = history.min(by: Engagement.Change.older) {
                before = first.previousLevel
            } else {
                before = p.level
            }
            let after = Engagement.level(at: to, changes: history, current: p.level)
            if before == after {
                unchanged += 1
            } else {
                moves[Pair(from: before, to: after), default: 0] += 1
                if (after ?? 0) > (before ?? 0) { raised += 1 } else { lowered += 1 }
            }
            for c in history where c.changedAt >= (from ?? .min) && c.changedAt <= (to ?? .max) {
                rules[c.rule, default: 0] += 1
            }
        }
        let distribution =
            Engagement.levels.map { Level(level: $0.level, name: $0.name, people: counts[$0.level] ?? 0) }
            + [Level(level: nil, name: "unrated", people: counts[nil] ?? 0)]
        let movement = moves.map { Move(from: $0.key.from, to: $0.key.to, people: $0.value) }.sorted { a, b in
            a.people != b.people ? a.people > b.people : (a.from ?? 0, a.to ?? 0) < (b.from ?? 0, b.to ?? 0)
        }
        return EngagementReport(
            campaign: campaign, from: from, to: to, people: people.count, distribution: distribution,
            movement: movement, raised: raised, lowered: lowered, unchanged: unchanged, changesByRule: rules)
    }

    struct Pair: Hashable {
        let from: Int?
        let to: Int?
    }
}
