/// How a campaign is doing, from the facts a coordinator's replica holds (`canvass report`): doors
/// knocked, contacts and the contact rate, results by code, answers by question, progress per
/// canvasser, per list and per day, and doors and contacts against their goals. Pure: the client
/// reads the facts (`Facts`), this counts them, so every front end counts the same way.
///
/// What counts:
/// - an interaction on one of the campaign's lists, or on no list with one of its surveys;
/// - not rolled back in quality review (`Rollbacks.rolledBack`), and not corrected by a later
///   interaction of the same canvasser (`Canvassing.corrections`: the correction counts instead);
/// - recorded on a local day (campaign time zone) within `from`…`to` when a range is given.
///
/// Doors knocked are distinct households with a door interaction (a door knocked twice counts
/// once; in the table per day, once on each day it was knocked). Attempts are the knocks and
/// calls; contacts are the attempts whose result reached someone (`contacted`), and the contact
/// rate is contacts over attempts. Answers count each person once, by their latest answer.
public struct CampaignReport: Sendable, Hashable, Codable {
    /// The table `--by` asks for.
    public enum Grouping: String, Sendable, Hashable, Codable, CaseIterable {
        case canvasser, list, day
    }

    // MARK: facts

    /// An interaction as the report reads it.
    public struct Interaction: Sendable, Hashable {
        public var id: String
        public var person: String?
        public var household: String?
        public var list: String?
        public var survey: String?
        public var channel: String?
        public var result: String?
        /// The answers to the campaign's questions (others may be left out).
        public var answers: [String: Value]
        public var user: String?
        public var corrects: String?
        public var recordedAt: Int64?
        /// The local day it was recorded on, "YYYY-MM-DD" (campaign time zone).
        public var day: String?

        public init(
            id: String, person: String? = nil, household: String? = nil, list: String? = nil, survey: String? = nil,
            channel: String? = nil, result: String? = nil, answers: [String: Value] = [:], user: String? = nil,
            corrects: String? = nil, recordedAt: Int64? = nil, day: String? = nil
        ) {
            self.id = id
            self.person = person
            self.household = household
            self.list = list
            self.survey = survey
            self.channel = channel
            self.result = result
            self.answers = answers
            self.user = user
            self.corrects = corrects
            self.recordedAt = recordedAt
            self.day = day
        }
    }

    /// One of the campaign's lists: who is on it, and who is suppressed for its channel
    /// (`Canvassing.suppression`), for done/total (`Canvassing.isDone`).
    public struct ListFacts: Sendable, Hashable {
        public var id: String
        public var name: String
        public var kind: String
        public var survey: String?
        /// The people on the list.
        public var people: [String]
        /// Those of them nobody may knock or call on this list's channel.
        public var suppressed: Set<String>

        public init(
            id: String, name: String, kind: String = "walk", survey: String? = nil, people: [String] = [],
            suppressed: Set<String> = []
        ) {
            self.id = id
            self.name = name
            self.kind = kind
            self.survey = survey
            self.people = people
            self.suppressed = suppressed
        }
    }

    /// Everything the report is counted from.
    public struct Facts: Sendable, Hashable {
        public var campaign: String
        public var name: String
        public var goalDoors: Int64?
        public var goalContacts: Int64?
        /// The campaign's first and last days, "YYYY-MM-DD" (the goal line of the doors chart).
        public var startDate: String?
        public var endDate: String?
        /// Interactions (any campaign's: the report keeps the campaign's own).
        public var interactions: [Interaction]
        /// Rolled-back interaction ids (`Rollbacks.rolledBack`).
        public var rolledBack: Set<String>
        /// Surveys by id, for their result codes; results on a survey not here are read by the
        /// standard codes.
        public var surveys: [String: Survey]
        /// The ids of the campaign's surveys.
        public var campaignSurveys: Set<String>
        public var lists: [ListFacts]
        /// User id → name, from the account directory.
        public var userNames: [String: String]
        /// The range of local days, inclusive ("YYYY-MM-DD"); nil is open.
        public var from: String?
        public var to: String?

