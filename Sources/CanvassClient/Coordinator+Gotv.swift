import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// Get out the vote on a coordinator's replica: the chase list computed on read from the people
// as they are now (so it shrinks as voted marks sync in), voted marks by hand, and ballot-return
// files imported as replicated writes of `contacts.ballot_status`. The rules are `Gotv`'s.

/// One person on the chase list.
public struct ChasePerson: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let address: String?
    public let precinct: String?
    public let phone: String?
    /// The latest support answer (4 or 5).
    public let support: Int64?
    /// The ballot status an imported file gave (requested, sent, rejected), if any.
    public let ballotStatus: String?
    /// How the person can be reached: `door`, `call`.
    public let channels: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, address, precinct, phone, support, channels
        case ballotStatus = "ballot_status"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(address, forKey: .address)
        try c.encode(precinct, forKey: .precinct)
        try c.encode(phone, forKey: .phone)
        try c.encode(support, forKey: .support)
        try c.encode(ballotStatus, forKey: .ballotStatus)
        try c.encode(channels, forKey: .channels)
    }

    init(_ p: PersonFacts) {
        let preview = MemberPreview(p)
        id = p.id
        name = preview.name
        address = preview.address
        precinct = preview.precinct
        let phone = p.contact["phone"]?.stringValue ?? ""
        self.phone = phone.isEmpty || p.contact["phone_bad"] == .bool(true) ? nil : phone
        support = Gotv.supportLevel(p.answers[Gotv.supportQuestion])
        ballotStatus = p.contact["ballot_status"]?.stringValue
        channels = Gotv.reachable(p.contact).map { $0 == .door ? "door" : "call" }
    }
}

/// `canvass gotv chase`: the summary and the first people left to chase.
public struct GotvChase: Sendable, Codable, Hashable {
    public let campaign: String
    public let summary: GotvSummary
    /// In chase order (`Gotv.order`), at most the limit asked.
    public let people: [ChasePerson]
}

/// What `canvass gotv mark` wrote.
public struct GotvMark: Sendable, Codable, Hashable {
    public let person: String
    public let name: String
    /// The `voted` mark now.
    public let marked: Bool
    /// Whether the person counts as voted now (`Gotv.hasVoted`: the mark or a ballot status).
    public let voted: Bool
    public let ballotStatus: String?
    /// Whether anything was written (false when the mark was already so).
    public let written: Bool

    enum CodingKeys: String, CodingKey {
        case person, name, marked, voted, written
        case ballotStatus = "ballot_status"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(person, forKey: .person)
        try c.encode(name, forKey: .name)
        try c.encode(marked, forKey: .marked)
        try c.encode(voted, forKey: .voted)
        try c.encode(ballotStatus, forKey: .ballotStatus)
        try c.encode(written, forKey: .written)
    }
}

/// What `canvass gotv import` did, or would do with `--dry-run`.
public struct GotvImportReport: Sendable, Codable {
    public let campaign: String
    public let file: String
    public let dryRun: Bool
    /// Data rows in the file (blank lines not counted), and rows left out for errors.
    public let rows: Int
    public let badRows: Int
    public let counts: GotvImportPlan.Counts
    /// Records written (0 on a dry run).
    public let written: Int
    /// Every bad row's errors, then repeated voter ids, at `line N[, COLUMN]`.
    public let problems: [Diagnostic]
    /// The columns read.
    public let voterIDColumn: String
    public let statusColumn: String

    enum CodingKeys: String, CodingKey {
        case campaign, file, rows, counts, written, problems
        case dryRun = "dry_run"
        case badRows = "bad_rows"
        case voterIDColumn = "voter_id_column"
        case statusColumn = "status_column"
    }
}

extension FieldClient {
    /// The GOTV figures of a campaign (`Gotv.summary`), as its people are now on this replica.
    public func gotvSummary(campaign: String) throws -> GotvSummary {
        try translating {
            let (store, _) = try coordinatorSession("see GOTV figures")
            try Self.requireCampaign(store, campaign)
            return try Self.gotv(store, campaign: campaign, chase: false).summary
        }
    }

    /// The chase list of a campaign: supporters who have not voted and can be reached
    /// (`Gotv.chase`), computed on read, so every voted mark synced in takes people off it.
    /// - Parameters:
    ///   - limit: at most this many people (nil: all).
    public func gotvChase(campaign: String, limit: Int?) throws -> GotvChase {
        try translating {
            let (store, _) = try coordinatorSession("see the chase list")
            try Self.requireCampaign(store, campaign)
            if let limit, limit < 0 { throw ClientError(.badUsage, "--limit must be 0 or more") }
            let (summary, chase) = try Self.gotv(store, campaign: campaign, chase: true)
            return GotvChase(
                campaign: campaign, summary: summary, people: chase.prefix(limit ?? chase.count).map(ChasePerson.init))
        }
    }

