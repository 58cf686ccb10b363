/// Who is pushing: an enrolled device of a user.
public struct DeviceIdentity: Sendable, Hashable {
    public let replica: ReplicaID
    public let userID: String
    public let role: Role

    public init(replica: ReplicaID, userID: String, role: Role) {
        self.replica = replica
        self.userID = userID
        self.role = role
    }
}

/// A user of the server.
public struct User: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let role: Role
    public let createdAt: Int64

    public init(id: String, name: String, role: Role, createdAt: Int64) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// An enrolled device.
public struct Device: Sendable, Hashable, Codable {
    public let replica: ReplicaID
    public let userID: String
    public let userName: String
    public let role: Role
    public let name: String?
    public let createdAt: Int64
    public let lastSeen: Int64?
    public let revokedAt: Int64?

    public init(
        replica: ReplicaID, userID: String, userName: String, role: Role, name: String?, createdAt: Int64,
        lastSeen: Int64?,
        revokedAt: Int64?
    ) {
        (self.replica, self.userID, self.userName, self.role) = (replica, userID, userName, role)
        (self.name, self.createdAt, self.lastSeen, self.revokedAt) = (name, createdAt, lastSeen, revokedAt)
    }

    public var identity: DeviceIdentity { DeviceIdentity(replica: replica, userID: userID, role: role) }
}

/// What a push is judged against, read by the storage inside the push's transaction: the current
/// state of the pushed records, the surveys their interactions name, and the device's scope.
public struct PushSnapshot: Sendable {
    public var existing: [RecordKey: Record]
    public var surveys: [String: Record]
    /// Keys the device may write; nil means everything (coordinators and admins).
    public var scope: Set<RecordKey>?

    public init(existing: [RecordKey: Record], surveys: [String: Record], scope: Set<RecordKey>?) {
        self.existing = existing
        self.surveys = surveys
        self.scope = scope
    }
}

/// How a push page was judged: one result per record, and which records to merge.
public struct PushDecision: Sendable {
    public var results: [PushResultItem]
    public var accepted: [Record]
    /// Accepted records the device may hold from now on: those in its scope, and new records it
    /// created that passed the scope checks. A record that changed nothing widens nothing.
    public var held: [RecordKey]
    /// Problems no client that follows SYNC.md can cause (`PushJudge.forgeryCodes`). When there
    /// are any, the whole page is refused and nothing of it is applied.
    public var forgeries: [Diagnostic]

    public init(results: [PushResultItem], accepted: [Record], held: [RecordKey] = [], forgeries: [Diagnostic] = []) {
        self.results = results
        self.accepted = accepted
        self.held = held
        self.forgeries = forgeries
    }
}

public struct PushResultItem: Sendable, Hashable {
    public let key: RecordKey
    public let accepted: Bool
    public let problems: [Diagnostic]

    public init(key: RecordKey, accepted: Bool, problems: [Diagnostic]) {
        self.key = key
        self.accepted = accepted
        self.problems = problems
    }
}

/// The decision on a push page, pure and synchronous: every record is judged against the
/// snapshot by what merging it would change, and every problem is reported. It reads and writes
/// nothing, so every storage backend runs the same rule inside its own transaction.
///
/// A page with a forged record (`forgeryCodes`) applies nothing. Otherwise each record stands
/// alone. A record that would change the server's state — add a value, remove one, widen a
/// context, delete — is judged in full: schema, role, field rights, write-once (`Schema.check`), the
/// device's scope, and for a new interaction its person, list, user and survey, on every
/// sibling. A record that changes nothing is accepted unchecked (a repeated push).
public struct PushJudge: Sendable {
    public let schema: Schema
    public let device: DeviceIdentity
    public let snapshot: PushSnapshot
    /// Each survey named in the page, parsed once (a survey that does not parse is missing).
    public let surveys: [String: Survey]
    /// Checks of the JSON documents some fields hold, by `collection.field` (a survey's
    /// `definition`, say): every sibling of a changed record must pass. Decoding a document needs
    /// Foundation, so the check comes in as a value (CanvassProtocol's `PushJudge` initialiser
    /// supplies the survey's) and the rule stays this judge's.
    public let documentChecks: [String: @Sendable (Value) -> [Diagnostic]]
    /// Reads a survey's stored `definition` (Foundation again, so it comes in as a value): the
    /// judge reads surveys created in the page itself with it.
    public let parseSurvey: @Sendable (Value) -> Survey?

