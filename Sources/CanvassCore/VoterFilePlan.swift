/// What a store already holds, as importing matches against it: its contacts and households,
/// with their display values.
public struct VoterFileIndex: Sendable {
    var contacts: [String: [String: Value]] = [:]
    var households: [String: [String: Value]] = [:]
    var byVoterID: [String: String] = [:]
    /// Name key + "@" + household key → contact id.
    var byNameAndAddress: [String: String] = [:]
    /// Household key → household id.
    var byAddress: [String: String] = [:]

    public init() {}

    /// - Parameters:
    ///   - contacts: every existing contact, `(id, values)`.
    ///   - households: every existing household, `(id, values)`.
    public init(contacts: [(id: String, values: [String: Value])], households: [(id: String, values: [String: Value])])
    {
        for (id, h) in households {
            self.households[id] = h
            if let key = Self.householdKey(h) {
                // Deterministic when two stored households share an address: the smallest id.
                if let held = byAddress[key], held < id { continue }
                byAddress[key] = id
            }
        }
        var addressOf: [String: String] = [:]
        for (key, id) in byAddress { addressOf[id] = key }
        for (id, c) in contacts {
            self.contacts[id] = c
            if let v = c["voter_id"]?.stringValue, !v.isEmpty {
                if let held = byVoterID[v], held < id { continue }
                byVoterID[v] = id
            }
            if let hid = c["household_id"]?.stringValue,
                let key = addressOf[hid] ?? self.households[hid].flatMap(Self.householdKey)
            {
                let k = Self.nameKey(c) + "@" + key
                if let held = byNameAndAddress[k], held < id { continue }
                byNameAndAddress[k] = id
            }
        }
    }

    static func nameKey(_ c: [String: Value]) -> String {
        ["first_name", "last_name", "suffix"].map { VoterFileRules.letters(c[$0]?.stringValue ?? "") }
            .joined(separator: "|")
    }

    /// The household key of a stored household, read back through the same address rules.
    static func householdKey(_ h: [String: Value]) -> String? {
        guard let n = h["street_number"]?.intValue, let street = h["street_name"]?.stringValue else { return nil }
        guard
            let a = Address.parse(
                number: String(n), numberSuffix: h["number_suffix"]?.stringValue ?? "", street: street,
                unit: h["unit"]?.stringValue ?? ""
            ).address
        else { return nil }
        return VoterFileRules.householdKey(a, zip: h["zip"]?.stringValue ?? "", city: h["city"]?.stringValue ?? "")
    }
}

/// What importing a file into a campaign changes: which people and households are created or
/// updated, and the writes that do it. Pure, so a dry run and a real import agree, and a second
/// import of the same file finds everything unchanged.
///
/// Matching: a person matches the contact with the same voter id; without a voter id (or when
/// no contact has it), the contact with the same name (first, last, suffix, without case or
/// punctuation) at the same household address, unless that contact has another voter id. A
/// household matches by address (`Address.key` and zip). A file's `household_id` column is used
/// as given. New records get ids derived from what identifies them (`c-` and the voter id, else
/// a hash of name and address; `h-` and a hash of the address), so two coordinators importing
/// the same file offline create the same records, which merge instead of doubling.
///
/// Updating: only fields whose value differs are written; text that differs only in case
/// ("SMITH" for "Smith") is not a change. Fields canvassers correct at the door (phone, email,
/// do-not-contact flags, …) are only filled when empty, so a stale file never undoes a field
/// correction. Vote history only grows (the elections already known are kept). An empty cell
/// never clears a field, and nothing is deleted.
public struct VoterFilePlan: Sendable {
    public struct Counts: Sendable, Hashable, Codable {
        public var created = 0
        public var updated = 0
        public var unchanged = 0

        public init() {}
    }

    /// A person of the file with the records they became.
    public struct Placed: Sendable, Hashable {
        public let line: Int
        public let contactID: String
        public let householdID: String
        public let person: VoterFilePerson
    }

    public var people = Counts()
    public var households = Counts()
    /// Rows that repeat a person of an earlier row (same voter id, or same name and address):
    /// skipped, each a warning naming the earlier line.
    public var duplicates: [Diagnostic] = []
    /// Households first, then contacts; only the fields that change.
    public var writes: [(key: RecordKey, values: [String: Value])] = []
    /// Every person kept, in file order.
    public var placed: [Placed] = []

