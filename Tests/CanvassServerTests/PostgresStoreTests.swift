import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import CanvassPostgres

/// The PostgreSQL store on a real server (`CANVASS_TEST_POSTGRES_URL`), each test on a fresh
/// database: records and their feed, the safe watermark under concurrent writers, concurrent
/// pushes of one record, and a canvasser's scope against SQLite's.
@Suite(.freshDatabases, .enabled(if: TestBackend.all.contains(.postgres)))
struct PostgresStoreTests {
    static let wallclock: Int64 = 1_760_000_000_000

    /// `count` stores ("processes", each with its own pool) on one fresh database, closed after `body`.
    func withStores<T>(_ count: Int = 1, _ body: ([PostgresStore]) async throws -> T) async throws -> T {
        let url = try #require(try await TestBackend.postgres.database().url)
        var stores: [PostgresStore] = []
        for _ in 0..<count {
            stores.append(
                try await PostgresStore.open(
                    url: url, poolSize: 4, mintReplica: { ReplicaID("srv-" + String(UUID().uuidString.prefix(8))) }))
        }
        do {
            let value = try await body(stores)
            for s in stores { await s.close() }
            return value
        } catch {
            for s in stores { await s.close() }
            throw error
        }
    }

    /// A record as `replica` would push it: `values` written with one dot.
    static func delta(_ key: RecordKey, _ values: [String: Value], by replica: String, counter: UInt64 = 1) -> Record {
        var base = Record(key: key)
        return LocalWrite(key, values).perform(
            on: &base, at: Dot(ReplicaID(replica), counter), wallclock: wallclock + Int64(counter))
    }

    static func acceptAll(_ records: [Record]) -> @Sendable (PushSnapshot) -> PushDecision {
        { _ in
            PushDecision(
                results: records.map { PushResultItem(key: $0.key, accepted: true, problems: []) }, accepted: records,
                held: records.map(\.key))
        }
    }

    static let coordinator = DeviceIdentity(replica: ReplicaID("dev-coord"), userID: "u-coord", role: .coordinator)

    @Test func recordsPushAndFeedRoundTrip() async throws {
        try await withStores(2) { stores in
            let store = stores[0]
            let a = RecordKey("contacts", "a")
            let b = RecordKey("contacts", "b")
            let c = RecordKey("contacts", "c")
            try await store.write(
                [
                    LocalWrite(a, ["name": .string("Ann")]), LocalWrite(b, ["name": .string("Bo")]),
                    LocalWrite(c, ["name": .string("Cy")]),
                ], wallclock: Self.wallclock)
            #expect(try await store.safeWatermark() == 3)
            let all = try await store.feed(since: 0, limit: 10, excludingOrigin: nil, filter: nil)
            #expect(all.records.map(\.key) == [a, b, c])
            #expect(all.last == 3 && !all.more)

            // A coordinator's push: a new field on a, and a new record d.
            let d = RecordKey("contacts", "d")
            let pushed = [
                Self.delta(a, ["phone": .string("555")], by: "dev-coord"),
                Self.delta(d, ["name": .string("Di")], by: "dev-coord", counter: 2),
            ]
            let decision = try await store.push(pushed, device: Self.coordinator, decide: Self.acceptAll(pushed))
            #expect(decision.accepted.count == 2)
            #expect(try await store.record(a)?.values["name"] == .string("Ann"))
            #expect(try await store.record(a)?.values["phone"] == .string("555"))
            #expect(try await store.safeWatermark() == 5)
            // The device's own new record is not echoed back to it; the merged one is.
            let echo = try await store.feed(since: 3, limit: 10, excludingOrigin: Self.coordinator.replica, filter: nil)
            #expect(echo.records.map(\.key) == [a])
            #expect(echo.last == 5)
            // The same page again changes nothing and takes no sequence.
            _ = try await store.push(pushed, device: Self.coordinator, decide: Self.acceptAll(pushed))
            #expect(try await store.safeWatermark() == 5)

            // By key, a page at a time: the checkpoint is the last record, then the watermark.
            let first = try await store.feed(keys: [b, d], since: 0, limit: 1, excludingOrigin: nil)
            #expect(first.records.map(\.key) == [b] && first.more && first.last == 2)
            let second = try await store.feed(keys: [b, d], since: first.last, limit: 1, excludingOrigin: nil)
            #expect(second.records.map(\.key) == [d] && !second.more && second.last == 5)
            let filtered = try await store.feed(since: 0, limit: 10, excludingOrigin: nil, filter: { $0 == c })
            #expect(filtered.records.map(\.key) == [c] && filtered.last == 5)
            #expect(try await store.rawRecords([d, a, RecordKey("contacts", "zz")]).map(\.key) == [d, a])

            // jsonb refuses NUL; the display column gets U+FFFD, the state keeps the value.
            let nul = [
                Self.delta(
                    RecordKey("contacts", "nul"), ["name": .string("a\u{0}b\\u0000")], by: "dev-coord", counter: 3)
            ]
            _ = try await store.push(nul, device: Self.coordinator, decide: Self.acceptAll(nul))
            #expect(try await store.record(nul[0].key)?.values["name"] == .string("a\u{0}b\\u0000"))
            #expect(PostgresStore.jsonb(#"{"a":"x\u0000\\u0000"}"#) == #"{"a":"x\ufffd\\u0000"}"#)
            _ = try await store.write([.delete(c), .delete(nul[0].key)], wallclock: Self.wallclock)
            #expect(try await store.records(in: "contacts").map(\.key) == [a, b, d])
            #expect(try await store.records(in: "contacts", includeDeleted: true).count == 5)

            // A second process on the same database: the same replica and epoch, and its dots
            // continue the first's (no dot is minted twice).
            let other = stores[1]
            #expect(other.replica == store.replica && other.epoch == store.epoch)
            let mine = try await store.write([LocalWrite(b, ["x": .int(1)])], wallclock: Self.wallclock)
            let theirs = try await other.write([LocalWrite(b, ["y": .int(2)])], wallclock: Self.wallclock)
            let dots = (mine + theirs).compactMap { $0.fields.values.first?.siblings.first?.dot.counter }
            #expect(dots.count == 2 && dots[0] < dots[1])
            #expect(try await other.record(b)?.values["x"] == .int(1))
            #expect(try await store.secret(named: "k") { "one" } == (try await other.secret(named: "k") { "two" }))
        }
    }

