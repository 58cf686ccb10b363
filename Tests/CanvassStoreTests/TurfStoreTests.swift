import CanvassCore
import CanvassFixtures
import CanvassStore
import CanvassTestSupport
import Testing

/// What the turf cutter needs from the store: projected reads, and a walk view that follows the
/// positions the cutter stored.
@Suite struct TurfStoreTests {
    @Test func projectedReadsKeepKindsAndSkipDeletedRecords() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("r"))
        try store.write(
            [
                LocalWrite(
                    RecordKey("contacts", "a"),
                    ["first_name": "Ann", "ward": 3, "deceased": true, "phone_bad": false, "score": 2.5]),
                LocalWrite(RecordKey("contacts", "b"), ["first_name": "Ben"]),
                LocalWrite(RecordKey("contacts", "gone"), ["first_name": "Gus"]),
                LocalWrite(
                    RecordKey("interactions", "i"), ["answers": .object(["support": 4, "days": .array(["sat"])])]),
            ], wallclock: 1)
        try store.write([.delete(RecordKey("contacts", "gone"))], wallclock: 2)
        let rows = try store.projected(
            "contacts", fields: ["first_name", "ward", "deceased", "phone_bad", "score", "missing"],
            kinds: ["deceased": .boolean, "phone_bad": .boolean])
        #expect(rows.map(\.key.id) == ["a", "b"])
        #expect(
            rows[0].values == ["first_name": "Ann", "ward": 3, "deceased": true, "phone_bad": false, "score": 2.5])
        #expect(rows[1].values == ["first_name": "Ben"])
        let answers = try store.projected("interactions", fields: ["answers"], kinds: ["answers": .json])
        #expect(answers.first?["answers"] == .object(["support": 4, "days": .array(["sat"])]))
        #expect(throws: StoreError.self) { try store.projected("contacts", fields: ["x') OR 1=1 --"]) }
    }

    /// A cut list walks in the order of its items' positions (the cutter's route), not the
    /// street-by-street order; items without a position come after, in that order.
    @Test func theWalkViewFollowsPositions() throws {
        let campaign = try TestCampaign(households: 12, turfSize: 12)
        let store = try campaign.replicaStore()
        let plain = try store.walkList("walk-0").map(\.householdID)
        #expect(plain.count == 12)
        let items = try store.records(in: "list_items").filter { $0["list_id"] == "walk-0" }
        // The reverse of the plain order, for all but the last household, which has no position.
        var writes: [LocalWrite] = [LocalWrite(RecordKey("lists", "cut"), ["name": "Cut", "kind": "walk"])]
        for item in items {
            let household = item["household_id"]!.stringValue!
            var fields: [String: Value] = [
                "list_id": "cut", "contact_id": item["contact_id"]!, "household_id": .string(household),
            ]
            if household != plain.last { fields["position"] = .int(Int64(100 - plain.firstIndex(of: household)!)) }
            writes.append(LocalWrite(RecordKey("list_items", "cut-" + item.key.id), fields))
        }
        try store.write(writes, wallclock: 2)
        let cut = try store.walkList("cut").map(\.householdID)
        #expect(cut == Array(plain.dropLast().reversed()) + [plain.last!])
    }

    /// A call list is read in its items' positions too; people without one come after, by name.
    @Test func theCallViewFollowsPositions() throws {
        let campaign = try TestCampaign(households: 12, turfSize: 12)
        let store = try campaign.replicaStore()
        let items = try store.records(in: "list_items").filter { $0["list_id"] == "walk-0" }
        let byName = try store.callList("walk-0").map(\.id)
        #expect(byName.count >= 12)
        // Positions in the reverse of name order, for all but the last person by name.
        var writes: [LocalWrite] = [LocalWrite(RecordKey("lists", "calls"), ["name": "Calls", "kind": "call"])]
        for item in items {
            let contact = item["contact_id"]!.stringValue!
            var fields: [String: Value] = ["list_id": "calls", "contact_id": .string(contact)]
            if contact != byName.last { fields["position"] = .int(Int64(100 - byName.firstIndex(of: contact)!)) }
            writes.append(LocalWrite(RecordKey("list_items", "calls-" + item.key.id), fields))
        }
        try store.write(writes, wallclock: 2)
        let calls = try store.callList("calls").map(\.id)
        #expect(calls == Array(byName.dropLast().reversed()) + [byName.last!])
    }
}
