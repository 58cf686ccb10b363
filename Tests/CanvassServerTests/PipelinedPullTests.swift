import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Testing

/// A client may ask for the next page before it has stored the one in hand (the Swift client
/// does). If it then crashes, it asks again from its stored checkpoint; the page it lost must be
/// sent again (SYNC.md, "Scope tracking", step 1).
@Suite struct PipelinedPullTests {
    @Test(.freshDatabases, arguments: TestBackend.all)
    func aPageLostAfterThePrefetchIsSentAgain(backend: TestBackend) async throws {
        let campaign = try TestCampaign(households: 30, turfSize: 20)
        let service = try await campaign.server(on: backend)
        let (client, _) = try await enrolledClient(service: service, user: "ann", lists: ["walk-1"])
        let replica = try #require(try client.replicaID())
        let device = try #require(try await service.storage.devices().first { $0.replica == replica }).identity
        let scope = try await service.storage.canvasserScope(userID: device.userID)
        let limit = 7
        #expect(scope.count > 3 * limit, "the scope must take several pages")

        // What the device has stored, page by page, and its stored checkpoint.
        var held: Set<RecordKey> = []
        func store(_ page: PullResponse) {
            held.formUnion(page.records.map(\.key))
            held.subtract(page.evict.map(\.key))
        }
        let first = try await service.pull(since: nil, limit: limit, for: device).decoded()
        store(first)
        let second = try await service.pull(since: first.checkpoint, limit: limit, for: device).decoded()
        // The prefetch of page 3 carries page 2's checkpoint before page 2 is stored...
        _ = try await service.pull(since: second.checkpoint, limit: limit, for: device).decoded()
        // ...and the device crashes before storing page 2: it asks again from page 1.
        var since = first.checkpoint
        var pages = 0
        while pages < 100 {
            let page = try await service.pull(since: since, limit: limit, for: device).decoded()
            store(page)
            since = page.checkpoint
            pages += 1
            if !page.more { break }
        }
        let missing = scope.subtracting(held)
        #expect(missing.isEmpty, "never sent again: \(missing.sorted().prefix(5))")
    }

    /// Changes staged under a checkpoint's token stay staged until a later token confirms them;
    /// the server moves the device to a fresh token on its next feed page, so a record evicted
    /// on the last scope page stops being writable after the pull that follows, not never.
    @Test(.freshDatabases, arguments: TestBackend.all)
    func anEvictedRecordStopsBeingWritableAfterTheNextPull(backend: TestBackend) async throws {
        let campaign = try TestCampaign(households: 30, turfSize: 20)
        let service = try await campaign.server(on: backend)
        let (client, _) = try await enrolledClient(service: service, user: "ann", lists: ["walk-1"])
        let replica = try #require(try client.replicaID())
        let device = try #require(try await service.storage.devices().first { $0.replica == replica }).identity
        func pullAll(from start: String?) async throws -> (String, [RecordKey]) {
            var since = start
            var evicted: [RecordKey] = []
            for _ in 0..<100 {
                let page = try await service.pull(since: since, limit: 1000, for: device).decoded()
                evicted += page.evict.map(\.key)
                since = page.checkpoint
                if !page.more { break }
            }
            return (try #require(since), evicted)
        }
        func writable() async throws -> Set<RecordKey> {
            let probe = Record(key: RecordKey("contacts", "probe"))
            let seen = WritableBox()
            _ = try await service.storage.push([probe], device: device) { snapshot in
                seen.keys = snapshot.scope ?? []
                return PushDecision(results: [], accepted: [])
            }
            return seen.keys
        }
        var (checkpoint, _) = try await pullAll(from: nil)
        // The coordinator takes the list away.
        let assignment = try #require(
            try await service.storage.records(in: "assignments").first { $0["user_id"]?.stringValue == device.userID })
        try await service.storage.write([.delete(assignment.key)], wallclock: 1_760_000_100_000)
        let evicted: [RecordKey]
        (checkpoint, evicted) = try await pullAll(from: checkpoint)
        let contact = try #require(evicted.first { $0.collection == "contacts" })
        #expect(try await writable().contains(contact), "writable until the device has stored the evicting page")
        (checkpoint, _) = try await pullAll(from: checkpoint)
        #expect(try await !writable().contains(contact), "the next pull settles the eviction")
        let page = try await service.pull(since: checkpoint, limit: 1000, for: device).decoded()
        #expect(page.records.isEmpty && page.evict.isEmpty && page.checkpoint == checkpoint, "and then it is quiet")
    }
}

final class WritableBox: @unchecked Sendable {
    var keys: Set<RecordKey> = []
}
