import CanvassCore
import Foundation
import GRDB

/// A person as lists show them.
public struct ListPerson: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let phone: String?
    public let party: String?
    /// The latest interaction's result code, if any.
    public let lastResult: String?
    public let lastAt: Int64?
    public let attempts: Int
    /// Why this person should not be knocked or called on this list, if anything.
    public let suppressed: String?

    enum CodingKeys: String, CodingKey {
        case id, name, phone, party, attempts, suppressed
        case lastResult = "last_result"
        case lastAt = "last_at"
    }
}

/// One stop on a walk list: a household and the list's people living there.
public struct WalkStop: Sendable, Hashable, Codable {
    public let householdID: String
    public let streetNumber: Int64
    public let streetName: String
    public let unit: String
    public let side: String
    public let address: String
    public let badAddress: Bool
    public let people: [ListPerson]

    /// Done when every person has a result that needs no return visit, or the address is bad.
    public var done: Bool { badAddress || people.allSatisfy { $0.lastResult != nil || $0.suppressed != nil } }

    enum CodingKeys: String, CodingKey {
        case householdID = "household_id"
        case streetNumber = "street_number"
        case streetName = "street_name"
        case unit, side, address, people, done
        case badAddress = "bad_address"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(householdID, forKey: .householdID)
        try c.encode(streetNumber, forKey: .streetNumber)
        try c.encode(streetName, forKey: .streetName)
        try c.encode(unit, forKey: .unit)
        try c.encode(side, forKey: .side)
        try c.encode(address, forKey: .address)
        try c.encode(badAddress, forKey: .badAddress)
        try c.encode(people, forKey: .people)
        try c.encode(done, forKey: .done)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        householdID = try c.decode(String.self, forKey: .householdID)
        streetNumber = try c.decode(Int64.self, forKey: .streetNumber)
        streetName = try c.decode(String.self, forKey: .streetName)
        unit = try c.decode(String.self, forKey: .unit)
        side = try c.decode(String.self, forKey: .side)
        address = try c.decode(String.self, forKey: .address)
        badAddress = try c.decode(Bool.self, forKey: .badAddress)
        people = try c.decode([ListPerson].self, forKey: .people)
    }

