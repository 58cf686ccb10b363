import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// A conflicting field with its story, as `canvass conflicts` prints and encodes it. The first
/// five keys are those `conflicts --json` always had.
public struct ConflictReview: Sendable, Encodable {
    public let story: ConflictStory
    public let recordDeleted: Bool
    /// What the record is, in words: a person's name, a household's address, a list's name.
    public let label: String?

    enum CodingKeys: String, CodingKey {
        case collection, id, field, values, label, siblings, story
        case recordDeleted = "record_deleted"
        case notSeen = "not_seen"
        case replaced
    }

    struct SiblingOut: Encodable {
        let entry: ConflictStory.Entry
        enum CodingKeys: String, CodingKey {
            case number, value, shown, replica, counter, wallclock, device, user, writer
            case userID = "user_id"
            case deletedRecord = "deleted_record"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entry.number, forKey: .number)
            try c.encode(entry.sibling.value, forKey: .value)
            try c.encode(entry.shown, forKey: .shown)
            try c.encode(entry.writer.label, forKey: .writer)
            try c.encode(entry.writer.user, forKey: .user)
            try c.encode(entry.writer.userID, forKey: .userID)
            try c.encode(entry.writer.device, forKey: .device)
            try c.encode(entry.sibling.dot.replica.rawValue, forKey: .replica)
            try c.encode(entry.sibling.dot.counter, forKey: .counter)
            try c.encode(entry.sibling.wallclock, forKey: .wallclock)
            try c.encode(entry.deletedRecord, forKey: .deletedRecord)
        }
    }

    struct NotSeenOut: Encodable {
        let writer: Int
        let hadNotSeen: [Int]
        enum CodingKeys: String, CodingKey {
            case writer
            case hadNotSeen = "had_not_seen"
        }
    }

    struct ReplacedOut: Encodable {
        let r: ConflictStory.Replaced
        enum CodingKeys: String, CodingKey {
            case writer, user, device, replica
            case upTo = "up_to"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(r.writer.label, forKey: .writer)
            try c.encode(r.writer.user, forKey: .user)
            try c.encode(r.writer.device, forKey: .device)
            try c.encode(r.writer.replica.rawValue, forKey: .replica)
            try c.encode(r.upTo, forKey: .upTo)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(story.key.collection, forKey: .collection)
        try c.encode(story.key.id, forKey: .id)
        try c.encode(story.field, forKey: .field)
        try c.encode(story.entries.map(\.sibling.value), forKey: .values)
        try c.encode(recordDeleted, forKey: .recordDeleted)
        try c.encode(label, forKey: .label)
        try c.encode(story.entries.map(SiblingOut.init), forKey: .siblings)
        try c.encode(story.notSeen.map { NotSeenOut(writer: $0.writer, hadNotSeen: $0.others) }, forKey: .notSeen)
        try c.encode(story.replaced.map(ReplacedOut.init), forKey: .replaced)
        try c.encode(story.sentences, forKey: .story)
    }
}