    public init(
        schema: Schema, device: DeviceIdentity, snapshot: PushSnapshot, surveys: [String: Survey],
        documentChecks: [String: @Sendable (Value) -> [Diagnostic]] = [:],
        parseSurvey: @escaping @Sendable (Value) -> Survey? = { _ in nil }
    ) {
        self.schema = schema
        self.device = device
        self.snapshot = snapshot
        self.surveys = surveys
        self.documentChecks = documentChecks
        self.parseSurvey = parseSurvey
    }

    /// Judges a page. Records are judged independently; `results[i]` answers `records[i]`.
    ///
    /// Surveys are judged before interactions: an interaction may answer a survey created in the
    /// same page (a coordinator who writes a survey and records on it before syncing), and counts
    /// it only when that survey is accepted.
    public func judge(_ records: [Record]) -> PushDecision {
        var slots = [(item: PushResultItem, holds: Bool)?](repeating: nil, count: records.count)
        var pageSurveys: [String: Survey] = [:]
        for r in records where r.key.collection == "surveys" && surveys[r.key.id] == nil {
            if let d = r["definition"], let parsed = parseSurvey(d) { pageSurveys[r.key.id] = parsed }
        }
        let order = records.indices.sorted {
            (records[$0].key.collection == "interactions" ? 1 : 0, $0)
                < (records[$1].key.collection == "interactions" ? 1 : 0, $1)
        }
        for i in order {
            let record = records[i]
            let existing = snapshot.existing[record.key].flatMap {
                $0.fields.values.contains { !$0.siblings.isEmpty } ? $0 : nil
            }
            let check = schema.check(
                record, at: "records[0]", role: device.role, author: device.replica, unknown: .reject,
                existing: existing)
            var problems = check.problems
            if check.changes {
                problems += scopeProblems(record, existing)
                if record.key.collection == "interactions", existing == nil {
                    problems += interactionProblems(record, pageSurveys: pageSurveys)
                }
                problems += documentProblems(record)
            }
            problems = problems.map { $0.relocated(to: i) }
            let ok = !problems.hasErrors
            if !ok, record.key.collection == "surveys" { pageSurveys[record.key.id] = nil }
            slots[i] = (
                PushResultItem(key: record.key, accepted: ok, problems: problems),
                ok && (check.changes || snapshot.scope?.contains(record.key) != false)
            )
        }
        let results = slots.map { $0!.item }
        let accepted = zip(records, results).filter { $0.1.accepted }.map(\.0)
        let held = slots.compactMap { $0!.holds ? $0!.item.key : nil }
        // A forged record poisons its page: a client that forges causality gets nothing applied,
        // and the whole request is refused (400), naming every problem.
        let forgeries = results.flatMap(\.problems).filter {
            $0.severity == .error && Self.forgeryCodes.contains($0.code)
        }
        if !forgeries.isEmpty { return PushDecision(results: results, accepted: [], held: [], forgeries: forgeries) }
        return PushDecision(results: results, accepted: accepted, held: held)
    }

    /// Diagnostic codes that only a forged or corrupt push can produce: a dot the device did not
    /// mint, a dot reused with other content, a context that claims what the device cannot have
    /// seen or removes a value without replacing it, a register left empty. Problems an honest
    /// client can meet (a record that left its scope, rights that changed, a value that does not
    /// fit) stay per record.
    public static let forgeryCodes: Set<String> = ["foreign_dot", "dot_conflict", "bad_context", "empty_register"]

