import CanvassCore
import CanvassFixtures
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_760_000_000_000

@Suite struct StoreTests {
    @Test func storeFileIsPrivateAndSurvivesReopen() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("replica.sqlite").path
        do {
            let store = try ReplicaStore.open(path: path)
            try store.setReplicaID(ReplicaID("dev1"))
            try store.write(RecordKey("contacts", "p1"), ["phone": "614-555-0101"], wallclock: T0)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            let m = try FileManager.default.attributesOfItem(atPath: path + suffix)[.posixPermissions] as? Int
            #expect(m == 0o600, "\(suffix) mode")
        }
        let again = try ReplicaStore.open(path: path)
        #expect(try again.record(RecordKey("contacts", "p1"))?["phone"] == "614-555-0101")
        #expect(try again.replicaID() == ReplicaID("dev1"))
        #expect(throws: StoreError.self) { try again.setReplicaID(ReplicaID("dev2")) }
    }

    @Test func localWritesMintDotsBumpTheFeedAndQueueInTheOutbox() throws {
        let store = try ReplicaStore.inMemory()
        #expect(throws: StoreError.self) { try store.write(RecordKey("contacts", "p1"), ["phone": "1"], wallclock: T0) }
        try store.setReplicaID(ReplicaID("A"))
        let d1 = try store.write(RecordKey("contacts", "p1"), ["phone": "1", "email": "a@example.org"], wallclock: T0)
        let d2 = try store.write(RecordKey("contacts", "p1"), ["phone": "2"], wallclock: T0 + 1)
        #expect(d1.fields["phone"]?.siblings.first?.dot == Dot(ReplicaID("A"), 1))
        #expect(d1.fields["email"]?.siblings.first?.dot == Dot(ReplicaID("A"), 1), "one operation, one dot")
        #expect(d2.fields["phone"]?.context == VersionVector([ReplicaID("A"): 2]))
        #expect(try store.lastSeq() == 2)
        let outbox = try store.outbox()
        #expect(outbox.map(\.key) == [RecordKey("contacts", "p1")])
        #expect(outbox.first?.seq == 2)
        let feed = try store.feed(since: 0, limit: 10)
        #expect(feed.records.count == 1 && feed.last == 2 && !feed.more)
    }

    @Test func acknowledgementOnlyClearsTheVersionThatWasSent() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("A"))
        try store.write(RecordKey("contacts", "p1"), ["phone": "1"], wallclock: T0)
        let sent = try store.pendingPage(limit: 10).map(\.entry)
        try store.write(RecordKey("contacts", "p1"), ["phone": "2"], wallclock: T0)  // while the push is in flight
        try store.acknowledge(accepted: sent, rejected: [])
        #expect(try store.outbox(status: "pending").count == 1, "the newer write must still be pushed")
        let again = try store.pendingPage(limit: 10).map(\.entry)
        try store.acknowledge(accepted: [], rejected: [(again[0], [Diagnostic(at: "x", code: "forbidden", "no")])])
        let rejected = try store.outbox(status: "rejected")
        #expect(rejected.first?.problems.first?.code == "forbidden")
        #expect(try store.pendingPage(limit: 10).isEmpty)
        try store.write(RecordKey("contacts", "p1"), ["phone": "3"], wallclock: T0)
        #expect(try store.outbox(status: "pending").count == 1, "a new local write retries a rejected change")
    }

    @Test func applyingWhatIsAlreadyKnownChangesNothing() throws {
        let store = try ReplicaStore.inMemory()
        var other = ReplicaState(id: ReplicaID("B"))
        let delta = other.write(RecordKey("contacts", "p1"), ["phone": "1"], wallclock: T0)
        let first = try store.apply(ChangeSet(records: [delta]))
        let seq = try store.lastSeq()
        let second = try store.apply(ChangeSet(records: [delta]))
        #expect(first.changed.count == 1)
        #expect(second.changed.isEmpty && second.unchanged == 1)
        #expect(try store.lastSeq() == seq, "no feed bump without a state change")
        #expect(try store.outbox().isEmpty, "applied changes are not local changes")
    }

    @Test func feedSuppressesTheEchoOfAnUnchangedPush() throws {
        let store = try ReplicaStore.inMemory()
        var dev = ReplicaState(id: ReplicaID("dev"))
        let mine = dev.write(RecordKey("contacts", "p1"), ["phone": "1"], wallclock: T0)
        try store.apply(ChangeSet(records: [mine]), origin: ReplicaID("dev"))
        #expect(try store.feed(since: 0, limit: 10, excludingOrigin: ReplicaID("dev")).records.isEmpty)
        #expect(try store.feed(since: 0, limit: 10, excludingOrigin: ReplicaID("other")).records.count == 1)
        var other = ReplicaState(id: ReplicaID("other"))
        let theirs = other.write(RecordKey("contacts", "p1"), ["email": "x@example.org"], wallclock: T0)
        try store.apply(ChangeSet(records: [theirs]), origin: ReplicaID("other"))
        #expect(
            try store.feed(since: 0, limit: 10, excludingOrigin: ReplicaID("dev")).records.count == 1,
            "a merged state is news to dev")
    }

    @Test func feedPagesResumeWithoutSkippingOrRepeating() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("S"))
        for i in 0..<25 { try store.write(RecordKey("contacts", "p\(i)"), ["phone": .string("\(i)")], wallclock: T0) }
        try store.write(RecordKey("contacts", "p3"), ["phone": "again"], wallclock: T0)
        var since: Int64 = 0
        var seen: [RecordKey] = []
        while true {
            let page = try store.feed(since: since, limit: 7)
            seen += page.records.map(\.key)
            since = page.last
            if !page.more { break }
        }
        #expect(seen.count == 25 && Set(seen).count == 25)
        #expect(seen.last == RecordKey("contacts", "p3"), "a re-changed record moves to the end of the feed")
    }

    @Test func evictionKeepsRecordsWithUnsyncedChanges() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("A"))
        var s = ReplicaState(id: ReplicaID("S"))
        try store.apply(
            ChangeSet(records: [
                s.write(RecordKey("contacts", "p1"), ["phone": "1"], wallclock: T0),
                s.write(RecordKey("contacts", "p2"), ["phone": "2"], wallclock: T0),
            ]))
        try store.write(RecordKey("contacts", "p2"), ["phone": "3"], wallclock: T0)
        let kept = try store.transaction { tx in
            try tx.evict([RecordKey("contacts", "p1"), RecordKey("contacts", "p2")])
        }
        #expect(kept == [RecordKey("contacts", "p2")])
        #expect(try store.record(RecordKey("contacts", "p1")) == nil)
        #expect(try store.record(RecordKey("contacts", "p2")) != nil)
    }
}

