import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// Engagement levels (`Engagement` in CanvassCore has the levels and the documented rules): a
// person's `engagement_level` and one write-once `engagement_changes` record per change, written
// together in one local transaction by this device, offline, synced by `canvass sync`.

/// A person's engagement history (`engagement history`).
public struct EngagementHistory: Sendable, Codable, Hashable {
    public let person: String
    public let name: String?
    /// The contact's `engagement_level` now.
    public let level: Int?
    /// Oldest first.
    public let changes: [Engagement.Change]
    /// The names of the users who made them, by user id (from the directory this laptop holds).
    public let users: [String: String]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(person, forKey: .person)
        try c.encode(name, forKey: .name)
        try c.encode(level, forKey: .level)
        try c.encode(changes, forKey: .changes)
        try c.encode(users, forKey: .users)
    }

    enum CodingKeys: String, CodingKey { case person, name, level, changes, users }
}

/// What `engagement apply` did, or with `--dry-run` would do: who moves, and why.
public struct EngagementApplied: Sendable, Codable, Hashable {
    public struct Move: Sendable, Codable, Hashable {
        public let person: String
        public let name: String?
        public let from: Int?
        public let to: Int
        public let rule: String
        public let reason: String
        /// The change record's id (`Engagement.ruleChangeID`: the rule key and this laptop's replica).
        public let change: String

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(person, forKey: .person)
            try c.encode(name, forKey: .name)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(rule, forKey: .rule)
            try c.encode(reason, forKey: .reason)
            try c.encode(change, forKey: .change)
        }

        enum CodingKeys: String, CodingKey { case person, name, from, to, rule, reason, change }
    }

    public let campaign: String
    public let dryRun: Bool
    public let moves: [Move]

    enum CodingKeys: String, CodingKey {
        case campaign, moves
        case dryRun = "dry_run"
    }
}

extension FieldClient {
    /// Sets a person's level by hand, with a reason: the contact's `engagement_level` and an
    /// `engagement_changes` record (rule `hand`) in one local transaction.
    /// - Parameter campaign: the campaign the change is made in (id or name); nil takes the person's.
    /// - Throws: `.invalid` for a level outside 1–5, no reason, or the level the person has already.
    public func setEngagement(person: String, level: Int, reason: String, campaign: String?, now: Int64) throws
        -> Engagement.Change
    {
        try translating {
            let (store, s) = try coordinatorSession("set engagement levels")
            let contact = try Self.person(store, person)
            let problems = Engagement.checkHand(level: level, reason: reason)
            if !problems.isEmpty { throw ClientError(.invalid, "no level changed", problems: problems) }
            let campaignID =
                try campaign.map { try Self.findCampaign($0, in: store).id } ?? contact["campaign_id"]?.stringValue
            let current = contact["engagement_level"]?.intValue.map(Int.init)
            if current == level {
                throw ClientError(.invalid, "\(person) is at level \(level) already; nothing changed")
            }
            let change = Engagement.Change(
                id: "\(person)@\(Engagement.byHand)@\(level)@\(s.replicaID.rawValue)-\(now)", contactID: person,
                campaignID: campaignID, level: level, previousLevel: current, rule: Engagement.byHand,
                reason: reason.trimmingCharacters(in: .whitespacesAndNewlines), changedAt: now, userID: s.user.id)
            try store.write(Self.writes(change), wallclock: now)
            return change
        }
    }

    /// A person's level now and every change, oldest first.
    public func engagementHistory(person: String) throws -> EngagementHistory {
        try translating {
            let (store, _) = try coordinatorSession("read engagement")
            let contact = try Self.person(store, person)
            let changes = try Self.engagementChanges(store).filter { $0.contactID == person }
            let who = Set(changes.compactMap(\.userID))
            var users: [String: String] = [:]
            for u in try store.projected(Directory.users, fields: ["name"]) where who.contains(u.key.id) {
                users[u.key.id] = u["name"]?.stringValue
            }
            return EngagementHistory(
                person: person, name: Self.name(contact), level: contact["engagement_level"]?.intValue.map(Int.init),
                changes: changes, users: users)
        }
    }

    /// Applies the documented rules (`Engagement`) to everyone in a campaign: each person a rule
    /// raises gets their new level and a change record whose id is the person, the rule and the
    /// level. With `dryRun`, writes nothing and says who would move.
    public func applyEngagement(campaign: String, dryRun: Bool, now: Int64) throws -> EngagementApplied {
        try translating {
            let (store, s) = try coordinatorSession("apply engagement rules")
            let id = try Self.findCampaign(campaign, in: store).id
            let people = try CampaignPeople.load(store, campaign: id)
            let activity = try Self.activities(store, people)
            let applied = Set(try Self.engagementChanges(store).compactMap(\.ruleKey))
            var moves: [EngagementApplied.Move] = []
            var writes: [LocalWrite] = []
            for p in people.people.sorted(by: PersonFacts.before) {
                let current = p.contact["engagement_level"]?.intValue.map(Int.init)
                guard
                    let proposal = Engagement.proposal(
                        contact: p.id, current: current, activity: activity[p.id] ?? .init(), applied: applied)
                else { continue }
                let change = Engagement.Change(
                    id: Engagement.ruleChangeID(
                        contact: p.id, rule: proposal.rule, level: proposal.level, replica: s.replicaID.rawValue),
                    contactID: p.id, campaignID: id, level: proposal.level, previousLevel: current,
                    rule: proposal.rule.rawValue, reason: proposal.reason, changedAt: now, userID: s.user.id)
                writes += Self.writes(change)
                moves.append(
                    EngagementApplied.Move(
                        person: p.id, name: Self.name(p.contact), from: current, to: proposal.level,
                        rule: proposal.rule.rawValue, reason: proposal.reason, change: change.id))
            }
            if !dryRun && !writes.isEmpty { try store.write(writes, wallclock: now) }
            return EngagementApplied(campaign: id, dryRun: dryRun, moves: moves)
        }
    }

