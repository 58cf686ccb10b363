/// Who stands behind a replica, as far as this replica's directory knows: the device's name and
/// its user. Unknown parts stay nil and the replica id is shown instead.
public struct Writer: Sendable, Hashable, Codable {
    public let replica: ReplicaID
    public let device: String?
    public let userID: String?
    public let user: String?
    /// The server's own replica (imports and admin commands write as the server).
    public let isServer: Bool
    /// This replica: the device the story is read on.
    public let isLocal: Bool

    public init(
        replica: ReplicaID, device: String? = nil, userID: String? = nil, user: String? = nil, isServer: Bool = false,
        isLocal: Bool = false
    ) {
        (self.replica, self.device, self.userID, self.user) = (replica, device, userID, user)
        (self.isServer, self.isLocal) = (isServer, isLocal)
    }

    /// How a sentence names this writer: "you", "the server", the user's name, the device's
    /// name, or "device ID" when the directory does not know the replica.
    public var label: String {
        if isLocal { return "you" }
        if isServer { return "the server" }
        return user ?? device ?? "device \(replica.rawValue)"
    }

    /// The label with the device added, to tell apart one user's two devices.
    var labelWithDevice: String {
        if isLocal || isServer { return label }
        guard let user else { return label }
        return "\(user) (\(device ?? "device \(replica.rawValue)"))"
    }
}

/// The names behind replica and user ids: the `users` and `devices` a coordinator pulls, plus
/// what the session knows (this replica, its user, the server's replica). A canvasser's
/// directory is mostly empty, and stories then name devices by id.
public struct WriterDirectory: Sendable, Hashable {
    public struct DeviceEntry: Sendable, Hashable {
        public let name: String?
        public let userID: String?

        public init(name: String?, userID: String?) {
            self.name = name
            self.userID = userID
        }
    }

    public var devices: [ReplicaID: DeviceEntry]
    public var users: [String: String]
    public var server: ReplicaID?
    public var local: ReplicaID?

    public init(
        devices: [ReplicaID: DeviceEntry] = [:], users: [String: String] = [:], server: ReplicaID? = nil,
        local: ReplicaID? = nil
    ) {
        (self.devices, self.users, self.server, self.local) = (devices, users, server, local)
    }

    /// The writer of a replica's dots.
    public func writer(_ replica: ReplicaID) -> Writer {
        let device = devices[replica]
        return Writer(
            replica: replica, device: device?.name, userID: device?.userID,
            user: device?.userID.flatMap { users[$0] }, isServer: replica == server, isLocal: replica == local)
    }

    /// A user's name by id, when known.
    public func userName(_ id: String?) -> String? { id.flatMap { users[$0] } }
}

/// The story behind one conflicting field, derived from the register alone: every value with
/// who wrote it and when (by the writer's clock), and what each writer had seen.
///
/// What a register can tell, and what it cannot (SYNC.md, "Registers"):
/// - The siblings that survive a merge are pairwise concurrent. A write whose context covered
///   another sibling's dot would have replaced it, and merge drops a sibling that the other
///   side's context covers and does not hold. So for every pair it is certain that neither
///   writer's device had seen the other's value when writing. That is the story's main line.
/// - The register's context also covers writes that no sibling holds any more: they were
///   replaced. Every such write was seen by at least one of the surviving writers (contexts only
///   grow along a chain of replacing writes, and the chain ends at a survivor), but the merged
///   context cannot tell which of them, and the replaced values are not kept.
/// - Wall clocks only order the display value. They are the devices' own clocks and may be
///   wrong; causality never depends on them.
public struct ConflictStory: Sendable, Hashable {
    /// One value of the field.
    public struct Entry: Sendable, Hashable {
        /// 1-based, in display order: the number `resolve --keep` takes.
        public let number: Int
        public let sibling: Sibling
        public let writer: Writer
        /// This value is what readers see until the conflict is resolved.
        public let shown: Bool
        /// The writer deleted the record (this sibling is the `null` a delete writes).
        public let deletedRecord: Bool
    }

    /// What one writer had not seen: the numbers of the other values.
    public struct NotSeen: Sendable, Hashable {
        public let writer: Int
        public let others: [Int]
    }

    /// Writes the register has seen that no value holds any more, per replica, up to a counter.
    public struct Replaced: Sendable, Hashable {
        public let writer: Writer
        public let upTo: UInt64
    }

    public let key: RecordKey
    public let field: String
    public let entries: [Entry]
    public let notSeen: [NotSeen]
    public let replaced: [Replaced]
    /// The story in sentences, in order: one per value, then the clocks, then replaced writes.
    public let sentences: [String]

