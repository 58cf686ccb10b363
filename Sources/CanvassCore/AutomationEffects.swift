/// What a firing's actions write and send (issue 12): one pure function the server's engine
/// runs inside the transaction that stores the firing, and `simulate` shows without writing.
public enum AutomationEffects {
    public struct Outcome: Sendable, Hashable {
        public var writes: [AutomationWrite] = []
        public var deliveries: [AutomationDelivery] = []
        /// Actions that could not be carried out, and why (an email to a person without an address).
        public var notes: [String] = []
    }

    /// The writes and deliveries of `actions` for `person`, fired as `firing` (its log id) at `now`.
    /// - Parameters:
    ///   - rule: the rule's id and name, for webhook bodies and engagement history.
    ///   - schema: gives `set_field` its field's kind; a value that does not fit is a note, not a write.
    public static func apply(
        _ actions: [AutomationAction], person: PersonFacts, campaign: String, rule: AutomationRule,
        firing: AutomationFiringKey, path: String?, now: Int64, schema: Schema = CampaignSchema.standard
    ) -> Outcome {
        var out = Outcome()
        let contact = RecordKey("contacts", person.id)
        let firingID = firing.description
        // Two `engagement_points` actions in one firing add up (each reads the total so far).
        var points = person.contact["engagement_points"]?.intValue ?? 0
        for (n, action) in actions.enumerated() {
            switch action {
            case .addToGroup(let g):
                out.writes.append(
                    AutomationWrite(
                        RecordKey("group_members", "\(g)@\(person.id)"),
                        ["group_id": .string(g), "contact_id": .string(person.id), Record.deletedField: .bool(false)]))
            case .removeFromGroup(let g):
                out.writes.append(
                    AutomationWrite(RecordKey("group_members", "\(g)@\(person.id)"), [Record.deletedField: .bool(true)])
                )
            case .engagementPoints(let delta):
                points += Int64(delta)
                out.writes.append(AutomationWrite(contact, ["engagement_points": .int(points)]))
            case .engagementLevel(let level):
                let previous = person.contact["engagement_level"]?.intValue
                guard previous != Int64(level) else {
                    out.notes.append("engagement level already \(level)")
                    continue
                }
                out.writes.append(AutomationWrite(contact, ["engagement_level": .int(Int64(level))]))
                var change: [String: Value] = [
                    "contact_id": .string(person.id), "campaign_id": .string(campaign), "level": .int(Int64(level)),
                    "rule": .string("automation:\(rule.id)"),
                    "reason": .string("automation rule '\(rule.name)', step \(firing.step)"), "changed_at": .int(now),
                    "user_id": .string("automation"),
                ]
                if let previous { change["previous_level"] = .int(previous) }
                out.writes.append(AutomationWrite(RecordKey("engagement_changes", "\(firingID)#\(n)"), change))
            case .addToList(let list):
                var item: [String: Value] = [
                    "list_id": .string(list), "contact_id": .string(person.id), Record.deletedField: .bool(false),
                ]
                if let h = person.householdID { item["household_id"] = .string(h) }
                out.writes.append(AutomationWrite(RecordKey("list_items", "\(list)-\(person.id)"), item))
            case .setField(let field, let text):
                if let why = setFieldRefusal(field, schema: schema) {
                    out.notes.append("set_field \(field): \(why)")
                    continue
                }
                guard let spec = schema.collections["contacts"]?.field(field), let value = fieldValue(text, spec) else {
                    out.notes.append("set_field \(field): '\(text)' does not fit the contact field")
                    continue
                }
                out.writes.append(AutomationWrite(contact, [field: value]))
            case .doNotContact(let channel):
                guard let field = doNotContactField[channel] else {
                    out.notes.append("do_not_contact: unknown channel '\(channel)'")
                    continue
                }
                out.writes.append(AutomationWrite(contact, [field: .bool(true)]))
            case .webhook(let url):
                var body: [String: Value] = [
                    "delivery": .string("\(firingID)#\(n)"), "rule": .string(rule.id), "rule_name": .string(rule.name),
                    "campaign": .string(campaign), "person": .string(person.id),
                    "rotation": .int(Int64(firing.rotation)),
                    "step": .string(firing.step), "fired_at": .int(now),
                ]
                if let path { body["path"] = .string(path) }
                out.deliveries.append(
                    AutomationDelivery(
                        id: "\(firingID)#\(n)", kind: .webhook, target: url, campaign: campaign, contact: person.id,
                        firing: firingID, payload: .object(body)))
            case .sendEmail(let mailing):
                switch MailingRecipients.address(person.contact) {
                case .success(let address):
                    out.deliveries.append(
                        AutomationDelivery(
                            id: "\(firingID)#\(n)", kind: .email, target: address, campaign: campaign,
                            contact: person.id, mailing: mailing, firing: firingID))
                case .failure(let why):
                    out.notes.append("send_email \(mailing): \(why.reason)")
                }
            }
        }
        return out
    }

