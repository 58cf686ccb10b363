/// One RSVP to an event: taken on a call (an answer to a survey's `rsvp` question naming the
/// event) or directly by a coordinator (`event_attendance.rsvp`).
public struct EventRsvp: Sendable, Hashable {
    public let person: String
    /// yes, no or maybe (`CampaignSchema.rsvpAnswers`).
    public let answer: String
    /// When it was given: the interaction's `recorded_at`, or the attendance record's `rsvp_at`.
    public let at: Int64
    /// The interaction it was given in; nil when taken directly.
    public let interaction: String?

    public init(person: String, answer: String, at: Int64, interaction: String? = nil) {
        self.person = person
        self.answer = answer
        self.at = at
        self.interaction = interaction
    }

    /// Whether `self` replaces `other` as the person's RSVP: the later one; at the same moment
    /// the one taken directly, then the larger interaction id (every device picks the same).
    public func supersedes(_ other: EventRsvp) -> Bool {
        if at != other.at { return at > other.at }
        if (interaction == nil) != (other.interaction == nil) { return interaction == nil }
        return (interaction ?? "") > (other.interaction ?? "")
    }
}

/// One person at one event: their RSVP (the latest, `EventRsvp.supersedes`) and attendance.
public struct EventPerson: Sendable, Hashable {
    public let person: String
    public let rsvp: EventRsvp?
    /// `attended`, `no_show`, or nil (neither recorded yet).
    public let attendance: String?

    public init(person: String, rsvp: EventRsvp?, attendance: String?) {
        self.person = person
        self.rsvp = rsvp
        self.attendance = attendance
    }

    /// Checked in without having said yes or maybe (no RSVP, or a no).
    public var walkIn: Bool { attendance == "attended" && !EventTurnout.expected(rsvp?.answer) }
}

/// Turnout of one event against its RSVPs: the documented `--json` of `canvass event show` and
/// the report's event section.
///
/// - A person's RSVP is the latest of the answers to `rsvp` questions naming the event in their
///   interactions (not rolled back, `Rollbacks.rolledBack`; not corrected by a later one,
///   `Canvassing.corrections`) and the RSVP a coordinator took directly (`event_attendance.rsvp`
///   at `rsvp_at`).
/// - Attended: checked in (`attendance` attended), walk-ins included. A walk-in checked in
///   without an RSVP of yes or maybe.
/// - No-shows: recorded by `event close` for the yes and maybe RSVPs who never checked in.
/// - Turnout against RSVPs: of those who said yes, how many came (`attendedYes` of `rsvpYes`).
public struct EventTurnout: Sendable, Codable, Hashable {
    public let event: String
    public let name: String
    public let campaign: String?
    /// Milliseconds since 1970.
    public let startsAt: Int64?
    public let endsAt: Int64?
    public let capacity: Int64?
    public let location: String?
    public var rsvpYes = 0
    public var rsvpNo = 0
    public var rsvpMaybe = 0
    /// Everyone checked in, walk-ins included.
    public var attended = 0
    /// Checked in, by RSVP.
    public var attendedYes = 0
    public var attendedMaybe = 0
    public var walkIns = 0
    public var noShows = 0
    /// When `event close` recorded the no-shows (the event's `closed_at`), nil while open.
    public var closedAt: Int64?

    /// Percent of the yes RSVPs who came, rounded down; nil without a yes.
    public var turnoutPercent: Int? { rsvpYes == 0 ? nil : attendedYes * 100 / rsvpYes }

    public init(
        event: String, name: String, campaign: String? = nil, startsAt: Int64? = nil, endsAt: Int64? = nil,
        capacity: Int64? = nil,
        location: String? = nil, closedAt: Int64? = nil
    ) {
        self.closedAt = closedAt
        self.event = event
        self.name = name
        self.campaign = campaign
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.capacity = capacity
        self.location = location
    }

    /// Whether an RSVP answer means the person is expected: yes or maybe.
    public static func expected(_ answer: String?) -> Bool { answer == "yes" || answer == "maybe" }

    /// The RSVPs given on calls to `event`: answers to the `rsvp` questions naming it, in the
    /// surveys the interactions were recorded on, leaving out rolled-back and corrected interactions.
    /// - Parameters:
    ///   - interactions: by person id.
    public static func callRsvps(
        event: String, surveys: [String: Survey], interactions: [String: [PersonFacts.Interaction]],
        rolledBack: Set<String>
    ) -> [EventRsvp] {
        var questions: [String: [String]] = [:]
        for (id, s) in surveys {
            let qs = s.questions.filter { $0.kind == .rsvp && $0.event == event }.map(\.id)
            if !qs.isEmpty { questions[id] = qs }
        }
        guard !questions.isEmpty else { return [] }
        var out: [EventRsvp] = []
        for (person, list) in interactions {
            let corrected = Canvassing.corrections(list.map { ($0.id, $0.corrects, $0.userID) })
            for i in list where corrected[i.id] == nil && !rolledBack.contains(i.id) {
                guard let survey = i.surveyID, let qs = questions[survey] else { continue }
                for q in qs {
                    guard let a = i.answers[q]?.stringValue, CampaignSchema.rsvpAnswers.contains(a) else { continue }
                    out.append(EventRsvp(person: person, answer: a, at: i.recordedAt ?? 0, interaction: i.id))
                }
            }
        }
        return out
    }

