/// Get out the vote: who has voted, who supports the campaign, and who is left to chase. One
/// place for the rules every front end reads (`canvass gotv`, `list cut --chase`, the segment
/// criteria's `voted`, the campaign report).
///
/// - A person has voted when the field marked them (`contacts.voted`: a result with effect
///   `voted`, an answer a question `marks_voted` with, or `canvass gotv mark`) or an imported
///   vote-history or ballot-return file gave a `ballot_status` of returned, accepted or voted.
/// - A supporter's latest answer to the campaign's support question (id `support`, a 1–5 scale
///   where 5 is strong support) is 4 or 5.
/// - The chase list is the supporters who have not voted and can still be reached: not
///   suppressed on at least one channel (`Canvassing.suppression` for doors or for calls).
public enum Gotv {
    /// The ballot statuses that count as voted.
    public static let votedStatuses: Set<String> = ["returned", "accepted", "voted"]
    /// The id of the support question.
    public static let supportQuestion = "support"
    /// The support answers that make a supporter.
    public static let supportingAnswers: ClosedRange<Int64> = 4...5
    /// The contact fields these rules read: the voted mark, the ballot status, and what
    /// `Canvassing.suppression` reads.
    public static let contactFields = [
        "voted", "ballot_status", "deceased", "moved", "do_not_contact", "do_not_knock", "do_not_call", "phone_bad",
        "phone",
    ]

    /// Whether a person has voted: `voted` is true, or `ballot_status` is returned, accepted or voted.
    public static func hasVoted(_ contact: [String: Value]) -> Bool {
        if contact["voted"] == .bool(true) { return true }
        return contact["ballot_status"]?.stringValue.map(votedStatuses.contains) ?? false
    }

    /// The support level an answer gives (a scale answer, or its text), or nil.
    public static func supportLevel(_ answer: Value?) -> Int64? {
        guard let answer else { return nil }
        if let i = answer.intValue { return i }
        if let d = answer.doubleValue, d == d.rounded() { return Int64(d) }
        if let s = answer.stringValue { return Int64(CriteriaField.trim(s)) }
        return nil
    }

    /// Whether the latest answers (question id → latest answer) make a supporter.
    public static func isSupporter(_ answers: [String: Value]) -> Bool {
        supportLevel(answers[supportQuestion]).map(supportingAnswers.contains) ?? false
    }

    /// The channels a person can still be reached on (`Canvassing.suppression` says nothing).
    public static func reachable(_ contact: [String: Value]) -> [Channel] {
        Channel.allCases.filter { Canvassing.suppression(of: contact, channel: $0) == nil }
    }

    /// Where a person stands in GOTV.
    public enum Standing: String, Sendable, Hashable, Codable {
        /// Not a supporter (never asked, or a support answer below 4).
        case notSupporter = "not_supporter"
        /// A supporter who has voted.
        case voted
        /// A supporter who has not voted and can be reached: on the chase list.
        case toChase = "to_chase"
        /// A supporter who has not voted but is suppressed on every channel (moved, deceased,
        /// do not contact, …).
        case unreachable
    }

    /// A person's standing, from their facts (the latest answers on the campaign's surveys).
    public static func standing(_ person: PersonFacts) -> Standing {
        guard isSupporter(person.answers) else { return .notSupporter }
        if hasVoted(person.contact) { return .voted }
        return reachable(person.contact).isEmpty ? .unreachable : .toChase
    }

    /// The chase list: the people to chase, in `order`.
    public static func chase(_ people: [PersonFacts]) -> [PersonFacts] {
        people.filter { standing($0) == .toChase }.sorted(by: order)
    }

    /// Chase order: by precinct, then street, house number and name, so a printed list walks.
    public static func order(_ a: PersonFacts, _ b: PersonFacts) -> Bool {
        func key(_ p: PersonFacts) -> (String, String, Int64) {
            (
                p.field("precinct")?.stringValue ?? "", p.household["street_name"]?.stringValue ?? "",
                p.household["street_number"]?.intValue ?? 0
            )
        }
        let (x, y) = (key(a), key(b))
        if x != y { return x < y }
        return PersonFacts.before(a, b)
    }

    /// Counts a campaign's people.
    public static func summary(_ people: [PersonFacts]) -> GotvSummary {
        var s = GotvSummary()
        for p in people {
            s.people += 1
            if hasVoted(p.contact) { s.voted += 1 }
            switch standing(p) {
            case .notSupporter: break
            case .voted:
                s.supporters += 1
                s.supportersVoted += 1
            case .toChase:
                s.supporters += 1
                s.leftToChase += 1
            case .unreachable:
                s.supporters += 1
                s.unreachable += 1
            }
        }
        return s
    }
}

/// GOTV in numbers for one campaign: the documented `--json` of `canvass gotv chase` and the
/// report's GOTV section.
public struct GotvSummary: Sendable, Codable, Hashable {
    /// The campaign's people.
    public var people = 0
    /// People who have voted (`Gotv.hasVoted`), supporters or not.
    public var voted = 0
    /// Supporters (latest support answer 4 or 5), and those of them who have voted.
    public var supporters = 0
    public var supportersVoted = 0
    /// Supporters who have not voted and can be reached: the chase list's length.
    public var leftToChase = 0
    /// Supporters who have not voted and are suppressed on every channel.
    public var unreachable = 0

    public init() {}

    public init(people: Int, voted: Int, supporters: Int, supportersVoted: Int, leftToChase: Int, unreachable: Int) {
        self.people = people
        self.voted = voted
        self.supporters = supporters
        self.supportersVoted = supportersVoted
        self.leftToChase = leftToChase
        self.unreachable = unreachable
    }

    enum CodingKeys: String, CodingKey {
        case people, voted, supporters, unreachable
        case supportersVoted = "supporters_voted"
        case leftToChase = "left_to_chase"
    }
}
