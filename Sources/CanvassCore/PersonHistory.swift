/// One line of a person's history: an interaction, or a write to their contact or household
/// record whose values the record still holds.
public struct HistoryEntry: Sendable, Hashable, Encodable {
    public enum Kind: String, Sendable, Encodable { case interaction, change }

    public let kind: Kind
    /// The writer's clock, milliseconds since 1970 (an interaction's `recorded_at`).
    public let at: Int64?
    public let writer: Writer?
    /// The writer in words: the user's name, the device's name, "you", "the server".
    public let who: String
    public let interaction: InteractionView?
    /// For a change: the record written, as `collection/id`.
    public let record: String?
    /// For a change: the fields that write set and the record still holds from it. One write
    /// operation (one dot) may set several fields at once.
    public let fields: [String: Value]
    /// For a change: those of its fields now in conflict with a concurrent write.
    public let conflicts: [String]
    /// For a change: the record was deleted (or restored) by this write.
    public let deleted: Bool?

    enum CodingKeys: String, CodingKey {
        case kind, at, who, interaction, record, fields, conflicts, deleted, user, device, replica
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(at, forKey: .at)
        try c.encode(who, forKey: .who)
        try c.encode(writer?.user, forKey: .user)
        try c.encode(writer?.device, forKey: .device)
        try c.encode(writer?.replica.rawValue, forKey: .replica)
        try c.encode(interaction, forKey: .interaction)
        try c.encode(record, forKey: .record)
        try c.encode(fields, forKey: .fields)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(deleted, forKey: .deleted)
    }
}

/// Writes to a field that the record has seen but no longer holds: replaced by a later write,
/// their values not kept (a replica keeps states, not a log).
public struct ReplacedWrites: Sendable, Hashable, Encodable {
    public let record: String
    public let field: String
    public let writer: Writer
    public let who: String
    /// The writer's counter the field's context covers: its writes up to here were seen.
    public let upTo: UInt64

    enum CodingKeys: String, CodingKey {
        case record, field, who, user, device, replica
        case upTo = "up_to"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record, forKey: .record)
        try c.encode(field, forKey: .field)
        try c.encode(who, forKey: .who)
        try c.encode(writer.user, forKey: .user)
        try c.encode(writer.device, forKey: .device)
        try c.encode(writer.replica.rawValue, forKey: .replica)
        try c.encode(upTo, forKey: .upTo)
    }
}

/// What a replica can tell of a person's past, newest first.
///
/// A replica keeps record states, not a log of changes (SYNC.md, "Concepts"). So the history is:
/// - every interaction it holds (write-once records: complete for the lists it holds);
/// - for the contact and household records, each write whose value is still held (a sibling),
///   grouped by the write operation (one dot) that set them, with its writer and clock;
/// - per field, the writers of earlier writes that were replaced: the field's context proves
///   they happened and who made them, but not their values or times.
public struct PersonHistory: Sendable, Hashable, Encodable {
    public let id: String
    public let name: String
    public let entries: [HistoryEntry]
    public let replaced: [ReplacedWrites]

    enum CodingKeys: String, CodingKey { case id, name, entries, replaced }

    public init(
        contact: Record, household: Record?, interactions: [Record], surveys: [String: Survey],
        directory: WriterDirectory
    ) {
        id = contact.key.id
        name = PersonView.name(contact.values)
        var entries: [(entry: HistoryEntry, order: (Int64, Int, Dot?, String))] = []
        for view in InteractionView.all(interactions, surveys: surveys, directory: directory) {
            let e = HistoryEntry(
                kind: .interaction, at: view.recordedAt, writer: view.writer, who: view.who, interaction: view,
                record: nil, fields: [:], conflicts: [], deleted: nil)
            entries.append((e, (view.recordedAt ?? 0, 0, nil, view.id)))
        }
        var replaced: [ReplacedWrites] = []
        for record in [contact, household].compactMap({ $0 }) {
            var byDot: [Dot: (wallclock: Int64, fields: [String: Value], conflicts: [String], deleted: Bool?)] = [:]
            for (name, reg) in record.fields {
                let holders = Set(reg.siblings.map(\.dot.replica))
                for s in reg.siblings {
                    var g = byDot[s.dot] ?? (s.wallclock, [:], [], nil)
                    if name == Record.deletedField {
                        g.deleted = s.value == .bool(true)
                    } else {
                        g.fields[name] = s.value
                        if reg.isConflict { g.conflicts.append(name) }
                    }
                    g.wallclock = max(g.wallclock, s.wallclock)
                    byDot[s.dot] = g
                }
                if name == Record.deletedField { continue }
                for e in reg.context.entries where !holders.contains(e.replica) {
                    let w = directory.writer(e.replica)
                    replaced.append(
                        ReplacedWrites(record: "\(record.key)", field: name, writer: w, who: w.label, upTo: e.counter))
                }
            }
            for (dot, g) in byDot {
                let w = directory.writer(dot.replica)
                let e = HistoryEntry(
                    kind: .change, at: g.wallclock, writer: w, who: w.label, interaction: nil, record: "\(record.key)",
                    fields: g.fields, conflicts: g.conflicts.sorted(), deleted: g.deleted)
                entries.append((e, (g.wallclock, 1, dot, "\(record.key)")))
            }
        }
        // Newest first by the writers' clocks; at one instant, a result's effects (written after
        // the interaction, in the same transaction) above the interaction.
        self.entries = entries.sorted { a, b in
            let (x, y) = (a.order, b.order)
            if x.0 != y.0 { return x.0 > y.0 }
            if x.1 != y.1 { return x.1 > y.1 }
            if let p = x.2, let q = y.2, p != q { return q < p }
            return x.3 > y.3
        }.map(\.entry)
        self.replaced = replaced.sorted {
            ($0.record, $0.field, $0.writer.replica) < ($1.record, $1.field, $1.writer.replica)
        }
    }
}