    /// Everyone with an RSVP or an attendance record for the event, by person id.
    /// - Parameters:
    ///   - attendance: the event's `event_attendance` records (deleted ones are ignored).
    public static func people(attendance: [RecordValues], callRsvps: [EventRsvp]) -> [EventPerson] {
        var rsvps: [String: EventRsvp] = [:]
        func offer(_ r: EventRsvp) {
            if let held = rsvps[r.person], !r.supersedes(held) { return }
            rsvps[r.person] = r
        }
        callRsvps.forEach(offer)
        var attended: [String: String] = [:]
        for a in attendance where a.exists {
            guard let person = a["contact_id"]?.stringValue else { continue }
            if let answer = a["rsvp"]?.stringValue, CampaignSchema.rsvpAnswers.contains(answer) {
                offer(EventRsvp(person: person, answer: answer, at: a["rsvp_at"]?.intValue ?? 0))
            }
            if let state = a["attendance"]?.stringValue { attended[person] = state }
        }
        return Set(rsvps.keys).union(attended.keys).sorted().map {
            EventPerson(person: $0, rsvp: rsvps[$0], attendance: attended[$0])
        }
    }

    /// Counts the event's people.
    public mutating func tally(_ people: [EventPerson]) {
        for p in people {
            switch p.rsvp?.answer {
            case "yes": rsvpYes += 1
            case "no": rsvpNo += 1
            case "maybe": rsvpMaybe += 1
            default: break
            }
            switch p.attendance {
            case "attended":
                attended += 1
                if p.rsvp?.answer == "yes" { attendedYes += 1 }
                if p.rsvp?.answer == "maybe" { attendedMaybe += 1 }
                if p.walkIn { walkIns += 1 }
            case "no_show": noShows += 1
            default: break
            }
        }
    }

    /// Who `event close` records as no-shows: yes and maybe RSVPs with no attendance recorded.
    public static func noShows(_ people: [EventPerson]) -> [String] {
        people.filter { expected($0.rsvp?.answer) && $0.attendance == nil }.map(\.person)
    }

    enum CodingKeys: String, CodingKey {
        case event, name, campaign, capacity, location, attended
        case closedAt = "closed_at"
        case startsAt = "starts_at"
        case endsAt = "ends_at"
        case rsvpYes = "rsvp_yes"
        case rsvpNo = "rsvp_no"
        case rsvpMaybe = "rsvp_maybe"
        case attendedYes = "attended_yes"
        case attendedMaybe = "attended_maybe"
        case walkIns = "walk_ins"
        case noShows = "no_shows"
        case turnoutPercent = "turnout_percent"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        event = try c.decode(String.self, forKey: .event)
        name = try c.decode(String.self, forKey: .name)
        campaign = try c.decodeIfPresent(String.self, forKey: .campaign)
        startsAt = try c.decodeIfPresent(Int64.self, forKey: .startsAt)
        endsAt = try c.decodeIfPresent(Int64.self, forKey: .endsAt)
        capacity = try c.decodeIfPresent(Int64.self, forKey: .capacity)
        location = try c.decodeIfPresent(String.self, forKey: .location)
        closedAt = try c.decodeIfPresent(Int64.self, forKey: .closedAt)
        rsvpYes = try c.decode(Int.self, forKey: .rsvpYes)
        rsvpNo = try c.decode(Int.self, forKey: .rsvpNo)
        rsvpMaybe = try c.decode(Int.self, forKey: .rsvpMaybe)
        attended = try c.decode(Int.self, forKey: .attended)
        attendedYes = try c.decode(Int.self, forKey: .attendedYes)
        attendedMaybe = try c.decode(Int.self, forKey: .attendedMaybe)
        walkIns = try c.decode(Int.self, forKey: .walkIns)
        noShows = try c.decode(Int.self, forKey: .noShows)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event, forKey: .event)
        try c.encode(name, forKey: .name)
        try c.encode(campaign, forKey: .campaign)
        try c.encode(startsAt, forKey: .startsAt)
        try c.encode(endsAt, forKey: .endsAt)
        try c.encode(capacity, forKey: .capacity)
        try c.encode(location, forKey: .location)
        try c.encode(rsvpYes, forKey: .rsvpYes)
        try c.encode(rsvpNo, forKey: .rsvpNo)
        try c.encode(rsvpMaybe, forKey: .rsvpMaybe)
        try c.encode(attended, forKey: .attended)
        try c.encode(attendedYes, forKey: .attendedYes)
        try c.encode(attendedMaybe, forKey: .attendedMaybe)
        try c.encode(walkIns, forKey: .walkIns)
        try c.encode(noShows, forKey: .noShows)
        try c.encode(closedAt, forKey: .closedAt)
        try c.encode(turnoutPercent, forKey: .turnoutPercent)
    }
}