        public init(
            campaign: String, name: String, goalDoors: Int64? = nil, goalContacts: Int64? = nil,
            startDate: String? = nil, endDate: String? = nil, interactions: [Interaction] = [],
            rolledBack: Set<String> = [], surveys: [String: Survey] = [:], campaignSurveys: Set<String> = [],
            lists: [ListFacts] = [], userNames: [String: String] = [:], from: String? = nil, to: String? = nil
        ) {
            self.campaign = campaign
            self.name = name
            self.goalDoors = goalDoors
            self.goalContacts = goalContacts
            self.startDate = startDate
            self.endDate = endDate
            self.interactions = interactions
            self.rolledBack = rolledBack
            self.surveys = surveys
            self.campaignSurveys = campaignSurveys
            self.lists = lists
            self.userNames = userNames
            self.from = from
            self.to = to
        }

        /// The questions of the campaign's surveys, in survey id then survey order, each id once.
        public var questions: [Question] {
            var out: [Question] = []
            for id in campaignSurveys.sorted() {
                for q in surveys[id]?.questions ?? [] where !out.contains(where: { $0.id == q.id }) { out.append(q) }
            }
            return out
        }
    }

    // MARK: report

    /// Attempts, doors, contacts and the contact rate of some interactions.
    public struct Tally: Sendable, Hashable, Codable {
        public var attempts = 0
        public var doors = 0
        public var contacts = 0
        /// Contacts over attempts, 0…1 (rounded to 4 places); nil without attempts.
        public var contactRate: Double?

        public init(attempts: Int = 0, doors: Int = 0, contacts: Int = 0) {
            self.attempts = attempts
            self.doors = doors
            self.contacts = contacts
            contactRate = CampaignReport.rate(contacts, of: attempts)
        }

        enum CodingKeys: String, CodingKey {
            case attempts, doors, contacts
            case contactRate = "contact_rate"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(doors, forKey: .doors)
            try c.encode(contacts, forKey: .contacts)
            try c.encode(contactRate, forKey: .contactRate)
        }
    }

    /// How many attempts ended with a result code.
    public struct ResultCount: Sendable, Hashable, Codable {
        public var code: String
        public var label: String
        public var contacted: Bool
        public var count: Int
    }

    /// How many people gave each answer to a question (their latest answer).
    public struct QuestionCounts: Sendable, Hashable, Codable {
        public struct Option: Sendable, Hashable, Codable {
            public var value: String
            public var label: String
            public var people: Int
        }
        public var id: String
        public var text: String
        public var kind: String
        /// People who answered.
        public var answered: Int
        /// Per option, in the question's order (a scale's values min…max); text and number
        /// questions have none.
        public var options: [Option]
    }

    /// One row of a table per canvasser, list or day.
    public struct Row: Sendable, Hashable, Codable {
        /// The user id, list id or day. Rows come by canvasser name, by list name in natural
        /// order ("Turf 2" before "Turf 10"), by day.
        public var key: String
        /// The canvasser's or list's name; the day again for days.
        public var name: String
        public var tally: Tally
        /// Lists only: people done (`Canvassing.isDone`, now, whatever the range) of the people on it.
        public var done: Int?
        public var total: Int?

        enum CodingKeys: String, CodingKey { case key, name, done, total }

        public init(key: String, name: String, tally: Tally, done: Int? = nil, total: Int? = nil) {
            self.key = key
            self.name = name
            self.tally = tally
            self.done = done
            self.total = total
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            name = try c.decode(String.self, forKey: .name)
            tally = try Tally(from: decoder)
            done = try c.decodeIfPresent(Int.self, forKey: .done)
            total = try c.decodeIfPresent(Int.self, forKey: .total)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(key, forKey: .key)
            try c.encode(name, forKey: .name)
            try tally.encode(to: encoder)
            try c.encode(done, forKey: .done)
            try c.encode(total, forKey: .total)
        }
    }

    /// Progress against a goal.
    public struct Goal: Sendable, Hashable, Codable {
        public var done: Int
        public var goal: Int64?
        /// Whole percent of the goal reached (rounded down); nil without a goal.
        public var percent: Int64?

        public init(done: Int, goal: Int64?) {
            self.done = done
            self.goal = goal
            percent = goal.flatMap { $0 > 0 ? Int64(done) * 100 / $0 : nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(done, forKey: .done)
            try c.encode(goal, forKey: .goal)
            try c.encode(percent, forKey: .percent)
        }

        enum CodingKeys: String, CodingKey { case done, goal, percent }
    }

