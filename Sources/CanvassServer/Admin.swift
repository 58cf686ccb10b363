import CanvassCore
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
            if let l = a["list_id"]?.stringValue, let u = a["user_id"]?.stringValue {
                who[l, default: []].append(users[u] ?? u)
            }
        }
        return lists.map { l in
            ListInfo(
                id: l.key.id, name: l["name"]?.stringValue ?? l.key.id, kind: l["kind"]?.stringValue ?? "walk",
                items: counts[l.key.id] ?? 0,
                assignees: (who[l.key.id] ?? []).sorted())
        }.sorted { $0.id < $1.id }
    }

    /// Gives a list to a user: their devices receive it on the next sync.
    public func assign(list: String, to userName: String, now: Int64) async throws {
        guard try await exists(RecordKey("lists", list)) else {
            let known = try await lists().map(\.id).prefix(20).joined(separator: ", ")
            throw ServerError.notFound("no list '\(list)'; lists: \(known)")
        }
        guard let user = try await storage.user(named: userName) else {
            throw ServerError.notFound(
                "no user '\(userName)'; add one with `canvass-server user add NAME --role canvasser`")
        }
        let a = CampaignRecords.assignment(list: list, user: user.id)
        if try await exists(a.key) { return }
        try await storage.write(
            [LocalWrite(a.key, a.values.merging([Record.deletedField: false]) { x, _ in x })], wallclock: now)
    }

    /// Takes a list away from a user: their devices are told to evict it on the next sync.
    public func unassign(list: String, from userName: String, now: Int64) async throws {
        guard let user = try await storage.user(named: userName) else {
            throw ServerError.notFound("no user '\(userName)'")
        }
        let key = CampaignRecords.assignment(list: list, user: user.id).key
        guard try await exists(key) else {
            throw ServerError.notFound("list '\(list)' is not assigned to \(userName)")
        }
        try await storage.write([LocalWrite.delete(key)], wallclock: now)
    }

    /// Writes campaign records (an import) as the server's own replica, in one transaction.
    public func load(_ writes: [(key: RecordKey, values: [String: Value])], now: Int64) async throws {
        try await storage.write(writes.map { LocalWrite($0.key, $0.values) }, wallclock: now)
    }

    /// Whether the record exists (`Record.exists`).
    public func exists(_ key: RecordKey) async throws -> Bool { Record.exists(try await storage.record(key)) }

    /// How many records of a collection exist.
    public func count(_ collection: String) async throws -> Int { try await storage.records(in: collection).count }
}
