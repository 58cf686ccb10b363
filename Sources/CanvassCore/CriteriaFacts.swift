/// What the set-up rules know about one person: their contact and household fields, their
/// interactions summed up (the latest result, the latest answer to each question, how many
/// attempts), and the static groups they belong to. Segment criteria (`Criteria`) and the turf
/// cutter (`TurfCutter`) read people through it, so both see the same person.
public struct PersonFacts: Sendable, Hashable {
    public let id: String
    /// The contact's display values.
    public var contact: [String: Value]
    /// The household's id and display values (empty when the contact has none).
    public var householdID: String?
    public var household: [String: Value]
    /// The latest interaction's result code, the survey it was recorded on, and when.
    public var lastResult: String?
    public var lastSurvey: String?
    public var lastAt: Int64?
    /// How many interactions the person has.
    public var attempts: Int
    /// The latest answer to each question id, across the interactions given.
    public var answers: [String: Value]
    /// Ids of the static groups the person is a member of.
    public var groups: Set<String>
    /// Money received from the person for the campaign, in cents (pledges not counted), and how
    /// many gifts (`count(_:)` sets both from their donations).
    public var donatedCents: Int64 = 0
    public var gifts: Int = 0

    public init(
        id: String, contact: [String: Value], householdID: String? = nil, household: [String: Value] = [:],
        lastResult: String? = nil, lastSurvey: String? = nil, lastAt: Int64? = nil, attempts: Int = 0,
        answers: [String: Value] = [:], groups: Set<String> = []
    ) {
        self.id = id
        self.contact = contact
        self.householdID = householdID ?? contact["household_id"]?.stringValue
        self.household = household
        self.lastResult = lastResult
        self.lastSurvey = lastSurvey
        self.lastAt = lastAt
        self.attempts = attempts
        self.answers = answers
        self.groups = groups
    }

    /// One interaction as the facts read it.
    public struct Interaction: Sendable, Hashable {
        public let id: String
        public let result: String?
        public let surveyID: String?
        public let recordedAt: Int64?
        public let answers: [String: Value]
        /// The interaction this one corrects (the same knock or call recorded again), and who recorded it.
        public let corrects: String?
        public let userID: String?

        public init(
            id: String, result: String?, surveyID: String?, recordedAt: Int64?, answers: [String: Value],
            corrects: String? = nil, userID: String? = nil
        ) {
            self.id = id
            self.result = result
            self.surveyID = surveyID
            self.recordedAt = recordedAt
            self.answers = answers
            self.corrects = corrects
            self.userID = userID
        }

        /// Latest first: by the time recorded, then by id (the order `canvass` shows a history in).
        public static func newerFirst(_ a: Interaction, _ b: Interaction) -> Bool {
            (a.recordedAt ?? 0, a.id) > (b.recordedAt ?? 0, b.id)
        }
    }

    /// The facts of a person from their interactions: the latest result (and its survey and time)
    /// from `interactions`, the latest answer to each question from `answering` (by default the
    /// same interactions; a campaign's segments count only answers given on its own surveys).
    /// An interaction a later one corrects (`Canvassing.corrections`) counts for nothing: the
    /// correction records the same knock or call again.
    public init(
        id: String, contact: [String: Value], household: [String: Value], interactions: [Interaction],
        answering: [Interaction]? = nil, groups: Set<String> = []
    ) {
        let corrected = Self.corrected(interactions)
        let sorted = interactions.filter { corrected[$0.id] == nil }.sorted(by: Interaction.newerFirst)
        let latest = sorted.first
        self.init(
            id: id, contact: contact, household: household, lastResult: latest?.result, lastSurvey: latest?.surveyID,
            lastAt: latest?.recordedAt, attempts: sorted.count,
            answers: Self.latestAnswers(answering ?? sorted, corrected: corrected), groups: groups)
    }

    /// The latest answer to each question across `answering`, leaving out the interactions of
    /// `interactions` a later one corrects (`Canvassing.corrections`). A reader after one
    /// question may pass only the interactions answering it and those correcting another: the
    /// others change nothing in that answer.
    public static func latestAnswers(_ answering: [Interaction], of interactions: [Interaction]) -> [String: Value] {
        latestAnswers(answering, corrected: corrected(interactions))
    }

