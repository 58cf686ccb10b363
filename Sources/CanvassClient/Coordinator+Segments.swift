import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// A coordinator's static groups (members added and removed by person id, each membership a
// record of its own with a `deleted` register) and segments (people chosen by criteria in the
// language of `Criteria`). All replicated writes by this device, offline.

/// A static group as `group create`, `group list` and `group show` describe it.
public struct GroupSummary: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let campaignID: String?
    public let members: Int

    enum CodingKeys: String, CodingKey {
        case id, name, members
        case campaignID = "campaign_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(members, forKey: .members)
    }
}

/// What `group add` and `group remove` changed.
public struct GroupChange: Sendable, Codable, Hashable {
    public let group: String
    /// Person ids added, or removed.
    public let changed: [String]
    /// Person ids that already were (added) or were not (removed) members.
    public let unchanged: [String]
    public let members: Int
}

/// A segment with how many people its criteria choose now.
public struct SegmentSummary: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let campaignID: String?
    public let criteria: String
    /// People of the campaign the criteria choose; nil when the criteria no longer parse (a
    /// group they name was deleted, say): then `problems` says why.
    public let count: Int?
    public let problems: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, criteria, count, problems
        case campaignID = "campaign_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(criteria, forKey: .criteria)
        try c.encode(count, forKey: .count)
        try c.encode(problems, forKey: .problems)
    }
}

/// A person in a group or segment preview.
public struct MemberPreview: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let address: String?
    public let precinct: String?
    public let party: String?
    public let support: Value?
    public let lastResult: String?

    enum CodingKeys: String, CodingKey {
        case id, name, address, precinct, party, support
        case lastResult = "last_result"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(address, forKey: .address)
        try c.encode(precinct, forKey: .precinct)
        try c.encode(party, forKey: .party)
        try c.encode(support, forKey: .support)
        try c.encode(lastResult, forKey: .lastResult)
    }

    init(_ p: PersonFacts) {
        id = p.id
        name = [p.contact["first_name"], p.contact["last_name"]].compactMap { $0?.stringValue }.joined(separator: " ")
        let h = p.household
        if let street = h["street_name"]?.stringValue {
            let number = h["street_number"]?.intValue.map { "\($0) " } ?? ""
            let unit = h["unit"]?.stringValue.map { ", \($0)" } ?? ""
            address = number + street + unit
        } else {
            address = nil
        }
        precinct = p.contact["precinct"]?.stringValue ?? h["precinct"]?.stringValue
        party = p.contact["party"]?.stringValue
        support = p.answers["support"]
        lastResult = p.lastResult
    }
}

/// A group or segment with a preview of its people.
public struct MembersView: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let count: Int
    /// The first people, by last and first name.
    public let people: [MemberPreview]
}

extension FieldClient {
    // MARK: criteria

    /// Parses criteria against a campaign's groups, result codes and questions; an error shows the
    /// text with a caret under every bad token, then each problem by column.
    static func criteria(_ text: String, _ people: CampaignPeople, what: String) throws -> Criteria {
        switch Criteria.parse(text, vocabulary: people.vocabulary) {
        case .valid(let c): return c
        case .invalid(let problems):
            throw ClientError(
                .invalid,
                "\(what) is not valid (\(problems.count) problem\(problems.count == 1 ? "" : "s")); see `canvass segment --help` for the language:\n"
                    + Criteria.underline(text, problems),
                problems: problems.sorted { $0.column < $1.column }.map(\.diagnostic))
        }
    }

    /// Checks criteria without writing anything: how many people of the campaign they choose.
    public func countCriteria(campaign: String, criteria: String) throws -> Int {
        try translating {
            let (store, _) = try coordinatorSession("count segments")
            try Self.requireCampaign(store, campaign)
            let people = try CampaignPeople.load(store, campaign: campaign)
            let c = try Self.criteria(criteria, people, what: "the criteria")
            return people.people.filter(c.matches).count
        }
    }

    // MARK: groups

    /// Creates a static group in a campaign. Its id comes from the campaign and the name, so the
    /// same group created on two laptops is one record.
    public func createGroup(campaign: String, name: String, now: Int64) throws -> GroupSummary {
        try translating {
            let (store, _) = try coordinatorSession("create groups")
            try Self.requireCampaign(store, campaign)
            let clean = name.trimmingCharacters(in: .whitespaces)
            guard !clean.isEmpty, !clean.contains(where: \.isNewline) else {
                throw ClientError(.invalid, "a group needs a name on one line")
            }
            let key = RecordKey("groups", "grp-\(TurfCutter.slug(campaign))-\(TurfCutter.slug(clean))")
            if let existing = try store.record(key), !existing.isDeleted {
                throw ClientError(
                    .invalid,
                    "group '\(existing["name"]?.stringValue ?? clean)' exists already (\(key.id)); add people with `canvass group add \(key.id) PERSON...`"
                )
            }
            try store.write(
                [
                    LocalWrite(
                        key, ["name": .string(clean), "campaign_id": .string(campaign), Record.deletedField: false])
                ],
                wallclock: now)
            return GroupSummary(id: key.id, name: clean, campaignID: campaign, members: 0)
        }
    }

