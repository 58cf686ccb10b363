import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// A door or call checked against its list's survey, ready to write.
struct PreparedInteraction {
    let id: String
    var fields: [String: Value]
    let effect: ResultEffect
    let channel: Channel
    let person: String
    let household: String?
    /// What the answers write besides the interaction (`Canvassing.answerWrites`: marked voted).
    var answerWrites: [(key: RecordKey, values: [String: Value])] = []
}

/// What a shift keeps of a saved door or call, to correct it after `b`.
public struct ShiftReceipt: Sendable, Equatable {
    /// The interaction that holds the answer now.
    public let interaction: String
    public let person: String
    public let result: String
    /// The knock's or call's time: kept when an unsynced interaction is rewritten.
    public let recordedAt: Int64
    /// The interaction this one corrects, if it is itself a correction.
    public let corrects: String?
    let channel: Channel
    let household: String?
    /// The fields the result's effects wrote (or a correction's may write), with their values
    /// before the first save (`null` when not held), so a correction can put them back.
    let before: [RecordKey: [String: Value]]
}

/// How a saved door or call was corrected.
public enum ShiftCorrection: String, Sendable, Equatable {
    /// Not yet synced: the interaction was rewritten in place, still one write-once record.
    case rewritten
    /// Already synced (the server keeps interactions as written): a new interaction records the
    /// corrected answer, names the one it corrects (`corrects`), and, being the latest, decides
    /// whether the person is done.
    case superseded
}

extension FieldOperations {
    /// Checks a door or call against the list's survey and builds the interaction's fields.
    func prepareInteraction(
        person: String, list: String, result: String, answers: [String: Value], note: String?, now: Int64
    ) throws -> PreparedInteraction {
        guard let s = try Session.load(from: store) else {
            throw ClientError(.notLoggedIn, "not logged in: run `canvass login SERVER_URL CODE` first")
        }
        let survey = try survey(forList: list)
        guard let contact = try store.record(RecordKey("contacts", person)), !contact.isDeleted else {
            throw ClientError(
                .notFound,
                "'\(person)' is not on your lists; see `canvass walk \(list)` or `canvass calls \(list)` for ids")
        }
        var problems = survey.validate(result: result, answers: answers, at: "interaction")
        if let note, note.utf8.count > Schema.maxStringBytes {
            problems.append(
                Diagnostic(
                    at: "interaction.note", code: "too_long",
                    "the note is \(note.utf8.count) bytes; at most \(Schema.maxStringBytes)"))
        }
        if !problems.isEmpty {
            throw ClientError(.invalid, "not recorded: the answer does not fit survey \(survey.id)", problems: problems)
        }
        let listRecord = try store.record(RecordKey("lists", list))
        let channel: Channel = listRecord?["kind"]?.stringValue == "call" ? .call : .door
        let id = "\(s.replicaID.rawValue)-\(UUID().uuidString.prefix(8).lowercased())-\(now)"
        var fields: [String: Value] = [
            "person_id": .string(person), "list_id": .string(list), "survey_id": .string(survey.id),
            "channel": .string(channel.rawValue),
            "result": .string(result), "recorded_at": .int(now), "user_id": .string(s.user.id),
        ]
        let household = contact["household_id"]?.stringValue
        if let household { fields["household_id"] = .string(household) }
        if !answers.isEmpty { fields["answers"] = .object(answers) }
        if let note, !note.isEmpty { fields["note"] = .string(note) }
        return PreparedInteraction(
            id: id, fields: fields, effect: survey.resultCode(result)?.effect ?? .none, channel: channel,
            person: person, household: household,
            answerWrites: Canvassing.answerWrites(answers, survey: survey, person: person))
    }

    /// The writes of a prepared interaction: the record, then its result's effects and its
    /// answers' (one write per record).
    func writes(_ p: PreparedInteraction) -> [LocalWrite] {
        [LocalWrite(RecordKey("interactions", p.id), p.fields)]
            + Self.merged(
                Canvassing.effectWrites(p.effect, channel: p.channel, person: p.person, household: p.household)
                    + p.answerWrites)
    }

    /// Writes to the same record made one, in first-seen order.
    static func merged(_ writes: [(key: RecordKey, values: [String: Value])]) -> [LocalWrite] {
        var order: [RecordKey] = []
        var values: [RecordKey: [String: Value]] = [:]
        for w in writes {
            if values[w.key] == nil { order.append(w.key) }
            values[w.key, default: [:]].merge(w.values) { _, new in new }
        }
        return order.map { LocalWrite($0, values[$0]!) }
    }

    /// The display values of some fields now (`null` when not held).
    private func values(of fields: [RecordKey: [String]]) throws -> [RecordKey: [String: Value]] {
        var out: [RecordKey: [String: Value]] = [:]
        for (key, names) in fields {
            let record = try store.record(key)
            for n in names { out[key, default: [:]][n] = record?[n] ?? .null }
        }
        return out
    }