    /// A canvasser may change only what is in its scope, and may create an interaction only for
    /// a person and list in its scope, as itself. Every sibling is checked, not just the shown one.
    func scopeProblems(_ record: Record, _ existing: Record?) -> [Diagnostic] {
        guard let scope = snapshot.scope else { return [] }
        guard record.key.collection == "interactions" && existing == nil else {
            if scope.contains(record.key) { return [] }
            return [Diagnostic(at: "records[0]", code: "out_of_scope", "\(record.key) is not on any of your lists")]
        }
        var out: [Diagnostic] = []
        func each(_ field: String, _ body: (Int, Value) -> Diagnostic?) {
            for (j, s) in (record.fields[field]?.siblings ?? []).enumerated() {
                if let d = body(j, s.value) { out.append(d) }
            }
        }
        each("person_id") { j, v in
            let p = v.stringValue ?? "\(v)"
            return scope.contains(RecordKey("contacts", p))
                ? nil
                : Diagnostic(
                    at: "records[0].fields.person_id.siblings[\(j)]", code: "out_of_scope",
                    "person \(p) is not on any of your lists")
        }
        each("list_id") { j, v in
            let l = v.stringValue ?? "\(v)"
            return scope.contains(RecordKey("lists", l))
                ? nil
                : Diagnostic(
                    at: "records[0].fields.list_id.siblings[\(j)]", code: "out_of_scope",
                    "list \(l) is not assigned to you")
        }
        each("user_id") { j, v in
            v.stringValue == device.userID
                ? nil
                : Diagnostic(
                    at: "records[0].fields.user_id.siblings[\(j)]", code: "forbidden",
                    "an interaction must carry your own user id (\(device.userID))")
        }
        return out
    }

    /// Every sibling of a field that holds a document passes that document's check; each problem
    /// is located inside the sibling (`records[0].fields.definition.siblings[0].survey.questions[1]`).
    func documentProblems(_ record: Record) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let prefix = record.key.collection + "."
        for (name, check) in documentChecks.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) {
            let field = String(name.dropFirst(prefix.count))
            guard let register = record.fields[field] else { continue }
            for (j, sibling) in register.siblings.enumerated() {
                for d in check(sibling.value) {
                    out.append(
                        Diagnostic(
                            d.severity, at: "records[0].fields.\(field).siblings[\(j)].\(d.location)", code: d.code,
                            d.message))
                }
            }
        }
        return out
    }

    /// A new interaction names a person, a list, a result and a user, and fits its survey.
    /// - Parameter pageSurveys: surveys created in the page and accepted, which it may answer too.
    func interactionProblems(_ record: Record, pageSurveys: [String: Survey] = [:]) -> [Diagnostic] {
        var missing: [Diagnostic] = []
        for field in ["person_id", "list_id", "result", "user_id"] where record[field]?.stringValue?.isEmpty ?? true {
            missing.append(
                Diagnostic(at: "records[0].fields.\(field)", code: "missing", "a new interaction needs \(field)"))
        }
        if !missing.isEmpty { return missing }
        guard let surveyID = record["survey_id"]?.stringValue else {
            return [
                Diagnostic(
                    at: "records[0].fields.survey_id", code: "bad_value", "an interaction needs the survey it answers")
            ]
        }
        guard let parsed = surveys[surveyID] ?? pageSurveys[surveyID] else {
            return [
                Diagnostic(
                    at: "records[0].fields.survey_id", code: "bad_value",
                    "survey '\(surveyID)' does not exist on the server")
            ]
        }
        var answers: [String: Value] = [:]
        if case .object(let o)? = record["answers"] { answers = o }
        return parsed.validate(result: record["result"]?.stringValue ?? "", answers: answers, at: "records[0].fields")
    }
}

extension Diagnostic {
    /// The same diagnostic, with its leading `records[0]` pointing at record `index` of the page.
    public func relocated(to index: Int) -> Diagnostic {
        guard location.hasPrefix("records[0]") else { return self }
        return Diagnostic(
            severity, at: "records[\(index)]" + location.dropFirst("records[0]".count), code: code, message)
    }
}
