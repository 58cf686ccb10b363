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
/// the test double for network sync.
public final class InProcessTransport: SyncTransport, @unchecked Sendable {
    public let service: SyncService
    public let device: DeviceIdentity
    private let lock = NSLock()
    private var faults: [Fault?] = []
    private var extraEvictions: [KeyRef] = []
    public private(set) var calls = 0

    public init(service: SyncService, device: DeviceIdentity) {
        self.service = service
        self.device = device
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

    private func run<T>(_ body: () throws -> T) throws -> T {
        let fault = nextFault()
        if case .dropRequest? = fault { throw TransportError.unreachable("simulated: request lost") }
        let result: T
        do {
            result = try body()
        } catch let e as SyncError {
            throw TransportError.server(status: e.status, body: e.body)
        }
        if case .dropResponse? = fault { throw TransportError.unreachable("simulated: response lost") }
        return result
    }

    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        try run {
            EnrollResponse(
                replicaID: device.replica, token: "token-\(device.replica)",
                user: UserInfo(id: device.userID, name: device.userID, role: device.role),
                serverReplica: (try? service.store.replicaID()) ?? ReplicaID("server"))
        }
    }

    public func push(_ request: PushRequest, token: String) async throws -> PushResponse {
        try run { try service.push(request, from: device) }
    }

    public func pull(since: String?, limit: Int, token: String) async throws -> PullResponse {
        try run {
            let page = try service.pull(since: since, limit: limit, for: device)
            let extra = lock.withLock { () -> [KeyRef] in
                defer { extraEvictions = [] }
                return extraEvictions
            }
            if extra.isEmpty { return page }
            return PullResponse(records: page.records, evict: page.evict + extra, checkpoint: page.checkpoint, more: page.more)
        }
    }
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
            out += CampaignSeed.list(id: "walk-\(i)", name: "Turf \(i)", kind: "walk", surveyID: doorSurvey.id, people: turf)
        }
        out += CampaignSeed.list(id: "calls-0", name: "Calls 0", kind: "call", surveyID: phoneSurvey.id, people: turfs[0])
        return out
    }

    /// A server-side store seeded with the campaign, written as replica `server`.
    public func serverStore(path: String? = nil) throws -> ReplicaStore {
        let store = try path.map { try ReplicaStore.open(path: $0) } ?? ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("server"))
        try store.write(try writes().map { LocalWrite($0.key, $0.values) }, wallclock: 1_760_000_000_000)
        return store
    }
}

/// A client replica enrolled through an in-process transport.
public func enrolledClient(
    service: SyncService, replica: String, user: String, role: Role = .canvasser, path: String? = nil
) async throws -> (store: ReplicaStore, transport: InProcessTransport) {
    let store = try path.map { try ReplicaStore.open(path: $0) } ?? ReplicaStore.inMemory()
    let transport = InProcessTransport(service: service, device: DeviceIdentity(replica: ReplicaID(replica), userID: user, role: role))
    if try Session.load(from: store) == nil {
        _ = try await Enrollment.enroll(store: store, serverURL: "inprocess:", code: "TEST", deviceName: replica, transport: transport)
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
