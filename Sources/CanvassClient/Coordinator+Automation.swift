import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// A coordinator's automation rules (issue 12): YAML files written as replicated
// `automation_rules` records by this device, offline, synced by `canvass sync`. The server's
// engine runs them; what it did comes back by sync as `automation_log` and
// `automation_deliveries` records, so `automation log` reads offline too. `automation simulate`
// runs the same pure pass (`AutomationSimulation`) over this replica and writes nothing.

/// A rule as `automation add`, `list`, `pause` and `resume` describe it.
public struct AutomationRuleSummary: Sendable, Codable, Hashable {
    public let id: String
    public let campaignID: String
    public let name: String
    public let paused: Bool
    /// Who enters, in words.
    public let entry: String
    public let steps: Int
    /// Firings and skipped steps in the log that reached this device.
    public let fired: Int
    public let skipped: Int
    public let addedBy: String?
    public let addedAt: Int64?
    /// Why the stored source does not read (a rule written by an older version), else empty.
    public let problems: [String]
    /// For `automation add`: `created`, `replaced` or `unchanged`; nil elsewhere.
    public let change: String?

    enum CodingKeys: String, CodingKey {
        case id, name, paused, entry, steps, fired, skipped, problems, change
        case campaignID = "campaign_id"
        case addedBy = "added_by"
        case addedAt = "added_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(name, forKey: .name)
        try c.encode(paused, forKey: .paused)
        try c.encode(entry, forKey: .entry)
        try c.encode(steps, forKey: .steps)
        try c.encode(fired, forKey: .fired)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(addedBy, forKey: .addedBy)
        try c.encode(addedAt, forKey: .addedAt)
        try c.encode(problems, forKey: .problems)
        try c.encode(change, forKey: .change)
    }
}

/// One step of a rule in words, with its counts from the log.
public struct AutomationStepView: Sendable, Codable, Hashable {
    public let id: String
    public let trigger: String
    public let window: String?
    public let conditions: String?
    public let decision: String?
    public let actions: [String]
    public let fired: Int
    public let skipped: Int

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(window, forKey: .window)
        try c.encode(conditions, forKey: .conditions)
        try c.encode(decision, forKey: .decision)
        try c.encode(actions, forKey: .actions)
        try c.encode(fired, forKey: .fired)
        try c.encode(skipped, forKey: .skipped)
    }

    enum CodingKeys: String, CodingKey { case id, trigger, window, conditions, decision, actions, fired, skipped }
}

/// `automation show`: the rule, its steps in words, and its YAML source.
public struct AutomationRuleView: Sendable, Codable, Hashable {
    public let rule: AutomationRuleSummary
    public let reentry: Bool
    public let steps: [AutomationStepView]
    public let source: String
}

/// A webhook or email in the server's outbox, as it was when this device last synced.
public struct AutomationDeliveryRow: Sendable, Codable, Hashable {
    public let id: String
    public let kind: String
    public let target: String
    /// `pending`, `delivered` or `failed` (failed after the retry cap: never dropped).
    public let status: String
    public let attempts: Int
    public let lastError: String?
    public let nextAttemptAt: Int64?
    public let deliveredAt: Int64?
    public let contactID: String?
    public let mailingID: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, target, status, attempts
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
        case contactID = "contact_id"
        case mailingID = "mailing_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(target, forKey: .target)
        try c.encode(status, forKey: .status)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(deliveredAt, forKey: .deliveredAt)
        try c.encode(contactID, forKey: .contactID)
        try c.encode(mailingID, forKey: .mailingID)
    }
}

/// One firing (or skipped step) of the engine, from `automation_log`.
public struct AutomationLogEntry: Sendable, Codable, Hashable {
    /// The firing key `RULE@PERSON@ROTATION@STEP`.
    public let id: String
    public let rule: String
    public let campaignID: String?
    public let person: String
    public let name: String?
    public let rotation: Int
    public let step: String
    /// `fired` or `skipped`.
    public let outcome: String
    /// `yes` or `no` for a decision, else nil.
    public let path: String?
    public let dueAt: Int64?
    public let firedAt: Int64?
    public let reason: String
    /// What it did, in words.
    public let actions: [String]
    public let deliveries: [AutomationDeliveryRow]

