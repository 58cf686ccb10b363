import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// Two real `canvass-server` processes on one PostgreSQL database (issue 13): canvassers and a
/// coordinator push and pull at the same time, each switching process from one sync to the next,
/// while an observing coordinator pulls all along. Afterwards every acknowledged write is on the
/// server and on every replica that may hold it, all replicas hold the server's state, and the
/// observer, whose checkpoint only ever moved forward, holds exactly what the server holds: a
/// pull that skipped a change (SYNC.md, "Changes feed": the safe watermark) would leave it behind.
/// On SQLite the same clients share one process.
@Suite(.serialized) struct MultiProcessTests {
    static let retry = RetryPolicy(attempts: 3, initialDelay: .milliseconds(20))
    static let rounds = 10

    /// A replica that syncs with either process: `engine(round)` alternates between them.
    struct Replica {
        let name: String
        let store: ReplicaStore
        let transports: [HTTPTransport]
        var ops: FieldOperations { FieldOperations(store: store) }

        func sync(_ round: Int, now: Int64 = 1_760_000_000_000) async throws -> SyncReport {
            try await SyncEngine(store: store, transport: transports[round % transports.count], retry: retry)
                .sync(now: now)
        }
    }

    @Test(.freshDatabases, .timeLimit(.minutes(3)), arguments: TestBackend.all)
    func twoProcessesServeConcurrentClientsAndEveryoneConverges(backend: TestBackend) async throws {
        let database = try await backend.database()
        let dir = try temporaryDirectory("canvass-multiprocess")
        defer { try? FileManager.default.removeItem(at: dir) }

        // A small campaign, its users and their codes, written straight into the database.
        let campaign = try TestCampaign(households: 40, turfSize: 10)
        let storage = try await database.storage()
        let service = SyncService(storage: storage)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await storage.write(try campaign.writes().map { LocalWrite($0.key, $0.values) }, wallclock: now)
        let people: [(String, Role, String?)] = [
            ("c0", .canvasser, "walk-0"), ("c1", .canvasser, "walk-0"), ("c2", .canvasser, "walk-1"),
            ("c3", .canvasser, "walk-1"), ("kim", .coordinator, nil), ("obs", .coordinator, nil),
        ]
        var codes: [String: String] = [:]
        for (name, role, list) in people {
            let (user, code) = try await service.addUser(name: name, role: role, now: now)
            if let list {
                let a = CampaignSeed.assignment(list: list, user: user.id)
                try await storage.write([LocalWrite(a.key, a.values)], wallclock: now)
            }
            codes[name] = code
        }

        // On SQLite, one process (it cannot share its file with another) named twice.
        let started = try (0..<(backend == .postgres ? 2 : 1)).map { _ in try ServerProcess(database: database) }
        defer { for s in started { s.stop() } }
        let servers = [started[0], started[started.count - 1]]
        var replicas: [String: Replica] = [:]
        for (i, (name, _, _)) in people.enumerated() {
            let urls = (0..<2).map { servers[($0 + i) % 2].baseURL }
            let transports = try urls.map { try HTTPTransport(baseURL: $0) }
            let client = try await Client(dir: dir, name: name, url: urls[0], code: try #require(codes[name]))
            replicas[name] = Replica(name: name, store: client.store, transports: transports)
        }
        for r in replicas.values { _ = try await r.sync(0) }

        // The field: each canvasser records a result and edits a phone every round, the
        // coordinator edits names; everyone syncs after each round, alternating processes.
        let writers = ["c0", "c1", "c2", "c3", "kim"].map { replicas[$0]! }
        let done = Flag()
        let observer = replicas["obs"]!
        let observed = Task {
            // The observer pulls all along, alternating processes, until the writers are done.
            var pulls = 0
            while !done.isSet {
                _ = try await observer.sync(pulls)
                pulls += 1
            }
            return pulls
        }
        let recorded = try await withThrowingTaskGroup(of: [String].self) { group in
            for (w, replica) in writers.enumerated() {
                group.addTask {
                    var mine: [String] = []
                    for round in 0..<Self.rounds {
                        let at = now + Int64(round * 1_000 + w)
                        if replica.name == "kim" {
                            let contact = try #require(try replica.store.records(in: "contacts").randomElement())
                            try replica.ops.edit(
                                person: contact.key.id, set: ["first_name": .string("K\(round)")], now: at)
                        } else {
                            let list = w < 2 ? "walk-0" : "walk-1"
                            let stops = try replica.store.walkList(list)
                            try #require(stops.count == 10, "\(replica.name) holds its walk list")
                            let person = stops[(round + w) % stops.count].people[0].id
                            mine.append(
                                try replica.ops.recordInteraction(
                                    person: person, list: list, result: "contacted", now: at))
                            try replica.ops.edit(
                                person: person, set: ["phone": .string("614-555-\(w)\(round)")], now: at)
                        }
                        let report = try await replica.sync(round, now: at)
                        #expect(report.rejected == 0, "\(replica.name) round \(round): \(report)")
                    }
                    return mine
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        done.set()
        let pulls = try await observed.value
        #expect(pulls >= 3, "the observer pulled while the others wrote (\(pulls) pulls)")

        // Everyone syncs twice more, in turn, on both processes: nothing is left to move.
        for round in 0..<2 {
            for name in people.map(\.0) { _ = try await replicas[name]!.sync(round) }
        }
        #expect(recorded.count == 4 * Self.rounds)
        let truth = try await database.storage()
        var serverRecords: [RecordKey: Record] = [:]
        for collection in ["contacts", "interactions", "lists", "list_items", "assignments"] {
            for r in try await truth.records(in: collection) { serverRecords[r.key] = r }
        }
        for id in recorded {
            #expect(serverRecords[RecordKey("interactions", id)] != nil, "acknowledged interaction \(id) is stored")
        }
        for (name, replica) in replicas {
            #expect(try replica.store.counts().pending == 0, "\(name) has nothing left to push")
            for collection in ["contacts", "interactions"] {
                for r in try replica.store.records(in: collection) {
                    #expect(r == serverRecords[r.key], "\(name): \(r.key) differs from the server's")
                }
            }
        }
        // The coordinators hold exactly the server's contacts and interactions; the observer too,
        // though it only ever pulled forward while the others wrote.
        for name in ["kim", "obs"] {
            let store = replicas[name]!.store
            var held: [RecordKey: Record] = [:]
            for collection in ["contacts", "interactions", "lists", "list_items", "assignments"] {
                for r in try store.records(in: collection) { held[r.key] = r }
            }
            #expect(held.count == serverRecords.count, "\(name) holds \(held.count) of \(serverRecords.count)")
            for (key, r) in serverRecords where held[key] != r {
                Issue.record("\(name): \(key) missing or stale")
            }
            for id in recorded { #expect(held[RecordKey("interactions", id)] != nil, "\(name) has \(id)") }
        }
        // Canvassers sharing a list see the same contacts.
        for (x, y) in [("c0", "c1"), ("c2", "c3")] {
            let a = try replicas[x]!.store.records(in: "contacts")
            let b = try replicas[y]!.store.records(in: "contacts")
            #expect(a == b, "\(x) and \(y) converge on their shared list")
        }
    }
}

/// A flag set once, read from another task.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
