// What `canvass show PERSON` and `canvass history PERSON` show, derived from the records a
// replica holds: the contact's and household's registers, and the person's interactions. Pure
// values: the client reads the records, these decide what they mean, front ends print and
// encode them (the documented `--json` shapes, every key present, null when there is nothing).

/// One field as `show` prints it: the value readers see and, in a conflict, every value.
public struct FieldView: Sendable, Hashable, Encodable {
    public let name: String
    /// The display value; nil when the record does not hold the field.
    public let value: Value?
    public let conflict: Bool
    /// Every value in display order when the field is in conflict; empty otherwise.
    public let values: [Value]

    enum CodingKeys: String, CodingKey { case name, value, conflict, values }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(value ?? .null, forKey: .value)
        try c.encode(conflict, forKey: .conflict)
        try c.encode(values, forKey: .values)
    }

    /// Every field of a record: the schema's fields in schema order (absent ones with no value),
    /// then fields this client's schema does not know, by name. The tombstone is left out.
    static func all(of record: Record?, spec: CollectionSpec?) -> [FieldView] {
        let known = spec?.fields.map(\.name) ?? []
        let extra = (record?.fields.keys.filter { !known.contains($0) && !$0.hasPrefix("_") } ?? []).sorted()
        return (known + extra).map { name in
            let reg = record?.fields[name]
            let conflict = reg?.isConflict ?? false
            return FieldView(
                name: name, value: reg?.displayValue, conflict: conflict,
                values: conflict ? reg!.siblingsByDisplay.map(\.value) : [])
        }
    }
}

/// One interaction as `show` and `history` print it.
public struct InteractionView: Sendable, Hashable, Encodable {
    public let id: String
    public let channel: String?
    public let result: String?
    /// The result code's label in the interaction's survey, when known.
    public let resultLabel: String?
    public let answers: [String: Value]
    public let note: String?
    /// The recording device's clock, milliseconds since 1970.
    public let recordedAt: Int64?
    public let listID: String?
    public let surveyID: String?
    public let userID: String?
    /// Who recorded it: the user named by `user_id` when the directory knows them, else the device.
    public let writer: Writer?
    /// The interaction this one corrects (a correction made after the first was synced).
    public let corrects: String?
    /// The later interaction that corrects this one, if this replica holds it.
    public let correctedBy: String?

    enum CodingKeys: String, CodingKey {
        case id, channel, result, answers, note, corrects, user, device, replica
        case resultLabel = "result_label"
        case recordedAt = "recorded_at"
        case listID = "list_id"
        case surveyID = "survey_id"
        case userID = "user_id"
        case correctedBy = "corrected_by"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(channel, forKey: .channel)
        try c.encode(result, forKey: .result)
        try c.encode(resultLabel, forKey: .resultLabel)
        try c.encode(answers, forKey: .answers)
        try c.encode(note, forKey: .note)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(listID, forKey: .listID)
        try c.encode(surveyID, forKey: .surveyID)
        try c.encode(userID, forKey: .userID)
        try c.encode(writer?.user, forKey: .user)
        try c.encode(writer?.device, forKey: .device)
        try c.encode(writer?.replica.rawValue, forKey: .replica)
        try c.encode(corrects, forKey: .corrects)
        try c.encode(correctedBy, forKey: .correctedBy)
    }

    /// Who to name in a sentence: the user, else the device, else the replica id.
    public var who: String {
        writer.map { $0.isLocal ? "you" : ($0.user ?? $0.device ?? "device \($0.replica.rawValue)") } ?? "unknown"
    }

    /// Interactions newest first by the recording clock, then by id (the order `ListPerson`'s
    /// latest result uses), with corrections linked both ways.
    static func all(_ records: [Record], surveys: [String: Survey], directory: WriterDirectory) -> [InteractionView] {
        let live = records.filter { Record.exists($0) }
        let correctedBy = Canvassing.corrections(
            live.map { ($0.key.id, $0["corrects"]?.stringValue, $0["user_id"]?.stringValue) })
        return live.map { r in
            var answers: [String: Value] = [:]
            if case .object(let o)? = r["answers"] { answers = o }
            let surveyID = r["survey_id"]?.stringValue
            let result = r["result"]?.stringValue
            let userID = r["user_id"]?.stringValue
            var writer = r.fields["result"]?.displaySibling.map { directory.writer($0.dot.replica) }
            if let w = writer, let name = directory.userName(userID), w.user == nil {
                // The interaction names its user even where the directory has no device for it.
                writer = Writer(
                    replica: w.replica, device: w.device, userID: userID, user: name, isServer: w.isServer,
                    isLocal: w.isLocal)
            }
            return InteractionView(
                id: r.key.id, channel: r["channel"]?.stringValue, result: result,
                resultLabel: result.flatMap { code in surveyID.flatMap { surveys[$0]?.resultCode(code)?.label } },
                answers: answers, note: r["note"]?.stringValue, recordedAt: r["recorded_at"]?.intValue,
                listID: r["list_id"]?.stringValue, surveyID: surveyID, userID: userID, writer: writer,
                corrects: r["corrects"]?.stringValue, correctedBy: correctedBy[r.key.id])
        }.sorted { ($0.recordedAt ?? 0, $0.id) > ($1.recordedAt ?? 0, $1.id) }
    }
}

