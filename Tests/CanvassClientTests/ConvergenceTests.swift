import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// Three client replicas and the server replica, under random schedules of offline work and
/// syncs that break at random points (lost requests, lost responses, give-ups), end identical
/// after a final round, and nothing recorded is missing.
@Suite struct ReplicaConvergenceTests {
    @Test(arguments: Array(UInt64(1)...UInt64(12)))
    func threeClientsAndTheServerConverge(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9)
        let campaign = try TestCampaign(households: 12, turfSize: 6, seed: 7)
        let service = try await campaign.server()
        var clients: [(store: ReplicaStore, transport: InProcessTransport, engine: SyncEngine)] = []
        for (i, role) in [Role.canvasser, .canvasser, .coordinator].enumerated() {
            let (store, transport) = try await enrolledClient(
                service: service, user: "user\(i)", role: role, lists: role == .canvasser ? ["walk-0"] : [])
            let engine = SyncEngine(
                store: store, transport: transport,
                retry: RetryPolicy(attempts: 2, initialDelay: .milliseconds(1), sleep: { _ in }),
                pushPageSize: 3, pullPageSize: 7)
            clients.append((store, transport, engine))
            _ = try await engine.sync(now: 0)
        }
        let people = campaign.turfs[0].map(CampaignSeed.contactID)
        var recorded: [String] = []
        var clock: Int64 = 1_760_000_000_000
        var log: [String] = []
        for _ in 0..<60 {
            clock += Int64(rng.int(in: -5...50))
            let c = rng.below(clients.count)
            let ops = FieldOperations(store: clients[c].store)
            switch rng.below(10) {
            case 0...3:
                let id = try ops.recordInteraction(
                    person: rng.pick(people), list: "walk-0",
                    result: rng.pick(["not_home", "refused", "come_back_later"]), now: clock)
                recorded.append(id)
                log.append("dev\(c) record")
            case 4...6:
                let field = rng.pick(["phone", "email", "notes"])
                let value: Value =
                    field == "email"
                    ? .string("u\(rng.below(3))@example.org") : .string("614-555-01\(10 + rng.below(80))")
                try ops.edit(person: rng.pick(people), set: [field: value], now: clock)
                log.append("dev\(c) edit \(field)")
            default:
                var faults: [Fault?] = []
                for _ in 0..<rng.below(4) { faults.append(rng.pick([nil, .dropRequest, .dropResponse])) }
                clients[c].transport.inject(faults)
                do {
                    _ = try await clients[c].engine.sync(now: clock)
                    log.append("dev\(c) sync ok")
                } catch let e as ClientError where [.cannotConnect, .unreachable, .refused].contains(e.code) {
                    log.append("dev\(c) sync broke")
                }
            }
        }
        for _ in 0..<2 { for c in clients { _ = try await c.engine.sync(now: clock) } }
        let reference = try everything(service.replicaStore)
        for (i, c) in clients.enumerated() {
            // A canvasser holds its scope, each record exactly as the server has it; the
            // coordinator holds everything.
            let mine = try everything(c.store)
            let expected = i == 2 ? reference : reference.filter { r in mine.contains { $0.key == r.key } }
            #expect(mine == expected, "dev\(i) diverges; seed \(seed); \(log.suffix(8))")
            if i < 2 { #expect(mine.count > 30, "dev\(i) should hold its walk list") }
            #expect(try c.store.counts().pending == 0, "dev\(i) still has pending changes; seed \(seed)")
        }
        let serverInteractions = Set(try service.replicaStore.records(in: "interactions").map(\.key.id))
        #expect(serverInteractions == Set(recorded), "seed \(seed): interactions lost or duplicated")
        #expect(recorded.count > 0)
    }
}