    enum CodingKeys: String, CodingKey {
        case id, rule, person, name, rotation, step, outcome, path, reason, actions, deliveries
        case campaignID = "campaign_id"
        case dueAt = "due_at"
        case firedAt = "fired_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(rule, forKey: .rule)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(person, forKey: .person)
        try c.encode(name, forKey: .name)
        try c.encode(rotation, forKey: .rotation)
        try c.encode(step, forKey: .step)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(path, forKey: .path)
        try c.encode(dueAt, forKey: .dueAt)
        try c.encode(firedAt, forKey: .firedAt)
        try c.encode(reason, forKey: .reason)
        try c.encode(actions, forKey: .actions)
        try c.encode(deliveries, forKey: .deliveries)
    }
}

/// `automation log`: the newest firings first (at most `limit`), how many matched, and the
/// deliveries that failed for good among them.
public struct AutomationLogView: Sendable, Codable, Hashable {
    public let entries: [AutomationLogEntry]
    /// Firings that matched the filters, before the limit.
    public let total: Int
    public let failedDeliveries: Int
    /// When this device last synced: the log is as of then.
    public let lastSync: Int64?

    enum CodingKeys: String, CodingKey {
        case entries, total
        case failedDeliveries = "failed_deliveries"
        case lastSync = "last_sync"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        try c.encode(total, forKey: .total)
        try c.encode(failedDeliveries, forKey: .failedDeliveries)
        try c.encode(lastSync, forKey: .lastSync)
    }
}

extension FieldClient {
    /// Adds a rule to a campaign from a YAML file (`AutomationDocument`), as a replicated record
    /// written by this device (id = the rule's id, `source` = the file's text). Refused, with
    /// every problem at its line and column and nothing written, when the file does not read,
    /// names another campaign, or names a group, list or mailing the campaign does not have.
    /// The same id again replaces the source (`change` says so); a paused rule stays paused.
    /// - Throws: `ClientError` `.invalid` (every problem located), `.notFound` for a missing file or campaign.
    public func addAutomationRule(campaign: String, file: String, now: Int64) throws -> AutomationRuleSummary {
        try translating {
            let (store, s) = try coordinatorSession("add automation rules")
            let yaml = try Self.readUTF8(file)
            let rule = try Self.decodeRule(yaml, file: file)
            let campaignID = try Self.findCampaign(campaign, in: store).id
            let problems = AutomationDocument.referenceProblems(
                yaml: yaml, campaign: campaignID, known: try Self.knownReferences(store, campaign: campaignID))
            if !problems.isEmpty {
                throw ClientError(
                    .invalid, Self.located(problems, file: file, what: "does not fit campaign \(campaignID)"))
            }
            let key = RecordKey("automation_rules", rule.id)
            var change = "created"
            var values: [String: Value] = [
                "campaign_id": .string(campaignID), "name": .string(rule.name), "source": .string(yaml),
            ]
            if let existing = try store.record(key), !existing.isDeleted {
                if let other = existing["campaign_id"]?.stringValue, other != campaignID {
                    throw ClientError(
                        .invalid,
                        "rule id '\(rule.id)' is taken by a rule of campaign \(other); give this rule another id. Nothing was written"
                    )
                }
                change = values.allSatisfy({ existing[$0.key] == $0.value }) ? "unchanged" : "replaced"
            } else {
                values["paused"] = .bool(false)
                values[Record.deletedField] = .bool(false)
            }
            values["added_by"] = .string(s.user.name)
            values["added_at"] = .int(now)
            let spec = CampaignSchema.standard.collections["automation_rules"]!
            let schemaProblems = values.sorted { $0.key < $1.key }.flatMap { name, value in
                spec.field(name)?.check(value, at: "rule.\(name)") ?? []
            }
            if !schemaProblems.isEmpty {
                throw ClientError(
                    .invalid, "rule \(rule.id) does not fit the schema; nothing was written", problems: schemaProblems)
            }
            if change != "unchanged" { try store.write([LocalWrite(key, values)], wallclock: now) }
            return try Self.ruleSummary(store, id: rule.id, change: change)
        }
    }

    /// The rules here, of one campaign (id or name) or all, by campaign and id.
    public func automationRules(campaign: String?) throws -> [AutomationRuleSummary] {
        try translating {
            let (store, _) = try coordinatorSession("read automation rules")
            let campaignID = try campaign.map { try Self.findCampaign($0, in: store).id }
            let counts = try Self.logCounts(store)
            return try store.records(in: "automation_rules").filter {
                campaignID == nil || $0["campaign_id"]?.stringValue == campaignID
            }.map { Self.ruleSummary($0, counts: counts, change: nil) }
                .sorted { ($0.campaignID, $0.id) < ($1.campaignID, $1.id) }
        }
    }

