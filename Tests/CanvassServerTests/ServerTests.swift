import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// The protocol vectors through the server: each delivery merged by the storage's push
/// transaction, then read back through the pull path a coordinator uses (stored JSON spliced into
/// a page, decoded as a client would).
typealias Record = CanvassCore.Record

@Suite struct ServerVectorTests {
    static let vectors = ((try? MergeVector.loadAll()) ?? []).filter { $0.kind == "merge" }

    @Test(.freshDatabases, arguments: TestBackend.all, vectors.map(\.file))
    func vectorThroughTheServer(backend: TestBackend, file: String) async throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        let storage = try await backend.storage()
        let service = SyncService(storage: storage)
        let device = DeviceIdentity(replica: ReplicaID("K"), userID: "k", role: .coordinator)
        for cs in [v.start ?? ChangeSet()] + (v.deliver ?? []) {
            _ = try await storage.push(cs.records, device: device) { _ in
                PushDecision(results: [], accepted: cs.records)
            }
        }
        var since: String?
        var got: [Record] = []
        while true {
            let page = try await service.pull(
                since: since, limit: 7, for: DeviceIdentity(replica: ReplicaID("reader"), userID: "r", role: .admin))
            let decoded = try WireCodec.decode(PullResponse.self, from: try WireCodec.encode(page))
            got += decoded.records
            since = decoded.checkpoint
            if !decoded.more { break }
        }
        // The server's own entry in the account directory is not part of the vector.
        got = got.filter { ![Directory.users, Directory.devices].contains($0.key.collection) }
        got.sort { $0.key < $1.key }
        if let records = v.expect?.records { #expect(got == records.sorted { $0.key < $1.key }, "\(file)") }
        if let conflicts = v.expect?.conflicts {
            #expect(MergeVector.conflicts(of: got) == Set(conflicts), "\(file): conflicts")
        }
    }
}

@Suite struct EnrollmentTests {
    @Test(.freshDatabases, arguments: TestBackend.all)
    func codesAreSingleUseExpireAndAreRateLimited(backend: TestBackend) async throws {
        let service = SyncService(
            storage: try await backend.storage(),
            limiter: RateLimiter(perClient: 3, overall: 100, windowMillis: 60_000))
        let (user, code) = try await service.addUser(name: "ann", role: .canvasser, now: 1_000)
        #expect(code.count == 9 && code.contains("-"))
        let ok = try await service.enroll(
            EnrollRequest(code: code.lowercased().replacingOccurrences(of: "-", with: " "), deviceName: "laptop"),
            client: "10.0.0.1", now: 2_000)
        #expect(ok.user.name == "ann" && ok.replicaID.isWellFormed && ok.token.count >= 40)
        let device = try await service.authenticate(token: ok.token, now: 3_000)
        #expect(device.userID == user.id)
        // Used once: refused.
        await #expect(throws: ServerError.self) {
            try await service.enroll(EnrollRequest(code: code, deviceName: nil), client: "c2", now: 3_000)
        }
        // Expired.
        let late = try await service.issueCode(for: user, now: 0)
        await #expect(throws: ServerError.self) {
            try await service.enroll(EnrollRequest(code: late, deviceName: nil), client: "c3", now: 73 * 3_600_000)
        }
        // Guessing: three wrong codes, then even a right one waits.
        let fresh = try await service.issueCode(for: user, now: 10_000)
        for _ in 0..<3 {
            _ = try? await service.enroll(
                EnrollRequest(code: "AAAA-AAAA", deviceName: nil), client: "guesser", now: 10_000)
        }
        do {
            _ = try await service.enroll(EnrollRequest(code: fresh, deviceName: nil), client: "guesser", now: 10_001)
            Issue.record("a rate-limited client got through")
        } catch let e as ServerError {
            #expect(e.statusCode == 429 && e.retryAfter != nil)
        }
        #expect(
            try await service.enroll(EnrollRequest(code: fresh, deviceName: nil), client: "someone-else", now: 10_002)
                .user.name == "ann")
    }

    @Test func tokensAndCodesAreStoredOnlyAsHashes() async throws {
        let storage = try SQLiteServerStorage.inMemory()
        let service = SyncService(storage: storage)
        let (_, code) = try await service.addUser(name: "bob", role: .canvasser, now: 1)
        let response = try await service.enroll(EnrollRequest(code: code, deviceName: nil), client: "x", now: 2)
        let dump = try await storage.store.storedCredentials()
        #expect(dump.count == 2)
        #expect(!dump.contains(response.token) && !dump.contains(Credentials.normalizeCode(code)))
        #expect(dump.contains(Credentials.hash(response.token)))
    }
}