    public struct Goals: Sendable, Hashable, Codable {
        public var doors: Goal
        public var contacts: Goal
    }

    public var campaign: String
    public var name: String
    public var from: String?
    public var to: String?
    public var startDate: String?
    public var endDate: String?
    public var totals: Tally
    /// Interactions left out because they were rolled back (in the range).
    public var rolledBack: Int
    /// By code, most first.
    public var results: [ResultCount]
    public var questions: [QuestionCounts]
    /// People by their latest answer to the support question (`support`), levels 1…5 ("IDs").
    public var support: [String: Int]?
    public var goals: Goals
    /// Tables; nil where `--by` asked for another.
    public var byCanvasser: [Row]?
    public var byList: [Row]?
    public var byDay: [Row]?
    /// Sections other rules count (`Gotv`, `EventTurnout`, `Donations`, `EngagementReport`), filled
    /// in by the client; nil when not read.
    public var gotv: GotvSummary?
    public var events: [EventTurnout]?
    public var revenue: RevenueSummary?
    public var engagement: EngagementReport?

    enum CodingKeys: String, CodingKey {
        case campaign, name, from, to, totals, results, questions, support, goals, gotv, events, revenue, engagement
        case startDate = "start_date"
        case endDate = "end_date"
        case rolledBack = "rolled_back"
        case byCanvasser = "by_canvasser"
        case byList = "by_list"
        case byDay = "by_day"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(campaign, forKey: .campaign)
        try c.encode(name, forKey: .name)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(startDate, forKey: .startDate)
        try c.encode(endDate, forKey: .endDate)
        try c.encode(totals, forKey: .totals)
        try c.encode(rolledBack, forKey: .rolledBack)
        try c.encode(results, forKey: .results)
        try c.encode(questions, forKey: .questions)
        try c.encode(support, forKey: .support)
        try c.encode(goals, forKey: .goals)
        try c.encode(byCanvasser, forKey: .byCanvasser)
        try c.encode(byList, forKey: .byList)
        try c.encode(byDay, forKey: .byDay)
        try c.encode(gotv, forKey: .gotv)
        try c.encode(events, forKey: .events)
        try c.encode(revenue, forKey: .revenue)
        try c.encode(engagement, forKey: .engagement)
    }

    /// A table per canvasser, list or day as CSV writes it: a header and rows of text.
    public func table(_ by: Grouping) -> (header: [String], rows: [[String]]) {
        var header = [by.rawValue, "name", "attempts", "doors", "contacts", "contact_rate"]
        if by == .list { header += ["done", "total"] }
        let rows = (self.rows(by) ?? []).map { r -> [String] in
            var row = [
                r.key, r.name, String(r.tally.attempts), String(r.tally.doors), String(r.tally.contacts),
                r.tally.contactRate.map { String($0) } ?? "",
            ]
            if by == .list { row += [r.done.map(String.init) ?? "", r.total.map(String.init) ?? ""] }
            return row
        }
        return (header, rows)
    }

    /// The table `by` names (nil: `by` was not asked for).
    public func rows(_ by: Grouping) -> [Row]? {
        switch by {
        case .canvasser: return byCanvasser
        case .list: return byList
        case .day: return byDay
        }
    }

    /// The id of the support question whose answers are the campaign's IDs.
    public static let supportQuestion = "support"

    /// Contacts over attempts, rounded to 4 places; nil without attempts.
    public static func rate(_ part: Int, of whole: Int) -> Double? {
        whole > 0 ? (Double(part) / Double(whole) * 10_000).rounded() / 10_000 : nil
    }

    // MARK: counting

    /// Whether an interaction is the campaign's: on one of its lists, or on no list with one of
    /// its surveys (an interaction on another campaign's list is that campaign's).
    public static func belongs(list: String?, survey: String?, lists: Set<String>, surveys: Set<String>) -> Bool {
        if let list { return lists.contains(list) }
        return survey.map(surveys.contains) ?? false
    }

    /// The report with only the table `by` names (nil: all three).
    public func keeping(_ by: Grouping?) -> CampaignReport {
        guard let by else { return self }
        var r = self
        if by != .canvasser { r.byCanvasser = nil }
        if by != .list { r.byList = nil }
        if by != .day { r.byDay = nil }
        return r
    }

