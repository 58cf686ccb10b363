import CanvassCore
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// The batched apply of a pulled page must leave exactly what `apply` leaves: the same states,
/// display values, conflicts and tombstones, and the same feed order.
@Suite struct PullApplyTests {
    /// A local store with some records and pending writes, and pages that create, merge into,
    /// repeat, conflict with and delete them (and more records than one insert statement holds).
    static func pages() -> [[Record]] {
        var server = ReplicaState(id: ReplicaID("srv"))
        var other = ReplicaState(id: ReplicaID("other"))
        var first: [Record] = []
        for i in 0..<450 {
            first.append(
                server.write(
                    RecordKey("contacts", "p\(i)"), ["first_name": .string("N\(i)"), "ward": .int(Int64(i))],
                    wallclock: 10))
        }
        var second: [Record] = []
        second.append(server.write(RecordKey("contacts", "p1"), ["ward": 99], wallclock: 20))
        second.append(other.write(RecordKey("contacts", "p2"), ["first_name": "Concurrent"], wallclock: 21))
        second.append(server.write(RecordKey("contacts", "p2"), ["first_name": "Other"], wallclock: 22))
        second.append(first[3])  // already held: nothing changes
        second.append(server.write(RecordKey("contacts", "p4"), [Record.deletedField: true], wallclock: 23))
        second.append(server.write(RecordKey("contacts", "p1"), ["phone": "614"], wallclock: 24))  // twice in a page
        second.append(other.write(RecordKey("households", "h1"), ["street": "Main"], wallclock: 25))
        return [first, second, []]
    }

    static func snapshot(_ store: ReplicaStore) throws -> [String] {
        let feed = try store.feed(since: 0, limit: 10_000)
        return try feed.records.map { r in
            let stored = try #require(try store.record(r.key))
            return "\(r.key) \(stored.values.sorted { $0.key < $1.key }) \(stored.conflicts.count) \(stored.isDeleted)"
        }
    }

    @Test func batchedApplyLeavesWhatApplyLeaves() throws {
        let batched = try ReplicaStore.inMemory()
        let plain = try ReplicaStore.inMemory()
        for store in [batched, plain] {
            try store.setReplicaID(ReplicaID("me"))
            try store.write(RecordKey("contacts", "p2"), ["phone": "local"], wallclock: 5)
        }
        for page in Self.pages() {
            let a = try batched.transaction { tx in try tx.applyPulled(page) }
            let b = try plain.transaction { tx in try tx.apply(ChangeSet(records: page)) }
            #expect(a == b)
        }
        let got = try Self.snapshot(batched)
        #expect(got == (try Self.snapshot(plain)))
        #expect(got.count == 451)
        // A record changed twice in one page (p1, p2) takes one sequence, not two.
        #expect(try batched.lastSeq() == plain.lastSeq() - 2)
        #expect(try batched.conflicts().count == 1)
        #expect(try batched.counts().pending == 1, "the local write is still in the outbox")
    }

    /// A page is applied with its checkpoint in one transaction: if anything in it fails, no
    /// record of the page is left and the sequence has not moved.
    @Test func aFailedPageLeavesNothing() throws {
        let dir = try temporaryDirectory()
        let store = try ReplicaStore.open(path: dir.appendingPathComponent("r.sqlite").path)
        try store.setReplicaID(ReplicaID("me"))
        let page = Self.pages()[0]
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try store.transaction { tx in
                try tx.applyPulled(page)
                try tx.setMeta("checkpoint", "c1")
                throw Crash()
            }
        }
        #expect(try store.counts().records == 0)
        #expect(try store.lastSeq() == 0)
        #expect(try store.meta("checkpoint") == nil)
    }
}
