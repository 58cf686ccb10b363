import CanvassClient
import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import Foundation

/// Where a simulated network failure strikes.
public enum Fault: Sendable {
    /// The request never reaches the server.
    case dropRequest
    /// The server processes the request, then the answer is lost.
    case dropResponse
}

/// A transport that calls a server-side `SyncService` in the same process, with optional faults:
/// the test double for network sync. Enrollment and tokens go through the real service.
public final class InProcessTransport: SyncTransport, @unchecked Sendable {
    public let service: SyncService
    private let lock = NSLock()
    private var faults: [Fault?] = []
    private var extraEvictions: [KeyRef] = []
    public private(set) var calls = 0

    public init(service: SyncService) {
        self.service = service
    }

    /// Queues faults for the next calls (nil = that call succeeds).
    public func inject(_ faults: [Fault?]) {
        lock.withLock { self.faults += faults }
    }

    /// Makes the next pull also tell the client to evict these records.
    public func evictOnNextPull(_ keys: [RecordKey]) {
        lock.withLock { extraEvictions += keys.map(KeyRef.init) }
    }

    private func nextFault() -> Fault? {
        lock.withLock {
            calls += 1
            return faults.isEmpty ? nil : faults.removeFirst()
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws -> T {
        let fault = nextFault()
        if case .dropRequest? = fault { throw ClientError.unreachable("simulated: request lost") }
        let result: T
        do {
            result = try await body()
        } catch let e as ServerError {
            throw ClientError.server(status: e.statusCode, body: e.body)
        }
        if case .dropResponse? = fault { throw ClientError.unreachable("simulated: response lost") }
        return result
    }

    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        try await run { try await service.enroll(request, client: "in-process", now: 1) }
    }

    public func push(_ request: PushRequest, token: String) async throws -> PushResponse {
        try await run {
            let device = try await service.authenticate(token: token, now: 1)
            return try await service.push(request, from: device.identity)
        }
    }

    public func pull(since: String?, limit: Int, token: String) async throws -> PullResponse {
        try await run {
            let device = try await service.authenticate(token: token, now: 1)
            let page = try await service.pull(since: since, limit: limit, for: device.identity).decoded()
            let extra = lock.withLock { () -> [KeyRef] in
                defer { extraEvictions = [] }
                return extraEvictions
            }
            if extra.isEmpty { return page }
            return PullResponse(
                records: page.records, evict: page.evict + extra, checkpoint: page.checkpoint, more: page.more)
        }
    }
}

extension SyncService {
    /// The SQLite replica behind an embedded-store service (tests only).
    public var replicaStore: ReplicaStore { (storage as! SQLiteServerStorage).store.replicaStore }
}

/// A small campaign on a server-side store: households and contacts from the fixture generator,
/// the fixture surveys, and walk and call lists.
public struct TestCampaign {
    public let voters: [Voter]
    public let turfs: [[Voter]]
    public let surveys: [Survey]

    public init(households: Int = 60, turfSize: Int = 20, seed: UInt64 = 20261103) throws {
        voters = VoterFileGenerator(seed: seed, households: households).generate()
        turfs = CampaignSeed.turfs(voters, households: turfSize)
        surveys = try Fixtures.surveyNames.map { try Fixtures.survey($0) }
    }

    public var doorSurvey: Survey { surveys.first { $0.kind == .canvass }! }
    public var phoneSurvey: Survey { surveys.first { $0.kind == .phone }! }

    /// Every record of the campaign, with walk lists `walk-N` and a call list `calls-0` over turf 0.
    public func writes() throws -> [CampaignSeed.Write] {
        var out = [CampaignSeed.campaign()] + CampaignSeed.people(voters)
        for s in surveys { out.append(try CampaignSeed.survey(s)) }
        for (i, turf) in turfs.enumerated() {
            out += CampaignSeed.list(
                id: "walk-\(i)", name: "Turf \(i)", kind: "walk", surveyID: doorSurvey.id, people: turf)
        }
        out += CampaignSeed.list(
            id: "calls-0", name: "Calls 0", kind: "call", surveyID: phoneSurvey.id, people: turfs[0])
        return out
    }

    /// A plain replica store holding the campaign, written as replica `server`.
    public func replicaStore() throws -> ReplicaStore {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("server"))
        try store.write(try writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_760_000_000_000)
        return store
    }

    /// A server seeded with the campaign (embedded store, in memory or in a folder).
    public func server(directory: String? = nil) async throws -> SyncService {
        let storage =
            try directory.map { try SQLiteServerStorage.open(directory: $0) } ?? SQLiteServerStorage.inMemory()
        try await storage.write(try writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_760_000_000_000)
        return SyncService(storage: storage)
    }
}

/// A client replica enrolled through an in-process transport as `user` (created if new), with
/// `lists` assigned to that user first.
public func enrolledClient(
    service: SyncService, user: String, role: Role = .canvasser, lists: [String] = [], path: String? = nil
) async throws -> (store: ReplicaStore, transport: InProcessTransport) {
    let store = try path.map { try ReplicaStore.open(path: $0) } ?? ReplicaStore.inMemory()
    let transport = InProcessTransport(service: service)
    if try Session.load(from: store) == nil {
        let u: User
        if let existing = try await service.storage.user(named: user) {
            u = existing
        } else {
            u = try await service.addUser(name: user, role: role, now: 1).0
        }
        for l in lists {
            _ = try await service.storage.write(
                [
                    LocalWrite(
                        CampaignSeed.assignment(list: l, user: u.id).key,
                        CampaignSeed.assignment(list: l, user: u.id).values)
                ], wallclock: 2)
        }
        let code = try await service.issueCode(for: u, now: 1)
        _ = try await Enrollment.enroll(
            store: store, serverURL: "inprocess:", code: code, deviceName: user, transport: transport)
    }
    return (store, transport)
}

/// The folder holding the built executables (next to the test bundle).
public func productsDirectory() -> URL {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    while url.path != "/" {
        url = url.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("canvass-bench").path) { return url }
    }
    return repositoryRoot().appendingPathComponent(".build/debug")
}

/// A fresh temporary folder.
public func temporaryDirectory(_ prefix: String = "canvass-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
