import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation

/// Whether a delta pull costs O(changes) or O(store): the same 10 changed records pulled from a
/// server store of 10,000 records and from one of 1,000,000, by a coordinator (the whole feed) and
/// by a canvasser whose scope is one walk list, through the wire path (authentication, scope,
/// feed, encode, gzip, gunzip, decode).
struct DeltaPullScenario: Scenario {
    static let name = "delta-pull"
    static let summary =
        "10 changed records pulled from a server store of 10,000 and of 1,000,000 records (coordinator, canvasser with one list)"

    /// The store sizes, small then big; CANVASS_BENCH_DELTA_BIG sets the big one.
    var sizes: [Int] {
        [10_000, ProcessInfo.processInfo.environment["CANVASS_BENCH_DELTA_BIG"].flatMap(Int.init) ?? 1_000_000]
    }

    struct Cost {
        var wall: Double
        var cpu: Double
        var records: Int
    }

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let dir = try temporaryDirectory("canvass-bench-delta")
        defer { try? FileManager.default.removeItem(at: dir) }
        var costs: [Int: [Role: Cost]] = [:]
        var seedSeconds: [Int: Double] = [:]
        for size in sizes {
            let storage = try SQLiteServerStorage.open(directory: dir.appendingPathComponent("server-\(size)").path)
            let service = SyncService(storage: storage)
            // A campaign of 200 households, one walk list of all of them for the canvasser.
            let voters = VoterFileGenerator(seed: 7, households: 200).generate()
            let survey = try Fixtures.survey("canvass")
            var writes = [CampaignSeed.campaign()] + CampaignSeed.people(voters) + [try CampaignSeed.survey(survey)]
            writes += CampaignSeed.list(id: "walk-a", name: "A", kind: "walk", surveyID: survey.id, people: voters)
            try await ServerAdmin(service: service).load(writes, now: 1_760_000_000_000)
            let t0 = ContinuousClock.now
            let filler = size - (try await storage.store.lastSeq()).asInt
            try storage.store.replicaStore.seedForBench(contacts: filler, campaign: CampaignSeed.campaignID)
            seedSeconds[size] = seconds(ContinuousClock.now - t0)
            progress(String(format: "store of %d records seeded in %.1f s", size, seedSeconds[size]!))

            let transport = WireTransport(service: service)
            let canvasser = try ClientReplica.open(path: dir.appendingPathComponent("canvasser-\(size).sqlite").path)
            try await transport.enrollNew(canvasser, user: "ann", role: .canvasser, lists: ["walk-a"])
            var report = SyncReport()
            try await SyncEngine(store: canvasser.store, transport: transport).pull(into: &report)
            let coordinator = try ClientReplica.open(
                path: dir.appendingPathComponent("coordinator-\(size).sqlite").path)
            try await transport.enrollNew(coordinator, user: "cora", role: .coordinator, lists: [])
            // The coordinator is up to date at the watermark (this server's checkpoint format);
            // pulling a million records first would only measure the first sync again.
            let (_, epoch) = try await storage.identity()
            let upToDate = FeedPosition(epoch: epoch, seq: try await storage.safeWatermark(), scopeToken: 0)

            // Ten contacts on the list change on the server.
            let changed = voters.prefix(10).map { RecordKey("contacts", CampaignSeed.contactID($0)) }
            _ = try await storage.write(
                changed.map { LocalWrite($0, ["phone": .string("614-555-01\($0.id.suffix(2))")]) },
                wallclock: 1_760_000_100_000)

            var byRole: [Role: Cost] = [:]
            for (role, store, since) in [
                (Role.coordinator, coordinator, upToDate.checkpoint),
                (.canvasser, canvasser, try Session.load(from: canvasser.store)?.checkpoint),
            ] {
                let token = try Session.load(from: store.store)!.token
                var walls: [Double] = []
                var cpus: [Double] = []
                var pulled = 0
                for _ in 0..<max(20, repeats * 10) {
                    let c0 = processCPUSeconds()
                    let t1 = ContinuousClock.now
                    let page = try await transport.pull(since: since, limit: ProtocolInfo.maxPullLimit, token: token)
                    walls.append(seconds(ContinuousClock.now - t1))
                    cpus.append(processCPUSeconds() - c0)
                    pulled = page.records.count
                }
                guard pulled == changed.count else {
                    throw BenchImportError("the \(role.rawValue) pulled \(pulled) records, not \(changed.count)")
                }
                walls.sort()
                byRole[role] = Cost(
                    wall: walls[walls.count / 2], cpu: cpus.reduce(0, +) / Double(cpus.count), records: pulled)
                progress(
                    String(
                        format: "%d records, %@: %.3f ms per pull (median), %.3f ms CPU (mean)", size, role.rawValue,
                        byRole[role]!.wall * 1000, byRole[role]!.cpu * 1000))
            }
            costs[size] = byRole
        }
        let (small, big) = (sizes[0], sizes[1])
        var figures: [Figure] = []
        for size in sizes {
            figures.append(
                Figure(name: "store of \(size): seeding", value: seedSeconds[size]!, unit: "s", target: nil, met: nil))
            for role in [Role.coordinator, .canvasser] {
                figures.append(
                    Figure(
                        name: "store of \(size): \(role.rawValue) pull of 10 changes (median)",
                        value: costs[size]![role]!.wall * 1000, unit: "ms", target: nil, met: nil))
            }
        }
        for role in [Role.coordinator, .canvasser] {
            let ratio = costs[big]![role]!.wall / costs[small]![role]!.wall
            figures.append(
                Figure(
                    name: "\(role.rawValue): cost at \(big) / cost at \(small)", value: ratio, unit: "×",
                    target: "≤ 1.5", met: ratio <= 1.5))
        }
        return ScenarioResult(
            scenario: Self.name, description: Self.summary, figures: figures,
            notes: [
                "server store on file (WAL, synchronous=FULL), filled with single-writer contacts of 8 fields off every list; the canvasser's scope is a walk list of 200 households; each pull is timed in process, from authentication to the decoded page, the median of \(max(20, repeats * 10)) pulls"
            ])
    }
}

extension Int64 {
    fileprivate var asInt: Int { Int(self) }
}