@Suite struct ScopeTests {
    @Test(.freshDatabases, arguments: TestBackend.all)
    func aCanvasserSeesOnlyTheirListsAndTheirOwnInteractions(backend: TestBackend) async throws {
        let campaign = try TestCampaign(households: 30, turfSize: 10)
        let service = try await campaign.server(on: backend)
        let (a, _) = try await enrolledClient(service: service, user: "ann", lists: ["walk-1"])
        let (b, _) = try await enrolledClient(service: service, user: "bob", lists: ["walk-1"])
        _ = (a, b)
        let annID = try await service.storage.user(named: "ann")!.id
        let scope = try await service.storage.canvasserScope(userID: annID)
        let turf = Set(campaign.turfs[1].map { RecordKey("contacts", CampaignSeed.contactID($0)) })
        #expect(Set(scope.filter { $0.collection == "contacts" }) == turf)
        #expect(scope.contains(RecordKey("lists", "walk-1")) && !scope.contains(RecordKey("lists", "walk-0")))
        #expect(scope.contains(RecordKey("surveys", campaign.doorSurvey.id)))
        #expect(!scope.contains { $0.collection == "surveys" && $0.id == campaign.phoneSurvey.id })
    }
}

/// Pulls racing with pushes: a reader that pulls while writers commit must end with every
/// accepted change, none skipped (SYNC.md, "Changes feed": the safe watermark).
@Suite struct FeedUnderConcurrencyTests {
    @Test(.freshDatabases, arguments: TestBackend.all)
    func pullsRacingPushesNeverSkipAChange(backend: TestBackend) async throws {
        let storage = try await backend.storage()
        let service = SyncService(storage: storage)
        let reader = DeviceIdentity(replica: ReplicaID("reader"), userID: "r", role: .admin)
        let writers = 4
        let perWriter = 60
        async let pushes: Void = withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var replica = ReplicaState(id: ReplicaID("w\(w)"))
                    for i in 0..<perWriter {
                        let r = replica.write(
                            RecordKey("contacts", "w\(w)-\(i % 20)"), ["notes": .string("v\(i)")], wallclock: Int64(i))
                        _ = try await storage.push(
                            [r], device: DeviceIdentity(replica: ReplicaID("w\(w)"), userID: "w", role: .admin)
                        ) { _ in
                            PushDecision(results: [], accepted: [r])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        var since: String?
        var latest: [RecordKey: Record] = [:]
        func drain() async throws {
            while true {
                let page = try await service.pull(since: since, limit: 13, for: reader).decoded()
                for r in page.records { latest[r.key] = r }
                since = page.checkpoint
                if !page.more { break }
            }
        }
        for _ in 0..<40 { try await drain() }
        try await pushes
        try await drain()
        let truth = try await storage.records(in: "contacts")
        #expect(truth.count == writers * 20)
        for r in truth { #expect(latest[r.key] == r, "\(r.key) missing or stale in what the reader pulled") }
    }
}

/// Holes a fuzzing review found, kept closed.
@Suite struct PushHardeningTests {
    @Test func aRecordWithNothingNewDoesNotWidenACanvassersScope() async throws {
        let campaign = try TestCampaign(households: 20, turfSize: 10)
        let service = try await campaign.server()
        let (a, transport) = try await enrolledClient(service: service, user: "ann", lists: ["walk-0"])
        _ = a
        let token = try Session.load(from: a)!.token
        let outside = CampaignSeed.contactID(campaign.turfs[1][0])
        let full = try #require(try service.replicaStore.record(RecordKey("contacts", outside)))
        // Push the server's own state of an out-of-scope contact: nothing new, harmless...
        _ = try await transport.push(PushRequest(changes: ChangeSet(records: [full])), token: token)
        // ...but it must not make the contact writable.
        var mine = ReplicaState(id: try Session.load(from: a)!.replicaID, counter: 100)
        var edited = full
        edited.merge(mine.write(full.key, ["phone": "614-555-0100"], wallclock: 9))
        let response = try await transport.push(PushRequest(changes: ChangeSet(records: [edited])), token: token)
        #expect(response.results.first?.problems.contains { $0.code == "out_of_scope" } == true)
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func newInteractionsNeedPersonListResultAndUser(backend: TestBackend) async throws {
        let campaign = try TestCampaign(households: 10, turfSize: 10)
        let service = try await campaign.server(on: backend)
        let (a, transport) = try await enrolledClient(service: service, user: "kim", role: .coordinator)
        let session = try Session.load(from: a)!
        var me = ReplicaState(id: session.replicaID)
        let bare = me.write(
            RecordKey("interactions", "i-1"), ["survey_id": .string(campaign.doorSurvey.id), "result": "not_home"],
            wallclock: 1)
        let response = try await transport.push(PushRequest(changes: ChangeSet(records: [bare])), token: session.token)
        #expect(response.rejected == 1)
        #expect(
            Set(response.results[0].problems.map(\.location)) == [
                "records[0].fields.person_id", "records[0].fields.list_id", "records[0].fields.user_id",
            ])
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func checkpointsAheadOfTheFeedAreRefused(backend: TestBackend) async throws {
        let service = try await TestCampaign(households: 5, turfSize: 5).server(on: backend)
        let (epoch, seq) = (try await service.storage.identity().epoch, try await service.storage.safeWatermark())
        let admin = DeviceIdentity(replica: ReplicaID("x"), userID: "x", role: .admin)
        await #expect(throws: ServerError.self) {
            _ = try await service.pull(since: "\(epoch).\(seq + 1000).0", limit: 10, for: admin)
        }
        _ = try await service.pull(since: "\(epoch).\(seq).0", limit: 10, for: admin)
    }
}
