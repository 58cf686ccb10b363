import CanvassCore
import CanvassTestSupport
import Testing

/// The story behind a conflict, as a table of registers and the sentences they must give, plus a
/// check against a simulation's ledger that every claim a story makes is true of the writes
/// that really happened.
struct ConflictStoryTests {
    static let ana = ReplicaID("dAna")
    static let ben = ReplicaID("dBen")
    static let ana2 = ReplicaID("dAna2")
    static let server = ReplicaID("srv")
    static let key = RecordKey("contacts", "c-1")

    static let directory = WriterDirectory(
        devices: [
            ana: .init(name: "ana-laptop", userID: "u-ana"), ben: .init(name: "ben-phone", userID: "u-ben"),
            ana2: .init(name: "ana-tablet", userID: "u-ana"), server: .init(name: "server", userID: nil),
        ],
        users: ["u-ana": "Ana", "u-ben": "Ben"], server: server)

    /// Hours and minutes from a clock in minutes, so sentences are exact.
    static func time(_ ms: Int64) -> String { "t\(ms)" }

    struct Case {
        let name: String
        let siblings: [Sibling]
        var context: VersionVector? = nil
        var deletions: Set<Dot> = []
        var directory = ConflictStoryTests.directory
        let sentences: [String]
    }

    static func s(_ r: ReplicaID, _ n: UInt64, _ t: Int64, _ v: Value) -> Sibling {
        Sibling(dot: Dot(r, n), wallclock: t, value: v)
    }

    static let cases: [Case] = [
        Case(
            name: "two devices, the issue's example",
            siblings: [s(ana, 5, 100, "555-0101"), s(ben, 9, 200, "555-0199")],
            sentences: [
                "Ben set phone to 555-0199 without having seen Ana's 555-0101.",
                "Ana set phone to 555-0101 without having seen Ben's 555-0199.",
                "Clocks, each device's own (they can be wrong): Ben t200, Ana t100. Readers see Ben's 555-0199, the latest by those clocks, until someone resolves.",
            ]),
        Case(
            name: "earlier writes replaced: the import both edited over",
            siblings: [s(ana, 5, 300, "555-0101"), s(ben, 9, 200, "555-0199")],
            context: VersionVector([ana: 5, ben: 9, server: 3]),
            sentences: [
                "Ana set phone to 555-0101 without having seen Ben's 555-0199.",
                "Ben set phone to 555-0199 without having seen Ana's 555-0101.",
                "Clocks, each device's own (they can be wrong): Ana t300, Ben t200. Readers see Ana's 555-0101, the latest by those clocks, until someone resolves.",
                "Earlier writes by the server were replaced: each was seen by Ana or Ben (this replica cannot tell which), and their values are not kept.",
            ]),
        Case(
            name: "this device is one writer",
            siblings: [s(ana, 5, 100, "555-0101"), s(ben, 9, 200, "555-0199")],
            directory: WriterDirectory(devices: directory.devices, users: directory.users, server: server, local: ana),
            sentences: [
                "Ben set phone to 555-0199 without having seen your 555-0101.",
                "You set phone to 555-0101 without having seen Ben's 555-0199.",
                "Clocks, each device's own (they can be wrong): Ben t200, you t100. Readers see Ben's 555-0199, the latest by those clocks, until someone resolves.",
            ]),
        Case(
            name: "a delete against an edit",
            siblings: [s(ana, 5, 100, "555-0101"), s(ben, 9, 200, nil)],
            deletions: [Dot(ben, 9)],
            sentences: [
                "Ben deleted the record without having seen Ana's 555-0101.",
                "Ana set phone to 555-0101 without having seen that Ben deleted the record.",
                "Clocks, each device's own (they can be wrong): Ben t200, Ana t100. Readers see Ben's deletion, the latest by those clocks, until someone resolves.",
            ]),
        Case(
            name: "a cleared field is not a delete",
            siblings: [s(ana, 5, 300, "555-0101"), s(ben, 9, 200, nil)],
            sentences: [
                "Ana set phone to 555-0101 without having seen that Ben cleared it.",
                "Ben cleared phone without having seen Ana's 555-0101.",
                "Clocks, each device's own (they can be wrong): Ana t300, Ben t200. Readers see Ana's 555-0101, the latest by those clocks, until someone resolves.",
            ]),
        Case(
            name: "one user on two devices is told apart by device",
            siblings: [s(ana, 5, 100, "555-0101"), s(ana2, 2, 200, "555-0102")],
            sentences: [
                "Ana (ana-tablet) set phone to 555-0102 without having seen Ana (ana-laptop)'s 555-0101.",
                "Ana (ana-laptop) set phone to 555-0101 without having seen Ana (ana-tablet)'s 555-0102.",
                "Clocks, each device's own (they can be wrong): Ana (ana-tablet) t200, Ana (ana-laptop) t100. Readers see Ana (ana-tablet)'s 555-0102, the latest by those clocks, until someone resolves.",
            ]),
        Case(
            name: "three writers, one unknown to the directory",
            siblings: [s(ana, 5, 100, "a"), s(ben, 9, 200, "b"), s(ReplicaID("r9"), 1, 300, "c")],
            sentences: [
                "Device r9 set phone to c without having seen Ben's b or Ana's a.",
                "Ben set phone to b without having seen device r9's c or Ana's a.",
                "Ana set phone to a without having seen device r9's c or Ben's b.",
                "Clocks, each device's own (they can be wrong): device r9 t300, Ben t200, Ana t100. Readers see device r9's c, the latest by those clocks, until someone resolves.",
            ]),
    ]

