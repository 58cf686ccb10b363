/// The account directory a coordinator reads offline (SYNC.md, "Standard collections"): the
/// server mirrors its users into `users` and its devices into `devices`, written only by its own
/// replica whenever an account changes. Coordinators and admins pull them with the rest of the
/// feed; they are outside every canvasser's scope, and no push may create or change them
/// (`CollectionSpec.serverOnly`).
///
/// A record's dots name the replica that wrote it; `devices/{replica}` names that device and its
/// `user_id`, and `users/{id}` names the user: "who wrote this" without a connection.
public enum Directory {
    public static let users = "users"
    public static let devices = "devices"

    /// `users/{id}`: `name`, `role`.
    public static func record(_ user: User) -> (key: RecordKey, values: [String: Value]) {
        (RecordKey(users, user.id), ["name": .string(user.name), "role": .string(user.role.rawValue)])
    }

    /// `devices/{replica}`: `user_id`, `name` (null when the device gave none), `revoked`.
    public static func record(_ device: Device) -> (key: RecordKey, values: [String: Value]) {
        (
            RecordKey(devices, device.replica.rawValue),
            [
                "user_id": .string(device.userID), "name": device.name.map(Value.string) ?? .null,
                "revoked": .bool(device.revokedAt != nil),
            ]
        )
    }

    /// `devices/{server replica}`: the server's own replica (imports, admin commands, the
    /// directory itself), named `server`, with no `user_id`.
    public static func serverRecord(_ replica: ReplicaID) -> (key: RecordKey, values: [String: Value]) {
        (RecordKey(devices, replica.rawValue), ["name": .string("server"), "user_id": .null, "revoked": .bool(false)])
    }

    /// The writes that bring the mirrored records in line with the accounts: for each record,
    /// only the fields whose display value differs (a missing field counts as null). Nothing
    /// when the mirror is current, so mirroring again writes nothing.
    ///
    /// - Parameter current: the display values of the `users` and `devices` records held now.
    public static func writes(
        users: [User], devices: [Device], server: ReplicaID, current: [RecordKey: [String: Value]]
    ) -> [(key: RecordKey, values: [String: Value])] {
        let wanted = users.map(record) + devices.map(record) + [serverRecord(server)]
        var out: [(key: RecordKey, values: [String: Value])] = []
        for (key, values) in wanted.sorted(by: { ($0.key.collection, $0.key.id) < ($1.key.collection, $1.key.id) }) {
            let held = current[key] ?? [:]
            let changed = values.filter { (held[$0.key] ?? .null) != $0.value }
            if !changed.isEmpty { out.append((key, changed)) }
        }
        return out
    }

    // MARK: who manages accounts

    /// Whether a role may manage accounts at all (add users, issue codes, list devices, share
    /// lists): coordinators and admins.
    public static func mayManageAccounts(_ role: Role) -> Bool { role >= .coordinator }

    /// Whether `actor` may add a user of role `target`, or issue a login code for one: up to its
    /// own role. A coordinator adds canvassers and coordinators; only an admin adds an admin,
    /// since a code for an admin logs in as that admin.
    public static func mayManage(_ actor: Role, _ target: Role) -> Bool {
        mayManageAccounts(actor) && target <= actor
    }

    /// A user as the directory holds them.
    public struct Entry: Sendable, Hashable, Codable {
        public let id: String
        public let name: String
        public let role: String

        public init(id: String, name: String, role: String) {
            self.id = id
            self.name = name
            self.role = role
        }
    }

    /// The users of a directory, by name: live `users` records with a name.
    public static func entries(_ records: some Sequence<RecordValues>) -> [Entry] {
        records.filter { $0.key.collection == users && $0.exists }.compactMap { r in
            guard let name = r["name"]?.stringValue else { return nil }
            return Entry(id: r.key.id, name: name, role: r["role"]?.stringValue ?? "")
        }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// The user `nameOrID` names: an exact id, else an exact name, else the one name that matches
    /// without regard to case. Nil when none does, or when the case-blind match is ambiguous.
    public static func find(_ nameOrID: String, in entries: [Entry]) -> Entry? {
        if let e = entries.first(where: { $0.id == nameOrID }) { return e }
        if let e = entries.first(where: { $0.name == nameOrID }) { return e }
        let folded = entries.filter { $0.name.lowercased() == nameOrID.lowercased() }
        return folded.count == 1 ? folded[0] : nil
    }
}
