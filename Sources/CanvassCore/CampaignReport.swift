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
    /// Revenue per campaign email (`MailingAttribution`); nil when not read.
    public var mailings: [MailingRevenue]?
    public var engagement: EngagementReport?

    enum CodingKeys: String, CodingKey {
        case campaign, name, from, to, totals, results, questions, support, goals, gotv, events, revenue, mailings,
            engagement
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
        try c.encodeIfPresent(mailings, forKey: .mailings)
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
        let rolled = facts.rolledBack
        func inRange(_ day: String?) -> Bool {
            if let from = facts.from, (day ?? "") < from { return false }
            if let to = facts.to, (day ?? "9999") > to { return false }
            return true
        }
        // The campaign's interactions, whether each is rolled back, and the ids the standing ones
        // correct (a rolled-back correction corrects nothing: the interaction it corrected counts again).
        var mine: [Int] = []
        mine.reserveCapacity(xs.count)
        var isRolledBack: [Bool] = []
        isRolledBack.reserveCapacity(xs.count)
        var targets: Set<String> = []
        for k in xs.indices
        where belongs(list: xs[k].list, survey: xs[k].survey, lists: lists, surveys: facts.campaignSurveys) {
            let back = !rolled.isEmpty && rolled.contains(xs[k].id)
            mine.append(k)
            isRolledBack.append(back)
            if !back, let t = xs[k].corrects { targets.insert(t) }
        }
        // `Canvassing.corrections` over the corrections and the interactions they name, in order:
        // the same answer as over every standing interaction, without a table of all of them.
        var corrected: [String: String] = [:]
        if !targets.isEmpty {
            var named: [(id: String, corrects: String?, user: String?)] = []
            for (n, k) in mine.enumerated() where !isRolledBack[n] {
                if xs[k].corrects != nil || targets.contains(xs[k].id) {
                    named.append((xs[k].id, xs[k].corrects, xs[k].user))
                }
            }
            corrected = Canvassing.corrections(named)
        }
        let ranged = facts.from != nil || facts.to != nil
        var rolledBack = 0
        var all: [Int] = []
        all.reserveCapacity(mine.count)
        var inRangeOnly: [Int] = []
        for (n, k) in mine.enumerated() {
            if isRolledBack[n] {
                if !ranged || inRange(xs[k].day) { rolledBack += 1 }
                continue
            }
            if !corrected.isEmpty, corrected[xs[k].id] != nil { continue }
            all.append(k)
            if ranged, inRange(xs[k].day) { inRangeOnly.append(k) }
        }
        return (ranged ? inRangeOnly : all, all, rolledBack)
    }

    /// Strings numbered in the order first seen, so counting is done in arrays by number.
    /// The last string numbered is checked first: interactions come by list and household.
    struct Numbering {
        var numbers: [String: Int] = [:]
        var names: [String] = []
        var last = -1

        mutating func callAsFunction(_ s: String) -> Int {
            if last >= 0, names[last] == s { return last }
            if let n = numbers[s] {
                last = n
                return n
            }
            numbers[s] = names.count
            names.append(s)
            last = names.count - 1
            return last
        }
    }

    /// Attempts, contacts and doors (distinct households) per group (a canvasser, list or day,
    /// numbered by a `Numbering`), added up one interaction at a time.
    struct Accumulator {
        var attempts: [Int] = []
        var contacts: [Int] = []
        var doors: [Int] = []
        /// group << 32 | household, for the households already counted in a group.
        var knocked: Set<Int> = []

        mutating func add(_ group: Int, contacted: Bool, household: Int?) {
            while group >= attempts.count {
                attempts.append(0)
                contacts.append(0)
                doors.append(0)
            }
            attempts[group] += 1
            if contacted { contacts[group] += 1 }
            if let household, knocked.insert(group << 32 | household).inserted { doors[group] += 1 }
        }

        func tally(_ group: Int) -> Tally {
            group < attempts.count
                ? Tally(attempts: attempts[group], doors: doors[group], contacts: contacts[group]) : Tally()
        }
    }

    /// A survey id and a result code, for looking each result up once.
    struct ResultKey: Hashable {
        var survey: String?
        var result: String
    }

    /// Counts a campaign's facts in one pass over the counted interactions. `by` keeps one
    /// table (nil: all three).
    public static func build(_ facts: Facts, by: Grouping? = nil) -> CampaignReport {
        let (counted, all, rolledBack) = Self.counted(facts)
        let xs = facts.interactions
        // Result codes by survey and result, each looked up once; counted per pair, then per result.
        var resultKeys: [ResultKey: Int] = [:]
        var resultCodes: [(key: ResultKey, code: ResultCode?, count: Int)] = []
        let questions = facts.questions
        var questionNumbers: [String: Int] = [:]
        for (n, q) in questions.enumerated() where questionNumbers[q.id] == nil { questionNumbers[q.id] = n }
        var households = Numbering()
        var users = Numbering()
        var lists = Numbering()
        var days = Numbering()
        var people = Numbering()
        var total = Accumulator()
        var perUser = Accumulator()
        var perList = Accumulator()
        var perDay = Accumulator()
        // Per question, per person: the counted interaction with their latest answer (-1: none).
        var latest = [[Int]](repeating: [], count: questions.count)
        for k in counted {
            let c: ResultCode?
            var contacted = false
            if let r = xs[k].result {
                let key = ResultKey(survey: xs[k].survey, result: r)
                let n: Int
                if let found = resultKeys[key] {
                    n = found
                } else {
                    n = resultCodes.count
                    resultKeys[key] = n
                    resultCodes.append(
                        (key, Canvassing.resultCode(r, in: xs[k].survey.flatMap { facts.surveys[$0] }), 0))
                }
                resultCodes[n].count += 1
                c = resultCodes[n].code
                contacted = c?.contacted == true
            }
            var household: Int?
            if xs[k].channel == Channel.door.rawValue {
                if let h = xs[k].household {
                    household = households(h)
                } else if let p = xs[k].person {
                    household = households("person:" + p)
                }
            }
            total.add(0, contacted: contacted, household: household)
            if by == nil || by == .canvasser {
                perUser.add(users(xs[k].user ?? ""), contacted: contacted, household: household)
            }
            if by == nil || by == .list {
                perList.add(lists(xs[k].list ?? ""), contacted: contacted, household: household)
            }
            if by == nil || by == .day {
                perDay.add(days(xs[k].day ?? ""), contacted: contacted, household: household)
            }
            guard let p = xs[k].person, !xs[k].answers.isEmpty else { continue }
            let person = people(p)
            let at = xs[k].recordedAt ?? .min
            for (q, v) in xs[k].answers where v != .null {
                guard let n = questionNumbers[q] else { continue }
                if person >= latest[n].count {
                    latest[n].append(contentsOf: repeatElement(-1, count: person - latest[n].count + 1))
                }
                let old = latest[n][person]
                if old >= 0, (xs[old].recordedAt ?? .min, xs[old].id) > (at, xs[k].id) { continue }
                latest[n][person] = k
            }
        }
        // By result: the label and contacted of the first pair counted with it.
        var resultCounts: [String: ResultCount] = [:]
        for (key, c, count) in resultCodes {
            resultCounts[
                key.result,
                default: ResultCount(
                    code: key.result, label: c?.label ?? key.result, contacted: c?.contacted == true, count: 0)
            ].count += count
        }
        let results = resultCounts.values.sorted { ($1.count, $0.code) < ($0.count, $1.code) }

        // Answers: each person's latest answer to each question.
        var questionCounts: [QuestionCounts] = []
        for q in questions {
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
            var answered = 0
            for k in latest[questionNumbers[q.id] ?? 0] where k >= 0 {
                guard let value = xs[k].answers[q.id] else { continue }
                answered += 1
                let values: [String]
                if case .array(let items) = value {
                    values = items.compactMap(Self.answerText)
                } else {
                    values = Self.answerText(value).map { [$0] } ?? []
                }
                for value in Set(values) { if let k = index[value] { options[k].people += 1 } }
            }
            questionCounts.append(
                QuestionCounts(id: q.id, text: q.text, kind: q.kind.rawValue, answered: answered, options: options))
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
            byCanvasser = users.names.enumerated().map { n, user in
                Row(
                    key: user, name: facts.userNames[user] ?? (user.isEmpty ? "(unknown)" : user),
                    tally: perUser.tally(n))
            }.sorted { ($0.name, $0.key) < ($1.name, $1.key) }
        }
        var byList: [Row]?
        if by == nil || by == .list {
            let done = Self.done(facts, all, people: &people)
            byList = facts.lists.enumerated().map { n, l in
                Row(
                    key: l.id, name: l.name, tally: lists.numbers[l.id].map { perList.tally($0) } ?? Tally(),
                    done: done[n].done, total: done[n].total)
            }.sorted { $0.name != $1.name ? Canvassing.naturalOrder($0.name, $1.name) : $0.key < $1.key }
        }
        var byDay: [Row]?
        if by == nil || by == .day {
            byDay = days.names.enumerated().map { n, day in Row(key: day, name: day, tally: perDay.tally(n)) }
                .sorted { $0.key < $1.key }
        }
        let totals = total.tally(0)
        return CampaignReport(
            campaign: facts.campaign, name: facts.name, from: facts.from, to: facts.to, startDate: facts.startDate,
            endDate: facts.endDate, totals: totals, rolledBack: rolledBack, results: results,
            questions: questionCounts, support: support,
            goals: Goals(
                doors: Goal(done: totals.doors, goal: facts.goalDoors),
                contacts: Goal(done: totals.contacts, goal: facts.goalContacts)),
            byCanvasser: byCanvasser, byList: byList, byDay: byDay)
    }

    /// People done and people on each list (in `facts.lists` order), as the list views judge
    /// them (`Canvassing.isDone`): each person's latest counted result (`counted` indices into
    /// `facts.interactions`), read by the list's survey.
    static func done(_ facts: Facts, _ counted: [Int], people: inout Numbering) -> [(done: Int, total: Int)] {
        let xs = facts.interactions
        // Per person (numbered), the interaction with their latest result (-1: none).
        var last: [Int] = []
        for k in counted {
            guard let p = xs[k].person, xs[k].result != nil else { continue }
            let person = people(p)
            if person >= last.count { last.append(contentsOf: repeatElement(-1, count: person - last.count + 1)) }
            let old = last[person]
            if old >= 0, (xs[old].recordedAt ?? .min, xs[old].id) > (xs[k].recordedAt ?? .min, xs[k].id) { continue }
            last[person] = k
        }
        var codes: [ResultKey: ResultCode?] = [:]
        var out: [(done: Int, total: Int)] = []
        out.reserveCapacity(facts.lists.count)
        for l in facts.lists {
            let survey = l.survey.flatMap { facts.surveys[$0] }
            var n = 0
            let members = Set(l.people)
            for p in members {
                let k = people.numbers[p].flatMap { $0 < last.count && last[$0] >= 0 ? last[$0] : nil }
                var code: ResultCode?
                if let k, let r = xs[k].result {
                    let key = ResultKey(survey: l.survey, result: r)
                    if let c = codes[key] {
                        code = c
                    } else {
                        code = Canvassing.resultCode(r, in: survey)
                        codes[key] = .some(code)
                    }
                }
                if Canvassing.isDone(suppressed: l.suppressed.contains(p), lastResult: code, hasResult: k != nil) {
                    n += 1
                }
            }
            out.append((n, members.count))
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