    /// A rule: its steps in words, paused or not, and how often each step fired or was skipped.
    public func automationRule(_ id: String) throws -> AutomationRuleView {
        try translating {
            let (store, _) = try coordinatorSession("read automation rules")
            let record = try Self.ruleRecord(store, id)
            let counts = try Self.logCounts(store)
            let summary = Self.ruleSummary(record, counts: counts, change: nil)
            let source = record["source"]?.stringValue ?? ""
            guard let rule = AutomationRuleRecord(record)?.rule else {
                return AutomationRuleView(rule: summary, reentry: false, steps: [], source: source)
            }
            let clock = try CampaignClock.of(campaign: summary.campaignID, in: store)
            return AutomationRuleView(
                rule: summary, reentry: rule.reentry,
                steps: rule.steps.enumerated().map { i, step in
                    let c = counts[AutomationStepKey(rule: id, step: step.id)] ?? (0, 0)
                    return AutomationWords.step(step, first: i == 0, clock: clock, fired: c.fired, skipped: c.skipped)
                }, source: source)
        }
    }

    /// Pauses or resumes a rule: a replicated write, so the server's engine stops (or starts
    /// again) after the next `canvass sync`. Pausing a paused rule changes nothing.
    public func setAutomationRulePaused(_ id: String, paused: Bool, now: Int64) throws -> AutomationRuleSummary {
        try translating {
            let (store, _) = try coordinatorSession(paused ? "pause automation rules" : "resume automation rules")
            let record = try Self.ruleRecord(store, id)
            let was = record["paused"] == .bool(true)
            if was != paused { try store.write([LocalWrite(record.key, ["paused": .bool(paused)])], wallclock: now) }
            return try Self.ruleSummary(
                store, id: id, change: was == paused ? "unchanged" : (paused ? "paused" : "resumed"))
        }
    }

    /// What the server's engine did, as of this device's last sync: the newest firings first,
    /// filtered by campaign (id or name), rule and person, each with the person's name, why it
    /// fired, what it did, and each of its deliveries' status, attempts and last error.
    public func automationLog(campaign: String?, rule: String?, person: String?, limit: Int?) throws
        -> AutomationLogView
    {
        try translating {
            let (store, s) = try coordinatorSession("read the automation log")
            let campaignID = try campaign.map { try Self.findCampaign($0, in: store).id }
            if let limit, limit < 1 { throw ClientError(.invalid, "--limit must be 1 or more, not \(limit)") }
            let kinds = Self.kinds("automation_log")
            let matching = try store.projected("automation_log", fields: Self.logFields, kinds: kinds).filter {
                (campaignID == nil || $0["campaign_id"]?.stringValue == campaignID)
                    && (rule == nil || $0["rule_id"]?.stringValue == rule)
                    && (person == nil || $0["contact_id"]?.stringValue == person)
            }.sorted {
                ($0["fired_at"]?.intValue ?? 0, $0.key.id) > ($1["fired_at"]?.intValue ?? 0, $1.key.id)
            }
            let shown = Array(matching.prefix(limit ?? 50))
            let deliveries = try Self.deliveries(store, firings: Set(shown.map(\.key.id)))
            var names: [String: String] = [:]
            let wanted = Set(shown.compactMap { $0["contact_id"]?.stringValue })
            for c in try store.projected("contacts", fields: ["first_name", "last_name"])
            where wanted.contains(c.key.id) {
                names[c.key.id] = Self.name(c.values)
            }
            let entries = shown.map { r in
                let person = r["contact_id"]?.stringValue ?? ""
                return AutomationLogEntry(
                    id: r.key.id, rule: r["rule_id"]?.stringValue ?? "", campaignID: r["campaign_id"]?.stringValue,
                    person: person, name: names[person], rotation: Int(r["rotation"]?.intValue ?? 1),
                    step: r["step"]?.stringValue ?? "", outcome: r["outcome"]?.stringValue ?? "fired",
                    path: r["path"]?.stringValue, dueAt: r["due_at"]?.intValue, firedAt: r["fired_at"]?.intValue,
                    reason: r["reason"]?.stringValue ?? "", actions: AutomationWords.logged(r["actions"]),
                    deliveries: deliveries[r.key.id] ?? [])
            }
            return AutomationLogView(
                entries: entries, total: matching.count,
                failedDeliveries: entries.flatMap(\.deliveries).filter { $0.status == "failed" }.count,
                lastSync: s.lastSync)
        }
    }

