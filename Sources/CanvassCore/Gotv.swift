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
        hasVoted(voted: contact["voted"], ballotStatus: contact["ballot_status"])
    }

    /// The same rule over the two fields it reads (a contact's `voted` and `ballot_status`).
    public static func hasVoted(voted: Value?, ballotStatus: Value?) -> Bool {
        if voted == .bool(true) { return true }
        return ballotStatus?.stringValue.map(votedStatuses.contains) ?? false
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
        isSupporting(answers[supportQuestion])
    }

    /// Whether a latest support answer makes a supporter (4 or 5).
    public static func isSupporting(_ support: Value?) -> Bool {
        supportLevel(support).map(supportingAnswers.contains) ?? false
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
        standing(contact: person.contact, support: person.answers[supportQuestion])
    }

    /// The same, from the contact (`contactFields` are enough) and the latest support answer.
    /// A reader may skip the suppression fields of anyone who is not a supporter, or has voted.
    public static func standing(contact: [String: Value], support: Value?) -> Standing {
        guard isSupporting(support) else { return .notSupporter }
        if hasVoted(contact) { return .voted }
        return reachable(contact).isEmpty ? .unreachable : .toChase
    }

    /// The chase list: the people to chase, in `order`.
    public static func chase(_ people: [PersonFacts]) -> [PersonFacts] {
        sorted(people.filter { standing($0) == .toChase })
    }

    /// People in chase order (`order`), each person's key read once.
    public static func sorted(_ people: [PersonFacts]) -> [PersonFacts] {
        people.map { (orderKey($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Chase order: by precinct, then street, house number and name, so a printed list walks.
    public static func order(_ a: PersonFacts, _ b: PersonFacts) -> Bool {
        orderKey(a) < orderKey(b)
    }

    /// What chase order compares: precinct (the contact's, else the household's), street, house
    /// number, then `PersonFacts.before` (last name, first name, id).
    public struct OrderKey: Comparable, Sendable {
        let precinct: String
        let street: String
        let number: Int64
        let last: String
        let first: String
        let id: String

        public static func < (a: OrderKey, b: OrderKey) -> Bool {
            let (x, y) = ((a.precinct, a.street, a.number), (b.precinct, b.street, b.number))
            if x != y { return x < y }
            return Canvassing.personBefore((a.last, a.first, a.id), (b.last, b.first, b.id))
        }
    }

    /// A person's chase-order key.
    public static func orderKey(_ p: PersonFacts) -> OrderKey {
        OrderKey(
            precinct: p.field("precinct")?.stringValue ?? "", street: p.household["street_name"]?.stringValue ?? "",
            number: p.household["street_number"]?.intValue ?? 0, last: p.contact["last_name"]?.stringValue ?? "",
            first: p.contact["first_name"]?.stringValue ?? "", id: p.id)
    }

    /// Counts a campaign's people.
    public static func summary(_ people: [PersonFacts]) -> GotvSummary {
        var s = GotvSummary()
        for p in people { s.count(voted: hasVoted(p.contact), standing: standing(p)) }
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

    /// Counts one person: whether they have voted (`Gotv.hasVoted`) and their standing.
    public mutating func count(voted hasVoted: Bool, standing: Gotv.Standing) {
        people += 1
        if hasVoted { voted += 1 }
        switch standing {
        case .notSupporter: break
        case .voted:
            supporters += 1
            supportersVoted += 1
        case .toChase:
            supporters += 1
            leftToChase += 1
        case .unreachable:
            supporters += 1
            unreachable += 1
        }
    }

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
