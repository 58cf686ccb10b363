import CanvassCore
import Foundation
import Yams

/// An automation rule written as YAML (issue 12):
///
/// ```yaml
/// id: chase-undecided
/// campaign: C1
/// name: Call back the undecided
/// entry: { segment: "support=3" }     # or { group: GROUP } or { interaction: any }
/// reentry: false
/// steps:
///   - id: wait
///     trigger: { kind: delay, duration: 3d, after: entry }   # after: entry | previous
///     window: { hours: "09:00-17:00", days: [mon, tue, wed, thu, fri] }
///     conditions: "voted=no"
///     decision:
///       wait_for: { kind: result, code: contacted }
///       within: 2d
///       yes: [{ engagement_points: 1 }]
///       no: [{ add_to_list: call-followup }]
///   - id: thanks
///     trigger: { kind: donation }
///     actions: [{ send_email: thank-you }, { webhook: "https://example.org/hook" }]
/// ```
///
/// Trigger kinds: `result` (code), `answer` (question, optional value), `field` (field), `group`
/// (group), `rsvp` (optional event, optional response), `voted`, `donation`, `at` (an ISO 8601 time
/// with its offset), `delay` (duration, after). Durations are a whole number and a unit: `30m`,
/// `12h`, `3d`, `2w`. Every problem is reported in one run as a ``ProtocolError``
/// (``ProtocolError/Code/invalidAutomation``), each with its line and column.
public enum AutomationDocument {
    public static func decode(yaml: String, file: String? = nil) throws -> AutomationRule {
        let root = try SurveyDocument.root(
            yaml: yaml, at: "rule", empty: "the document is empty; a rule needs id, campaign, entry and steps"
        ) { ProtocolError.invalidAutomation(file: file, problems: $0) }
        var reader = Reader()
        let rule = reader.rule(root)
        if let rule, reader.problems.isEmpty { return rule }
        throw ProtocolError.invalidAutomation(file: file, problems: SurveyDocument.ordered(reader.problems))
    }

    static let ruleKeys = ["id", "campaign", "name", "entry", "reentry", "steps"]
    static let entryKeys = ["group", "segment", "interaction"]
    static let stepKeys = ["id", "trigger", "window", "decision", "conditions", "actions"]
    static let triggerKeys = [
        "kind", "code", "question", "value", "field", "group", "event", "response", "at", "duration", "after",
    ]
    static let windowKeys = ["hours", "days"]
    static let decisionKeys = ["wait_for", "within", "yes", "no"]
    static let actionKeys = [
        "add_to_group", "remove_from_group", "engagement_points", "engagement_level", "add_to_list", "set_field",
        "do_not_contact", "webhook", "send_email",
    ]
    static let setFieldKeys = ["field", "value"]
    /// Trigger kinds and the keys each uses (besides `kind`), required ones first.
    static let triggerKinds: [(kind: String, required: [String], optional: [String])] = [
        ("result", ["code"], []), ("answer", ["question"], ["value"]), ("field", ["field"], []),
        ("group", ["group"], []), ("rsvp", [], ["event", "response"]), ("voted", [], []), ("donation", [], []),
        ("at", ["at"], []), ("delay", ["duration"], ["after"]),
    ]
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let channels = AutomationEffects.doNotContactField.keys.sorted()