    // MARK: reads

    static let logFields = [
        "rule_id", "campaign_id", "contact_id", "rotation", "step", "outcome", "path", "due_at", "fired_at", "reason",
        "actions",
    ]
    static let deliveryFields = [
        "kind", "firing", "mailing_id", "campaign_id", "contact_id", "target", "status", "attempts", "last_error",
        "next_attempt_at", "delivered_at", "created_at",
    ]

    /// The outbox items here, by the firing that made them (or, given `mailing`, that mailing's,
    /// sent by `mailing send` or by a rule's `send_email`).
    static func deliveries(_ store: ReplicaStore, firings: Set<String>? = nil, mailing: String? = nil) throws
        -> [String: [AutomationDeliveryRow]]
    {
        var out: [String: [AutomationDeliveryRow]] = [:]
        for d in try store.projected(
            "automation_deliveries", fields: deliveryFields, kinds: kinds("automation_deliveries"))
        {
            let group: String
            if let mailing {
                guard d["mailing_id"]?.stringValue == mailing else { continue }
                group = mailing
            } else {
                guard let f = d["firing"]?.stringValue, firings?.contains(f) ?? true else { continue }
                group = f
            }
            out[group, default: []].append(
                AutomationDeliveryRow(
                    id: d.key.id, kind: d["kind"]?.stringValue ?? "", target: d["target"]?.stringValue ?? "",
                    status: d["status"]?.stringValue ?? "pending", attempts: Int(d["attempts"]?.intValue ?? 0),
                    lastError: d["last_error"]?.stringValue, nextAttemptAt: d["next_attempt_at"]?.intValue,
                    deliveredAt: d["delivered_at"]?.intValue, contactID: d["contact_id"]?.stringValue,
                    mailingID: d["mailing_id"]?.stringValue))
        }
        return out.mapValues { $0.sorted { $0.id < $1.id } }
    }

    struct AutomationStepKey: Hashable {
        let rule: String
        let step: String
    }

    /// Fired and skipped counts per rule (step "") and per rule and step, from the log.
    static func logCounts(_ store: ReplicaStore) throws -> [AutomationStepKey: (fired: Int, skipped: Int)] {
        var out: [AutomationStepKey: (fired: Int, skipped: Int)] = [:]
        for r in try store.projected("automation_log", fields: ["rule_id", "step", "outcome"]) {
            guard let rule = r["rule_id"]?.stringValue else { continue }
            let skipped = r["outcome"]?.stringValue == "skipped"
            for key in [
                AutomationStepKey(rule: rule, step: ""),
                AutomationStepKey(rule: rule, step: r["step"]?.stringValue ?? ""),
            ] {
                var c = out[key] ?? (0, 0)
                if skipped { c.skipped += 1 } else { c.fired += 1 }
                out[key] = c
            }
        }
        return out
    }

    static func ruleRecord(_ store: ReplicaStore, _ id: String) throws -> CanvassCore.Record {
        if let r = try store.record(RecordKey("automation_rules", id)), !r.isDeleted { return r }
        let known = try store.records(in: "automation_rules").map(\.key.id)
        throw ClientError(
            .notFound,
            "no automation rule '\(id)' here; rules: \(known.isEmpty ? "none yet (canvass automation add CAMPAIGN FILE.yaml, or sync)" : known.joined(separator: ", "))"
        )
    }

    static func ruleSummary(_ store: ReplicaStore, id: String, change: String?) throws -> AutomationRuleSummary {
        ruleSummary(try ruleRecord(store, id), counts: try logCounts(store), change: change)
    }