/// The latest answer to one question: from the newest interaction (not itself corrected) that
/// answered it.
public struct LatestAnswer: Sendable, Hashable, Encodable {
    public let question: String
    /// The question's text in the survey, when this replica holds it.
    public let text: String?
    public let value: Value
    /// The chosen option's label, when the answer is one option.
    public let label: String?
    public let recordedAt: Int64?
    public let who: String
    public let interaction: String
    public let listID: String?

    enum CodingKeys: String, CodingKey {
        case question, text, value, label, who, interaction
        case recordedAt = "recorded_at"
        case listID = "list_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(question, forKey: .question)
        try c.encode(text, forKey: .text)
        try c.encode(value, forKey: .value)
        try c.encode(label, forKey: .label)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(who, forKey: .who)
        try c.encode(interaction, forKey: .interaction)
        try c.encode(listID, forKey: .listID)
    }

    /// Text without leading and trailing white space (a YAML `>` block ends with a newline).
    static func trimmed(_ s: String) -> String {
        String(s.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Per question, the newest answer, ordered by question id.
    static func all(_ interactions: [InteractionView], surveys: [String: Survey]) -> [LatestAnswer] {
        var out: [String: LatestAnswer] = [:]
        for i in interactions where i.correctedBy == nil {
            for (q, v) in i.answers where out[q] == nil {
                let question = i.surveyID.flatMap { surveys[$0]?.question(q) }
                out[q] = LatestAnswer(
                    question: q, text: question.map { Self.trimmed($0.text) }, value: v,
                    label: v.stringValue.flatMap { s in question?.options.first { $0.value == s }?.label },
                    recordedAt: i.recordedAt, who: i.who, interaction: i.id, listID: i.listID)
            }
        }
        return out.keys.sorted().map { out[$0]! }
    }
}

/// A person's household as `show` prints it.
public struct HouseholdView: Sendable, Hashable, Encodable {
    public let id: String
    /// "12 Elm St, Apt 2, Columbus 43201", from the parts the record holds.
    public let address: String
    public let badAddress: Bool
    public let fields: [FieldView]

    enum CodingKeys: String, CodingKey {
        case id, address, fields
        case badAddress = "bad_address"
    }

    /// A household's address in one line, from the parts its record holds.
    public static func addressLine(_ v: [String: Value]) -> String {
        let number = v["street_number"]?.intValue.map {
            Address.house($0, suffix: v["number_suffix"]?.stringValue ?? "")
        }
        let street = [number, v["street_name"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: " ")
        let cityZip = [v["city"]?.stringValue, v["zip"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: " ")
        return [street, v["unit"]?.stringValue ?? "", cityZip].filter { !$0.isEmpty }.joined(separator: ", ")
    }
}

/// A contact with every field, their household, conflicts marked, and their latest answers.
public struct PersonView: Sendable, Hashable, Encodable {
    public let id: String
    public let name: String
    public let fields: [FieldView]
    public let household: HouseholdView?
    /// Conflicting fields, as `contacts.FIELD` or `households.FIELD`.
    public let conflicts: [String]
    public let latestAnswers: [LatestAnswer]
    /// The latest interaction (not itself corrected), if any.
    public let lastInteraction: InteractionView?
    public let interactionCount: Int

    enum CodingKeys: String, CodingKey {
        case id, name, fields, household, conflicts
        case latestAnswers = "latest_answers"
        case lastInteraction = "last_interaction"
        case interactionCount = "interactions"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(fields, forKey: .fields)
        try c.encode(household, forKey: .household)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(latestAnswers, forKey: .latestAnswers)
        try c.encode(lastInteraction, forKey: .lastInteraction)
        try c.encode(interactionCount, forKey: .interactionCount)
    }

    /// Who may see a person: a coordinator (or admin) sees every contact the replica holds; a
    /// canvasser only people on the lists they hold, even when the store keeps another record (one
    /// kept back from eviction with unsynced changes, say).
    public static func visible(role: Role, onLists: Bool) -> Bool { role >= .coordinator || onLists }

    /// A person's name from its parts.
    public static func name(_ v: [String: Value]) -> String {
        [v["first_name"], v["middle_name"], v["last_name"], v["suffix"]].compactMap { $0?.stringValue }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    public init(
        contact: Record, household: Record?, interactions: [Record], surveys: [String: Survey],
        directory: WriterDirectory, schema: Schema = CampaignSchema.standard
    ) {
        id = contact.key.id
        let values = contact.values
        name = Self.name(values)
        fields = FieldView.all(of: contact, spec: schema.collections["contacts"])
        if let household {
            let hv = household.values
            self.household = HouseholdView(
                id: household.key.id, address: HouseholdView.addressLine(hv),
                badAddress: hv["bad_address"] == .bool(true),
                fields: FieldView.all(of: household, spec: schema.collections["households"]))
        } else {
            self.household = nil
        }
        conflicts =
            contact.conflicts.map { "contacts.\($0.field)" }
            + (household?.conflicts.map { "households.\($0.field)" } ?? [])
        let views = InteractionView.all(interactions, surveys: surveys, directory: directory)
        latestAnswers = LatestAnswer.all(views, surveys: surveys)
        lastInteraction = views.first { $0.correctedBy == nil }
        interactionCount = views.count
    }
}