    /// GOTV over a campaign's people (`CampaignPeople.load`'s people, interactions and surveys),
    /// read lean: each person's latest support answer from the interactions answering it
    /// (`supportAnswers`), then the contacts in one pass that builds the fields `Gotv.standing`
    /// reads for supporters alone, then the addresses of those to chase.
    /// - Returns: the summary and, with `chase`, the people to chase in chase order (their
    ///   contacts with `Gotv.contactFields` and names, households with the address).
    static func gotv(_ store: ReplicaStore, campaign: String, chase: Bool) throws -> (
        summary: GotvSummary, chase: [PersonFacts]
    ) {
        let (_, surveyCampaigns) = try CampaignPeople.surveys(store)
        let support = try supportAnswers(store, campaign: campaign, surveyCampaigns: surveyCampaigns)
        let fields =
            ["campaign_id"] + Gotv.contactFields
            + (chase ? ["household_id", "first_name", "last_name", "precinct"] : [])
        let (voted, ballotStatus) = (fields.firstIndex(of: "voted")!, fields.firstIndex(of: "ballot_status")!)
        var summary = GotvSummary()
        var toChase: [(id: String, contact: [String: Value], support: Value?)] = []
        func count(_ id: String, _ field: (Int) -> Value?) {
            let answer = support[id]
            guard Gotv.isSupporting(answer) else {
                // Not a supporter: the standing reads no contact field.
                summary.count(
                    voted: Gotv.hasVoted(voted: field(voted), ballotStatus: field(ballotStatus)),
                    standing: Gotv.standing(contact: [:], support: answer))
                return
            }
            var contact: [String: Value] = [:]
            for (i, f) in fields.enumerated() {
                if let v = field(i) { contact[f] = v }
            }
            let standing = Gotv.standing(contact: contact, support: answer)
            summary.count(voted: Gotv.hasVoted(contact), standing: standing)
            if chase && standing == .toChase { toChase.append((id, contact, answer)) }
        }
        // People imported into the campaign count at once (`CampaignMembership.contains` reads a
        // contact's `campaign_id` first); the others wait for the lists, read only if there are any.
        var others: [(id: String, values: [Value?])] = []
        try store.forEachProjected("contacts", fields: fields, kinds: kinds("contacts")) { row in
            let id = row.id
            if row[0]?.stringValue == campaign {
                count(id) { row[$0] }
            } else {
                others.append((id, fields.indices.map { row[$0] }))
            }
        }
        if !others.isEmpty {
            let membership = try CampaignPeople.membership(store, campaign: campaign, surveyCampaigns: surveyCampaigns)
            for (id, values) in others where membership.contains(RecordKey("contacts", id), values: [:]) {
                count(id) { values[$0] }
            }
        }
        guard chase, !toChase.isEmpty else { return (summary, []) }
        let wanted = Set(toChase.compactMap { $0.contact["household_id"]?.stringValue })
        let address = ["street_number", "street_name", "unit", "precinct"]
        var households: [String: [String: Value]] = [:]
        try store.forEachProjected("households", fields: address, kinds: kinds("households")) { row in
            let id = row.id
            guard wanted.contains(id) else { return }
            var values: [String: Value] = [:]
            for (i, f) in address.enumerated() {
                if let v = row[i] { values[f] = v }
            }
            households[id] = values
        }
        let people = toChase.map { p in
            PersonFacts(
                id: p.id, contact: p.contact,
                household: p.contact["household_id"]?.stringValue.flatMap { households[$0] } ?? [:],
                answers: p.support.map { [Gotv.supportQuestion: $0] } ?? [:])
        }
        return (summary, Gotv.sorted(people))
    }

    /// Each person's latest support answer (`PersonFacts.latestAnswer`) on the campaign's
    /// surveys (`CampaignPeople.counts`), by person id: read from the interactions answering the
    /// support question or correcting another (the rest change nothing in it), rolled-back ones
    /// left out (`Rollbacks`).
    static func supportAnswers(_ store: ReplicaStore, campaign: String, surveyCampaigns: [String: String]) throws
        -> [String: Value]
    {
        let rolledBack = Rollbacks.rolledBack(try store.projected("rollbacks", fields: Rollbacks.fields))
        let question = Gotv.supportQuestion
        let answer = "answers.\(question)"
        var candidates: [PersonFacts.Candidate] = []
        var counts: (survey: String?, counts: Bool)?
        try store.forEachProjected(
            "interactions", fields: ["person_id", "survey_id", "recorded_at", answer, "corrects", "user_id"],
            kinds: kinds("interactions"), present: [answer, "corrects"]
        ) { row in
            let id = row.id
            guard let person = row[0]?.stringValue, !rolledBack.contains(id) else { return }
            let survey = row[1]?.stringValue
            if counts?.survey != survey || counts == nil {
                counts = (
                    survey, CampaignPeople.counts(answerOn: survey, in: campaign, surveyCampaigns: surveyCampaigns)
                )
            }
            candidates.append(
                PersonFacts.Candidate(
                    person: person, id: id, recordedAt: row[2]?.intValue, answer: row[3], counts: counts!.counts,
                    corrects: row[4]?.stringValue, userID: row[5]?.stringValue))
        }
        return PersonFacts.latestAnswer(to: question, candidates)
    }

