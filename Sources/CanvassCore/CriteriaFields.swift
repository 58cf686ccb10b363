/// A field the criteria language can test, with what it reads and which operators and values it takes.
public struct CriteriaField: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Free text, compared without case: `=` and `!=` only.
        case text
        /// One of a fixed set of codes (party): `=` and `!=` only.
        case choice([String])
        /// A whole number, `none` when missing: every operator.
        case integer
        /// yes or no: `=` and `!=` only.
        case yesNo
        /// A result code, `none` when the person has no interaction yet.
        case result
        /// An election code in the vote history, e.g. G2024: `=` (voted in it) and `!=`.
        case election
        /// The name (or id) of a static group: `=` (a member) and `!=`.
        case group
        /// The latest answer to a survey question; numbers compare, `none` when never answered.
        case answer(question: String)
    }

    public let name: String
    public let kind: Kind
    /// One line for the documentation and `--help`.
    public let help: String

    public init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }

    /// Whether `<`, `<=`, `>` and `>=` apply.
    var ordered: Bool {
        switch kind {
        case .integer, .answer: return true
        default: return false
        }
    }

    /// The fields of the language, in the order the documentation lists them. `answer.QUESTION`
    /// is open-ended and not listed here (see `Criteria.field(named:)`).
    public static let all: [CriteriaField] = [
        CriteriaField(
            "party", .choice(CampaignSchema.parties), "party code: " + CampaignSchema.parties.joined(separator: ", ")),
        CriteriaField("precinct", .text, "the contact's precinct (else the household's), e.g. 1-A"),
        CriteriaField("ward", .integer, "the contact's ward number (else the household's)"),
        CriteriaField("zip", .text, "the household's zip code"),
        CriteriaField("city", .text, "the household's city"),
        CriteriaField("street", .text, "the household's street, e.g. street=\"Maple Ave\""),
        CriteriaField("gender", .text, "gender as the voter file gives it (F, M, X)"),
        CriteriaField("birth_year", .integer, "year of birth, e.g. birth_year>=1990"),
        CriteriaField("engagement", .integer, "engagement level 1–5"),
        CriteriaField("language", .text, "preferred language"),
        CriteriaField("voted", .yesNo, "voted in this election: marked, or a ballot returned (GOTV)"),
        CriteriaField("history", .election, "voted in an earlier election, e.g. history=G2024"),
        CriteriaField("phone", .yesNo, "has a usable phone (a number not marked bad)"),
        CriteriaField("email", .yesNo, "has an email address"),
        CriteriaField(
            "support", .answer(question: "support"),
            "latest answer to the support question (id support, 1–5)"
        ),
        CriteriaField("last_result", .result, "latest result code (not_home, refused, …)"),
        CriteriaField("attempts", .integer, "how many times knocked or called"),
        CriteriaField("group", .group, "member of a static group, by name or id"),
        CriteriaField(
            "donated", .integer, "money given to the campaign, in whole units (pledges not counted), e.g. donated>=50"),
        CriteriaField("gifts", .integer, "how many donations the person gave to the campaign"),
    ]

    /// The field of that name (without case), including `answer.QUESTION`.
    public static func named(_ name: String) -> CriteriaField? {
        let lower = name.lowercased()
        if lower.hasPrefix("answer."), lower.count > "answer.".count {
            let q = String(name.dropFirst("answer.".count))
            return CriteriaField(name, .answer(question: q), "the latest answer to question \(q)")
        }
        return all.first { $0.name == lower }
    }

    /// What the field holds for a person.
    func fact(of person: PersonFacts) -> Fact {
        func text(_ v: Value?) -> Fact {
            guard let s = v?.stringValue.map(Self.trim), !s.isEmpty else {
                if let n = v?.doubleValue { return .number(n) }
                return .missing
            }
            return .text(s)
        }
        func number(_ v: Value?) -> Fact {
            if let d = v?.doubleValue { return .number(d) }
            if let s = v?.stringValue.map(Self.trim), let i = Int64(s) { return .number(Double(i)) }
            return .missing
        }
        switch name {
        case "party", "precinct", "gender", "language": return text(person.field(name))
        case "ward", "birth_year": return number(person.field(name))
        case "zip", "city": return text(person.household[name] ?? person.contact[name])
        case "street": return text(person.household["street_name"])
        case "engagement": return number(person.contact["engagement_level"])
        case "voted": return .bool(Gotv.hasVoted(person.contact))
        case "history":
            let words = (person.contact["vote_history"]?.stringValue ?? "").split(separator: " ").map(String.init)
            return .texts(words)
        case "phone":
            let phone = person.contact["phone"]?.stringValue.map(Self.trim) ?? ""
            return .bool(!phone.isEmpty && person.contact["phone_bad"] != .bool(true))
        case "email": return .bool(!(person.contact["email"]?.stringValue.map(Self.trim) ?? "").isEmpty)
        case "last_result": return person.lastResult.map { .text($0) } ?? .missing
        case "attempts": return .number(Double(person.attempts))
        case "group": return .texts(person.groups.sorted())
        case "donated": return .number(Double(person.donatedCents) / 100)
        case "gifts": return .number(Double(person.gifts))
        default:
            guard case .answer(let q) = kind, let v = person.answers[q], !v.isNull else { return .missing }
            if case .array(let items) = v { return .texts(items.map { $0.stringValue ?? $0.description }) }
            if let d = v.doubleValue { return .number(d) }
            if let b = v.boolValue { return .text(b ? "yes" : "no") }
            return .text(v.stringValue ?? v.description)
        }
    }

    /// A person's value of a field, as the evaluator compares it.
    enum Fact: Equatable {
        case missing
        case text(String)
        case number(Double)
        case bool(Bool)
        /// A set of words (vote history, groups, a multiple-choice answer): `=` means "contains".
        case texts([String])
    }
}

extension CriteriaField {
    /// Without leading and trailing spaces (Core has no Foundation).
    static func trim(_ text: String) -> String {
        var s = Substring(text)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
