import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// A campaign as `canvass campaign list` shows it: the documented `--json` shape, every key
/// present (null when unset).
public struct CampaignSummary: Sendable, Hashable, Codable {
    public struct Goals: Sendable, Hashable, Codable {
        public let doors: Int64?
        public let contacts: Int64?
        public let revenueCents: Int64?

        enum CodingKeys: String, CodingKey {
            case doors, contacts
            case revenueCents = "revenue_cents"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(doors, forKey: .doors)
            try c.encode(contacts, forKey: .contacts)
            try c.encode(revenueCents, forKey: .revenueCents)
        }
    }

    public let id: String
    public let name: String
    public let type: String?
    public let status: String?
    public let startDate: String?
    public let endDate: String?
    public let parentID: String?
    /// The IANA zone its days are read in (`CampaignClock`); nil reads UTC.
    public let timeZone: String?
    public let goals: Goals

    enum CodingKeys: String, CodingKey {
        case id, name, type, status, goals
        case startDate = "start_date"
        case endDate = "end_date"
        case parentID = "parent_id"
        case timeZone = "time_zone"
    }

    init(id: String, _ v: [String: Value]) {
        self.id = id
        name = v["name"]?.stringValue ?? id
        type = v["type"]?.stringValue
        status = v["status"]?.stringValue
        startDate = v["start_date"]?.stringValue
        endDate = v["end_date"]?.stringValue
        parentID = v["parent_id"]?.stringValue
        timeZone = v["time_zone"]?.stringValue
        goals = Goals(
            doors: v["goal_doors"]?.intValue, contacts: v["goal_contacts"]?.intValue,
            revenueCents: v["goal_revenue_cents"]?.intValue)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(status, forKey: .status)
        try c.encode(startDate, forKey: .startDate)
        try c.encode(endDate, forKey: .endDate)
        try c.encode(parentID, forKey: .parentID)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(goals, forKey: .goals)
    }
}

/// A campaign with its progress against its goals (`canvass campaign show`).
public struct CampaignDetail: Sendable, Hashable, Codable {
    public let campaign: CampaignSummary
    public let progress: CampaignProgress
    /// Contacts and households imported into the campaign, and its lists.
    public let people: Int
    public let households: Int
    public let lists: [String]
    /// Campaigns whose parent this is.
    public let children: [String]
}

extension FieldClient {
    /// Finds a campaign by id, or by name without case.
    static func findCampaign(_ idOrName: String, in store: ReplicaStore) throws -> (id: String, values: [String: Value])
    {
        let all = try store.displays(in: "campaigns")
        if let c = all.first(where: { $0.id == idOrName }) { return c }
        let lower = idOrName.lowercased()
        if let c = all.first(where: { $0.values["name"]?.stringValue?.lowercased() == lower }) { return c }
        let known = all.map(\.id).joined(separator: ", ")
        throw ClientError(
            .notFound,
            "no campaign '\(idOrName)' here; campaigns: \(known.isEmpty ? "none yet (canvass campaign create NAME)" : known)"
        )
    }

    /// Creates a campaign as a local replicated write (offline; `canvass sync` sends it).
    /// - Parameters:
    ///   - start, end: dates as typed ("2026-09-01", "9/1/2026").
    ///   - goals: `doors=N`, `contacts=N`, `revenue=AMOUNT` (dollars, "1,250.50" or "$1250").
    ///   - parent: the parent campaign's id or name.
    ///   - timeZone: the IANA zone its days and list hours are read in ("America/New_York";
    ///     `CampaignClock`); none reads UTC.
    /// - Throws: `.invalid` with every problem (a bad date, goal, type, status or time zone; a name taken).
    public func createCampaign(
        name: String, type: String?, status: String?, start: String?, end: String?, goals: [String],
        parent: String?, timeZone: String? = nil, now: Int64
    ) throws -> CampaignSummary {
        try translating {
            let (store, _) = try coordinatorSession("create campaigns")
            var problems: [Diagnostic] = []
            func date(_ text: String?, _ option: String) -> String? {
                guard let text else { return nil }
                if let iso = VoterFileDates.shared.read(text) { return iso }
                problems.append(
                    Diagnostic(at: option, code: "bad_value", "'\(text)' is not a date; write it like 2026-09-01"))
                return nil
            }
            let parentID = try parent.map { try Self.findCampaign($0, in: store).id }
            let draft = CampaignDraft(
                name: name, type: type, status: status, start: date(start, "--start"), end: date(end, "--end"),
                goals: goals, parent: parentID)
            let taken = Set(try store.displays(in: "campaigns").map(\.id))
            let (drafted, more) = draft.values { taken.contains($0) }
            var values = drafted
            problems += more
            if let timeZone {
                if CampaignClock(timeZone: timeZone).known {
                    values["time_zone"] = .string(timeZone)
                } else {
                    problems.append(
                        Diagnostic(
                            at: "--time-zone", code: "bad_value",
                            "'\(timeZone)' is not a time zone; give an IANA name like America/New_York or Europe/Berlin"
                        ))
                }
            }
            if !problems.isEmpty { throw ClientError(.invalid, "no campaign created", problems: problems) }
            try store.write([LocalWrite(RecordKey("campaigns", draft.id), values)], wallclock: now)
            return CampaignSummary(id: draft.id, values)
        }
    }

    /// Every campaign here, by name.
    public func campaigns() throws -> [CampaignSummary] {
        try translating {
            let (store, _) = try coordinatorSession("list campaigns")
            return try store.displays(in: "campaigns").map { CampaignSummary(id: $0.id, $0.values) }
                .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        }
    }

    /// A campaign with its goals against progress so far (`CampaignProgress`), and its people
    /// and households as `CampaignMembership` counts them (tagged by an import, or on its lists).
    public func campaign(_ idOrName: String) throws -> CampaignDetail {
        try translating {
            let (store, _) = try coordinatorSession("see campaign progress")
            let (id, values) = try Self.findCampaign(idOrName, in: store)
            let surveyRecords = try store.displays(in: "surveys")
            let membership = try CampaignPeople.membership(
                store, campaign: id, surveys: surveyRecords.map { ($0.id, $0.values) })
            var surveys: [String: Survey] = [:]
            for s in surveyRecords {
                if let d = s.values["definition"], let survey = try? d.decode(as: Survey.self) {
                    surveys[s.id] = survey
                }
            }
            var progress = CampaignProgress.tally(
                lists: membership.lists, surveys: surveys,
                interactions: Rollbacks.counted(
                    try store.projected("interactions", fields: ["list_id", "channel", "result", "survey_id"]),
                    rollbacks: try store.projected("rollbacks", fields: Rollbacks.fields)
                ).map(\.values))
            progress.add(try Self.revenue(store, campaign: id, try Self.allDonations(store)))
            let contacts = try store.projected("contacts", fields: ["campaign_id", "household_id"])
                .filter { membership.contains($0.key, values: $0.values) }
            let residents = Set(contacts.compactMap { $0["household_id"]?.stringValue })
            let households = try store.projected("households", fields: ["campaign_id"]).filter {
                membership.contains($0.key, values: $0.values) || residents.contains($0.key.id)
            }
            return CampaignDetail(
                campaign: CampaignSummary(id: id, values), progress: progress, people: contacts.count,
                households: households.count, lists: membership.lists.sorted(),
                children: try store.projected("campaigns", fields: ["parent_id"]).filter {
                    $0["parent_id"]?.stringValue == id
                }.map(\.key.id))
        }
    }
}