    /// Marks a person voted (or, with `undo`, not) by hand: a replicated write of `contacts.voted`.
    /// Coordinators may mark anyone here; canvassers the people on their lists (the server's
    /// judge refuses anyone else, so a canvasser's replica holds no one else to mark).
    /// - Throws: `.notFound` for a person not here.
    public func markVoted(person: String, undo: Bool, now: Int64) throws -> GotvMark {
        try translating {
            let (store, s) = try session()
            guard let contact = try store.record(RecordKey("contacts", person)), !contact.isDeleted else {
                let whose =
                    s.user.role >= .coordinator
                    ? "no person '\(person)' here; find ids with `canvass segment show` or `canvass gotv chase CAMPAIGN` (sync first?)"
                    : "'\(person)' is not on your lists, and a canvasser may mark only the people on them; see `canvass lists` and `canvass walk LIST` for ids"
                throw ClientError(.notFound, whose)
            }
            let mark = !undo
            let written = contact["voted"] != .bool(mark)
            var values = contact.values
            if written {
                try store.write([LocalWrite(contact.key, ["voted": .bool(mark)])], wallclock: now)
                values["voted"] = .bool(mark)
            }
            let name = [values["first_name"], values["last_name"]].compactMap { $0?.stringValue }.joined(
                separator: " ")
            return GotvMark(
                person: person, name: name, marked: mark, voted: Gotv.hasVoted(values),
                ballotStatus: values["ballot_status"]?.stringValue, written: written)
        }
    }

    /// Imports a vote-history or ballot-return file into a campaign (`canvass gotv import`): each
    /// row's voter id and status (`GotvBallotFile`) matched to the campaign's people, and
    /// `ballot_status` written where it changed (`GotvImportPlan`), as local replicated writes in
    /// large durable transactions. Bad rows are reported by line and left out; the same file
    /// again writes nothing.
    /// - Parameters:
    ///   - maps: `COLUMN=FIELD` (voter_id, status, ignore); statuses: `CODE=STATUS`.
    /// - Throws: `.invalid` before anything is written when the file is not CSV, has no voter id
    ///   or status column, or a `--map`/`--status` is wrong; `.notFound` for a missing file or campaign.
    public func importBallots(
        campaign: String, file: String, maps: [String] = [], statuses: [String] = [], dryRun: Bool = false,
        now: Int64, progress: (VoterImportProgress) -> Void = { _ in }
    ) throws -> GotvImportReport {
        try translating {
            let (store, _) = try coordinatorSession("import ballot files")
            let (campaignID, _) = try Self.findCampaign(campaign, in: store)
            let read = GotvFileRead.read(csv: try Self.readText(file), maps: maps, statuses: statuses)
            guard read.fileProblems.isEmpty, let columns = read.file else {
                throw ClientError(.invalid, "nothing imported from \(file)", problems: read.fileProblems)
            }
            progress(.reading(rows: read.rowCount, total: read.rowCount))
            let people = try campaignContacts(store, campaign: campaignID, fields: ["voter_id", "ballot_status"])
            let plan = GotvImportPlan(
                rows: read.rows,
                contacts: people.compactMap { c in
                    c["voter_id"]?.stringValue.map { (c.key.id, $0, c["ballot_status"]?.stringValue) }
                })
            if !dryRun {
                let writes = plan.writes.map { LocalWrite($0.key, $0.values) }
                try store.writeInBatches(writes, wallclock: now) { progress(.writing(done: $0, total: writes.count)) }
            }
            return GotvImportReport(
                campaign: campaignID, file: file, dryRun: dryRun, rows: read.rowCount, badRows: read.badRows,
                counts: plan.counts, written: dryRun ? 0 : plan.writes.count,
                problems: read.rowProblems + plan.problems,
                voterIDColumn: columns.voterIDColumn.map { columns.header[$0] } ?? "",
                statusColumn: columns.statusColumn.map { columns.header[$0] } ?? "")
        }
    }

    /// The contacts of a campaign as `CampaignMembership` counts them (imported into it, or on
    /// its lists), with some fields.
    func campaignContacts(_ store: ReplicaStore, campaign: String, fields: [String]) throws -> [RecordValues] {
        let membership = try CampaignPeople.membership(store, campaign: campaign)
        return try store.projected("contacts", fields: ["campaign_id", "household_id"] + fields).filter {
            membership.contains($0.key, values: $0.values)
        }
    }
}
