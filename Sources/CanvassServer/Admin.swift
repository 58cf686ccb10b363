import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassStore
import Foundation

/// A list as the admin sees it.
public struct ListInfo: Sendable, Codable {
    public let id: String
    public let name: String
    public let kind: String
    public let items: Int
    public let assignees: [String]
}

/// What `canvass-server demo` set up.
public struct DemoSetup: Sendable {
    public let coordinatorCode: String
    public let canvasserCodes: [(name: String, code: String)]
    public let sharedList: String
    public let lists: Int
    public let people: Int
}

/// The admin operations that work on the store directly (the `canvass-server` subcommands).
public struct ServerAdmin: Sendable {
    public let service: SyncService

    public init(service: SyncService) { self.service = service }

    var storage: any ServerStorage { service.storage }

    public func lists() async throws -> [ListInfo] {
        let lists = try await storage.records(in: "lists")
        let items = try await storage.records(in: "list_items")
        let assignments = try await storage.records(in: "assignments")
        let users = Dictionary(uniqueKeysWithValues: try await storage.users().map { ($0.id, $0.name) })
        var counts: [String: Int] = [:]
        for i in items { if let l = i["list_id"]?.stringValue { counts[l, default: 0] += 1 } }
        var who: [String: [String]] = [:]
        for a in assignments {
            if let l = a["list_id"]?.stringValue, let u = a["user_id"]?.stringValue { who[l, default: []].append(users[u] ?? u) }
        }
        return lists.map { l in
            ListInfo(id: l.key.id, name: l["name"]?.stringValue ?? l.key.id, kind: l["kind"]?.stringValue ?? "walk", items: counts[l.key.id] ?? 0,
                assignees: (who[l.key.id] ?? []).sorted())
        }.sorted { $0.id < $1.id }
    }

    /// Gives a list to a user: their devices receive it on the next sync.
    public func assign(list: String, to userName: String, now: Int64) async throws {
        guard try await storage.record(RecordKey("lists", list)).map({ !$0.isDeleted }) == true else {
            let known = try await lists().map(\.id).prefix(20).joined(separator: ", ")
            throw ServerError.notFound("no list '\(list)'; lists: \(known)")
        }
        guard let user = try await storage.user(named: userName) else {
            throw ServerError.notFound("no user '\(userName)'; add one with `canvass-server user add NAME --role canvasser`")
        }
        let a = CampaignSeed.assignment(list: list, user: user.id)
        if let existing = try await storage.record(a.key), !existing.isDeleted { return }
        try await storage.write([LocalWrite(a.key, a.values.merging([Record.deletedField: false]) { x, _ in x })], wallclock: now)
    }

    /// Takes a list away from a user: their devices are told to evict it on the next sync.
    public func unassign(list: String, from userName: String, now: Int64) async throws {
        guard let user = try await storage.user(named: userName) else { throw ServerError.notFound("no user '\(userName)'") }
        let key = CampaignSeed.assignment(list: list, user: user.id).key
        guard let existing = try await storage.record(key), !existing.isDeleted else {
            throw ServerError.notFound("list '\(list)' is not assigned to \(userName)")
        }
        try await storage.write([LocalWrite.delete(key)], wallclock: now)
    }

    /// Imports a voter file and the three fixture surveys, and cuts walk and call lists.
    /// Safe to run twice: it only loads into an empty store.
    public func loadFixtureCampaign(fixtures directory: String, now: Int64) async throws -> (lists: Int, people: Int)? {
        if try await storage.record(RecordKey("campaigns", CampaignSeed.campaignID)) != nil { return nil }
        let csv = try String(contentsOfFile: (directory as NSString).appendingPathComponent("voters.csv"), encoding: .utf8)
        let voters = try VoterImport.parse(csv: csv)
        var writes = [CampaignSeed.campaign()] + CampaignSeed.people(voters)
        var surveys: [Survey] = []
        for name in Fixtures.surveyNames {
            let path = (directory as NSString).appendingPathComponent("surveys/\(name).yaml")
            surveys.append(try SurveyDocument.decode(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path))
        }
        for s in surveys { writes.append(try CampaignSeed.survey(s)) }
        let door = surveys.first { $0.kind == .canvass }!
        let phone = surveys.first { $0.kind == .phone }!
        let turfs = CampaignSeed.turfs(voters, households: 50)
        for (i, turf) in turfs.enumerated() {
            writes += CampaignSeed.list(id: String(format: "turf-%02d", i + 1), name: "Turf \(i + 1): \(turf[0].streetName)", kind: "walk", surveyID: door.id, people: turf)
        }
        let callable = voters.filter { !$0.phone.isEmpty }
        for (i, chunk) in stride(from: 0, to: min(callable.count, 600), by: 150).enumerated() {
            writes += CampaignSeed.list(id: "calls-\(i + 1)", name: "Phone bank \(i + 1)", kind: "call", surveyID: phone.id, people: Array(callable[chunk..<min(chunk + 150, callable.count)]))
        }
        try await storage.write(writes.map { LocalWrite($0.key, $0.values) }, wallclock: now)
        return (turfs.count + 4, voters.count)
    }

    /// The README's demo: the fixture campaign, a coordinator and two canvassers sharing one walk
    /// list (so their turf overlaps), each with a fresh one-time code.
    public func setUpDemo(fixtures directory: String, now: Int64) async throws -> DemoSetup {
        let loaded = try await loadFixtureCampaign(fixtures: directory, now: now)
        func code(_ name: String, _ role: Role) async throws -> String {
            if let u = try await storage.user(named: name) { return try await service.issueCode(for: u, now: now) }
            return try await service.addUser(name: name, role: role, now: now).code
        }
        let coordinator = try await code("coordinator", .coordinator)
        var canvassers: [(String, String)] = []
        for name in ["canvasser-a", "canvasser-b"] {
            canvassers.append((name, try await code(name, .canvasser)))
            try await assign(list: "turf-01", to: name, now: now)
        }
        let listCount = try await lists().count
        let people = try await storage.records(in: "contacts").count
        _ = loaded
        return DemoSetup(coordinatorCode: coordinator, canvasserCodes: canvassers, sharedList: "turf-01", lists: listCount, people: people)
    }
}