    /// Saves a door or call answered in a shift, and keeps what a correction needs.
    public func recordShift(_ answer: ShiftInterview.Interaction, list: String, now: Int64) throws -> ShiftReceipt {
        let p = try prepareInteraction(
            person: answer.person, list: list, result: answer.result, answers: answer.answers, note: answer.note,
            now: now)
        let before = try values(
            of: Canvassing.effectFields(p.effect, channel: p.channel, person: p.person, household: p.household))
        try store.write(writes(p), wallclock: now)
        return ShiftReceipt(
            interaction: p.id, person: p.person, result: answer.result, recordedAt: now, corrects: nil,
            channel: p.channel, household: p.household, before: before)
    }

    /// Corrects a door or call saved earlier in this shift with a new answer, in one transaction:
    /// an unsynced interaction is rewritten in place (`ShiftCorrection.rewritten`), a synced one
    /// is superseded by a new interaction that `corrects` it. Either way the old result's effects
    /// are undone where nobody changed them since, and the new one's are written
    /// (`Canvassing.correctionWrites`).
    public func correctShift(
        _ receipt: ShiftReceipt, with answer: ShiftInterview.Interaction, list: String, now: Int64
    ) throws -> (ShiftReceipt, ShiftCorrection) {
        guard answer.person == receipt.person else {
            throw ClientError(.invalid, "a correction must be for the same person (\(receipt.person))")
        }
        var p = try prepareInteraction(
            person: answer.person, list: list, result: answer.result, answers: answer.answers, note: answer.note,
            now: now)
        let survey = try survey(forList: list)
        let oldEffect = survey.resultCode(receipt.result)?.effect ?? .none
        let oldFields = Canvassing.effectFields(
            oldEffect, channel: receipt.channel, person: p.person, household: receipt.household)
        let newFields = Canvassing.effectFields(p.effect, channel: p.channel, person: p.person, household: p.household)
        let current = try values(of: oldFields.merging(newFields) { Array(Set($0 + $1)).sorted() })
        var before = receipt.before
        for (key, names) in newFields {
            for n in names where before[key]?[n] == nil { before[key, default: [:]][n] = current[key]?[n] ?? .null }
        }
        // A corrected answer that marks the person voted marks them too; an answer no longer
        // marking them leaves the mark (a voted mark is not undone by a correction).
        let effects = Self.merged(
            Canvassing.correctionWrites(
                from: oldEffect, to: p.effect, channel: p.channel, person: p.person, household: p.household,
                before: before, current: current) + p.answerWrites)

        var rewritten = p.fields
        rewritten["recorded_at"] = .int(receipt.recordedAt)
        if let c = receipt.corrects { rewritten["corrects"] = .string(c) }
        if try store.rewriteUnsynced(
            RecordKey("interactions", receipt.interaction), rewritten, alongside: effects, wallclock: now)
        {
            let r = ShiftReceipt(
                interaction: receipt.interaction, person: p.person, result: answer.result,
                recordedAt: receipt.recordedAt, corrects: receipt.corrects, channel: p.channel, household: p.household,
                before: before)
            return (r, .rewritten)
        }
        p.fields["corrects"] = .string(receipt.interaction)
        try store.write([LocalWrite(RecordKey("interactions", p.id), p.fields)] + effects, wallclock: now)
        let r = ShiftReceipt(
            interaction: p.id, person: p.person, result: answer.result, recordedAt: now, corrects: receipt.interaction,
            channel: p.channel, household: p.household, before: before)
        return (r, .superseded)
    }

    /// The people of a list as a shift asks them: with their number to dial and first name.
    func shiftPeople(_ people: [ListPerson]) throws -> [ShiftInterview.Person] {
        try people.map { p in
            let first = try store.record(RecordKey("contacts", p.id))?["first_name"]?.stringValue
            return ShiftInterview.Person(id: p.id, name: p.name, phone: p.phone, firstName: first)
        }
    }

    /// The kind of a list: `walk` or `call`.
    func listKind(_ list: String) throws -> String {
        try store.record(RecordKey("lists", list))?["kind"]?.stringValue ?? "walk"
    }
}

extension FieldClient {
    /// The interview of a shift on a call list: its people to call now (not done, and not
    /// waiting out a recontact interval), in list order, each with the number to dial.
    func callShift(_ ops: FieldOperations, list: String, survey: Survey, now: Int64) throws -> ShiftInterview {
        let people = try ops.store.callList(list).filter {
            Canvassing.isToDo(done: $0.done, dueAt: $0.dueAt, now: now)
        }
        return ShiftInterview(list: list, survey: survey, calls: try ops.shiftPeople(people))
    }

    /// Saves one door or call answered in a shift; the receipt lets `correctShift` change it.
    public func saveShift(_ answer: ShiftInterview.Interaction, list: String, now: Int64) throws -> ShiftReceipt {
        try translating { try operations().recordShift(answer, list: list, now: now) }
    }

    /// Corrects a door or call saved earlier in this shift (after `b`).
    public func correctShift(
        _ receipt: ShiftReceipt, with answer: ShiftInterview.Interaction, list: String, now: Int64
    ) throws -> (ShiftReceipt, ShiftCorrection) {
        try translating { try operations().correctShift(receipt, with: answer, list: list, now: now) }
    }
}
