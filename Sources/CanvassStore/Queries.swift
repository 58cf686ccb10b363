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
    /// Needs no further knock or call (`Canvassing.isDone`).
    public let done: Bool
    /// When the latest result asks to try again (its recontact interval), if it does.
    public let dueAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, name, phone, party, attempts, suppressed, done
        case lastResult = "last_result"
        case lastAt = "last_at"
        case dueAt = "due_at"
    }

    /// Every documented key, with null where there is no value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(phone, forKey: .phone)
        try c.encode(party, forKey: .party)
        try c.encode(lastResult, forKey: .lastResult)
        try c.encode(lastAt, forKey: .lastAt)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(suppressed, forKey: .suppressed)
        try c.encode(done, forKey: .done)
        try c.encode(dueAt, forKey: .dueAt)
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

    /// Done when the address is bad or everyone here is done (`Canvassing.isDoorDone`).
    public var done: Bool { Canvassing.isDoorDone(badAddress: badAddress, people: people.map(\.done)) }

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

    init(
        householdID: String, streetNumber: Int64, streetName: String, unit: String, badAddress: Bool,
        people: [ListPerson]
    ) {
        self.householdID = householdID
        self.streetNumber = streetNumber
        self.streetName = streetName
        self.unit = unit
        self.side =
            Canvassing.WalkAddress(
                streetName: streetName, streetNumber: streetNumber, unit: unit, householdID: householdID
            ).side
        self.address = "\(streetNumber) \(streetName)" + (unit.isEmpty ? "" : ", \(unit)")
        self.badAddress = badAddress
        self.people = people
    }

    /// The people to knock now (`Canvassing.isToDo`); none at a bad address.
    public func toDo(now: Int64) -> [ListPerson] {
        badAddress ? [] : people.filter { Canvassing.isToDo(done: $0.done, dueAt: $0.dueAt, now: now) }
    }

    /// Where this stop falls on the walk.
    public var walkAddress: Canvassing.WalkAddress {
        Canvassing.WalkAddress(streetName: streetName, streetNumber: streetNumber, unit: unit, householdID: householdID)
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
        let items = try displays(
            db, in: "list_items", where: "AND json_extract(display, '$.list_id') = ?", arguments: [listID])
        return items.values.compactMap { $0["contact_id"]?.stringValue }
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
    private static func interactions(_ db: Database, of people: [String]) throws -> [String: [InteractionSummary]] {
        var out: [String: [InteractionSummary]] = [:]
        let decoder = JSONDecoder()
        let stmt = try db.cachedStatement(
            sql:
                "SELECT id, display FROM records WHERE collection = 'interactions' AND deleted = 0 AND json_extract(display, '$.person_id') = ?"
        )
        for p in Set(people) {
            let rows = try Row.fetchAll(stmt, arguments: [p])
            out[p] = try rows.map { row in
                let text: String = row["display"]
                let d = try decoder.decode([String: Value].self, from: Data(text.utf8))
                var answers: [String: Value] = [:]
                if case .object(let o)? = d["answers"] { answers = o }
                return InteractionSummary(
                    id: row["id"], channel: d["channel"]?.stringValue, result: d["result"]?.stringValue,
                    answers: answers,
                    note: d["note"]?.stringValue, recordedAt: d["recorded_at"]?.intValue,
                    listID: d["list_id"]?.stringValue,
                    userID: d["user_id"]?.stringValue)
            }.sorted { ($0.recordedAt ?? 0, $0.id) > ($1.recordedAt ?? 0, $1.id) }
        }
        return out
    }

    private static func person(
        _ id: String, _ c: [String: Value], history: [InteractionSummary], channel: Channel, survey: Survey?
    ) -> ListPerson {
        let name = [c["first_name"], c["middle_name"], c["last_name"], c["suffix"]].compactMap { $0?.stringValue }
            .filter { !$0.isEmpty }
        let suppressed = Canvassing.suppression(of: c, channel: channel)
        let last = history.first
        let code = Canvassing.resultCode(last?.result, in: survey)
        return ListPerson(
            id: id, name: name.joined(separator: " "), phone: c["phone"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            party: c["party"]?.stringValue, lastResult: last?.result, lastAt: last?.recordedAt,
            attempts: history.count, suppressed: suppressed,
            done: Canvassing.isDone(suppressed: suppressed != nil, lastResult: code, hasResult: last?.result != nil),
            dueAt: suppressed == nil ? Canvassing.dueAt(lastResult: code, at: last?.recordedAt) : nil)
    }

    /// The survey attached to a list, if it can be read.
    private static func survey(_ db: Database, ofList listID: String) throws -> Survey? {
        guard let sid = try byIDs(db, "lists", [listID])[listID]?["survey_id"]?.stringValue,
            let definition = try byIDs(db, "surveys", [sid])[sid]?["definition"]
        else { return nil }
        return try? JSONDecoder().decode(Survey.self, from: JSONEncoder().encode(definition))
    }

    /// How people sort on a list.
    private static func personKey(_ id: String, _ c: [String: Value]) -> (last: String, first: String, id: String) {
        (c["last_name"]?.stringValue ?? "", c["first_name"]?.stringValue ?? "", id)
    }

    /// A walk list in walk order: by street name, then up the odd side and back down the even
    /// side, then unit; people within a household by last and first name.
    public func walkList(_ listID: String) throws -> [WalkStop] {
        try writer.read { db in
            let ids = try Self.listContactIDs(db, listID)
            let contacts = try Self.byIDs(db, "contacts", ids)
            let history = try Self.interactions(db, of: Array(contacts.keys))
            let survey = try Self.survey(db, ofList: listID)
            let households = try Self.byIDs(
                db, "households", contacts.values.compactMap { $0["household_id"]?.stringValue })
            var grouped: [String: [(String, [String: Value])]] = [:]
            for (id, c) in contacts { grouped[c["household_id"]?.stringValue ?? "", default: []].append((id, c)) }
            let stops = grouped.map { hid, members -> WalkStop in
                let h = households[hid] ?? [:]
                let people = members.sorted {
                    Canvassing.personBefore(Self.personKey($0.0, $0.1), Self.personKey($1.0, $1.1))
                }
                .map { Self.person($0.0, $0.1, history: history[$0.0] ?? [], channel: .door, survey: survey) }
                return WalkStop(
                    householdID: hid, streetNumber: h["street_number"]?.intValue ?? 0,
                    streetName: h["street_name"]?.stringValue ?? "",
                    unit: h["unit"]?.stringValue ?? "", badAddress: h["bad_address"] == .bool(true), people: people)
            }
            return stops.sorted { Canvassing.walksBefore($0.walkAddress, $1.walkAddress) }
        }
    }

    /// A call list: the list's people by last and first name, with phone and last result.
    public func callList(_ listID: String) throws -> [ListPerson] {
        try writer.read { db in
            let ids = try Self.listContactIDs(db, listID)
            let contacts = try Self.byIDs(db, "contacts", ids)
            let history = try Self.interactions(db, of: Array(contacts.keys))
            let survey = try Self.survey(db, ofList: listID)
            return contacts.sorted {
                Canvassing.personBefore(Self.personKey($0.key, $0.value), Self.personKey($1.key, $1.value))
            }
            .map { Self.person($0.key, $0.value, history: history[$0.key] ?? [], channel: .call, survey: survey) }
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