    @Test(arguments: cases.indices) func sentences(_ i: Int) {
        let c = Self.cases[i]
        let conflict = Conflict(
            key: Self.key, field: "phone", register: Register(siblings: c.siblings, context: c.context),
            recordDeleted: !c.deletions.isEmpty)
        let story = ConflictStory(conflict, deletions: c.deletions, directory: c.directory, time: Self.time)
        #expect(story.sentences == c.sentences, "\(c.name)")
        #expect(story.entries.first?.shown == true && story.entries.dropFirst().allSatisfy { !$0.shown })
        #expect(story.entries.map(\.number) == Array(1...c.siblings.count), "numbers are resolve's --keep")
        for n in story.notSeen {
            #expect(Set(n.others) == Set(1...c.siblings.count).subtracting([n.writer]), "\(c.name): \(n)")
        }
    }

    @Test func writersAreNamedFromTheDirectory() {
        let w = Self.directory.writer(Self.ben)
        #expect(w.user == "Ben" && w.device == "ben-phone" && w.userID == "u-ben" && w.label == "Ben")
        #expect(Self.directory.writer(Self.server).label == "the server")
        #expect(Self.directory.writer(ReplicaID("zz")).label == "device zz")
        let deviceOnly = WriterDirectory(devices: [Self.ben: .init(name: "kiosk", userID: "u-gone")])
        #expect(deviceOnly.writer(Self.ben).label == "kiosk", "a device whose user the directory lacks")
    }

    /// Every story told of a converged simulation is true of the writes that happened: each
    /// writer's shipped context did not cover the values it is said not to have seen, and every
    /// replaced write the story names was covered by at least one surviving writer's context.
    @Test func storiesAreTrueOfTheLedger() {
        var conflicts = 0
        for seed in UInt64(1)...40 {
            var sim = Simulation(replicas: 5, records: 2, fields: 2, seed: seed)
            for _ in 0..<(80 + Int(seed % 7) * 20) { sim.step() }
            sim.finish()
            var contextOf: [String: VersionVector] = [:]
            for w in sim.writes { contextOf["\(w.key)|\(w.field)|\(w.dot)"] = w.context }
            for (key, record) in sim.replicas[0].records {
                for c in record.conflicts {
                    conflicts += 1
                    let story = ConflictStory(c, directory: WriterDirectory(), time: { "\($0)" })
                    let ctx = { (e: ConflictStory.Entry) in contextOf["\(key)|\(c.field)|\(e.sibling.dot)"] }
                    for n in story.notSeen {
                        let writer = story.entries[n.writer - 1]
                        for o in n.others {
                            let other = story.entries[o - 1].sibling.dot
                            #expect(
                                ctx(writer)?.covers(other) == false,
                                "seed \(seed): \(writer.sibling.dot) is said not to have seen \(other)")
                        }
                    }
                    for r in story.replaced {
                        for n in 1...r.upTo
                        where sim.writes.contains(where: {
                            $0.key == key && $0.field == c.field && $0.dot == Dot(r.writer.replica, n)
                        }) {
                            #expect(
                                story.entries.contains { ctx($0)?.covers(Dot(r.writer.replica, n)) == true },
                                "seed \(seed): replaced \(r.writer.replica):\(n) seen by no survivor")
                        }
                    }
                }
            }
        }
        #expect(conflicts > 20, "the simulation must produce conflicts to check (\(conflicts))")
    }

    @Test func campaignMembership() {
        let m = CampaignMembership(
            campaign: "k1",
            lists: [("l1", ["campaign_id": "k1"]), ("l2", ["campaign_id": "k2"])],
            surveys: [("s1", ["campaign_id": "k1"])],
            items: [
                ["list_id": "l1", "contact_id": "c1", "household_id": "h1"],
                ["list_id": "l2", "contact_id": "c2", "household_id": "h2"],
            ])
        let table: [(RecordKey, [String: Value], [String], Bool)] = [
            (RecordKey("campaigns", "k1"), [:], [], true),
            (RecordKey("campaigns", "k2"), ["parent_id": "k1"], [], false),
            (RecordKey("lists", "l1"), ["campaign_id": "k1"], [], true),
            (RecordKey("lists", "l2"), ["campaign_id": "k2"], [], false),
            (RecordKey("contacts", "c1"), [:], [], true),
            (RecordKey("contacts", "c2"), [:], [], false),
            (RecordKey("contacts", "c3"), ["campaign_id": "k1"], [], true),
            (RecordKey("households", "h1"), [:], [], true),
            (RecordKey("households", "h9"), [:], ["c1"], true),
            (RecordKey("households", "h2"), [:], ["c2"], false),
            (RecordKey("interactions", "i1"), ["list_id": "l1"], [], true),
            (RecordKey("interactions", "i2"), ["list_id": "l2", "survey_id": "s1"], [], true),
            (RecordKey("interactions", "i3"), ["list_id": "l2"], [], false),
            (RecordKey("assignments", "a1"), ["list_id": "l1"], [], true),
            (RecordKey("users", "u1"), [:], [], false),
        ]
        for (key, values, residents, expected) in table {
            #expect(m.contains(key, values: values, residents: residents) == expected, "\(key)")
        }
    }
}