    /// The static groups here, of one campaign or all, with their member counts.
    public func groups(campaign: String?) throws -> [GroupSummary] {
        try translating {
            let (store, _) = try coordinatorSession("read groups")
            let counts = try Self.memberships(store).reduce(into: [String: Int]()) { $0[$1.group, default: 0] += 1 }
            return try store.projected("groups", fields: ["name", "campaign_id"]).filter {
                campaign == nil || $0["campaign_id"]?.stringValue == campaign
            }.map {
                GroupSummary(
                    id: $0.key.id, name: $0["name"]?.stringValue ?? $0.key.id,
                    campaignID: $0["campaign_id"]?.stringValue, members: counts[$0.key.id] ?? 0)
            }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        }
    }

    /// Adds people to a static group by person id. Every id is checked first; nothing is written
    /// if one is unknown.
    public func addToGroup(_ group: String, people: [String], now: Int64) throws -> GroupChange {
        try changeGroup(group, people: people, add: true, now: now)
    }

    /// Removes people from a static group (their memberships are deleted, which syncs like any
    /// delete).
    public func removeFromGroup(_ group: String, people: [String], now: Int64) throws -> GroupChange {
        try changeGroup(group, people: people, add: false, now: now)
    }

    private func changeGroup(_ group: String, people: [String], add: Bool, now: Int64) throws -> GroupChange {
        try translating {
            let (store, _) = try coordinatorSession("change groups")
            let g = try Self.group(store, group)
            guard !people.isEmpty else { throw ClientError(.badUsage, "name at least one person id") }
            var problems: [Diagnostic] = []
            for (i, p) in people.enumerated() {
                guard let c = try store.record(RecordKey("contacts", p)), !c.isDeleted else {
                    problems.append(Diagnostic(at: "people[\(i)]", code: "not_found", "no person '\(p)' here"))
                    continue
                }
            }
            if !problems.isEmpty {
                throw ClientError(
                    .notFound, "nothing changed: \(problems.count) of the ids are not people here (see `canvass show`)",
                    problems: problems)
            }
            var writes: [LocalWrite] = []
            var changed: [String] = []
            var unchanged: [String] = []
            for p in Set(people).sorted() {
                let key = RecordKey("group_members", "\(g.id)@\(p)")
                let member = Record.exists(try store.record(key))
                if member == add {
                    unchanged.append(p)
                } else {
                    changed.append(p)
                    writes.append(
                        add
                            ? LocalWrite(
                                key, ["group_id": .string(g.id), "contact_id": .string(p), Record.deletedField: false])
                            : .delete(key))
                }
            }
            if !writes.isEmpty { try store.write(writes, wallclock: now) }
            let members = try Self.memberships(store).filter { $0.group == g.id }.count
            return GroupChange(group: g.id, changed: changed, unchanged: unchanged, members: members)
        }
    }

    /// A group's members, by last and first name, the first `limit` of them.
    public func showGroup(_ group: String, limit: Int) throws -> MembersView {
        try translating {
            let (store, _) = try coordinatorSession("read groups")
            let g = try Self.group(store, group)
            let people = try CampaignPeople.load(store, campaign: g.campaign ?? "")
            let members = people.people.filter { $0.groups.contains(g.id) }.sorted(by: PersonFacts.before)
            return MembersView(
                id: g.id, name: g.name, count: members.count,
                people: members.prefix(max(0, limit)).map(MemberPreview.init))
        }
    }

    /// A group by id, else by name (a name two groups share must be given as an id).
    static func group(_ store: ReplicaStore, _ nameOrID: String) throws -> (id: String, name: String, campaign: String?)
    {
        let groups = try store.projected("groups", fields: ["name", "campaign_id"])
        let found =
            groups.first { $0.key.id == nameOrID }.map { [$0] }
            ?? groups.filter { $0["name"]?.stringValue?.lowercased() == nameOrID.lowercased() }
        guard found.count == 1, let g = found.first else {
            if found.count > 1 {
                throw ClientError(
                    .invalid,
                    "\(found.count) groups are named '\(nameOrID)'; give the id: \(found.map(\.key.id).joined(separator: ", "))"
                )
            }
            let names = groups.map { "\($0["name"]?.stringValue ?? $0.key.id) (\($0.key.id))" }
            throw ClientError(
                .notFound,
                "no group '\(nameOrID)' here; groups: \(names.isEmpty ? "none yet (canvass group create CAMPAIGN NAME)" : names.joined(separator: ", "))"
            )
        }
        return (g.key.id, g["name"]?.stringValue ?? g.key.id, g["campaign_id"]?.stringValue)
    }

    static func memberships(_ store: ReplicaStore) throws -> [(group: String, contact: String)] {
        try store.projected("group_members", fields: ["group_id", "contact_id"]).compactMap { m in
            guard let g = m["group_id"]?.stringValue, let c = m["contact_id"]?.stringValue else { return nil }
            return (g, c)
        }
    }