    init(householdID: String, streetNumber: Int64, streetName: String, unit: String, badAddress: Bool, people: [ListPerson]) {
        self.householdID = householdID
        self.streetNumber = streetNumber
        self.streetName = streetName
        self.unit = unit
        self.side = streetNumber % 2 == 1 ? "odd" : "even"
        self.address = "\(streetNumber) \(streetName)" + (unit.isEmpty ? "" : ", \(unit)")
        self.badAddress = badAddress
        self.people = people
    }
}

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

    enum CodingKeys: String, CodingKey {
        case id, channel, result, answers, note
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
    private static func listContactIDs(_ db: Database, _ listID: String) throws -> [String] {
        let items = try displays(db, in: "list_items", where: "AND json_extract(display, '$.list_id') = ?", arguments: [listID])
        return items.values.compactMap { $0["contact_id"]?.stringValue }
    }

    private static func byIDs(_ db: Database, _ collection: String, _ ids: [String]) throws -> [String: [String: Value]] {
        var out: [String: [String: Value]] = [:]
        let decoder = JSONDecoder()
        let stmt = try db.cachedStatement(sql: "SELECT display FROM records WHERE collection = ? AND id = ? AND deleted = 0")
        for id in Set(ids) {
            if let text = try String.fetchOne(stmt, arguments: [collection, id]) {
                out[id] = try decoder.decode([String: Value].self, from: Data(text.utf8))
            }
        }
        return out
    }

    /// Interactions of the given people, newest first per person.
    private static func interactions(_ db: Database, of people: [String]) throws -> [String: [InteractionSummary]] {
        var out: [String: [InteractionSummary]] = [:]
        let decoder = JSONDecoder()
        let stmt = try db.cachedStatement(
            sql: "SELECT id, display FROM records WHERE collection = 'interactions' AND deleted = 0 AND json_extract(display, '$.person_id') = ?")
        for p in Set(people) {
            let rows = try Row.fetchAll(stmt, arguments: [p])
            out[p] = try rows.map { row in
                let text: String = row["display"]
                let d = try decoder.decode([String: Value].self, from: Data(text.utf8))
                var answers: [String: Value] = [:]
                if case .object(let o)? = d["answers"] { answers = o }
                return InteractionSummary(
                    id: row["id"], channel: d["channel"]?.stringValue, result: d["result"]?.stringValue, answers: answers,
                    note: d["note"]?.stringValue, recordedAt: d["recorded_at"]?.intValue, listID: d["list_id"]?.stringValue,
                    userID: d["user_id"]?.stringValue)
            }.sorted { ($0.recordedAt ?? 0, $0.id) > ($1.recordedAt ?? 0, $1.id) }
        }
        return out
    }

    private static func person(_ id: String, _ c: [String: Value], history: [InteractionSummary], channel: String) -> ListPerson {
        let name = [c["first_name"], c["middle_name"], c["last_name"], c["suffix"]].compactMap { $0?.stringValue }.filter { !$0.isEmpty }
        var suppressed: String?
        if c["deceased"] == .bool(true) {
            suppressed = "deceased"
        } else if c["moved"] == .bool(true) {
            suppressed = "moved"
        } else if c["do_not_contact"] == .bool(true) {
            suppressed = "do not contact"
        } else if channel == "door", c["do_not_knock"] == .bool(true) {
            suppressed = "do not knock"
        } else if channel == "call", c["do_not_call"] == .bool(true) {
            suppressed = "do not call"
        } else if channel == "call", c["phone_bad"] == .bool(true) || (c["phone"]?.stringValue ?? "").isEmpty {
            suppressed = "no working phone"
        }
        return ListPerson(
            id: id, name: name.joined(separator: " "), phone: c["phone"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            party: c["party"]?.stringValue, lastResult: history.first?.result, lastAt: history.first?.recordedAt,
            attempts: history.count, suppressed: suppressed)
    }

    /// A walk list in walk order: by street name, then up the odd side and back down the even
    /// side, then unit; people within a household by last and first name.
    public func walkList(_ listID: String) throws -> [WalkStop] {
        try writer.read { db in
            let ids = try Self.listContactIDs(db, listID)
            let contacts = try Self.byIDs(db, "contacts", ids)
            let history = try Self.interactions(db, of: Array(contacts.keys))
            let households = try Self.byIDs(db, "households", contacts.values.compactMap { $0["household_id"]?.stringValue })
            var grouped: [String: [(String, [String: Value])]] = [:]
            for (id, c) in contacts { grouped[c["household_id"]?.stringValue ?? "", default: []].append((id, c)) }
            let stops = grouped.map { hid, members -> WalkStop in
                let h = households[hid] ?? [:]
                let people = members.sorted {
                    ($0.1["last_name"]?.stringValue ?? "", $0.1["first_name"]?.stringValue ?? "", $0.0)
                        < ($1.1["last_name"]?.stringValue ?? "", $1.1["first_name"]?.stringValue ?? "", $1.0)
                }.map { Self.person($0.0, $0.1, history: history[$0.0] ?? [], channel: "door") }
                return WalkStop(
                    householdID: hid, streetNumber: h["street_number"]?.intValue ?? 0, streetName: h["street_name"]?.stringValue ?? "",
                    unit: h["unit"]?.stringValue ?? "", badAddress: h["bad_address"] == .bool(true), people: people)
            }
            return stops.sorted(by: Self.walkOrder)
        }
    }

    static func walkOrder(_ a: WalkStop, _ b: WalkStop) -> Bool {
        if a.streetName != b.streetName { return a.streetName < b.streetName }
        if a.side != b.side { return a.side == "odd" }
        if a.streetNumber != b.streetNumber { return a.side == "odd" ? a.streetNumber < b.streetNumber : a.streetNumber > b.streetNumber }
        if a.unit != b.unit { return a.unit.localizedStandardCompare(b.unit) == .orderedAscending }
        return a.householdID < b.householdID
    }

    /// A call list: the list's people by last and first name, with phone and last result.
    public func callList(_ listID: String) throws -> [ListPerson] {
        try writer.read { db in
            let ids = try Self.listContactIDs(db, listID)
            let contacts = try Self.byIDs(db, "contacts", ids)
            let history = try Self.interactions(db, of: Array(contacts.keys))
            return contacts.sorted {
                ($0.value["last_name"]?.stringValue ?? "", $0.value["first_name"]?.stringValue ?? "", $0.key)
                    < ($1.value["last_name"]?.stringValue ?? "", $1.value["first_name"]?.stringValue ?? "", $1.key)
            }.map { Self.person($0.key, $0.value, history: history[$0.key] ?? [], channel: "call") }
        }
    }

    /// A person with their household and interaction history.
    public func person(_ id: String) throws -> PersonDetail? {
        try writer.read { db in
            guard let record = try Self.record(db, RecordKey("contacts", id)), !record.isDeleted else { return nil }
            let household = try record["household_id"]?.stringValue.flatMap { try Self.byIDs(db, "households", [$0])[$0] }
            let history = try Self.interactions(db, of: [id])[id] ?? []
            return PersonDetail(id: id, fields: record.values, household: household, interactions: history, conflicts: record.conflicts.map(\.field))
        }
    }
}
