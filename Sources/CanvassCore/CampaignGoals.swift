/// A campaign as `canvass campaign create` describes it, checked before anything is written.
public struct CampaignDraft: Sendable, Hashable {
    public var name: String
    public var type: String?
    public var status: String?
    /// `YYYY-MM-DD`, already read from what was typed (by a layer with a calendar).
    public var start: String?
    public var end: String?
    /// `doors=N`, `contacts=N`, `revenue=AMOUNT` as typed.
    public var goals: [String]
    /// The parent campaign's id, already resolved.
    public var parent: String?

    public init(
        name: String, type: String? = nil, status: String? = nil, start: String? = nil, end: String? = nil,
        goals: [String] = [], parent: String? = nil
    ) {
        self.name = name
        self.type = type
        self.status = status
        self.start = start
        self.end = end
        self.goals = goals
        self.parent = parent
    }

    /// The goals a campaign can set, as `--goal NAME=VALUE` names them.
    public static let goalNames = ["doors", "contacts", "revenue"]

    /// The record's id: the name in lower case, words joined by `-` ("Rivera GOTV 2026" →
    /// "rivera-gotv-2026"), so the same campaign created on two laptops offline is one record.
    public var id: String {
        let slug = Slug.of(name)
        return slug.isEmpty ? "campaign-" + VoterFilePlan.hash(name) : slug
    }

    /// The campaign's field values, or every problem with the draft.
    /// - Parameter existing: whether a campaign id is already taken (or, for the parent, exists).
    public func values(schema: Schema = CampaignSchema.standard, exists: (String) -> Bool) -> (
        values: [String: Value], problems: [Diagnostic]
    ) {
        var problems: [Diagnostic] = []
        var values: [String: Value] = ["name": .string(AddressTokens.trim(name))]
        if AddressTokens.trim(name).isEmpty {
            problems.append(Diagnostic(at: "NAME", code: "missing", "the campaign needs a name"))
        }
        if exists(id) {
            problems.append(
                Diagnostic(
                    at: "NAME", code: "exists",
                    "a campaign with id '\(id)' already exists; see `canvass campaign show \(id)` or choose another name"
                ))
        }
        values["status"] = .string(status ?? "planned")
        if let type { values["type"] = .string(type) }
        if let start { values["start_date"] = .string(start) }
        if let end { values["end_date"] = .string(end) }
        if let start, let end, end < start {
            problems.append(
                Diagnostic(at: "--end", code: "out_of_range", "the end date \(end) is before the start \(start)"))
        }
        if let parent {
            if parent == id {
                problems.append(Diagnostic(at: "--parent", code: "bad_value", "a campaign cannot be its own parent"))
            } else if !exists(parent) {
                problems.append(
                    Diagnostic(
                        at: "--parent", code: "not_found",
                        "no campaign '\(parent)'; see `canvass campaign list`"))
            }
            values["parent_id"] = .string(parent)
        }
        var seen: Set<String> = []
        for (i, goal) in goals.enumerated() {
            let at = "--goal[\(i + 1)]"
            let parts = goal.split(separator: "=", maxSplits: 1).map { AddressTokens.trim(String($0)) }
            guard parts.count == 2, Self.goalNames.contains(parts[0].lowercased()) else {
                problems.append(
                    Diagnostic(
                        at: at, code: "bad_goal",
                        "'\(goal)' is not a goal; give doors=N, contacts=N or revenue=AMOUNT (revenue=1,250.50)"))
                continue
            }
            let name = parts[0].lowercased()
            if !seen.insert(name).inserted {
                problems.append(Diagnostic(at: at, code: "bad_goal", "the \(name) goal is given twice"))
            }
            if name == "revenue" {
                guard let cents = Money.cents(parts[1]) else {
                    problems.append(
                        Diagnostic(
                            at: at, code: "bad_value",
                            "'\(parts[1])' is not an amount; write dollars like 1250, 1,250.50 or $1250"))
                    continue
                }
                values["goal_revenue_cents"] = .int(cents)
            } else {
                guard let n = Int64(parts[1].filter { $0 != "," && $0 != "_" }), n >= 0 else {
                    problems.append(
                        Diagnostic(at: at, code: "bad_value", "'\(parts[1])' is not a whole number of \(name)"))
                    continue
                }
                values["goal_\(name)"] = .int(n)
            }
        }
        if let spec = schema.collections["campaigns"] {
            for (field, value) in values.sorted(by: { $0.key < $1.key }) {
                let at = Self.option(field)
                problems += spec.field(field)?.check(value, at: at) ?? []
            }
        }
        return (values, problems)
    }

    /// The option a field comes from, for messages.
    static func option(_ field: String) -> String {
        switch field {
        case "name": return "NAME"
        case "type": return "--type"
        case "status": return "--status"
        case "start_date": return "--start"
        case "end_date": return "--end"
        case "parent_id": return "--parent"
        default: return "--goal"
        }
    }
}

/// A campaign's progress against its goals (`canvass campaign show`).
public struct CampaignProgress: Sendable, Hashable, Codable {
    /// Door knocks: interactions on the door channel on the campaign's lists.
    public var doors = 0
    /// Conversations: interactions on the campaign's lists whose result reached the person
    /// (`contacted` in the survey's result codes), at the door or on the phone.
    public var contacts = 0
    /// Money received toward the revenue goal, in cents (`Donations.summary`; pledges apart).
    public var revenueCents: Int64 = 0
    /// What pledges still promise, in cents: not counted toward the goal until paid.
    public var pledgedOutstandingCents: Int64 = 0
    /// Money received as a whole percentage of the revenue goal (rounded down), nil without one.
    public var revenuePercent: Int64?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case doors, contacts
        case revenueCents = "revenue_cents"
        case pledgedOutstandingCents = "pledged_outstanding_cents"
        case revenuePercent = "revenue_percent"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(doors, forKey: .doors)
        try c.encode(contacts, forKey: .contacts)
        try c.encode(revenueCents, forKey: .revenueCents)
        try c.encode(pledgedOutstandingCents, forKey: .pledgedOutstandingCents)
        try c.encode(revenuePercent, forKey: .revenuePercent)
    }

    /// Fills the revenue from the campaign's donations (`Donations.summary`).
    public mutating func add(_ revenue: RevenueSummary) {
        revenueCents = revenue.receivedCents
        pledgedOutstandingCents = revenue.pledgedOutstandingCents
        revenuePercent = revenue.percentOfGoal
    }

    /// Counts the interactions on the campaign's lists.
    /// - Parameters:
    ///   - lists: the ids of the campaign's lists.
    ///   - surveys: surveys by id, for their result codes; an interaction whose survey is not
    ///     here is judged by the standard result codes.
    ///   - interactions: display values of interactions (any list; others are skipped), those
    ///     rolled back in quality review already left out (`Rollbacks.counted`).
    public static func tally(lists: Set<String>, surveys: [String: Survey], interactions: [[String: Value]])
        -> CampaignProgress
    {
        var p = CampaignProgress()
        for i in interactions {
            guard let list = i["list_id"]?.stringValue, lists.contains(list) else { continue }
            if i["channel"]?.stringValue == "door" { p.doors += 1 }
            let survey = i["survey_id"]?.stringValue.flatMap { surveys[$0] }
            if ResultCode.reached(i["result"]?.stringValue, survey: survey) { p.contacts += 1 }
        }
        return p
    }
}
