import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// A list as the canvasser sees it, with progress.
public struct ListSummary: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let kind: String
    public let surveyID: String?
    public let done: Int
    public let total: Int

    enum CodingKeys: String, CodingKey {
        case id, name, kind, done, total
        case surveyID = "survey_id"
    }
}

/// The things a canvasser or coordinator does on the replica, offline. Every method validates
/// first and writes in one durable transaction, or changes nothing.
public struct FieldOperations: Sendable {
    public let store: ReplicaStore
    public let schema: Schema

    public init(store: ReplicaStore, schema: Schema = CampaignSchema.standard) {
        self.store = store
        self.schema = schema
    }

    private func session() throws -> Session {
        guard let s = try Session.load(from: store) else {
            throw ClientError(.notLoggedIn, "not logged in: run `canvass login SERVER_URL CODE` first")
        }
        return s
    }

    /// The lists in this replica, with doors or calls done.
    public func lists() throws -> [ListSummary] {
        try store.records(in: "lists").map { list in
            let kind = list["kind"]?.stringValue ?? "walk"
            let (done, total): (Int, Int)
            if kind == "call" {
                let people = try store.callList(list.key.id)
                (done, total) = (people.filter(\.done).count, people.count)
            } else {
                let stops = try store.walkList(list.key.id)
                (done, total) = (stops.filter(\.done).count, stops.count)
            }
            return ListSummary(
                id: list.key.id, name: list["name"]?.stringValue ?? list.key.id, kind: kind,
                surveyID: list["survey_id"]?.stringValue, done: done, total: total)
        }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// The survey behind a list.
    public func survey(forList listID: String) throws -> Survey {
        guard let list = try store.record(RecordKey("lists", listID)), !list.isDeleted else {
            let known = try store.records(in: "lists").map(\.key.id).joined(separator: ", ")
            throw ClientError(
                .notFound, "no list '\(listID)' here; your lists: \(known.isEmpty ? "none (sync first?)" : known)")
        }
        guard let sid = list["survey_id"]?.stringValue, let survey = try store.record(RecordKey("surveys", sid)),
            let definition = survey["definition"]
        else { throw ClientError(.notFound, "list '\(listID)' has no survey attached; ask your coordinator") }
        do {
            return try definition.decode(as: Survey.self)
        } catch {
            throw ClientError(
                .invalid, "the survey of list '\(listID)' cannot be read (\(error)); sync to get the current version")
        }
    }

    /// Records one door knock or call: result code, answers and note, checked against the list's
    /// survey. The result's effects (moved, deceased, do not contact, bad number) are written in
    /// the same transaction. Returns the new interaction's id.
    @discardableResult
    public func recordInteraction(
        person: String, list: String, result: String, answers: [String: Value] = [:], note: String? = nil, now: Int64
    ) throws -> String {
        let prepared = try prepareInteraction(
            person: person, list: list, result: result, answers: answers, note: note, now: now)
        try store.write(writes(prepared), wallclock: now)
        return prepared.id
    }

    /// Corrects contact fields (phone, email, moved, do not contact, …), checked against the
    /// schema and the user's role; every problem is reported, and nothing is written if any.
    public func edit(person: String, set values: [String: Value], now: Int64) throws {
        let s = try session()
        let key = RecordKey("contacts", person)
        guard let existing = try store.record(key), !existing.isDeleted else {
            throw ClientError(
                .notFound, "'\(person)' is not on your lists; see `canvass lists` and `canvass walk LIST` for ids")
        }
        guard !values.isEmpty else { throw ClientError(.invalid, "nothing to change: give at least one FIELD=VALUE") }
        let spec = schema.collections["contacts"]!
        var problems: [Diagnostic] = []
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let field = spec.field(name) else {
                let writable = spec.fields.filter { s.user.role >= $0.writableBy }.map(\.name).joined(separator: ", ")
                problems.append(
                    Diagnostic(
                        at: name, code: "unknown_field", "contacts have no field '\(name)'; you may set: \(writable)"))
                continue
            }
            if s.user.role < field.writableBy {
                problems.append(
                    Diagnostic(
                        at: name, code: "forbidden", "\(name) can only be changed by a \(field.writableBy.rawValue)"))
            }
            if !value.isNull { problems += field.check(value, at: name) }
        }
        if !problems.isEmpty { throw ClientError(.invalid, "nothing changed", problems: problems) }
        try store.write([LocalWrite(key, values)], wallclock: now)
    }

    /// Resolves a conflict by writing one value whose context covers every sibling.
    /// - Parameters:
    ///   - keep: 1-based index into the conflict's siblings in display order, as `canvass conflicts` shows them.
    public func resolve(_ key: RecordKey, field: String, value: Value? = nil, keep: Int? = nil, now: Int64) throws {
        guard let record = try store.record(key), let reg = record.fields[field] else {
            throw ClientError(.notFound, "no field \(field) on \(key)")
        }
        guard reg.isConflict else {
            throw ClientError(.invalid, "\(key) \(field) is not in conflict; nothing to resolve")
        }
        let chosen: Value
        switch (value, keep) {
        case (let v?, nil): chosen = v
        case (nil, let k?):
            let options = reg.siblingsByDisplay
            guard (1...options.count).contains(k) else {
                throw ClientError(.invalid, "--keep must be 1–\(options.count) for \(key) \(field)")
            }
            chosen = options[k - 1].value
        default: throw ClientError(.invalid, "give exactly one of --value or --keep")
        }
        if let spec = schema.collections[key.collection]?.field(field), !chosen.isNull {
            let problems = spec.check(chosen, at: field)
            if !problems.isEmpty { throw ClientError(.invalid, "not resolved", problems: problems) }
        }
        try store.write([LocalWrite(key, [field: chosen])], wallclock: now)
    }
}