    static func ruleSummary(
        _ record: CanvassCore.Record, counts: [AutomationStepKey: (fired: Int, skipped: Int)], change: String?
    ) -> AutomationRuleSummary {
        let decoded = AutomationRuleRecord(record)
        let c = counts[AutomationStepKey(rule: record.key.id, step: "")] ?? (0, 0)
        return AutomationRuleSummary(
            id: record.key.id, campaignID: record["campaign_id"]?.stringValue ?? "",
            name: record["name"]?.stringValue ?? decoded?.rule?.name ?? record.key.id,
            paused: record["paused"] == .bool(true), entry: decoded?.rule.map { AutomationWords.entry($0.entry) } ?? "",
            steps: decoded?.rule?.steps.count ?? 0, fired: c.fired, skipped: c.skipped,
            addedBy: record["added_by"]?.stringValue, addedAt: record["added_at"]?.intValue,
            problems: decoded?.problems ?? ["the rule's source cannot be read"], change: change)
    }

    /// The groups, lists and mailings of a campaign, and its criteria vocabulary: what a rule may name.
    static func knownReferences(_ store: ReplicaStore, campaign: String) throws -> AutomationDocument.Known {
        func inCampaign(_ collection: String) throws -> [RecordValues] {
            try store.projected(collection, fields: ["name", "campaign_id"]).filter {
                $0["campaign_id"]?.stringValue == campaign
            }
        }
        let (surveys, surveyCampaigns) = try CampaignPeople.surveys(store)
        var codes = ResultCode.standard.map(\.code)
        var questions: [Question] = []
        for s in surveys.values.filter({ surveyCampaigns[$0.id] == campaign }).sorted(by: { $0.id < $1.id }) {
            for c in s.resultCodes where !codes.contains(c.code) { codes.append(c.code) }
            for q in s.questions where !questions.contains(where: { $0.id == q.id }) { questions.append(q) }
        }
        return AutomationDocument.Known(
            groups: try inCampaign("groups").map { ($0.key.id, $0["name"]?.stringValue ?? $0.key.id) },
            lists: try inCampaign("lists").map(\.key.id), mailings: try inCampaign("mailings").map(\.key.id),
            vocabulary: Criteria.Vocabulary(resultCodes: codes, questions: questions))
    }

    /// A text file's contents, or an error that says what to check.
    static func readUTF8(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ClientError(.notFound, "cannot read \(file): check the path")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ClientError(.invalid, "\(file) is not UTF-8 text; save it as UTF-8")
        }
        return text
    }

    /// The rule a file holds, or an error listing every problem at FILE:LINE:COLUMN.
    static func decodeRule(_ yaml: String, file: String) throws -> AutomationRule {
        do {
            return try AutomationDocument.decode(yaml: yaml, file: file)
        } catch let e as ProtocolError {
            throw ClientError(.invalid, located(e.problems, file: file, what: "is not a valid automation rule"))
        }
    }

    static func located(_ problems: [ProtocolError.Problem], file: String, what: String) -> String {
        "\(file) \(what) (\(problems.count) problem\(problems.count == 1 ? "" : "s")); nothing was written:\n"
            + problems.map { "  " + $0.describe(file: file) }.joined(separator: "\n")
    }
}