    /// The interactions that count (indices into `facts.interactions`), in the campaign and
    /// range, and how many rolled-back ones were left out. `all` ignores the range (done/total
    /// is about now).
    static func counted(_ facts: Facts) -> (inRange: [Int], all: [Int], rolledBack: Int) {
        let lists = Set(facts.lists.map(\.id))
        let xs = facts.interactions
        let mine = xs.indices.filter {
            belongs(list: xs[$0].list, survey: xs[$0].survey, lists: lists, surveys: facts.campaignSurveys)
        }
        func inRange(_ i: Interaction) -> Bool {
            if let from = facts.from, (i.day ?? "") < from { return false }
            if let to = facts.to, (i.day ?? "9999") > to { return false }
            return true
        }
        // A rolled-back correction corrects nothing: the interaction it corrected counts again.
        let standing = mine.filter { !facts.rolledBack.contains(xs[$0].id) }
        let corrected = Canvassing.corrections(standing.map { (xs[$0].id, xs[$0].corrects, xs[$0].user) })
        var rolledBack = 0
        var all: [Int] = []
        var ranged: [Int] = []
        for k in mine {
            let i = xs[k]
            if facts.rolledBack.contains(i.id) {
                if inRange(i) { rolledBack += 1 }
                continue
            }
            if corrected[i.id] != nil { continue }
            all.append(k)
            if inRange(i) { ranged.append(k) }
        }
        return (ranged, all, rolledBack)
    }

    /// Attempts, contacts and the households knocked, added up one interaction at a time.
    struct Accumulator {
        var attempts = 0
        var contacts = 0
        var households: Set<String> = []

        mutating func add(contacted: Bool, household: String?) {
            attempts += 1
            if contacted { contacts += 1 }
            if let household { households.insert(household) }
        }

        var tally: Tally { Tally(attempts: attempts, doors: households.count, contacts: contacts) }
    }