    /// A campaign's engagement: people per level now, and movement between levels over the
    /// period (`EngagementReport.make`).
    /// - Parameters:
    ///   - from, to: milliseconds since 1970; nil from is before the first change, nil to is now.
    public func engagement(campaign: String, from: Int64?, to: Int64?) throws -> EngagementReport {
        try translating {
            let (store, _) = try coordinatorSession("read engagement")
            let id = try Self.findCampaign(campaign, in: store).id
            return try Self.engagement(store, campaign: id, from: from, to: to)
        }
    }

    /// The same, with the period as days typed (2026-10-01): from the start of `from` to the end
    /// of `to`, in the campaign's time zone.
    public func engagement(campaign: String, fromDay: String?, toDay: String?) throws -> EngagementReport {
        try translating {
            let (store, _) = try coordinatorSession("read engagement")
            let (id, values) = try Self.findCampaign(campaign, in: store)
            let zone = CampaignClock(timeZone: values["time_zone"]?.stringValue).timeZone
            var problems: [Diagnostic] = []
            let days = DateFormatter()
            days.locale = Locale(identifier: "en_US_POSIX")
            days.calendar = Calendar(identifier: .gregorian)
            days.timeZone = zone
            days.dateFormat = "yyyy-MM-dd"
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            func start(_ text: String?, _ option: String, next: Bool) -> Int64? {
                guard let text else { return nil }
                guard let iso = VoterFileDates.shared.read(text), let midnight = days.date(from: iso),
                    let bound = next ? calendar.date(byAdding: .day, value: 1, to: midnight) : midnight
                else {
                    problems.append(
                        Diagnostic(at: option, code: "bad_value", "'\(text)' is not a date; write it like 2026-10-01"))
                    return nil
                }
                return Int64((bound.timeIntervalSince1970 * 1000).rounded()) - (next ? 1 : 0)
            }
            let from = start(fromDay, "--from", next: false)
            let to = start(toDay, "--to", next: true)
            if let from, let to, to < from {
                problems.append(Diagnostic(at: "--to", code: "out_of_range", "--to is before --from"))
            }
            if !problems.isEmpty { throw ClientError(.invalid, "no report", problems: problems) }
            return try Self.engagement(store, campaign: id, from: from, to: to)
        }
    }

    static func engagement(_ store: ReplicaStore, campaign: String, from: Int64?, to: Int64?) throws
        -> EngagementReport
    {
        // People imported into the campaign count at once (`CampaignMembership.contains` reads a
        // contact's `campaign_id` first); the others wait for the lists, read only if there are any.
        var people: [(id: String, level: Int?)] = []
        var others: [(id: String, level: Int?)] = []
        try store.forEachProjected(
            "contacts", fields: ["campaign_id", "engagement_level"], kinds: ["engagement_level": .integer]
        ) { row in
            let id = row.id
            let level = row[1]?.intValue.map(Int.init)
            if row[0]?.stringValue == campaign { people.append((id, level)) } else { others.append((id, level)) }
        }
        if !others.isEmpty {
            let members = try CampaignPeople.membership(store, campaign: campaign)
            people += others.filter { members.contains(RecordKey("contacts", $0.id), values: [:]) }
        }
        return EngagementReport.make(
            campaign: campaign, people: people, changes: try engagementChanges(store), from: from, to: to)
    }

    /// The contact's new level and the change record, written together.
    static func writes(_ change: Engagement.Change) -> [LocalWrite] {
        [
            LocalWrite(RecordKey("contacts", change.contactID), ["engagement_level": .int(Int64(change.level))]),
            LocalWrite(RecordKey("engagement_changes", change.id), change.values),
        ]
    }

    /// Every engagement change here, each rule change once (`Engagement.distinct`), oldest first.
    static func engagementChanges(_ store: ReplicaStore) throws -> [Engagement.Change] {
        Engagement.distinct(
            try store.projected(
                "engagement_changes", fields: Engagement.Change.fields,
                kinds: ["level": .integer, "previous_level": .integer, "changed_at": .timestamp]
            ).compactMap { Engagement.Change(id: $0.key.id, $0.values) })
    }

    /// What each of a campaign's people did, as the rules read it: the person at each of the
    /// campaign's events (A's `EventTurnout` rule: the latest RSVP from calls or taken directly,
    /// attendance, rolled-back calls left out), their latest answers (for `volunteer`), and their
    /// donations to it.
    static func activities(_ store: ReplicaStore, _ people: CampaignPeople) throws -> [String: Engagement.Activity] {
        var events: [String: [EventPerson]] = [:]
        for e in try tally(store, events: nil, campaign: people.campaign) {
            for p in e.people { events[p.person, default: []].append(p) }
        }
        var donations: [String: [Donation]] = [:]
        for d in try allDonations(store) where d.campaignID == people.campaign {
            if let c = d.contactID { donations[c, default: []].append(d) }
        }
        var out: [String: Engagement.Activity] = [:]
        for p in people.people {
            out[p.id] = Engagement.Activity(
                events: events[p.id] ?? [], answers: p.answers, donations: donations[p.id] ?? [])
        }
        return out
    }
}