    /// Plans the import of `people` (the good rows, in file order) into `campaign` (nil: the
    /// records name no campaign).
    public init(
        people rows: [VoterFilePerson], campaign: String?, existing: VoterFileIndex,
        schema: Schema = CampaignSchema.standard
    ) {
        let fieldEditable: (String, String) -> Bool = { collection, field in
            (schema.collections[collection]?.field(field)?.writableBy ?? .coordinator) <= .canvasser
        }
        var editable: [String: Set<String>] = [:]
        for c in ["contacts", "households"] {
            editable[c] = Set((schema.collections[c]?.fields ?? []).map(\.name).filter { fieldEditable(c, $0) })
        }
        var householdWrites: [(key: RecordKey, values: [String: Value])] = []
        var contactWrites: [(key: RecordKey, values: [String: Value])] = []
        var householdOf: [String: String] = [:]  // household key → id, for this file
        var seenHouseholds: Set<String> = []
        var firstLine: [String: Int] = [:]  // contact id → line
        var index = existing
        for p in rows {
            let key = p.householdKey
            let hid = p.householdID ?? householdOf[key] ?? index.byAddress[key] ?? "h-" + Self.hash(key)
            householdOf[key] = householdOf[key] ?? hid
            let nameAt = p.nameKey + "@" + key
            var cid: String
            if let v = p.voterID, let id = index.byVoterID[v] {
                cid = id
            } else if let id = index.byNameAndAddress[nameAt],
                p.voterID == nil
                    || (index.contacts[id]?["voter_id"]?.stringValue).map({ $0.isEmpty || $0 == p.voterID })
                        ?? true
            {
                cid = id
            } else {
                cid = p.voterID.map { "c-" + $0 } ?? "c-" + Self.hash(nameAt)
            }
            if let earlier = firstLine[cid] {
                duplicates.append(
                    Diagnostic(
                        .warning, at: "line \(p.line)", code: "duplicate",
                        "the same person as line \(earlier) (\(p.voterID.map { "voter id \($0)" } ?? "same name and address")); skipped"
                    ))
                continue
            }
            firstLine[cid] = p.line
            if seenHouseholds.insert(hid).inserted {
                var values = p.household
                if let campaign { values["campaign_id"] = .string(campaign) }
                let old = index.households[hid]
                let change = Self.changes(values, over: old, editable: editable["households"] ?? [])
                Self.count(&households, old: old, change: change)
                if !change.isEmpty { householdWrites.append((RecordKey("households", hid), change)) }
                if old == nil {
                    index.households[hid] = values
                    index.byAddress[key] = index.byAddress[key] ?? hid
                }
            }
            var values = p.contact
            values["household_id"] = .string(hid)
            if let campaign { values["campaign_id"] = .string(campaign) }
            let old = index.contacts[cid]
            let change = Self.changes(values, over: old, editable: editable["contacts"] ?? [])
            Self.count(&people, old: old, change: change)
            if !change.isEmpty { contactWrites.append((RecordKey("contacts", cid), change)) }
            if old == nil {
                index.contacts[cid] = values
                if let v = p.voterID { index.byVoterID[v] = cid }
                index.byNameAndAddress[nameAt] = index.byNameAndAddress[nameAt] ?? cid
            }
            placed.append(Placed(line: p.line, contactID: cid, householdID: hid, person: p))
        }
        writes = householdWrites + contactWrites
    }

    private static func count(_ counts: inout Counts, old: [String: Value]?, change: [String: Value]) {
        if old == nil {
            counts.created += 1
        } else if change.isEmpty {
            counts.unchanged += 1
        } else {
            counts.updated += 1
        }
    }

    /// The fields of `new` that would change `old` (see the type's rules).
    static func changes(_ new: [String: Value], over old: [String: Value]?, editable: Set<String>) -> [String: Value] {
        guard let old else { return new }
        var out: [String: Value] = [:]
        for (name, var value) in new {
            let current = old[name] ?? .null
            if name == "vote_history", let had = current.stringValue, let got = value.stringValue {
                // History only grows: a file with this year's columns keeps the older elections.
                value = .string(ElectionCode.merged(had, got))
            }
            if current == value { continue }
            if let a = current.stringValue, let b = value.stringValue, a.lowercased() == b.lowercased() { continue }
            if editable.contains(name) && !current.isNull && current != .string("") { continue }

            out[name] = value
        }
        return out
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable id from text on every platform and run.
    public static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