extension FieldClient {
    /// "2026-10-14 14:02:07" in this computer's time zone: how stories give a writer's clock.
    public static func clockText(_ millis: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// The names behind replicas and users: the account directory this replica holds (pulled by
    /// coordinators), plus this device, its user and the server from the session.
    func directory(_ store: ReplicaStore, _ session: Session) throws -> WriterDirectory {
        var users: [String: String] = [:]
        for (id, v) in try store.displayValues(in: Directory.users) {
            if let name = v["name"]?.stringValue { users[id] = name }
        }
        users[session.user.id] = users[session.user.id] ?? session.user.name
        var devices: [ReplicaID: WriterDirectory.DeviceEntry] = [:]
        for (id, v) in try store.displayValues(in: Directory.devices) {
            devices[ReplicaID(id)] = .init(name: v["name"]?.stringValue, userID: v["user_id"]?.stringValue)
        }
        if devices[session.replicaID] == nil {
            devices[session.replicaID] = .init(name: nil, userID: session.user.id)
        }
        return WriterDirectory(devices: devices, users: users, server: session.serverReplica, local: session.replicaID)
    }

    /// Every conflicting field with the story behind it, optionally only a campaign's records
    /// (`CampaignMembership`).
    /// - Throws: `.notFound` for a campaign this replica does not hold.
    public func conflictReviews(campaign: String? = nil) throws -> [ConflictReview] {
        try translating {
            let (store, s) = try session()
            let dir = try directory(store, s)
            var membership: CampaignMembership?
            if let campaign {
                guard let c = try store.record(RecordKey("campaigns", campaign)), !c.isDeleted else {
                    let known = try store.displayValues(in: "campaigns").map(\.id).joined(separator: ", ")
                    throw ClientError(
                        .notFound, "no campaign '\(campaign)' here; campaigns: \(known.isEmpty ? "none" : known)")
                }
                let lists = try store.displayValues(in: "lists")
                let mine = lists.filter { $0.values["campaign_id"]?.stringValue == campaign }.map(\.id)
                membership = CampaignMembership(
                    campaign: campaign, lists: lists, surveys: try store.displayValues(in: "surveys"),
                    items: try store.listItems(of: mine))
            }
            var out: [ConflictReview] = []
            var records: [RecordKey: Record] = [:]
            for conflict in try store.conflicts() {
                guard let record = try records[conflict.key] ?? store.record(conflict.key) else { continue }
                records[conflict.key] = record
                if let m = membership {
                    let residents =
                        conflict.key.collection == "households" ? try store.residents(of: conflict.key.id) : []
                    if !m.contains(conflict.key, values: record.values, residents: residents) { continue }
                }
                let deletions = Set(
                    (record.fields[Record.deletedField]?.siblings ?? []).filter { $0.value == .bool(true) }.map(\.dot))
                let story = ConflictStory(conflict, deletions: deletions, directory: dir, time: Self.clockText)
                out.append(
                    ConflictReview(story: story, recordDeleted: conflict.recordDeleted, label: Self.label(record)))
            }
            return out
        }
    }

    /// A record in words, for a conflict's heading.
    static func label(_ record: Record) -> String? {
        let v = record.values
        switch record.key.collection {
        case "contacts": return PersonView.name(v)
        case "households": return HouseholdView.addressLine(v)
        default: return v["name"]?.stringValue ?? v["title"]?.stringValue
        }
    }

    /// The contact, household and interactions of a person this user may see.
    private func personRecords(_ id: String) throws -> (
        store: ReplicaStore, contact: Record, household: Record?, interactions: [Record], surveys: [String: Survey],
        directory: WriterDirectory
    ) {
        let (store, s) = try session()
        guard let contact = try store.record(RecordKey("contacts", id)), !contact.isDeleted,
            PersonView.visible(role: s.user.role, onLists: !(try store.lists(holding: id)).isEmpty)
        else {
            throw ClientError(
                .notFound,
                "'\(id)' is not on your lists; see `canvass lists`, then `canvass walk LIST` or `canvass calls LIST` for ids"
            )
        }
        let household = try contact["household_id"]?.stringValue.flatMap {
            try store.record(RecordKey("households", $0))
        }
        let interactions = try store.interactions(ofPerson: id)
        var surveys: [String: Survey] = [:]
        for sid in Set(interactions.compactMap { $0["survey_id"]?.stringValue }) {
            if let d = try store.record(RecordKey("surveys", sid))?["definition"],
                let survey = try? d.decode(as: Survey.self)
            {
                surveys[sid] = survey
            }
        }
        return (store, contact, household, interactions, surveys, try directory(store, s))
    }

    /// Every field of a contact, their household, conflicts, and latest answers. A canvasser sees
    /// only people on their lists.
    public func show(person id: String) throws -> PersonView {
        try translating {
            let r = try personRecords(id)
            return PersonView(
                contact: r.contact, household: r.household, interactions: r.interactions, surveys: r.surveys,
                directory: r.directory)
        }
    }

    /// A person's interactions and the writes their records still hold, newest first.
    public func history(person id: String) throws -> PersonHistory {
        try translating {
            let r = try personRecords(id)
            return PersonHistory(
                contact: r.contact, household: r.household, interactions: r.interactions, surveys: r.surveys,
                directory: r.directory)
        }
    }
}
