import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// A coordinator's surveys, phone scripts and petitions: written from YAML as replicated
// `surveys` records by this device, offline like every other write, synced by `canvass sync`.

/// A survey as `survey list`, `survey create` and `survey show --json` describe it.
public struct SurveySummary: Sendable, Codable, Hashable {
    public let id: String
    public let title: String
    public let kind: String
    public let campaignID: String?
    public let questions: Int
    public let resultCodes: Int
    /// The lists that use it, by id.
    public let lists: [String]
    /// For `survey create`: `created`, `replaced` or `unchanged`; nil elsewhere.
    public let change: String?

    enum CodingKeys: String, CodingKey {
        case id, title, kind, questions, lists, change
        case campaignID = "campaign_id"
        case resultCodes = "result_codes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(kind, forKey: .kind)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(questions, forKey: .questions)
        try c.encode(resultCodes, forKey: .resultCodes)
        try c.encode(lists, forKey: .lists)
        try c.encode(change, forKey: .change)
    }
}

extension FieldClient {
    /// The store and session of a coordinator's (or admin's) login, or an error that says who may
    /// `action`.
    func coordinatorSession(_ action: String) throws -> (ReplicaStore, Session) {
        let (store, s) = try session()
        guard s.user.role >= .coordinator else {
            throw ClientError(
                .invalid,
                "only coordinators and admins may \(action); you are logged in as \(s.user.name), a \(s.user.role.rawValue)"
            )
        }
        return (store, s)
    }

    /// The campaign record `campaign` names, or an error listing the campaigns here.
    static func requireCampaign(_ store: ReplicaStore, _ campaign: String) throws {
        guard let c = try store.record(RecordKey("campaigns", campaign)), !c.isDeleted else {
            let known = try store.records(in: "campaigns").map(\.key.id)
            throw ClientError(
                .notFound,
                "no campaign '\(campaign)' here; campaigns: \(known.isEmpty ? "none yet (canvass campaign create NAME, or sync)" : known.joined(separator: ", "))"
            )
        }
    }

    /// Creates a survey, phone script or petition from a YAML file (see `fixtures/surveys/`) in a
    /// campaign, as a replicated record written by this device. An invalid file is refused with
    /// every problem and its line and column, and nothing is written. A survey id that exists
    /// already is refused unless `replace` (then its definition is overwritten; answers already
    /// recorded stay as they were given); the same definition again changes nothing.
    /// - Throws: `ClientError` `.invalid` (every problem located), `.notFound` for a missing file or campaign.
    public func createSurvey(campaign: String, file: String, replace: Bool, now: Int64) throws -> SurveySummary {
        try translating {
            let (store, _) = try coordinatorSession("create surveys")
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ClientError(.notFound, "cannot read \(file): check the path")
            }
            guard let yaml = String(data: data, encoding: .utf8) else {
                throw ClientError(.invalid, "\(file) is not UTF-8 text; save it as UTF-8")
            }
            let survey: Survey
            do {
                survey = try SurveyDocument.decode(yaml: yaml, file: file)
            } catch let e as ProtocolError {
                throw ClientError(
                    .invalid,
                    "\(file) is not a valid survey (\(e.problems.count) problem\(e.problems.count == 1 ? "" : "s")); nothing was written:\n"
                        + e.problems.map { "  " + $0.describe(file: file) }.joined(separator: "\n"))
            }
            try Self.requireCampaign(store, campaign)
            let key = RecordKey("surveys", survey.id)
            let definition = try Value.encoding(survey)
            let values: [String: Value] = [
                "title": .string(survey.title), "kind": .string(survey.kind.rawValue),
                "campaign_id": .string(campaign), "definition": definition,
            ]
            let spec = CampaignSchema.standard.collections["surveys"]!
            let problems = values.sorted { $0.key < $1.key }.flatMap { name, value in
                spec.field(name)?.check(value, at: "survey.\(name)") ?? []
            }
            if !problems.isEmpty {
                throw ClientError(
                    .invalid, "survey \(survey.id) does not fit the schema; nothing was written", problems: problems)
            }
            var change = "created"
            if let existing = try store.record(key), !existing.isDeleted {
                if values.allSatisfy({ existing[$0.key] == $0.value }) {
                    change = "unchanged"
                } else if !replace {
                    throw ClientError(
                        .invalid,
                        "survey \(survey.id) exists already with another definition; pass --replace to overwrite it, or give the new one another id"
                    )
                } else {
                    change = "replaced"
                }
            }
            if change != "unchanged" { try store.write([LocalWrite(key, values)], wallclock: now) }
            return try Self.summary(store, key: key, change: change)
        }
    }

    /// The surveys here, of one campaign or all, by id.
    public func surveys(campaign: String?) throws -> [SurveySummary] {
        try translating {
            let (store, _) = try session()
            let usage = try Self.listsBySurvey(store)
            return try store.records(in: "surveys").filter {
                campaign == nil || $0["campaign_id"]?.stringValue == campaign
            }.map { try Self.summary($0, lists: usage[$0.key.id] ?? [], change: nil) }
        }
    }

    /// A survey by its id, or the survey of a list by the list's id (what a canvasser asks for).
    public func showSurvey(_ id: String) throws -> Survey {
        try translating {
            let (store, _) = try session()
            if let record = try store.record(RecordKey("surveys", id)), !record.isDeleted,
                let definition = record["definition"]
            {
                do {
                    return try definition.decode(as: Survey.self)
                } catch {
                    throw ClientError(
                        .invalid, "survey \(id) cannot be read (\(error)); sync to get the current version")
                }
            }
            if let list = try store.record(RecordKey("lists", id)), !list.isDeleted {
                return try FieldOperations(store: store).survey(forList: id)
            }
            let surveys = try store.records(in: "surveys").map(\.key.id)
            let lists = try store.records(in: "lists").map(\.key.id)
            throw ClientError(
                .notFound,
                "no survey or list '\(id)' here; surveys: \(surveys.isEmpty ? "none" : surveys.joined(separator: ", ")); lists: \(lists.isEmpty ? "none (sync first?)" : lists.joined(separator: ", "))"
            )
        }
    }

    static func listsBySurvey(_ store: ReplicaStore) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for list in try store.projected("lists", fields: ["survey_id"]) {
            if let s = list["survey_id"]?.stringValue { out[s, default: []].append(list.key.id) }
        }
        return out
    }

    static func summary(_ store: ReplicaStore, key: RecordKey, change: String?) throws -> SurveySummary {
        guard let record = try store.record(key) else { throw ClientError(.notFound, "no survey \(key.id)") }
        return try summary(record, lists: listsBySurvey(store)[key.id] ?? [], change: change)
    }

    static func summary(_ record: CanvassCore.Record, lists: [String], change: String?) throws -> SurveySummary {
        let survey = try? record["definition"]?.decode(as: Survey.self)
        return SurveySummary(
            id: record.key.id, title: record["title"]?.stringValue ?? survey?.title ?? record.key.id,
            kind: record["kind"]?.stringValue ?? survey?.kind.rawValue ?? "canvass",
            campaignID: record["campaign_id"]?.stringValue, questions: survey?.questions.count ?? 0,
            resultCodes: survey?.resultCodes.count ?? 0, lists: lists.sorted(), change: change)
    }
}