    /// One question's latest answer for each person (`latestAnswers`, for that question alone).
    /// - Parameter candidates: each person's interactions answering the question or correcting
    ///   another (the others change nothing in the answer), and whether the answer counts (a
    ///   campaign reads answers given on its own surveys).
    /// - Returns: the latest answer by person id; people with none are left out.
    public static func latestAnswer(to question: String, _ candidates: [Candidate]) -> [String: Value] {
        // Each person's candidates as a chain through `next`, from `first`: no array per person.
        var first: [String: Int] = [:]
        first.reserveCapacity(candidates.count)
        var next = [Int](repeating: -1, count: candidates.count)
        // By index, not by element: a copy of each interaction would retain all its strings.
        for i in candidates.indices {
            if let head = first.updateValue(i, forKey: candidates[i].person) { next[i] = head }
        }
        var out: [String: Value] = [:]
        out.reserveCapacity(first.count)
        for (person, head) in first {
            if next[head] < 0 {
                // One interaction: there is nothing it could correct, or be corrected by.
                if candidates[head].counts, let v = candidates[head].answer { out[person] = v }
                continue
            }
            var all: [Interaction] = []
            var answering: [Interaction] = []
            var i = head
            while i >= 0 {
                let interaction = candidates[i].interaction(question)
                all.append(interaction)
                if candidates[i].counts { answering.append(interaction) }
                i = next[i]
            }
            if let v = latestAnswers(answering, of: all)[question] { out[person] = v }
        }
        return out
    }

    /// A person's interaction that may decide one question's answer (`latestAnswer`): its answer
    /// to the question, whether that answer counts, and what corrections read.
    public struct Candidate: Sendable {
        public let person: String
        public let id: String
        public let recordedAt: Int64?
        public let answer: Value?
        public let counts: Bool
        public let corrects: String?
        public let userID: String?

        public init(
            person: String, id: String, recordedAt: Int64?, answer: Value?, counts: Bool, corrects: String?,
            userID: String?
        ) {
            self.person = person
            self.id = id
            self.recordedAt = recordedAt
            self.answer = answer
            self.counts = counts
            self.corrects = corrects
            self.userID = userID
        }

        func interaction(_ question: String) -> Interaction {
            Interaction(
                id: id, result: nil, surveyID: nil, recordedAt: recordedAt,
                answers: answer.map { [question: $0] } ?? [:],
                corrects: corrects, userID: userID)
        }
    }

    static func latestAnswers(_ answering: [Interaction], corrected: [String: String]) -> [String: Value] {
        var answers: [String: Value] = [:]
        for i in answering.filter({ corrected[$0.id] == nil }).sorted(by: Interaction.newerFirst) {
            for (q, v) in i.answers where answers[q] == nil { answers[q] = v }
        }
        return answers
    }

    /// `Canvassing.corrections` of a person's interactions (none to look for when no interaction
    /// corrects another).
    static func corrected(_ interactions: [Interaction]) -> [String: String] {
        guard interactions.contains(where: { $0.corrects != nil }) else { return [:] }
        return Canvassing.corrections(interactions.map { ($0.id, $0.corrects, $0.userID) })
    }

    /// People in list order: `Canvassing.personBefore` (last name, first name, id).
    public static func before(_ a: PersonFacts, _ b: PersonFacts) -> Bool {
        Canvassing.personBefore(
            (a.contact["last_name"]?.stringValue ?? "", a.contact["first_name"]?.stringValue ?? "", a.id),
            (b.contact["last_name"]?.stringValue ?? "", b.contact["first_name"]?.stringValue ?? "", b.id))
    }

    /// A contact field, else the household's (precinct and ward live on both).
    func field(_ name: String) -> Value? {
        if let v = contact[name], !v.isNull { return v }
        if let v = household[name], !v.isNull { return v }
        return nil
    }
}

extension PersonFacts {
    /// The contact fields the set-up rules read: names and household, what `Canvassing.suppression`
    /// reads, and every field of `CriteriaField.all`. A backend may read just these.
    public static let contactFields = [
        "household_id", "campaign_id", "first_name", "last_name", "precinct", "ward", "party", "gender", "birth_year",
        "engagement_level", "language", "voted", "ballot_status", "vote_history", "phone", "phone_bad", "email",
        "do_not_contact", "do_not_call", "do_not_knock", "moved", "deceased",
    ]

    /// The household fields the set-up rules read: the address, its place and `bad_address`.
    public static let householdFields = [
        "street_number", "street_name", "unit", "city", "zip", "precinct", "ward", "latitude", "longitude",
        "bad_address", "campaign_id",
    ]

    /// The interaction fields the facts sum up.
    public static let interactionFields = [
        "person_id", "result", "survey_id", "recorded_at", "answers", "corrects", "user_id",
    ]
}
