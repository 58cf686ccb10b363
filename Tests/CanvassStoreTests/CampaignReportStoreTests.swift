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
}
