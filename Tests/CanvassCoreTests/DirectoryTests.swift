import CanvassCore
import Testing

/// The account directory: what the server mirrors, who may manage which accounts, how a name
/// finds a user, and that no push may write the directory.
@Suite struct DirectoryTests {
    static let ann = User(id: "u-ann", name: "Ann", role: .canvasser, createdAt: 1)
    static let kim = User(id: "u-kim", name: "Kim", role: .coordinator, createdAt: 1)
    static let laptop = Device(
        replica: ReplicaID("dA"), userID: "u-ann", userName: "Ann", role: .canvasser, name: "laptop", createdAt: 2,
        lastSeen: nil, revokedAt: nil)

    @Test func mirroringWritesOnlyWhatDiffers() {
        let server = ReplicaID("srv-1")
        let first = Directory.writes(users: [Self.ann, Self.kim], devices: [Self.laptop], server: server, current: [:])
        #expect(
            first.map { "\($0.key)" } == ["devices/dA", "devices/srv-1", "users/u-ann", "users/u-kim"],
            "every account and the server itself")
        #expect(first[0].values == ["user_id": "u-ann", "name": "laptop", "revoked": false])
        #expect(
            first[1].values == ["name": "server", "revoked": false], "no user_id: null is what a missing field reads as"
        )
        #expect(first[2].values == ["name": "Ann", "role": "canvasser"])
        // Once applied, mirroring again writes nothing (a missing field counts as null).
        var current: [RecordKey: [String: Value]] = [:]
        for w in first { current[w.key] = w.values.filter { $0.value != .null } }
        #expect(
            Directory.writes(users: [Self.ann, Self.kim], devices: [Self.laptop], server: server, current: current)
                .isEmpty)
        // A revocation writes just the flag.
        let revoked = Device(
            replica: ReplicaID("dA"), userID: "u-ann", userName: "Ann", role: .canvasser, name: "laptop", createdAt: 2,
            lastSeen: nil, revokedAt: 9)
        let next = Directory.writes(users: [Self.ann, Self.kim], devices: [revoked], server: server, current: current)
        #expect(next.count == 1 && next[0].key == RecordKey("devices", "dA") && next[0].values == ["revoked": true])
    }

    @Test func coordinatorsManageUpToTheirOwnRoleAndCanvassersNone() {
        let table: [(Role, Role, Bool)] = [
            (.canvasser, .canvasser, false), (.coordinator, .canvasser, true), (.coordinator, .coordinator, true),
            (.coordinator, .admin, false), (.admin, .admin, true), (.admin, .canvasser, true),
        ]
        for (actor, target, allowed) in table {
            #expect(Directory.mayManage(actor, target) == allowed, "\(actor) managing \(target)")
        }
        #expect(!Directory.mayManageAccounts(.canvasser) && Directory.mayManageAccounts(.coordinator))
    }

    @Test func aUserIsFoundByIdThenNameThenUnambiguousCase() {
        let entries = Directory.entries([
            RecordValues(key: RecordKey("users", "u-1"), values: ["name": "Maria Lopez", "role": "canvasser"]),
            RecordValues(key: RecordKey("users", "u-2"), values: ["name": "Sam", "role": "canvasser"]),
            RecordValues(key: RecordKey("users", "u-3"), values: ["name": "SAM", "role": "coordinator"]),
            RecordValues(key: RecordKey("users", "u-4"), values: ["name": "Gone", Record.deletedField: true]),
        ])
        #expect(entries.map(\.id) == ["u-1", "u-3", "u-2"], "live users by name")
        #expect(Directory.find("u-2", in: entries)?.name == "Sam")
        #expect(Directory.find("SAM", in: entries)?.id == "u-3")
        #expect(Directory.find("maria lopez", in: entries)?.id == "u-1")
        #expect(Directory.find("sam", in: entries) == nil, "two users fold to 'sam': ambiguous")
        #expect(Directory.find("Gone", in: entries) == nil)
    }

    /// No role may create or change directory records by push: they are the server's alone.
    @Test func noPushMayWriteTheDirectory() {
        let schema = CampaignSchema.standard
        for role in Role.allCases {
            for collection in [Directory.users, Directory.devices] {
                var record = Record(key: RecordKey(collection, "x"))
                record.fields["name"] = Register.delta(
                    writing: .string("Mallory"), at: Dot(ReplicaID("dM"), 1), wallclock: 1, over: Register())
                let check = schema.check(
                    record, at: "records[0]", role: role, author: ReplicaID("dM"), unknown: .reject, existing: nil)
                #expect(
                    check.problems.contains { $0.code == "forbidden" && $0.location == "records[0]" },
                    "\(role) \(collection)")
            }
        }
        var assignment = Record(key: RecordKey("assignments", "l@u"))
        assignment.fields["list_id"] = Register.delta(
            writing: .string("l"), at: Dot(ReplicaID("dK"), 1), wallclock: 1, over: Register())
        #expect(
            schema.check(
                assignment, at: "r", role: .coordinator, author: ReplicaID("dK"), unknown: .reject, existing: nil
            )
            .problems.isEmpty, "other collections are unchanged")
    }
}