    /// Parses `30m`, `12h`, `3d`, `2w` into milliseconds.
    public static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, let n = Int64(text.dropLast()), n > 0, text.first != "+" else { return nil }
        switch unit {
        case "m": return n * 60_000
        case "h": return n * 3_600_000
        case "d": return n * 86_400_000
        case "w": return n * 7 * 86_400_000
        default: return nil
        }
    }

    /// Parses `HH:MM-HH:MM` (end after start, `24:00` allowed as end) into minutes of the day.
    public static func hours(_ text: String) -> (start: Int, end: Int)? {
        func minute(_ s: Substring, end: Bool) -> Int? {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]),
                let m = Int(parts[1]), (0..<60).contains(m)
            else { return nil }
            guard h < 24 || (end && h == 24 && m == 0) else { return nil }
            return h * 60 + m
        }
        let halves = text.split(separator: "-", omittingEmptySubsequences: false)
        guard halves.count == 2, let s = minute(halves[0], end: false), let e = minute(halves[1], end: true), s < e
        else { return nil }
        return (s, e)
    }

    struct Reader {
        var problems: [ProtocolError.Problem] = []

        mutating func add(_ node: Node?, _ at: String, _ code: String, _ message: String, mark: Mark? = nil) {
            problems.append(
                .init(
                    Diagnostic(at: at, code: code, message), line: (mark ?? node?.mark)?.line,
                    column: (mark ?? node?.mark)?.column))
        }

        mutating func keys(_ node: Node, _ allowed: [String], at: String) {
            guard let mapping = node.mapping else { return }
            for (key, _) in mapping {
                guard let k = key.string, !allowed.contains(k) else { continue }
                let suggestion = SurveyDocument.closest(k, in: allowed).map { "did you mean '\($0)'? " } ?? ""
                add(
                    key, "\(at).\(k)", "unknown_key",
                    "unknown key '\(k)'; \(suggestion)valid keys here: \(allowed.joined(separator: ", "))")
            }
        }

        mutating func mapping(_ node: Node?, _ at: String, _ what: String, parent: Node) -> Node? {
            guard let node else {
                add(
                    parent, at, "missing",
                    "required key '\(at.split(separator: ".").last ?? "")' is missing; add \(what)")
                return nil
            }
            guard node.mapping != nil else {
                add(node, at, "bad_type", "expected a mapping here (\(what))")
                return nil
            }
            return node
        }

        mutating func text(_ node: Node?, _ at: String, parent: Node, required: Bool = true) -> String? {
            guard let node else {
                if required {
                    add(
                        parent, at, "missing",
                        "required key '\(at.split(separator: ".").last ?? "")' is missing; add it")
                }
                return nil
            }
            guard let s = node.scalar?.string, !s.isEmpty else {
                add(node, at, "bad_type", "expected text here")
                return nil
            }
            return s
        }

        mutating func rule(_ root: Node) -> AutomationRule? {
            guard let map = root.mapping else {
                add(
                    root, "rule", "bad_type",
                    "the document must be a mapping with keys \(ruleKeys.joined(separator: ", "))")
                return nil
            }
            keys(root, ruleKeys, at: "rule")
            let id = text(map["id"], "rule.id", parent: root)
            let campaign = text(map["campaign"], "rule.campaign", parent: root)
            let name = text(map["name"], "rule.name", parent: root, required: false) ?? id
            var reentry = false
            if let r = map["reentry"] {
                if let b = r.bool {
                    reentry = b
                } else {
                    add(r, "rule.reentry", "bad_type", "expected true or false here")
                }
            }
            let entry = self.entry(map["entry"], parent: root)
            var steps: [AutomationStep] = []
            var complete = true
            if let list = map["steps"] {
                if let seq = list.sequence, !seq.isEmpty {
                    var seen: Set<String> = []
                    for (i, s) in seq.enumerated() {
                        if let step = step(s, at: "rule.steps[\(i)]") {
                            if !seen.insert(step.id).inserted {
                                add(
                                    s.mapping?["id"], "rule.steps[\(i)].id", "duplicate",
                                    "step id '\(step.id)' is used twice; ids must be unique")
                            }
                            steps.append(step)
                        } else {
                            complete = false
                        }
                    }
                } else {
                    add(list, "rule.steps", "bad_type", "expected a non-empty list of steps")
                }
            } else {
                add(root, "rule.steps", "missing", "required key 'steps' is missing; add at least one step")
            }
            guard let id, let campaign, let entry, complete, !steps.isEmpty else { return nil }
            return AutomationRule(
                id: id, campaign: campaign, name: name ?? id, entry: entry, reentry: reentry, steps: steps)
        }

        mutating func entry(_ node: Node?, parent: Node) -> AutomationEntry? {
            guard let node = mapping(node, "rule.entry", "one of group, segment or interaction: any", parent: parent),
                let map = node.mapping
            else { return nil }
            keys(node, entryKeys, at: "rule.entry")
            let given = entryKeys.filter { map[$0] != nil }
            guard given.count == 1 else {
                add(
                    node, "rule.entry", "bad_entry",
                    "give exactly one of group, segment or interaction: any (found \(given.count))")
                return nil
            }
            switch given[0] {
            case "group": return text(map["group"], "rule.entry.group", parent: node).map { .group($0) }
            case "segment":
                guard let t = text(map["segment"], "rule.entry.segment", parent: node) else { return nil }
                return criteria(t, map["segment"]!, "rule.entry.segment").map { .segment($0) }
            default:
                guard map["interaction"]?.string == "any" else {
                    add(map["interaction"], "rule.entry.interaction", "bad_value", "the only value is 'any'")
                    return nil
                }
                return .anyInteraction
            }
        }

        mutating func criteria(_ text: String, _ node: Node, _ at: String) -> Criteria? {
            switch Criteria.parse(text) {
            case .valid(let c): return c
            case .invalid(let found):
                let quoted = node.scalar.map { $0.style == .singleQuoted || $0.style == .doubleQuoted } ?? false
                for p in found {
                    let mark = node.mark
                    problems.append(
                        .init(
                            Diagnostic(at: at, code: p.code, p.message), line: mark?.line,
                            column: mark.map { $0.column + p.column - 1 + (quoted ? 1 : 0) }))
                }
                return nil
            }
        }

        mutating func step(_ node: Node, at: String) -> AutomationStep? {
            guard let map = node.mapping else {
                add(node, at, "bad_type", "expected a mapping with keys \(stepKeys.joined(separator: ", "))")
                return nil
            }
            keys(node, stepKeys, at: at)
            let id = text(map["id"], "\(at).id", parent: node)
            let trigger = self.trigger(map["trigger"], at: "\(at).trigger", parent: node, contactOnly: false)
            var ok = true
            var window: AutomationWindow?
            if let w = map["window"] {
                window = self.window(w, at: "\(at).window")
                ok = ok && window != nil
            }
            var decision: AutomationDecision?
            if let d = map["decision"] {
                decision = self.decision(d, at: "\(at).decision")
                ok = ok && decision != nil
            }
            var conditions = Criteria.everyone
            if let c = map["conditions"] {
                if let t = text(c, "\(at).conditions", parent: node), let parsed = criteria(t, c, "\(at).conditions") {
                    conditions = parsed
                } else {
                    ok = false
                }
            }
            var actions: [AutomationAction] = []
            if let a = map["actions"] {
                if let list = self.actions(a, at: "\(at).actions") { actions = list } else { ok = false }
            }
            if map["actions"] == nil && map["decision"] == nil {
                add(node, at, "no_actions", "a step needs actions or a decision; add actions: [...]")
                ok = false
            }
            if map["actions"] != nil && map["decision"] != nil {
                add(
                    map["actions"], "\(at).actions", "actions_and_decision",
                    "a decision step runs its yes or no actions; move these into them")
                ok = false
            }
            guard ok, let id, let trigger else { return nil }
            return AutomationStep(
                id: id, trigger: trigger, window: window, decision: decision, conditions: conditions, actions: actions)
        }

        mutating func trigger(_ node: Node?, at: String, parent: Node, contactOnly: Bool) -> AutomationTrigger? {
            guard let node = mapping(node, at, "a trigger such as { kind: delay, duration: 3d }", parent: parent),
                let map = node.mapping
            else { return nil }
            keys(node, triggerKeys, at: at)
            let kinds = triggerKinds.filter { !contactOnly || !["at", "delay"].contains($0.kind) }
            let names = kinds.map(\.kind)
            guard let kindNode = map["kind"] else {
                add(
                    node, "\(at).kind", "missing",
                    "required key 'kind' is missing; valid kinds: \(names.joined(separator: ", "))")
                return nil
            }
            guard let kind = kindNode.string, let spec = kinds.first(where: { $0.kind == kind }) else {
                let k = kindNode.string ?? ""
                let suggestion = SurveyDocument.closest(k, in: names).map { "did you mean '\($0)'? " } ?? ""
                let extra =
                    contactOnly && ["at", "delay"].contains(k) ? "a decision waits for a contact's event; " : ""
                add(
                    kindNode, "\(at).kind", "bad_trigger",
                    "'\(k)' is not a trigger kind here; \(extra)\(suggestion)valid kinds: \(names.joined(separator: ", "))"
                )
                return nil
            }
            var ok = true
            for (key, _) in map {
                guard let k = key.string, k != "kind", triggerKeys.contains(k), !spec.required.contains(k),
                    !spec.optional.contains(k)
                else { continue }
                add(key, "\(at).\(k)", "unused_key", "'\(k)' is not used by a '\(kind)' trigger; remove it")
                ok = false
            }
            var values: [String: String] = [:]
            for k in spec.required {
                if let v = text(map[k], "\(at).\(k)", parent: node) { values[k] = v } else { ok = false }
            }
            for k in spec.optional where map[k] != nil {
                if let v = text(map[k], "\(at).\(k)", parent: node) { values[k] = v } else { ok = false }
            }
            guard ok else { return nil }
            switch kind {
            case "result": return .result(values["code"]!)
            case "answer": return .answer(question: values["question"]!, value: values["value"])
            case "field": return .fieldChange(values["field"]!)
            case "group": return .joinedGroup(values["group"]!)
            case "rsvp": return .rsvp(event: values["event"], answer: values["response"])
            case "voted": return .voted
            case "donation": return .donation
            case "at":
                let formatter = ISO8601DateFormatter()
                guard let date = formatter.date(from: values["at"]!) else {
                    add(
                        map["at"], "\(at).at", "bad_time",
                        "'\(values["at"]!)' is not a time; write it as 2026-11-03T09:00:00-05:00 (with its offset)")
                    return nil
                }
                return .at(Int64((date.timeIntervalSince1970 * 1000).rounded()))
            default:
                guard let ms = AutomationDocument.duration(values["duration"]!) else {
                    add(
                        map["duration"], "\(at).duration", "bad_duration",
                        "'\(values["duration"]!)' is not a duration; write a whole number and a unit: 30m, 12h, 3d or 2w"
                    )
                    return nil
                }
                switch values["after"] ?? "previous" {
                case "entry": return .delayAfterEntry(ms)
                case "previous": return .delayAfterPrevious(ms)
                case let other:
                    add(
                        map["after"], "\(at).after", "bad_value",
                        "'\(other)' is not valid here; after is entry or previous")
                    return nil
                }
            }
        }

        mutating func window(_ node: Node, at: String) -> AutomationWindow? {
            guard let map = node.mapping else {
                add(node, at, "bad_type", "expected a mapping such as { hours: \"09:00-17:00\", days: [mon, tue] }")
                return nil
            }
            keys(node, windowKeys, at: at)
            var ok = true
            var window = AutomationWindow()
            if let h = map["hours"] {
                if let t = h.string, let (s, e) = AutomationDocument.hours(t) {
                    window.start = s
                    window.end = e
                } else {
                    add(
                        h, "\(at).hours", "bad_window",
                        "'\(h.string ?? "")' is not a time range; write HH:MM-HH:MM with the end after the start, e.g. \"09:00-17:00\""
                    )
                    ok = false
                }
            }
            if let d = map["days"] {
                if let seq = d.sequence {
                    for item in seq {
                        let name = item.string?.lowercased() ?? ""
                        if let i = AutomationDocument.weekdays.firstIndex(of: name) {
                            window.weekdays.insert(i + 1)
                        } else {
                            let suggestion =
                                SurveyDocument.closest(name, in: AutomationDocument.weekdays).map {
                                    "did you mean '\($0)'? "
                                } ?? ""
                            add(
                                item, "\(at).days", "bad_weekday",
                                "'\(name)' is not a weekday; \(suggestion)valid days: \(AutomationDocument.weekdays.joined(separator: ", "))"
                            )
                            ok = false
                        }
                    }
                } else {
                    add(d, "\(at).days", "bad_type", "expected a list of weekdays such as [mon, tue]")
                    ok = false
                }
            }
            if map["hours"] == nil && map["days"] == nil {
                add(node, at, "bad_window", "a window needs hours, days or both")
                ok = false
            }
            return ok ? window : nil
        }

        mutating func decision(_ node: Node, at: String) -> AutomationDecision? {
            guard let map = node.mapping else {
                add(node, at, "bad_type", "expected a mapping with keys \(decisionKeys.joined(separator: ", "))")
                return nil
            }
            keys(node, decisionKeys, at: at)
            let awaiting = trigger(map["wait_for"], at: "\(at).wait_for", parent: node, contactOnly: true)
            var within: Int64?
            if let t = text(map["within"], "\(at).within", parent: node) {
                within = AutomationDocument.duration(t)
                if within == nil {
                    add(
                        map["within"], "\(at).within", "bad_duration",
                        "'\(t)' is not a duration; write a whole number and a unit: 30m, 12h, 3d or 2w")
                }
            }
            let yes = map["yes"].map { actions($0, at: "\(at).yes") } ?? []
            let no = map["no"].map { actions($0, at: "\(at).no") } ?? []
            if map["yes"] == nil && map["no"] == nil {
                add(node, at, "no_actions", "a decision needs a yes path, a no path or both")
            }
            guard let awaiting, let within, let yes, let no, map["yes"] != nil || map["no"] != nil else { return nil }
            return AutomationDecision(awaiting: awaiting, within: within, yes: yes, no: no)
        }

        mutating func actions(_ node: Node, at: String) -> [AutomationAction]? {
            guard let seq = node.sequence else {
                add(node, at, "bad_type", "expected a list of actions such as [{ add_to_group: volunteers }]")
                return nil
            }
            var out: [AutomationAction] = []
            var ok = true
            for (i, item) in seq.enumerated() {
                let here = "\(at)[\(i)]"
                guard let map = item.mapping, map.count == 1, let (keyNode, value) = map.first, let key = keyNode.string
                else {
                    add(
                        item, here, "bad_action",
                        "an action is one key and its value, e.g. { add_to_group: volunteers }; valid actions: \(actionKeys.joined(separator: ", "))"
                    )
                    ok = false
                    continue
                }
                guard actionKeys.contains(key) else {
                    keys(item, actionKeys, at: here)
                    ok = false
                    continue
                }
                if let action = action(key, value, at: "\(here).\(key)") { out.append(action) } else { ok = false }
            }
            return ok ? out : nil
        }

        mutating func action(_ key: String, _ value: Node, at: String) -> AutomationAction? {
            func int(_ range: ClosedRange<Int>) -> Int? {
                guard let n = value.int, range.contains(n) else {
                    add(
                        value, at, "bad_value",
                        "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
                    return nil
                }
                return n
            }
            switch key {
            case "engagement_points": return int(-100...100).map { .engagementPoints($0) }
            case "engagement_level": return int(1...5).map { .engagementLevel($0) }
            case "set_field":
                guard let map = value.mapping else {
                    add(value, at, "bad_type", "expected { field: NAME, value: VALUE }")
                    return nil
                }
                keys(value, setFieldKeys, at: at)
                let field = text(map["field"], "\(at).field", parent: value)
                let v = text(map["value"], "\(at).value", parent: value)
                guard let field, let v else { return nil }
                if let why = AutomationEffects.setFieldRefusal(field) {
                    add(map["field"], "\(at).field", "bad_value", why)
                    return nil
                }
                return .setField(field, v)
            default: break
            }
            guard let t = value.string, !t.isEmpty else {
                add(value, at, "bad_type", "expected text here")
                return nil
            }
            switch key {
            case "add_to_group": return .addToGroup(t)
            case "remove_from_group": return .removeFromGroup(t)
            case "add_to_list": return .addToList(t)
            case "send_email": return .sendEmail(t)
            case "do_not_contact":
                guard AutomationDocument.channels.contains(t) else {
                    add(
                        value, at, "bad_value",
                        "'\(t)' is not a channel; valid channels: \(AutomationDocument.channels.joined(separator: ", "))"
                    )
                    return nil
                }
                return .doNotContact(t)
            default:
                if let why = AutomationDocument.webhookURLProblem(t) {
                    add(value, at, "bad_url", why)
                    return nil
                }
                return .webhook(t)
            }
        }
    }
}

extension AutomationDocument {
    /// Why a webhook URL is refused, nil when it is fine: voter data leaves only over TLS, so a
    /// webhook is `https://`, or plain `http://` to this machine (127.0.0.0/8, ::1, localhost)
    /// for a receiver on loopback.
    public static func webhookURLProblem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { return "'\(text)' is not an http or https URL" }
        switch scheme {
        case "https": return nil
        case "http":
            let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if h == "localhost" || h == "::1" || h.hasPrefix("127.") { return nil }
            return
                "'\(text)' is plain http to another machine; a webhook carries voter data, so use https:// (plain http only to 127.0.0.1 or localhost)"
        default: return "'\(text)' is not an http or https URL"
        }
    }
}