/// Rules, steps and logged actions in words, for `automation show`, `log` and `simulate`.
enum AutomationWords {
    static func duration(_ ms: Int64) -> String {
        for (unit, size) in [("w", Int64(7 * 86_400_000)), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)]
        where ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms / 1000)s"
    }

    static func entry(_ e: AutomationEntry) -> String {
        switch e {
        case .group(let g): return "members of group \(g)"
        case .segment(let c): return "people matching '\(c.text)'"
        case .anyInteraction: return "anyone with an interaction in the campaign"
        }
    }

    static func trigger(_ t: AutomationTrigger, first: Bool, clock: CampaignClock) -> String {
        switch t {
        case .result(let c): return "when result '\(c)' is recorded"
        case .answer(let q, let v): return "when question \(q) is answered" + (v.map { " '\($0)'" } ?? "")
        case .fieldChange(let f): return "when field \(f) changes"
        case .joinedGroup(let g): return "when they join group \(g)"
        case .rsvp(let e, let a):
            return "when they RSVP" + (a.map { " '\($0)'" } ?? "") + (e.map { " to event \($0)" } ?? "")
        case .voted: return "when they are marked as voted"
        case .donation: return "when they give a donation"
        case .at(let t):
            let l = clock.local(t)
            return "at \(l.day) \(String(format: "%02d:%02d", l.minute / 60, l.minute % 60)) campaign time"
        case .delayAfterEntry(let d): return "\(duration(d)) after entry"
        case .delayAfterPrevious(let d): return "\(duration(d)) after \(first ? "entry" : "the previous step")"
        }
    }

    static func window(_ w: AutomationWindow) -> String {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        var parts: [String] = []
        if w.start != 0 || w.end != 1440 { parts.append("\(hhmm(w.start))-\(hhmm(w.end))") }
        if !w.weekdays.isEmpty {
            parts.append("on " + w.weekdays.sorted().map { names[$0 - 1] }.joined(separator: ", "))
        }
        return "only " + parts.joined(separator: " ") + " campaign time"
    }

    static func action(_ a: AutomationAction) -> String {
        switch a {
        case .addToGroup(let g): return "add to group \(g)"
        case .removeFromGroup(let g): return "remove from group \(g)"
        case .engagementPoints(let n): return "\(n >= 0 ? "+" : "")\(n) engagement points"
        case .engagementLevel(let n): return "set engagement level \(n)"
        case .addToList(let l): return "add to list \(l)"
        case .setField(let f, let v): return "set \(f) to '\(v)'"
        case .doNotContact(let c): return "mark do not contact (\(c))"
        case .webhook(let url): return "POST to \(url)"
        case .sendEmail(let m): return "send email \(m)"
        }
    }

    static func step(_ s: AutomationStep, first: Bool, clock: CampaignClock, fired: Int, skipped: Int)
        -> AutomationStepView
    {
        let decision = s.decision.map { d in
            "wait up to \(duration(d.within)) for: \(trigger(d.awaiting, first: false, clock: clock).replacingOccurrences(of: "when ", with: "")); "
                + "yes → \(d.yes.isEmpty ? "nothing" : d.yes.map(action).joined(separator: ", ")); "
                + "no → \(d.no.isEmpty ? "nothing" : d.no.map(action).joined(separator: ", "))"
        }
        return AutomationStepView(
            id: s.id, trigger: trigger(s.trigger, first: first, clock: clock), window: s.window.map(window),
            conditions: s.conditions.terms.isEmpty ? nil : s.conditions.text, decision: decision,
            actions: s.actions.map(action), fired: fired, skipped: skipped)
    }

    /// The `actions` of a log record as lines: texts as they are, anything else as compact JSON.
    static func logged(_ value: Value?) -> [String] {
        switch value {
        case .none, .some(.null): return []
        case .some(.string(let s)): return [s]
        case .some(.array(let items)): return items.flatMap { logged($0) }
        case .some(let other):
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return [(try? e.encode(other)).map { String(decoding: $0, as: UTF8.self) } ?? "\(other)"]
        }
    }
}

/// One firing a simulation foresees.
public struct SimulatedFiring: Sendable, Codable, Hashable {
    /// When the engine would fire it.
    public let at: Int64
    /// The day of `at` in the campaign's time zone.
    public let day: String
    public let dueAt: Int64
    public let person: String
    public let name: String?
    public let rotation: Int
    public let step: String
    /// `fired` or `skipped`.
    public let outcome: String
    public let path: String?
    public let reason: String
    /// The actions, in words.
    public let actions: [String]
    /// The records it would write (`COLLECTION/ID field=value …`), and the webhooks and emails it would queue.
    public let writes: [String]
    public let deliveries: [String]
    /// Actions it could not carry out, and why.
    public let notes: [String]

    enum CodingKeys: String, CodingKey {
        case at, day, person, name, rotation, step, outcome, path, reason, actions, writes, deliveries, notes
        case dueAt = "due_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(day, forKey: .day)
        try c.encode(dueAt, forKey: .dueAt)
        try c.encode(person, forKey: .person)
        try c.encode(name, forKey: .name)
        try c.encode(rotation, forKey: .rotation)
        try c.encode(step, forKey: .step)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(path, forKey: .path)
        try c.encode(reason, forKey: .reason)
        try c.encode(actions, forKey: .actions)
        try c.encode(writes, forKey: .writes)
        try c.encode(deliveries, forKey: .deliveries)
        try c.encode(notes, forKey: .notes)
    }
}

/// `automation simulate`: per day of the campaign, how many firings per step; and the first firings.
public struct AutomationSimulationReport: Sendable, Codable, Hashable {
    public struct Day: Sendable, Codable, Hashable {
        public let day: String
        /// Step id → firings (skipped steps count under `skipped`).
        public let steps: [String: Int]
        public let skipped: Int
    }

