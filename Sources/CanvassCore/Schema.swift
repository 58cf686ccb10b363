/// Who is acting. Higher roles may do everything lower roles may.
public enum Role: String, Codable, CaseIterable, Sendable, Comparable {
    case canvasser, coordinator, admin

    private var rank: Int {
        switch self {
        case .canvasser: return 0
        case .coordinator: return 1
        case .admin: return 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// A problem found while checking input, with where it is. Validation returns every problem it
/// finds, never just the first.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Codable, Sendable { case error, warning }

    public let severity: Severity
    /// A path into the input, e.g. `records[3].fields.phone.siblings[0]`.
    public let location: String
    /// A stable machine-readable code, e.g. `unknown_option`.
    public let code: String
    public let message: String

    public init(_ severity: Severity = .error, at location: String, code: String, _ message: String) {
        self.severity = severity
        self.location = location
        self.code = code
        self.message = message
    }

    public var description: String { "\(severity.rawValue): \(location): \(message) [\(code)]" }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
}

/// What a field holds.
public enum FieldKind: String, Codable, Sendable, CaseIterable {
    case string  // one line, trimmed length ≤ maxLength
    case text  // free text, may span lines
    case integer
    case number  // integer or floating point
    case boolean
    case date  // YYYY-MM-DD
    case timestamp  // milliseconds since 1970, integer
    case choice  // one of `options`
    case choices  // array of distinct `options`
    case reference  // id of a record in `target`
    case json  // any JSON value (answers, definitions)
}

/// One field of a collection.
public struct FieldSpec: Codable, Sendable, Hashable {
    public var name: String
    public var kind: FieldKind
    public var options: [String]?
    public var maxLength: Int?
    public var minimum: Double?
    public var maximum: Double?
    /// For `reference`: the collection the id points into.
    public var target: String?
    /// The lowest role that may write this field.
    public var writableBy: Role

    public init(
        _ name: String, _ kind: FieldKind, options: [String]? = nil, maxLength: Int? = nil,
        minimum: Double? = nil, maximum: Double? = nil, target: String? = nil, writableBy: Role = .coordinator
    ) {
        self.name = name
        self.kind = kind
        self.options = options
        self.maxLength = maxLength
        self.minimum = minimum
        self.maximum = maximum
        self.target = target
        self.writableBy = writableBy
    }
}

/// One collection: its fields and who may create, write and delete its records.
public struct CollectionSpec: Codable, Sendable, Hashable {
    public var name: String
    public var fields: [FieldSpec]
    /// The lowest role that may create or delete records.
    public var creatableBy: Role
    public var deletableBy: Role
    /// Records written once by their creator and never changed (interactions).
    public var writeOnce: Bool
    /// Records only the server's own replica writes (the account directory): no push by any
    /// role may create, change or delete them.
    public var serverOnly: Bool

    public init(
        name: String, fields: [FieldSpec], creatableBy: Role, deletableBy: Role = .coordinator, writeOnce: Bool = false,
        serverOnly: Bool = false
    ) {
        self.name = name
        self.fields = fields
        self.creatableBy = creatableBy
        self.deletableBy = deletableBy
        self.writeOnce = writeOnce
        self.serverOnly = serverOnly
    }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

/// The collections a store knows, their fields, types, allowed values and write rights.
public struct Schema: Sendable, Hashable {
    public static let maxStringBytes = 4096
    public static let maxJSONBytes = 65_536
    public static let maxIDBytes = 128

    public var collections: [String: CollectionSpec]

    public init(_ collections: [CollectionSpec]) {
        self.collections = Dictionary(uniqueKeysWithValues: collections.map { ($0.name, $0) })
    }

    /// What to do with collections and fields this schema does not know.
    public enum UnknownPolicy: Sendable {
        /// Keep and pass on unchanged (clients: a newer server may know more).
        case keep
        /// Refuse (the server, which is the authority on its own schema).
        case reject
    }

    /// Checks a change set and returns every problem.
    ///
    /// Each record is judged by its **effect** on `existing` (see `check(_:at:role:author:unknown:existing:)`).
    /// - Parameters:
    ///   - author: when set, this is a push from that device: every new dot must carry it, and a
    ///     context may claim only what the receiving store already holds (see `check`).
    ///   - existing: the current state of a record, if any.
    public func validate(
        _ changeSet: ChangeSet, role: Role, author: ReplicaID? = nil, unknown: UnknownPolicy = .keep,
        existing: (RecordKey) -> Record? = { _ in nil }
    ) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var seenKeys: Set<RecordKey> = []
        for (i, record) in changeSet.records.enumerated() {
            let at = "records[\(i)]"
            if !seenKeys.insert(record.key).inserted {
                out.append(
                    Diagnostic(at: at, code: "duplicate_record", "record \(record.key) appears twice in one change set")
                )
            }
            out +=
                check(record, at: at, role: role, author: author, unknown: unknown, existing: existing(record.key))
                .problems
        }
        return out
    }

    /// What merging one pushed record into a store's state would do, and every problem with it.
    public struct RecordCheck: Sendable {
        public var problems: [Diagnostic]
        /// The fields whose registers the merge would change (siblings added or removed, or the
        /// context widened). Empty for a repeated or stale push, which changes nothing.
        public var changedFields: [String]
        /// The record as it would be after the merge.
        public var merged: Record

        /// Whether accepting it would change the store at all.
        public var changes: Bool { !changedFields.isEmpty }
    }

    /// Judges one record by its effect on `existing`, the store's current state.
    ///
    /// The record is merged into `existing` field by field, and every field whose register the
    /// merge would change is judged in full, whether it adds a value, removes one (a context that
    /// covers it) or only widens the context: the role must be allowed to write the field (or
    /// `_deleted`), a write-once record cannot change after creation, every added sibling is
    /// checked against the field's kind and, with `author`, must carry the author's dot. A record
    /// the merge would not change is accepted without further checks, so repeating a push is
    /// harmless even after rights changed. Field names are checked either way.
    ///
    /// With `author` set (a push), a context is held to what the device can have seen — the store
    /// is the only place a device learns about other replicas' writes to a register:
    /// - for every replica other than `author`, the pushed register's context may not exceed the
    ///   context of the store's own register for that field (`bad_context`);
    /// - a pushed register may remove a sibling the store holds only by carrying a new sibling
    ///   of its own that replaces it (`bad_context`). An honest device always does: it drops a
    ///   value it was sent only by writing over it. So no push can leave a register empty.
    public func check(
        _ record: Record, at: String, role: Role, author: ReplicaID?, unknown: UnknownPolicy, existing: Record?
    ) -> RecordCheck {
        var out: [Diagnostic] = []
        var changed: [String] = []
        var merged = existing ?? Record(key: record.key)
        let key = record.key
        if key.id.isEmpty || key.id.utf8.count > Schema.maxIDBytes || key.id.contains(where: \.isNewline) {
            out.append(
                Diagnostic(at: "\(at).id", code: "bad_id", "record id must be 1–\(Schema.maxIDBytes) bytes on one line")
            )
        }
        let spec = collections[key.collection]
        if spec == nil && unknown == .reject {
            let known = collections.keys.sorted().joined(separator: ", ")
            out.append(
                Diagnostic(
                    at: "\(at).collection", code: "unknown_collection",
                    "unknown collection '\(key.collection)'; known: \(known)"))
        }
        let isNewRecord = existing == nil || existing!.fields.values.allSatisfy { $0.siblings.isEmpty }
        for name in record.fields.keys.sorted() {
            let reg = record.fields[name]!
            let fat = "\(at).fields.\(name)"
            let old = existing?.fields[name] ?? Register()
            let after = old.merging(reg)
            merged.fields[name] = after
            guard let spec else { if after != old { changed.append(name) }; continue }
            // The name must exist, whether or not anything changes.
            let field = spec.field(name)
            if name != Record.deletedField {
                if name.hasPrefix("_") {
                    out.append(
                        Diagnostic(
                            at: fat, code: "reserved_field",
                            "field names starting with '_' are reserved; only _deleted is defined"))
                } else if field == nil && unknown == .reject {
                    let known = spec.fields.map(\.name).joined(separator: ", ")
                    out.append(
                        Diagnostic(
                            at: fat, code: "unknown_field", "\(key.collection) has no field '\(name)'; known: \(known)")
                    )
                }
            }
            for (j, s) in reg.siblings.enumerated() {
                if let held = old.siblings.first(where: { $0.dot == s.dot }), held != s {
                    out.append(
                        Diagnostic(
                            at: "\(fat).siblings[\(j)]", code: "dot_conflict",
                            "dot \(s.dot) is already held with different content; dots are never reused"))
                }
            }
            if let author {
                for e in reg.context.entries where e.replica != author && e.counter > old.context[e.replica] {
                    let seen = old.context[e.replica]
                    out.append(
                        Diagnostic(
                            at: "\(fat).context", code: "bad_context",
                            "context claims \(e.replica):\(e.counter), but the server has seen \(seen == 0 ? "no write" : "writes up to \(e.replica):\(seen)") of \(e.replica) to this field"
                        ))
                }
            }
            if after == old { continue }
            changed.append(name)
            let added = reg.siblings.enumerated().filter { after.holds($0.element.dot) && !old.holds($0.element.dot) }
            let removed = old.siblings.filter { !after.holds($0.dot) }
            if author != nil && !removed.isEmpty && !added.contains(where: { $0.element.dot.replica == author }) {
                let dots = removed.map { "\($0.dot)" }.joined(separator: ", ")
                out.append(
                    Diagnostic(
                        at: "\(fat).context", code: "bad_context",
                        "context covers \(dots), which the server holds, but the register carries no new value of its own to replace it; a write always leaves a value"
                    ))
            } else if after.siblings.isEmpty {
                // Only a register without siblings can leave one; the wire refuses those whole.
                out.append(
                    Diagnostic(
                        at: fat, code: "empty_register",
                        "a register holds at least one sibling; a write always leaves a value"))
            }
            if let author {
                for (j, s) in added where s.dot.replica != author {
                    out.append(
                        Diagnostic(
                            at: "\(fat).siblings[\(j)]", code: "foreign_dot",
                            "new value carries dot \(s.dot), but this device may only mint dots of \(author)"))
                }
            }
            if spec.writeOnce && !isNewRecord && name != Record.deletedField {
                out.append(
                    Diagnostic(
                        at: fat, code: "write_once",
                        "\(key.collection) records are written once by their creator and cannot be changed"))
                continue
            }
            if name == Record.deletedField {
                if role < spec.deletableBy {
                    out.append(
                        Diagnostic(
                            at: fat, code: "forbidden",
                            "role \(role.rawValue) may not delete \(key.collection) records (needs \(spec.deletableBy.rawValue))"
                        ))
                }
                for (j, s) in added where s.value.boolValue == nil {
                    out.append(
                        Diagnostic(
                            at: "\(fat).siblings[\(j)].value", code: "bad_type", "_deleted must be true or false"))
                }
                continue
            }
            guard let field else { continue }
            if role < field.writableBy {
                out.append(
                    Diagnostic(
                        at: fat, code: "forbidden",
                        "role \(role.rawValue) may not write \(key.collection).\(name) (needs \(field.writableBy.rawValue))"
                    ))
            }
            for (j, s) in added where !s.value.isNull {
                // A delete clears fields to null; null is always a valid value.
                out.append(contentsOf: field.check(s.value, at: "\(fat).siblings[\(j)].value"))
            }
        }
        if let spec, spec.serverOnly, !changed.isEmpty {
            out.append(
                Diagnostic(
                    at: at, code: "forbidden",
                    "\(key.collection) records are written only by the server (the account directory); no device may create or change them"
                ))
        }
        if let spec, isNewRecord, !changed.isEmpty {
            if role < spec.creatableBy {
                out.append(
                    Diagnostic(
                        at: at, code: "forbidden",
                        "role \(role.rawValue) may not create \(key.collection) records (needs \(spec.creatableBy.rawValue))"
                    ))
            }
            if spec.writeOnce && author != nil {
                // Created in one operation: one value per field, every one at the same dot.
                let dots = Set(
                    record.fields.filter { $0.key != Record.deletedField }.values.flatMap { $0.siblings.map(\.dot) })
                let single = record.fields.allSatisfy { $0.key == Record.deletedField || $0.value.siblings.count == 1 }
                if dots.count > 1 || !single {
                    out.append(
                        Diagnostic(
                            at: at, code: "write_once",
                            "a new \(key.collection) record is written in one operation: every field holds one value, all at the same dot"
                        ))
                }
            }
        }
        return RecordCheck(problems: out, changedFields: changed, merged: merged)
    }
}

extension FieldSpec {
    /// Checks one value against this field's kind, options and bounds.
    public func check(_ value: Value, at: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func bad(_ code: String, _ message: String) { out.append(Diagnostic(at: at, code: code, message)) }
        let limit = maxLength ?? Schema.maxStringBytes
        switch kind {
        case .string, .text:
            guard let s = value.stringValue else { bad("bad_type", "\(name) must be a string"); break }
            if s.utf8.count > limit { bad("too_long", "\(name) is \(s.utf8.count) bytes; at most \(limit)") }
            if kind == .string && s.contains(where: \.isNewline) { bad("bad_value", "\(name) must be one line") }
        case .integer:
            guard let i = value.intValue else { bad("bad_type", "\(name) must be an integer"); break }
            checkRange(Double(i), bad)
        case .number:
            guard let d = value.doubleValue, d.isFinite else {
                bad("bad_type", "\(name) must be a finite number"); break
            }
            checkRange(d, bad)
        case .boolean:
            if value.boolValue == nil { bad("bad_type", "\(name) must be true or false") }
        case .date:
            guard let s = value.stringValue, isISODate(s) else {
                bad("bad_type", "\(name) must be a date YYYY-MM-DD"); break
            }
        case .timestamp:
            guard let i = value.intValue, i >= 0 else {
                bad("bad_type", "\(name) must be milliseconds since 1970"); break
            }
        case .choice:
            guard let s = value.stringValue else {
                bad("bad_type", "\(name) must be one of: \((options ?? []).joined(separator: ", "))"); break
            }
            if let options, !options.contains(s) {
                bad("unknown_option", "'\(s)' is not a valid \(name); valid: \(options.joined(separator: ", "))")
            }
        case .choices:
            guard case .array(let items) = value else { bad("bad_type", "\(name) must be a list of options"); break }
            var seen: Set<String> = []
            for item in items {
                guard let s = item.stringValue else { bad("bad_type", "\(name) items must be strings"); continue }
                if let options, !options.contains(s) {
                    bad("unknown_option", "'\(s)' is not a valid \(name); valid: \(options.joined(separator: ", "))")
                }
                if !seen.insert(s).inserted { bad("duplicate_option", "'\(s)' appears twice in \(name)") }
            }
        case .reference:
            guard let s = value.stringValue, !s.isEmpty, s.utf8.count <= Schema.maxIDBytes else {
                bad("bad_type", "\(name) must be a record id"); break
            }
        case .json:
            if value.approximateSize > (maxLength ?? Schema.maxJSONBytes) {
                bad("too_long", "\(name) is larger than \(maxLength ?? Schema.maxJSONBytes) bytes")
            }
        }
        return out
    }

    private func checkRange(_ d: Double, _ bad: (String, String) -> Void) {
        if let minimum, d < minimum { bad("out_of_range", "\(name) must be ≥ \(minimum.formatted)") }
        if let maximum, d > maximum { bad("out_of_range", "\(name) must be ≤ \(maximum.formatted)") }
    }

    private func isISODate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return false }
        return y >= 1800 && (1...12).contains(m) && (1...31).contains(d)
    }
}

extension Double {
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : description }
}

extension Value {
    /// Roughly the size of the value's JSON text, for limits.
    public var approximateSize: Int {
        switch self {
        case .null, .bool: return 5
        case .int, .double: return 20
        case .string(let s): return s.utf8.count + 2
        case .array(let a): return a.reduce(2) { $0 + $1.approximateSize + 1 }
        case .object(let o): return o.reduce(2) { $0 + $1.key.utf8.count + 4 + $1.value.approximateSize }
        }
    }
}