    /// Why a rule may not `set_field` this contact field, nil when it may. A rule may not undo
    /// what a person or a canvasser said about contacting them (`do_not_*`: an unsubscribe is one),
    /// nor mark someone deceased or moved, nor re-point a reference (the campaign, the household):
    /// `do_not_contact` sets the first, coordinators the rest by hand.
    public static func setFieldRefusal(_ field: String, schema: Schema = CampaignSchema.standard) -> String? {
        guard let spec = schema.collections["contacts"]?.field(field) else {
            return "'\(field)' is not a contact field"
        }
        if field.hasPrefix("do_not_") {
            return
                "a rule may not change '\(field)' (use do_not_contact to set it; only people and coordinators clear it)"
        }
        if ["deceased", "moved"].contains(field) { return "a rule may not change '\(field)'; a coordinator sets it" }
        if spec.kind == .reference { return "a rule may not re-point '\(field)'" }
        return nil
    }

    /// The contact field `do_not_contact: CHANNEL` sets.
    public static let doNotContactField: [String: String] = [
        "all": "do_not_contact", "phone": "do_not_call", "door": "do_not_knock", "email": "do_not_email",
    ]

    /// `text` as a value of the field's kind, nil when it does not fit.
    static func fieldValue(_ text: String, _ spec: FieldSpec) -> Value? {
        let value: Value
        switch spec.kind {
        case .integer, .timestamp:
            guard let n = Int64(text) else { return nil }
            value = .int(n)
        case .number:
            guard let d = Double(text) else { return nil }
            value = .double(d)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes": value = .bool(true)
            case "false", "no": value = .bool(false)
            default: return nil
            }
        default: value = .string(text)
        }
        if let options = spec.options, case .string(let s) = value, !options.contains(s) { return nil }
        if let max = spec.maxLength, case .string(let s) = value, s.count > max { return nil }
        if let min = spec.minimum, let n = value.intValue, Double(n) < min { return nil }
        if let max = spec.maximum, let n = value.intValue, Double(n) > max { return nil }
        return value
    }
}

/// Who a campaign email may go to: a person with an address who has not unsubscribed
/// (`do_not_email`) and is not marked do-not-contact, deceased or moved.
public enum MailingRecipients {
    public struct Refusal: Error, Sendable, Hashable {
        public var reason: String
    }

    public static func address(_ contact: [String: Value]) -> Result<String, Refusal> {
        if contact["do_not_email"] == .bool(true) { return .failure(Refusal(reason: "unsubscribed from email")) }
        if contact["do_not_contact"] == .bool(true) { return .failure(Refusal(reason: "marked do not contact")) }
        if contact["deceased"] == .bool(true) { return .failure(Refusal(reason: "deceased")) }
        if contact["moved"] == .bool(true) { return .failure(Refusal(reason: "moved away")) }
        guard let email = contact["email"]?.stringValue?.trimmingSpaces, isAddress(email) else {
            return .failure(Refusal(reason: "no email address"))
        }
        return .success(email)
    }

    /// A plausible single address: one `@`, a dot in the domain, no spaces, quotes, angle
    /// brackets or line breaks (so it cannot inject a header).
    public static func isAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), s.utf8.count <= 254 else { return false }
        return !s.contains { $0.isWhitespace || "<>\"',;\\()[]".contains($0) || $0.asciiValue.map { $0 < 32 } ?? false }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