    /// A writer that has taken its sequence numbers but not committed holds back every later
    /// writer, so a reader never sees a later number while an earlier one may still appear.
    @Test func aPullNeverSkipsAnUncommittedEarlierChange() async throws {
        try await withStores(2) { stores in
            let (slow, fast) = (stores[0], stores[1])
            let gate = Gate()
            let saved = Gate()
            let early = RecordKey("contacts", "early")
            let late = RecordKey("contacts", "late")
            let held = Task {
                try await slow.transaction { connection in
                    try await slow.save(connection, [(StoredRecord(Self.delta(early, ["n": .int(1)], by: "x")), nil)])
                    await saved.open()
                    await gate.wait()
                }
            }
            await saved.wait()
            let pushed = [Self.delta(late, ["n": .int(2)], by: "dev-coord")]
            let pusher = Task {
                try await fast.push(pushed, device: Self.coordinator, decide: Self.acceptAll(pushed))
            }
            try await Task.sleep(for: .milliseconds(400))
            // Nothing committed yet: the feed shows neither, and its checkpoint stays at 0.
            let during = try await fast.feed(since: 0, limit: 10, excludingOrigin: nil, filter: nil)
            #expect(during.records.isEmpty && during.last == 0)
            #expect(try await fast.safeWatermark() == 0)
            await gate.open()
            try await held.value
            _ = try await pusher.value
            let after = try await fast.feed(since: 0, limit: 10, excludingOrigin: nil, filter: nil)
            #expect(after.records.map(\.key) == [early, late])
            #expect(after.last == 2)
        }
    }

