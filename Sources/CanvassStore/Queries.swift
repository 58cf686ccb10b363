import CanvassCore
import Foundation
import GRDB

/// One interaction, for a person's history.
public struct InteractionSummary: Sendable, Hashable, Codable {
    public let id: String
    public let channel: String?
    public let result: String?
    public let answers: [String: Value]
    public let note: String?
    public let recordedAt: Int64?
    public let listID: String?
    public let userID: String?
    /// The interaction this one corrects (a shift's correction after the first was synced).
    public let corrects: String?

    enum CodingKeys: String, CodingKey {
        case id, channel, result, answers, note, corrects
        case recordedAt = "recorded_at"
        case listID = "list_id"
        case userID = "user_id"
    }
}

/// A person with every field and their interaction history, newest first.
public struct PersonDetail: Sendable, Codable {
    public let id: String
    public let fields: [String: Value]
    public let household: [String: Value]?
    public let interactions: [InteractionSummary]
    public let conflicts: [String]
}

extension ReplicaStore {
    /// The people on a list: for each list item its contact id.
    /// A list's items: contact id and the position the cutter gave it, if any.
    private static func listItems(_ db: Database, _ listID: String) throws -> [(contact: String, position: Int64?)] {
        let items = try displays(
            db, in: "list_items", where: "AND json_extract(display, '$.list_id') = ?", arguments: [listID])
        return items.values.compactMap(WalkListRead.item)
    }

    private static func byIDs(_ db: Database, _ collection: String, _ ids: [String]) throws -> [String: [String: Value]]
    {
        var out: [String: [String: Value]] = [:]
        let decoder = JSONDecoder()
        let stmt = try db.cachedStatement(
            sql: "SELECT display FROM records WHERE collection = ? AND id = ? AND deleted = 0")
        for id in Set(ids) {
            if let text = try String.fetchOne(stmt, arguments: [collection, id]) {
                out[id] = try decoder.decode([String: Value].self, from: Data(text.utf8))
            }
        }
        return out
    }

    /// Interactions of the given people, newest first per person.
    ///
    /// - Parameter answers: false for lists, which never show answers: each interaction's other
    ///   fields are then projected by SQLite instead of decoding its display with a JSON decoder,
    ///   which made this the largest cost of a door checkout after a shift (issue 13).
    static func interactions(_ db: Database, of people: [String], answers: Bool = true) throws -> [String:
        [InteractionSummary]]
    {
        if !answers { return try interactionScalars(db, of: people) }
        var out: [String: [InteractionSummary]] = [:]
        let decoder = JSONDecoder()
        let stmt = try db.cachedStatement(
            sql:
                "SELECT id, display FROM records WHERE collection = 'interactions' AND deleted = 0 AND json_extract(display, '$.person_id') = ?"
        )
        for p in Set(people) {
            let rows = try Row.fetchAll(stmt, arguments: [p])
            out[p] = WalkListRead.newestFirst(
                try rows.map { row in
                    let text: String = row["display"]
                    return WalkListRead.interaction(
                        id: row["id"], try decoder.decode([String: Value].self, from: Data(text.utf8)))
                })
        }
        return out
    }

    /// The same in a read of its own (tests compare the two ways).
    func interactions(of people: [String], answers: Bool) throws -> [String: [InteractionSummary]] {
        try writer.read { db in try Self.interactions(db, of: people, answers: answers) }
    }

    /// The fields of `WalkListRead.interaction` but answers, as the display holds them: strings
    /// as strings, whole numbers as numbers, anything else left out as the reader would ignore it.
    private static let interactionStrings = ["channel", "result", "note", "list_id", "user_id", "corrects"]