/// The protocol vectors, applied through SQLite: one transaction per delivered change set, in the
/// given order and in every other order (or 120 seeded shuffles).
@Suite struct StoreVectorTests {
    static let vectors = ((try? MergeVector.loadAll()) ?? []).filter { $0.kind == "merge" }

    @Test(arguments: vectors.map(\.file))
    func vectorThroughTheStore(file: String) throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        let expect = try #require(v.expect)
        func run(_ order: [ChangeSet]) throws -> [Record] {
            let store = try ReplicaStore.inMemory()
            if let start = v.start { try store.apply(start) }
            for cs in order { try store.apply(cs) }
            let collections = Set(
                ((v.start?.records ?? []) + (v.deliver ?? []).flatMap(\.records)).map(\.key.collection))
            return try collections.sorted().flatMap { try store.records(in: $0, includeDeleted: true) }.sorted {
                $0.key < $1.key
            }
        }
        let given = try run(v.deliver ?? [])
        if let records = expect.records { #expect(given == records.sorted { $0.key < $1.key }, "\(file)") }
        if let conflicts = expect.conflicts {
            #expect(MergeVector.conflicts(of: given) == Set(conflicts), "\(file): conflicts")
        }
        for order in orderings(v.deliver ?? [], limit: 24) {
            #expect(try run(order) == given, "\(file): another order diverges")
        }
    }
}

@Suite struct QueryTests {
    @Test func walkListIsInWalkOrderWithHouseholdsGrouped() throws {
        let campaign = try TestCampaign(households: 40, turfSize: 40)
        let store = try campaign.replicaStore()
        let stops = try store.walkList("walk-0")
        #expect(stops.count == 40)
        #expect(stops.reduce(0) { $0 + $1.people.count } == campaign.turfs[0].count)
        for (a, b) in zip(stops, stops.dropFirst()) {
            if a.streetName == b.streetName {
                #expect(!(a.side == "even" && b.side == "odd"), "odd side first: \(a.address) then \(b.address)")
                if a.side == b.side && a.streetNumber != b.streetNumber {
                    #expect(
                        a.side == "odd" ? a.streetNumber < b.streetNumber : a.streetNumber > b.streetNumber,
                        "\(a.address) then \(b.address)")
                }
            } else {
                #expect(a.streetName < b.streetName)
            }
        }
        let byHousehold = Dictionary(grouping: campaign.turfs[0], by: \.householdId)
        for stop in stops { #expect(stop.people.count == byHousehold[stop.householdID]?.count) }
    }

    @Test func personHistoryAndCallListShowTheLatestResult() throws {
        let campaign = try TestCampaign(households: 10, turfSize: 10)
        let store = try campaign.replicaStore()
        let v = campaign.turfs[0][0]
        let pid = CampaignSeed.contactID(v)
        try store.write(
            [
                LocalWrite(
                    RecordKey("interactions", "i1"),
                    ["person_id": .string(pid), "result": "not_home", "recorded_at": .int(T0 + 1), "channel": "call"]),
                LocalWrite(
                    RecordKey("interactions", "i2"),
                    ["person_id": .string(pid), "result": "contacted", "recorded_at": .int(T0 + 2), "channel": "call"]),
            ], wallclock: T0)
        let person = try #require(try store.person(pid))
        #expect(person.interactions.map(\.id) == ["i2", "i1"])
        let calls = try store.callList("calls-0")
        let entry = try #require(calls.first { $0.id == pid })
        #expect(entry.lastResult == "contacted" && entry.attempts == 2)
    }
}