    public let campaignID: String
    public let rule: String
    public let from: Int64
    public let until: Int64
    /// People of the campaign looked at.
    public let people: Int
    public let fired: Int
    public let skipped: Int
    /// Days with at least one firing, in order.
    public let days: [Day]
    /// The first firings, in order (at most `shown`).
    public let firings: [SimulatedFiring]

    enum CodingKeys: String, CodingKey {
        case rule, from, until, people, fired, skipped, days, firings
        case campaignID = "campaign_id"
    }
}

extension FieldClient {
    /// What a rule file would do in a campaign over the next `days` days, on this replica's data
    /// as it is now: the same pass the server's engine runs (`AutomationSimulation`), from `now`,
    /// in the campaign's time zone. Writes nothing, not even to the store's metadata. The file is
    /// checked as `automation add` checks it.
    /// - Parameter shown: how many firings to describe one by one.
    public func simulateAutomation(campaign: String, file: String, days: Int, now: Int64, shown: Int = 20) throws
        -> AutomationSimulationReport
    {
        try translating {
            let (store, _) = try coordinatorSession("simulate automation rules")
            guard (1...366).contains(days) else {
                throw ClientError(.invalid, "--days must be from 1 to 366, not \(days)")
            }
            let yaml = try Self.readUTF8(file)
            var rule = try Self.decodeRule(yaml, file: file)
            let campaignID = try Self.findCampaign(campaign, in: store).id
            let problems = AutomationDocument.referenceProblems(
                yaml: yaml, campaign: campaignID, known: try Self.knownReferences(store, campaign: campaignID))
            if !problems.isEmpty {
                throw ClientError(
                    .invalid, Self.located(problems, file: file, what: "does not fit campaign \(campaignID)"))
            }
            rule.campaign = campaignID
            // As if added now: interactions from before do not fire it (`AutomationRule.activeSince`).
            rule.activeSince = now
            let record = try store.record(RecordKey("campaigns", campaignID))
            let clock = CampaignClock(campaign: record)
            let inputs = try AutomationCampaignInputs.load(store, campaign: campaignID, rules: [rule])
            let until = now + Int64(days) * 86_400_000
            let firings = AutomationSimulation.run(
                rules: [rule], people: inputs.people, rsvpQuestions: inputs.rsvpQuestions, from: now, until: until,
                local: clock.automation)
            var perDay: [String: (steps: [String: Int], skipped: Int)] = [:]
            for f in firings {
                let day = clock.day(f.at)
                var d = perDay[day] ?? ([:], 0)
                if f.outcome == .skipped { d.skipped += 1 } else { d.steps[f.key.step, default: 0] += 1 }
                perDay[day] = d
            }
            let facts = Dictionary(inputs.people.map { ($0.id, $0.facts.contact) }, uniquingKeysWith: { a, _ in a })
            let first = firings.prefix(max(0, shown)).map { f in
                SimulatedFiring(
                    at: f.at, day: clock.day(f.at), dueAt: f.dueAt, person: f.key.person,
                    name: facts[f.key.person].flatMap { Self.name($0) }, rotation: f.key.rotation, step: f.key.step,
                    outcome: f.outcome.rawValue, path: f.path, reason: f.reason,
                    actions: f.outcome == .skipped ? [] : f.actions.map(AutomationWords.action),
                    writes: f.effects.writes.map(AutomationWords.write),
                    deliveries: f.effects.deliveries.map { "\($0.kind.rawValue) to \($0.target)" },
                    notes: f.effects.notes)
            }
            return AutomationSimulationReport(
                campaignID: campaignID, rule: rule.id, from: now, until: until, people: inputs.people.count,
                fired: firings.filter { $0.outcome == .fired }.count,
                skipped: firings.filter { $0.outcome == .skipped }.count,
                days: perDay.keys.sorted().map {
                    AutomationSimulationReport.Day(day: $0, steps: perDay[$0]!.steps, skipped: perDay[$0]!.skipped)
                }, firings: Array(first))
        }
    }
}

extension AutomationWords {
    /// A write as `COLLECTION/ID field=value …` (deletion as `deleted`).
    static func write(_ w: AutomationWrite) -> String {
        let fields = w.values.sorted { $0.key < $1.key }.map { k, v in
            k == Record.deletedField ? (v == .bool(true) ? "deleted" : "") : "\(k)=\(v)"
        }.filter { !$0.isEmpty }
        return ([w.key.description] + fields).joined(separator: " ")
    }
}