    private static func interactionScalars(_ db: Database, of people: [String]) throws -> [String:
        [InteractionSummary]]
    {
        let strings = interactionStrings.map { f in
            "iif(json_type(display, '$.\(f)') = 'text', json_extract(display, '$.\(f)'), NULL)"
        }
        let recorded =
            "iif(json_type(display, '$.recorded_at') IN ('integer', 'real'), json_extract(display, '$.recorded_at'), NULL)"
        let stmt = try db.cachedStatement(
            sql: "SELECT id, \(recorded), \(strings.joined(separator: ", ")) FROM records"
                + " WHERE collection = 'interactions' AND deleted = 0 AND json_extract(display, '$.person_id') = ?")
        var out: [String: [InteractionSummary]] = [:]
        for p in Set(people) {
            var history: [InteractionSummary] = []
            for row in try Row.fetchAll(stmt, arguments: [p]) {
                var d: [String: Value] = [:]
                switch (row[1] as DatabaseValue).storage {
                case .int64(let i): d["recorded_at"] = .int(i)
                case .double(let x): d["recorded_at"] = .double(x)
                default: break
                }
                for (i, f) in interactionStrings.enumerated() {
                    if let text = row[i + 2] as String? { d[f] = .string(text) }
                }
                history.append(WalkListRead.interaction(id: row[0], d))
            }
            out[p] = WalkListRead.newestFirst(history)
        }
        return out
    }

    /// The survey attached to a list, if it can be read.
    private static func survey(_ db: Database, ofList listID: String) throws -> Survey? {
        guard let sid = try byIDs(db, "lists", [listID])[listID]?["survey_id"]?.stringValue,
            let definition = try byIDs(db, "surveys", [sid])[sid]?["definition"]
        else { return nil }
        return WalkListRead.survey(definition)
    }

    /// A walk list in walk order (`Canvassing.walksBefore` with positions): by the items' positions
    /// (the route the cutter chose), else by street name, up the odd side and back down the even
    /// side, then unit; people within a household by last and first name.
    public func walkList(_ listID: String) throws -> [WalkStop] {
        try writer.read { db in try Self.walkList(db, listID) }
    }

    /// The same, inside a caller's transaction (the server's door checkout).
    static func walkList(_ db: Database, _ listID: String) throws -> [WalkStop] {
        let items = try Self.listItems(db, listID)
        let ids = items.map(\.contact)
        let contacts = try Self.byIDs(db, "contacts", ids)
        let history = try Self.interactions(db, of: Array(contacts.keys), answers: false)
        let survey = try Self.survey(db, ofList: listID)
        let households = try Self.byIDs(
            db, "households", contacts.values.compactMap { $0["household_id"]?.stringValue })
        return WalkListRead.stops(
            items: items, contacts: contacts, history: history, households: households, survey: survey)
    }

    /// A call list in list order (`Canvassing.callsBefore`: the items' positions, then last and
    /// first name), with phone and last result.
    public func callList(_ listID: String) throws -> [ListPerson] {
        try writer.read { db in
            let items = try Self.listItems(db, listID)
            var position: [String: Int64] = [:]
            for item in items {
                if let p = item.position { position[item.contact] = min(position[item.contact] ?? .max, p) }
            }
            let contacts = try Self.byIDs(db, "contacts", items.map(\.contact))
            let history = try Self.interactions(db, of: Array(contacts.keys), answers: false)
            let survey = try Self.survey(db, ofList: listID)
            return contacts.sorted {
                Canvassing.callsBefore(
                    (position[$0.key], WalkListRead.personKey($0.key, $0.value)),
                    (position[$1.key], WalkListRead.personKey($1.key, $1.value)))
            }
            .map {
                WalkListRead.person($0.key, $0.value, history: history[$0.key] ?? [], channel: .call, survey: survey)
            }
        }
    }

    /// A person with their household and interaction history.
    public func person(_ id: String) throws -> PersonDetail? {
        try writer.read { db in
            guard let record = try Self.record(db, RecordKey("contacts", id)), !record.isDeleted else { return nil }
            let household = try record["household_id"]?.stringValue.flatMap {
                try Self.byIDs(db, "households", [$0])[$0]
            }
            let history = try Self.interactions(db, of: [id])[id] ?? []
            return PersonDetail(
                id: id, fields: record.values, household: household, interactions: history,
                conflicts: record.conflicts.map(\.field))
        }
    }
}
