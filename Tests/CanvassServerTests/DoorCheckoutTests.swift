import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// Door checkout through the server (SYNC.md, "Door checkout"): two canvassers sharing a walk
/// list sync through the real sync engine and hold disjoint batches; done doors are released;
/// a door held by someone else can still be recorded; a batch expires.
@Suite struct DoorCheckoutTests {
    static func checkouts(_ store: ReplicaStore) throws -> [ListCheckout] {
        guard let text = try store.meta("checkouts") else { return [] }
        return try JSONDecoder().decode([ListCheckout].self, from: Data(text.utf8))
    }

    static func mine(_ store: ReplicaStore) throws -> Set<String> {
        Set(try checkouts(store).filter(\.mine).map(\.householdID))
    }

    /// Every page of a pull at `now`, straight from the service; the last page's checkouts.
    static func pull(_ service: SyncService, _ device: DeviceIdentity, now: Int64) async throws -> [ListCheckout] {
        var since: String?
        while true {
            let page = try await service.pull(since: since, limit: 500, for: device, now: now)
            if !page.more { return try #require(page.checkouts) }
            #expect(page.checkouts == nil, "only the last page carries checkouts")
            since = page.checkpoint
        }
    }

    @Test func twoCanvassersOnASharedListHoldDisjointBatchesThatReleaseAndExpire() async throws {
        let campaign = try TestCampaign()
        let storage = try SQLiteServerStorage.inMemory()
        _ = try await storage.write(try campaign.writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_000)
        let hold = CheckoutPolicy.hour
        let service = SyncService(storage: storage, checkout: CheckoutPolicy(batchSize: 4, holdMillis: hold))
        let ann = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
        let bob = try await enrolledClient(service: service, user: "bob", lists: ["walk-0"])
        let annSync = SyncEngine(store: ann.store, transport: ann.transport)
        let bobSync = SyncEngine(store: bob.store, transport: bob.transport)

        _ = try await annSync.sync(now: FieldClient.now())
        _ = try await bobSync.sync(now: FieldClient.now())
        _ = try await annSync.sync(now: FieldClient.now())
        let annDoors = try Self.mine(ann.store)
        let bobDoors = try Self.mine(bob.store)
        let walk = try ann.store.walkList("walk-0").map(\.householdID)
        #expect(annDoors.count == 4 && bobDoors.count == 4)
        #expect(annDoors.isDisjoint(with: bobDoors), "disjoint batches")
        #expect(Set(walk.prefix(8)) == annDoors.union(bobDoors), "taken in walk order")
        // Each sees the other's doors as taken.
        #expect(Set(try Self.checkouts(ann.store).filter { !$0.mine }.map(\.householdID)) == bobDoors)
        // The walk list of the façade's store marks them too (same rule the CLI uses).
        let holds = ListCheckout.holds(try Self.checkouts(bob.store), list: "walk-0", now: FieldClient.now())
        #expect(Set(holds.filter { $0.value == .mine }.keys) == bobDoors)

        // Ann works two of her doors (everyone there contacted) and syncs: they are released and
        // her batch is topped up. Bob records a door Ann holds: history, accepted all the same.
        let stops = try ann.store.walkList("walk-0")
        let worked = stops.filter { annDoors.contains($0.householdID) }.prefix(2)
        let annOps = FieldOperations(store: ann.store)
        for stop in worked {
            for p in stop.people {
                try annOps.recordInteraction(person: p.id, list: "walk-0", result: "contacted", now: FieldClient.now())
            }
        }
        let annsOther = try #require(stops.first { annDoors.contains($0.householdID) && !worked.contains($0) })
        try FieldOperations(store: bob.store).recordInteraction(
            person: annsOther.people[0].id, list: "walk-0", result: "not_home", now: FieldClient.now())
        let bobReport = try await bobSync.sync(now: FieldClient.now())
        #expect(bobReport.accepted == 1 && bobReport.rejected == 0, "a door checked out to someone else is history")
        let report = try await annSync.sync(now: FieldClient.now())
        #expect(report.rejected == 0)
        let annAfter = try Self.mine(ann.store)
        let done = Set(worked.map(\.householdID))
        #expect(annAfter.count == 4 && annAfter.isDisjoint(with: done), "done doors released, batch topped up")
        #expect(annAfter.isSuperset(of: annDoors.subtracting(done)), "the rest of her batch is kept")
        #expect(annAfter.isDisjoint(with: bobDoors))

        // Ann goes quiet. Past the hold her doors are free: Bob, syncing later, takes them.
        let bobDevice = try await service.authenticate(
            token: try #require(try Session.load(from: bob.store)).token, now: 5)
        let later = try await Self.pull(service, bobDevice.identity, now: FieldClient.now() + hold + 60_000)
        let bobLater = Set(later.filter(\.mine).map(\.householdID))
        #expect(later.allSatisfy { $0.mine }, "ann's batch expired: nothing is taken")
        #expect(!bobLater.isDisjoint(with: annAfter), "bob now holds doors ann held")

        // A call list, or a list with one user, has no checkouts; revoking releases doors.
        try await service.revoke(bobDevice.replica, by: nil, now: 6)
        let annDevice = try await service.authenticate(
            token: try #require(try Session.load(from: ann.store)).token, now: 7)
        let afterRevoke = try await Self.pull(service, annDevice.identity, now: FieldClient.now() + 1)
        #expect(afterRevoke.allSatisfy { $0.mine }, "a revoked device holds nothing")
    }

    @Test func aListWorkedByOneCanvasserHasNoCheckouts() async throws {
        let campaign = try TestCampaign()
        let service = try await campaign.server()
        let ann = try await enrolledClient(service: service, user: "ann", lists: ["walk-0", "calls-0"])
        _ = try await SyncEngine(store: ann.store, transport: ann.transport).sync(now: FieldClient.now())
        #expect(try ann.store.meta("checkouts") == "[]", "told: no checkouts")
        let bob = try await enrolledClient(service: service, user: "bob", lists: ["calls-0"])
        _ = try await SyncEngine(store: bob.store, transport: bob.transport).sync(now: FieldClient.now())
        #expect(try Self.checkouts(bob.store).isEmpty, "a shared call list has no door checkout")
    }
}
