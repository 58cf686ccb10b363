import CanvassClient
import CanvassCore
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// What the cheap paths of a request must still do exactly: the one-read inputs of a canvasser
/// pull equal the three calls they replace, staged or not, and token hashes stay SHA-256 hex.
@Suite struct RequestCostTests {
    /// The three calls the one read replaces (confirm, scope, delivered), for comparison.
    struct ThreeCalls {
        let storage: any ServerStorage
        func inputs(_ replica: ReplicaID, _ user: String, _ token: Int64) async throws -> (
            Set<RecordKey>, Set<RecordKey>
        ) {
            try await storage.confirmScope(replica: replica, upTo: token)
            return (try await storage.canvasserScope(userID: user), try await storage.delivered(replica: replica))
        }
    }

    @Test func oneReadPullInputsEqualTheThreeCalls() async throws {
        let campaign = try TestCampaign()
        // Two identical servers: one answers with the one read, the other with the three calls.
        var stores: [SQLiteServerStorage] = []
        var devices: [DeviceIdentity] = []
        var synced: [Int64] = []
        for _ in 0..<2 {
            let storage = try SQLiteServerStorage.inMemory()
            _ = try await storage.write(try campaign.writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_000)
            let service = SyncService(storage: storage)
            let ann = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
            _ = try await SyncEngine(store: ann.store, transport: ann.transport).sync(now: FieldClient.now())
            let replica = try #require(try ann.store.replicaID())
            let device = try #require(try await storage.devices().first { $0.replica == replica })
            stores.append(storage)
            devices.append(device.identity)
            let checkpoint = try #require(try Session.load(from: ann.store)?.checkpoint)
            synced.append(try #require(FeedPosition(checkpoint: checkpoint)).scopeToken)
        }
        #expect(synced[0] == synced[1] && synced[0] > 0)
        let (one, three) = (stores[0], stores[1])
        // `pending`: changes still staged under `token`, which the one read counts as held; nil
        // after a whole sync, when the device holds exactly its scope.
        func both(_ token: Int64, pending: Set<RecordKey>?) async throws {
            let a = try await one.canvasserPull(
                replica: devices[0].replica, userID: devices[0].userID, confirmingUpTo: token)
            let b = try await ThreeCalls(storage: three).inputs(devices[1].replica, devices[1].userID, token)
            // The two servers minted different user ids: compare with each one's id blanked.
            func named(_ keys: Set<RecordKey>, _ user: String) -> [String] {
                keys.map { $0.description.replacingOccurrences(of: user, with: "USER") }.sorted()
            }
            #expect(named(a.scope, devices[0].userID) == named(b.0, devices[1].userID))
            if let pending {
                #expect(named(a.delivered, devices[0].userID) == named(b.1.union(pending), devices[1].userID))
            } else {
                #expect(a.delivered == a.scope)
            }
            #expect(!a.scope.isEmpty && !a.delivered.isEmpty)
        }
        try await both(synced[0], pending: nil)
        // Staged changes: token t0 (one record sent, one evicted), then t1 (one more sent). A
        // pull confirming t1 moves t0's changes and keeps t1's staged, counted as held.
        let extra = [RecordKey("contacts", "staged-1")]
        let gone = try #require(
            try await one.canvasserPull(
                replica: devices[0].replica, userID: devices[0].userID, confirmingUpTo: synced[0]
            ).delivered.filter { $0.collection == "contacts" }.sorted().first)
        let held = RecordKey("contacts", "held")
        var tokens: [Int64] = []
        for (storage, device) in zip(stores, devices) {
            _ = try await storage.stageScope(replica: device.replica, added: extra, removed: [gone])
            tokens.append(try await storage.stageScope(replica: device.replica, added: [held], removed: []))
        }
        #expect(tokens[0] == tokens[1])
        try await both(tokens[0], pending: [held])
        let after = try await one.delivered(replica: devices[0].replica)
        #expect(after.contains(extra[0]) && !after.contains(gone) && !after.contains(held))
        // A later token's page was lost: asking with t1 again forgets it and still holds t1's.
        for (storage, device) in zip(stores, devices) {
            _ = try await storage.stageScope(
                replica: device.replica, added: [RecordKey("contacts", "lost")], removed: [])
        }
        try await both(tokens[0], pending: [held])
        let planned = try await one.canvasserPull(
            replica: devices[0].replica, userID: devices[0].userID, confirmingUpTo: tokens[0])
        #expect(planned.delivered.contains(held) && !planned.delivered.contains(RecordKey("contacts", "lost")))
    }

    @Test func tokenHashesAreSHA256Hex() {
        #expect(Credentials.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Credentials.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
