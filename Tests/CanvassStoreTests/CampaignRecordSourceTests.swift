import CanvassCore
import CanvassStore
import Foundation
import Testing

/// The in-memory campaign source reads as a replica does: the same projections over the same
/// records, whether it holds them whole or as the display values a backend stores.
@Suite struct CampaignRecordSourceTests {
    static func replica() throws -> ReplicaStore {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("r"))
        try store.write(
            [
                LocalWrite(
                    RecordKey("things", "a"),
                    [
                        "name": "Ann", "n": 3, "flag": true, "off": false, "score": 2.5, "whole": 4.0, "nothing": .null,
                        "bits": 1, "obj": .object(["k": 1, "s": "x"]), "list": .array(["sat", 2]),
                        "looks": "{\"q\":1}",
                        "answers": .object(["support": 4, "vote": "yes", "ok": true, "none": .null]),
                    ]),
                LocalWrite(RecordKey("things", "b"), ["name": "Ben", "answers": "not an object", "flag": false]),
                LocalWrite(
                    RecordKey("things", "Ω"), ["name": "Omega", "n": -7, "answers": .object(["days": .array(["sat"])])]),
                LocalWrite(RecordKey("things", "A"), ["name": "upper"]),
                LocalWrite(RecordKey("things", "gone"), ["name": "Gus", "n": 1]),
                LocalWrite(RecordKey("things", "undeleted"), ["name": "Una"]),
                LocalWrite(RecordKey("others", "o"), ["name": "other"]),
            ], wallclock: 1)
        try store.write(
            [.delete(RecordKey("things", "gone")), .delete(RecordKey("things", "undeleted"))], wallclock: 2)
        try store.write([LocalWrite(RecordKey("things", "undeleted"), [Record.deletedField: false])], wallclock: 3)
        return store
    }

    /// Each row: the fields asked for and their kinds.
    static let table: [(fields: [String], kinds: [String: FieldKind])] = [
        (["name", "n", "score", "whole", "nothing", "missing"], [:]),
        (["flag", "off", "bits"], [:]),
        (["flag", "off", "bits", "name"], ["flag": .boolean, "off": .boolean, "bits": .boolean, "name": .boolean]),
        (["obj", "list", "looks"], [:]),
        (["obj", "list", "looks", "answers"], ["obj": .json, "list": .json, "looks": .json, "answers": .json]),
        (["answers.support", "answers.vote", "answers.ok", "answers.none", "answers.days", "answers.nope"], [:]),
        (["answers.ok"], ["answers.ok": .boolean]),
        ([Record.deletedField], [:]),
        ([], [:]),
    ]

    /// A source holding the replica's records as a backend would fetch them: whole, or as the
    /// display JSON it stored and decodes again.
    static func sources(_ store: ReplicaStore) throws -> [(String, InMemoryRecordSource)] {
        var whole = InMemoryRecordSource()
        var displays = InMemoryRecordSource()
        for c in ["things", "others"] {
            let records = try store.records(in: c, includeDeleted: true)
            whole.add(records: records, collection: c)
            displays.add(
                displays: try records.map { r in
                    var text = JSONText()
                    text.display(r)
                    return (r.key.id, try JSONDecoder().decode([String: Value].self, from: Data(text.string.utf8)))
                }, collection: c)
        }
        return [("whole", whole), ("displays", displays)]
    }

    @Test func projectionsReadTheSameAsTheReplica() throws {
        let store = try Self.replica()
        for (name, source) in try Self.sources(store) {
            for row in Self.table {
                let expected = try store.projected("things", fields: row.fields, kinds: row.kinds)
                let got = try source.projected("things", fields: row.fields, kinds: row.kinds)
                #expect(got == expected, "\(name): \(row.fields) \(row.kinds)")
            }
        }
        // The table covers what it says: kinds differ, deleted records are out, ids in byte order.
        let plain = try store.projected("things", fields: ["flag", "answers.none", "obj"], kinds: [:])
        #expect(plain.map(\.key.id) == ["A", "a", "b", "undeleted", "Ω"])
        #expect(plain[1].values == ["flag": 1, "obj": "{\"k\":1,\"s\":\"x\"}"])
    }

    @Test func wholeRecordsReadTheSameAsTheReplica() throws {
        let store = try Self.replica()
        let (_, whole) = try Self.sources(store)[0]
        for deleted in [false, true] {
            #expect(
                try whole.records(in: "things", includeDeleted: deleted)
                    == store.records(in: "things", includeDeleted: deleted).sorted { $0.key < $1.key })
        }
        #expect(try whole.record(RecordKey("things", "gone")) == store.record(RecordKey("things", "gone")))
        #expect(try whole.record(RecordKey("things", "zz")) == nil)
    }

    @Test func aCollectionNotReadInFailsInsteadOfReadingEmpty() throws {
        let (_, displays) = try Self.sources(try Self.replica())[1]
        #expect(throws: StoreError.self) { try displays.projected("contacts", fields: ["name"], kinds: [:]) }
        #expect(throws: StoreError.self) { try displays.records(in: "things", includeDeleted: false) }
        #expect(throws: StoreError.self) { try displays.projected("things", fields: ["x') OR 1=1 --"], kinds: [:]) }
    }
}