    /// Counts a campaign's facts in one pass over the counted interactions. `by` keeps one
    /// table (nil: all three).
    public static func build(_ facts: Facts, by: Grouping? = nil) -> CampaignReport {
        let (counted, all, rolledBack) = Self.counted(facts)
        let xs = facts.interactions
        // Result codes by survey, then result, looked up once each.
        var codes: [String: [String: ResultCode?]] = [:]
        func code(_ i: Interaction) -> ResultCode? {
            guard let r = i.result else { return nil }
            let s = i.survey ?? ""
            if let c = codes[s]?[r] { return c }
            let c = Canvassing.resultCode(r, in: i.survey.flatMap { facts.surveys[$0] })
            codes[s, default: [:]][r] = .some(c)
            return c
        }
        let questions = facts.questions
        let asked = Set(questions.map(\.id))
        var total = Accumulator()
        var perUser: [String: Accumulator] = [:]
        var perList: [String: Accumulator] = [:]
        var perDay: [String: Accumulator] = [:]
        var resultCounts: [String: ResultCount] = [:]
        // question → person → (when, id, answer) of the latest answer.
        var latest: [String: [String: (at: Int64, id: String, value: Value)]] = [:]
        for k in counted {
            let i = xs[k]
            let c = code(i)
            let contacted = c?.contacted == true
            let household =
                i.channel == Channel.door.rawValue ? (i.household ?? i.person.map { "person:" + $0 }) : nil
            total.add(contacted: contacted, household: household)
            if by == nil || by == .canvasser {
                perUser[i.user ?? "", default: .init()].add(contacted: contacted, household: household)
            }
            if by == nil || by == .list {
                perList[i.list ?? "", default: .init()].add(contacted: contacted, household: household)
            }
            if by == nil || by == .day {
                perDay[i.day ?? "", default: .init()].add(contacted: contacted, household: household)
            }
            if let r = i.result {
                resultCounts[r, default: ResultCount(code: r, label: c?.label ?? r, contacted: contacted, count: 0)]
                    .count += 1
            }
            guard let p = i.person, !i.answers.isEmpty else { continue }
            let at = i.recordedAt ?? .min
            for (q, v) in i.answers where v != .null && asked.contains(q) {
                if let old = latest[q]?[p], (old.at, old.id) > (at, i.id) { continue }
                latest[q, default: [:]][p] = (at, i.id, v)
            }
        }
        let results = resultCounts.values.sorted { ($1.count, $0.code) < ($0.count, $1.code) }

        // Answers: each person's latest answer to each question.
        var questionCounts: [QuestionCounts] = []
        for q in questions {
            let answers = latest[q.id] ?? [:]
            var options: [QuestionCounts.Option] = []
            switch q.kind {
            case .scale:
                let lo = q.min ?? 1
                let hi = Swift.max(q.max ?? 5, lo)
                options = (lo...hi).map { QuestionCounts.Option(value: String($0), label: String($0), people: 0) }
            case .text, .number: break
            default: options = q.options.map { QuestionCounts.Option(value: $0.value, label: $0.label, people: 0) }
            }
            let index = Dictionary(options.enumerated().map { ($1.value, $0) }, uniquingKeysWith: { a, _ in a })
            for a in answers.values {
                let values: [String]
                if case .array(let items) = a.value {
                    values = items.compactMap(Self.answerText)
                } else {
                    values = Self.answerText(a.value).map { [$0] } ?? []
                }
                for value in Set(values) { if let k = index[value] { options[k].people += 1 } }
            }
            questionCounts.append(
                QuestionCounts(
                    id: q.id, text: q.text, kind: q.kind.rawValue, answered: answers.count, options: options))
        }
        var support: [String: Int]?
        if let s = questionCounts.first(where: { $0.id == supportQuestion }) {
            var levels = Dictionary(uniqueKeysWithValues: (1...5).map { (String($0), 0) })
            for o in s.options where levels[o.value] != nil { levels[o.value] = o.people }
            support = levels
        }

        // Tables.
        var byCanvasser: [Row]?
        if by == nil || by == .canvasser {
            byCanvasser = perUser.map { user, a in
                Row(key: user, name: facts.userNames[user] ?? (user.isEmpty ? "(unknown)" : user), tally: a.tally)
            }.sorted { ($0.name, $0.key) < ($1.name, $1.key) }
        }
        var byList: [Row]?
        if by == nil || by == .list {
            let done = Self.done(facts, all.map { xs[$0] })
            byList = facts.lists.map { l in
                Row(
                    key: l.id, name: l.name, tally: perList[l.id]?.tally ?? Tally(), done: done[l.id] ?? 0,
                    total: Set(l.people).count)
            }.sorted { $0.name != $1.name ? Canvassing.naturalOrder($0.name, $1.name) : $0.key < $1.key }
        }
        var byDay: [Row]?
        if by == nil || by == .day {
            byDay = perDay.map { day, a in Row(key: day, name: day, tally: a.tally) }.sorted { $0.key < $1.key }
        }
        let totals = total.tally
        return CampaignReport(
            campaign: facts.campaign, name: facts.name, from: facts.from, to: facts.to, startDate: facts.startDate,
            endDate: facts.endDate, totals: totals, rolledBack: rolledBack, results: results,
            questions: questionCounts, support: support,
            goals: Goals(
                doors: Goal(done: totals.doors, goal: facts.goalDoors),
                contacts: Goal(done: totals.contacts, goal: facts.goalContacts)),
            byCanvasser: byCanvasser, byList: byList, byDay: byDay)
    }

    /// People done per list now, as the list views judge them (`Canvassing.isDone`): each
    /// person's latest counted result, read by the list's survey.
    static func done(_ facts: Facts, _ interactions: [Interaction]) -> [String: Int] {
        var last: [String: Interaction] = [:]
        for i in interactions {
            guard let p = i.person, i.result != nil else { continue }
            if let old = last[p], (old.recordedAt ?? .min, old.id) > (i.recordedAt ?? .min, i.id) { continue }
            last[p] = i
        }
        var out: [String: Int] = [:]
        for l in facts.lists {
            let survey = l.survey.flatMap { facts.surveys[$0] }
            var n = 0
            for p in Set(l.people) {
                let i = last[p]
                let code = Canvassing.resultCode(i?.result, in: survey)
                if Canvassing.isDone(suppressed: l.suppressed.contains(p), lastResult: code, hasResult: i != nil) {
                    n += 1
                }
            }
            out[l.id] = n
        }
        return out
    }

    /// An answer as an option value: text as is, a whole number as digits, yes/no for booleans.
    static func answerText(_ v: Value) -> String? {
        switch v {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "yes" : "no"
        default: return nil
        }
    }
}