    /// Pushes of one record from two processes at once, each adding its own field: every field
    /// is there afterwards (no lost update), and the feed holds the record once.
    @Test func concurrentPushesOfOneRecordConverge() async throws {
        try await withStores(2) { stores in
            let key = RecordKey("contacts", "shared")
            let pages = (0..<24).map { i in [Self.delta(key, ["f\(i)": .int(Int64(i))], by: "dev-\(i)")] }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, page) in pages.enumerated() {
                    let store = stores[i % 2]
                    let device = DeviceIdentity(replica: ReplicaID("dev-\(i)"), userID: "u", role: .coordinator)
                    group.addTask { _ = try await store.push(page, device: device, decide: Self.acceptAll(page)) }
                }
                try await group.waitForAll()
            }
            var expected = Record(key: key)
            for page in pages { expected.merge(page[0]) }
            #expect(try await stores[0].record(key) == expected)
            #expect(try await stores[1].safeWatermark() == 24)
            let feed = try await stores[1].feed(since: 0, limit: 100, excludingOrigin: nil, filter: nil)
            #expect(feed.records.map(\.key) == [key])
        }
    }

    /// A canvasser's scope on PostgreSQL is SQLite's for the same records: the standalone scope,
    /// and the writable scope a canvasser's push is judged against.
    @Test func aCanvassersScopeMatchesSQLite() async throws {
        let campaign = try TestCampaign(households: 40, turfSize: 10)
        let user = "u-can"
        var writes = try campaign.writes().map { LocalWrite($0.key, $0.values) }
        let mine = CampaignRecords.assignment(list: "walk-0", user: user)
        let gone = CampaignRecords.assignment(list: "walk-1", user: user)
        let theirs = CampaignRecords.assignment(list: "walk-2", user: "u-other")
        writes += [mine, gone, theirs].map { LocalWrite($0.key, $0.values) }
        writes.append(
            LocalWrite(RecordKey("interactions", "i-1"), ["user_id": .string(user), "kind": .string("note")]))
        writes.append(LocalWrite(RecordKey("interactions", "i-2"), ["user_id": .string("u-other")]))
        let sqlite = try SQLiteServerStorage.inMemory()
        _ = try await sqlite.write(writes, wallclock: Self.wallclock)
        _ = try await sqlite.write([.delete(gone.key)], wallclock: Self.wallclock)
        try await withStores(1) { stores in
            let store = stores[0]
            _ = try await store.write(writes, wallclock: Self.wallclock)
            _ = try await store.write([.delete(gone.key)], wallclock: Self.wallclock)
            let expected = try await sqlite.canvasserScope(userID: user)
            let scope = try await store.canvasserScope(userID: user)
            #expect(expected.count > 20)
            #expect(expected.contains(RecordKey("interactions", "i-1")))
            #expect(scope == expected)
            #expect(
                try await store.canvasserScope(userID: "u-other")
                    == (try await sqlite.canvasserScope(userID: "u-other")))

            // The push's snapshot: its scope plus what the device holds and has staged.
            let device = DeviceIdentity(replica: ReplicaID("dev-can"), userID: user, role: .canvasser)
            try await store.transaction { connection in
                try await store.exec(
                    connection, "INSERT INTO users (id, name, role, created_at) VALUES (\(user), 'can', 'canvasser', 0)"
                )
                try await store.exec(
                    connection,
                    """
                    INSERT INTO devices (replica, user_id, token_hash, created_at)
                    VALUES (\(device.replica.rawValue), \(user), 'h', 0)
                    """)
            }
            let held = RecordKey("contacts", "held-elsewhere")
            try await store.confirmScope(replica: device.replica, upTo: 0)
            let token = try await store.stageScope(replica: device.replica, added: [held], removed: [])
            #expect(token == 1)
            let seen = Box()
            let page = [Self.delta(RecordKey("interactions", "i-new"), ["user_id": .string(user)], by: "dev-can")]
            _ = try await store.push(page, device: device) { snapshot in
                seen.scope = snapshot.scope
                return Self.acceptAll(page)(snapshot)
            }
            #expect(seen.scope == expected.union([held]))
            // A pull with the token counts what was staged under it as held (the device may not
            // have stored that page yet, so it stays staged); the pushed record is delivered.
            let pulled = try await store.canvasserPull(replica: device.replica, userID: user, confirmingUpTo: token)
            #expect(pulled.delivered == [held, page[0].key])
            #expect(pulled.scope == expected.union([page[0].key]))
            #expect(try await store.delivered(replica: device.replica) == [page[0].key])
            // A later token confirms it.
            let next = try await store.stageScope(replica: device.replica, added: [], removed: [])
            _ = try await store.canvasserPull(replica: device.replica, userID: user, confirmingUpTo: next)
            #expect(try await store.delivered(replica: device.replica) == [held, page[0].key])
        }
    }

    /// Two processes starting on an empty database at once migrate it once.
    @Test func twoProcessesMigrateOnce() async throws {
        let url = try #require(try await TestBackend.postgres.database().url)
        async let one = PostgresStore.open(url: url, mintReplica: { ReplicaID("srv-one") })
        async let two = PostgresStore.open(url: url, mintReplica: { ReplicaID("srv-two") })
        let (a, b) = try await (one, two)
        #expect(a.replica == b.replica)
        let steps = try await a.read { connection in
            try await a.rows(connection, "SELECT count(*) FROM migrations", as: Int64.self).first
        }
        #expect(steps == Int64(PostgresStore.migrations.count))
        await a.close()
        await b.close()
    }

    @Test func anUnreachableServerIsOneClearError() async throws {
        await #expect {
            _ = try await PostgresStore.open(url: "postgres://canvass@127.0.0.1:1/x", mintReplica: { ReplicaID("s") })
        } throws: { error in
            "\(error)" == "cannot reach PostgreSQL at 127.0.0.1:1: is it running? check --postgres"
        }
    }
}

private final class Box: @unchecked Sendable {
    var scope: Set<RecordKey>?
}

/// A one-shot gate a task waits at until the test opens it.
private actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for w in waiters { w.resume() }
        waiters = []
    }
}