    // MARK: segments

    /// Creates (or with `replace`, redefines) a segment: a named set of criteria, checked against
    /// the campaign's groups, result codes and questions. Returns it with its count now.
    public func createSegment(campaign: String, name: String, criteria text: String, replace: Bool, now: Int64) throws
        -> SegmentSummary
    {
        try translating {
            let (store, _) = try coordinatorSession("create segments")
            try Self.requireCampaign(store, campaign)
            let clean = name.trimmingCharacters(in: .whitespaces)
            guard !clean.isEmpty, !clean.contains(where: \.isNewline) else {
                throw ClientError(.invalid, "a segment needs a name on one line")
            }
            let people = try CampaignPeople.load(store, campaign: campaign)
            let criteria = try Self.criteria(text, people, what: "--where")
            let key = RecordKey("segments", "seg-\(TurfCutter.slug(campaign))-\(TurfCutter.slug(clean))")
            if let existing = try store.record(key), !existing.isDeleted, !replace,
                existing["criteria"]?.stringValue != text
            {
                throw ClientError(
                    .invalid,
                    "segment '\(clean)' exists already with criteria \(existing["criteria"]?.stringValue ?? ""); pass --replace to redefine it"
                )
            }
            let values: [String: Value] = [
                "name": .string(clean), "campaign_id": .string(campaign), "criteria": .string(text),
                Record.deletedField: false,
            ]
            let problems = ["name", "criteria"].flatMap {
                CampaignSchema.standard.collections["segments"]!.field($0)!.check(values[$0]!, at: $0)
            }
            if !problems.isEmpty { throw ClientError(.invalid, "segment not saved", problems: problems) }
            try store.write([LocalWrite(key, values)], wallclock: now)
            return SegmentSummary(
                id: key.id, name: clean, campaignID: campaign, criteria: text,
                count: people.people.filter(criteria.matches).count, problems: [])
        }
    }

    /// The segments here, of one campaign or all, each with how many people it chooses now.
    public func segments(campaign: String?) throws -> [SegmentSummary] {
        try translating {
            let (store, _) = try coordinatorSession("read segments")
            var loaded: [String: CampaignPeople] = [:]
            return try store.projected("segments", fields: ["name", "campaign_id", "criteria"]).filter {
                campaign == nil || $0["campaign_id"]?.stringValue == campaign
            }.map { s in
                let c = s["campaign_id"]?.stringValue ?? ""
                if loaded[c] == nil { loaded[c] = try CampaignPeople.load(store, campaign: c) }
                let text = s["criteria"]?.stringValue ?? ""
                var count: Int?
                var problems: [String] = []
                switch Criteria.parse(text, vocabulary: loaded[c]!.vocabulary) {
                case .valid(let criteria): count = loaded[c]!.people.filter(criteria.matches).count
                case .invalid(let found): problems = found.map(\.description)
                }
                return SegmentSummary(
                    id: s.key.id, name: s["name"]?.stringValue ?? s.key.id, campaignID: s["campaign_id"]?.stringValue,
                    criteria: text, count: count, problems: problems)
            }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        }
    }

    /// A segment's people now, by last and first name, the first `limit` of them.
    public func showSegment(_ segment: String, limit: Int) throws -> MembersView {
        try translating {
            let (store, _) = try coordinatorSession("read segments")
            let s = try Self.segment(store, segment)
            let people = try CampaignPeople.load(store, campaign: s.campaign ?? "")
            let criteria = try Self.criteria(s.criteria, people, what: "the criteria of segment '\(s.name)'")
            let chosen = people.people.filter(criteria.matches).sorted(by: PersonFacts.before)
            return MembersView(
                id: s.id, name: s.name, count: chosen.count,
                people: chosen.prefix(max(0, limit)).map(MemberPreview.init))
        }
    }

    /// A segment by id, else by name.
    static func segment(_ store: ReplicaStore, _ nameOrID: String) throws -> (
        id: String, name: String, campaign: String?, criteria: String
    ) {
        let all = try store.projected("segments", fields: ["name", "campaign_id", "criteria"])
        let found =
            all.first { $0.key.id == nameOrID }.map { [$0] }
            ?? all.filter { $0["name"]?.stringValue?.lowercased() == nameOrID.lowercased() }
        guard found.count == 1, let s = found.first else {
            if found.count > 1 {
                throw ClientError(
                    .invalid,
                    "\(found.count) segments are named '\(nameOrID)'; give the id: \(found.map(\.key.id).joined(separator: ", "))"
                )
            }
            let names = all.map { "\($0["name"]?.stringValue ?? $0.key.id) (\($0.key.id))" }
            throw ClientError(
                .notFound,
                "no segment '\(nameOrID)' here; segments: \(names.isEmpty ? "none yet (canvass segment create CAMPAIGN NAME --where CRITERIA)" : names.joined(separator: ", "))"
            )
        }
        return (
            s.key.id, s["name"]?.stringValue ?? s.key.id, s["campaign_id"]?.stringValue,
            s["criteria"]?.stringValue ?? ""
        )
    }
}