    /// The story of a conflict.
    /// - Parameters:
    ///   - deletions: the dots of the record's `_deleted` register that hold `true`: a sibling
    ///     with one of these dots is the `null` a delete wrote, not a cleared field.
    ///   - directory: names for replicas and users.
    ///   - time: formats a wall clock (milliseconds since 1970) for sentences; the core reads no
    ///     clock and formats no date.
    public init(
        _ conflict: Conflict, deletions: Set<Dot> = [], directory: WriterDirectory, time: (Int64) -> String
    ) {
        key = conflict.key
        field = conflict.field
        let siblings = conflict.siblings
        let writers = siblings.map { directory.writer($0.dot.replica) }
        // One user behind two devices: name the device too, or the sentences read as nonsense.
        let labels = writers.map { w in
            writers.contains { $0.replica != w.replica && $0.label == w.label } ? w.labelWithDevice : w.label
        }
        let entries = siblings.enumerated().map { i, s in
            Entry(
                number: i + 1, sibling: s, writer: writers[i], shown: i == 0,
                deletedRecord: s.value.isNull && deletions.contains(s.dot))
        }

        self.entries = entries
        var notSeen: [NotSeen] = []
        var sentences: [String] = []
        for (i, e) in entries.enumerated() {
            let others = entries.indices.filter { j in
                j != i && !Self.sawEarlier(e.sibling.dot, other: entries[j].sibling.dot)
            }
            notSeen.append(NotSeen(writer: e.number, others: others.map { entries[$0].number }))
            let own = entries.indices.filter { j in
                j != i && Self.sawEarlier(e.sibling.dot, other: entries[j].sibling.dot)
            }
            var sentence = "\(Self.capitalized(labels[i])) \(Self.act(e, field: field))"
            if !others.isEmpty {
                sentence +=
                    " without having seen "
                    + Self.alternatives(others.map { Self.seenPhrase(entries[$0], label: labels[$0]) })
            }
            sentences.append(sentence + ".")
            if !own.isEmpty {
                // Only forged or corrupt input keeps two values of one device: its later write
                // covered the earlier one.
                sentences.append(
                    "\(Self.capitalized(Self.possessive(labels[i]))) device also holds value \(own.map { "#\(entries[$0].number)" }.joined(separator: ", ")) from an earlier write of its own, which an honest device replaces; resolve to keep one."
                )
            }
        }
        self.notSeen = notSeen

        if let first = entries.first {
            let clocks = entries.map { "\(labels[$0.number - 1]) \(time($0.sibling.wallclock))" }
            sentences.append(
                "Clocks, each device's own (they can be wrong): \(clocks.joined(separator: ", ")). Readers see \(Self.shownPhrase(first, label: labels[0])), the latest by those clocks, until someone resolves."
            )
        }

        let holders = Set(siblings.map(\.dot.replica))
        let replaced = conflict.context.entries.filter { !holders.contains($0.replica) }.map {
            Replaced(writer: directory.writer($0.replica), upTo: $0.counter)
        }
        self.replaced = replaced
        if !replaced.isEmpty {
            var seen: Set<String> = []
            let who = Self.conjunction(replaced.map(\.writer.label).filter { seen.insert($0).inserted }, "and")
            let survivors = Self.conjunction(Array(Set(labels)).sorted(), "or")
            sentences.append(
                "Earlier writes by \(who) were replaced: each was seen by \(survivors) (this replica cannot tell which), and their values are not kept."
            )
        }
        self.sentences = sentences
    }

    /// Whether a write at `dot` had seen an `other` write of the same register. For surviving
    /// siblings only the same device's earlier write can have been seen: its writes to a register
    /// are sequential. Writes of two devices that both survive are concurrent by construction.
    static func sawEarlier(_ dot: Dot, other: Dot) -> Bool {
        dot.replica == other.replica && other.counter < dot.counter
    }

    /// "set phone to 555-0101", "cleared phone", "deleted the record".
    static func act(_ e: Entry, field: String) -> String {
        if e.deletedRecord { return "deleted the record" }
        if e.sibling.value.isNull { return "cleared \(field)" }
        return "set \(field) to \(e.sibling.value.description)"
    }

    /// How a value is named as something not seen: "Ben's 555-0199", "that Ben cleared it".
    static func seenPhrase(_ e: Entry, label: String) -> String {
        if e.deletedRecord { return "that \(label) deleted the record" }
        if e.sibling.value.isNull { return "that \(label) cleared it" }
        return "\(possessive(label)) \(e.sibling.value.description)"
    }

    /// How the displayed value is named: "Ben's 555-0199", "Ben's deletion".
    static func shownPhrase(_ e: Entry, label: String) -> String {
        if e.deletedRecord { return "\(possessive(label)) deletion" }
        if e.sibling.value.isNull { return "\(possessive(label)) empty value" }
        return "\(possessive(label)) \(e.sibling.value.description)"
    }

    static func possessive(_ label: String) -> String { label == "you" ? "your" : "\(label)'s" }

    static func alternatives(_ items: [String]) -> String { conjunction(items, "or") }

    static func conjunction(_ items: [String], _ word: String) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        case 2: return "\(items[0]) \(word) \(items[1])"
        default: return items.dropLast().joined(separator: ", ") + ", \(word) \(items.last!)"
        }
    }

    /// A label at the start of a sentence: this code's own phrases ("you", "the server",
    /// "device r9") are capitalized; people's and devices' names are shown as written.
    static func capitalized(_ s: String) -> String {
        guard let first = s.first, ["you", "your", "the server", "device "].contains(where: s.hasPrefix) else {
            return s
        }
        return first.uppercased() + s.dropFirst()
    }
}
