import CanvassCore
import CanvassStore
import Testing

/// The report's cheap reads: every answer of every interaction as a row (`projectedMembers`),
/// with its kind, and only from records that exist and hold an object.
struct CampaignReportStoreTests {
    @Test func answersAreReadMemberByMember() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("A"))
        _ = try store.write(
            [
                LocalWrite(
                    RecordKey("interactions", "i1"),
                    [
                        "result": "contacted",
                        "answers": .object([
                            "support": 5, "willing": "yes", "sign": true, "issues": .array(["tax", "schools"]),
                            "skipped": .null,
                        ]),
                    ]),
                LocalWrite(RecordKey("interactions", "i2"), ["result": "not_home"]),
                LocalWrite(RecordKey("interactions", "i3"), ["answers": .object(["support": 2])]),
                LocalWrite(RecordKey("contacts", "c1"), ["answers": .object(["support": 1])]),
            ], wallclock: 1)
        _ = try store.write([LocalWrite.delete(RecordKey("interactions", "i3"))], wallclock: 2)
        let members = try store.projectedMembers("interactions", of: "answers")
        let read = Dictionary(uniqueKeysWithValues: members.map { ("\($0.id).\($0.key)", $0.value) })
        #expect(
            read == [
                "i1.support": .int(5), "i1.willing": .string("yes"), "i1.sign": .bool(true),
                "i1.issues": .array(["tax", "schools"]),
            ])
        #expect(throws: StoreError.self) { try store.projectedMembers("interactions", of: "answers') --") }
    }

    /// The report's one pass: each record's fields with its own answers (only those asked), in id
    /// order, whether or not its neighbours have any.
    @Test func eachRecordComesWithItsOwnMembers() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("A"))
        _ = try store.write(
            [
                LocalWrite(
                    RecordKey("interactions", "i1"), ["result": "contacted", "answers": .object(["support": 5])]),
                LocalWrite(RecordKey("interactions", "i2"), ["result": "not_home", "recorded_at": 7]),
                LocalWrite(
                    RecordKey("interactions", "i3"),
                    ["answers": .object(["support": 2, "issues": .array(["tax"]), "note": "hi"])]),
                LocalWrite(RecordKey("interactions", "i4"), ["answers": .object(["support": 1])]),
            ], wallclock: 1)
        _ = try store.write([LocalWrite.delete(RecordKey("interactions", "i4"))], wallclock: 2)
        var read: [String: (result: String?, at: Value?, members: [String: Value])] = [:]
        var order: [String] = []
        try store.forEachProjected(
            "interactions", fields: ["result", "recorded_at"], members: "answers", keys: ["support", "issues"]
        ) { r in
            order.append(r.id)
            read[r.id] = (r.string(0), r.value(1), r.members)
        }
        #expect(order == ["i1", "i2", "i3"])
        #expect(read["i1"]?.result == "contacted" && read["i1"]?.members == ["support": .int(5)])
        #expect(read["i2"]?.at == .int(7) && read["i2"]?.members == [:])
        #expect(read["i3"]?.members == ["support": .int(2), "issues": .array(["tax"])])
        var none: [[String: Value]] = []
        try store.forEachProjected("interactions", fields: [], members: "answers", keys: []) { none.append($0.members) }
        #expect(none == [[:], [:], [:]])
    }
}
