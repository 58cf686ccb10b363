import CanvassCore
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_760_000_000_000

@Suite struct UnsyncedTests {
    /// A store with records from the server (replica S), one pushed-and-accepted local edit, one
    /// pending edit of a synced contact, a pending new interaction and a rejected edit.
    func fixture() throws -> ReplicaStore {
        let server = try ReplicaStore.inMemory()
        try server.setReplicaID(ReplicaID("S"))
        let synced = try server.write(
            [
                LocalWrite(
                    RecordKey("contacts", "p1"), ["first_name": "Ana", "phone": "614-555-0101", "street": "1 Elm St"]),
                LocalWrite(RecordKey("contacts", "p2"), ["first_name": "Bo", "phone": "614-555-0102"]),
                LocalWrite(RecordKey("contacts", "p3"), ["first_name": "Cy"]),
                LocalWrite(RecordKey("lists", "l1"), ["name": "Turf 1"]),
            ], wallclock: T0)
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("A"))
        try store.apply(ChangeSet(records: synced))
        // Accepted earlier: no outbox entry left.
        try store.write(RecordKey("contacts", "p2"), ["email": "bo@example.org"], wallclock: T0 + 1)
        try store.acknowledge(accepted: try store.outbox(), rejected: [])
        // Pending and rejected.
        try store.write(RecordKey("contacts", "p1"), ["phone": "614-555-0199"], wallclock: T0 + 2)
        try store.write(RecordKey("interactions", "i1"), ["person_id": "p1", "result": "contacted"], wallclock: T0 + 3)
        try store.write(RecordKey("contacts", "p3"), ["party": "GRN"], wallclock: T0 + 4)
        let rejected = try #require(try store.outbox().first { $0.key.id == "p3" })
        try store.acknowledge(
            accepted: [],
            rejected: [
                (
                    rejected,
                    [
                        Diagnostic(
                            at: "records[0].fields.party", code: "forbidden",
                            "party can only be changed by a coordinator")
                    ]
                )
            ])
        return store
    }

    @Test func unsyncedIsOnlyThisReplicasUnacknowledgedWrites() throws {
        let store = try fixture()
        let unsynced = try store.unsynced()
        #expect(
            unsynced.map(\.record.key) == [
                RecordKey("contacts", "p1"), RecordKey("interactions", "i1"), RecordKey("contacts", "p3"),
            ])
        let p1 = try #require(unsynced.first)
        #expect(Set(p1.record.fields.keys) == ["phone"], "the server's first_name and street are not ours to export")
        #expect(p1.record["phone"] == "614-555-0199")
        #expect(unsynced[2].entry.status == "rejected" && unsynced[2].entry.problems.first?.code == "forbidden")
    }

    @Test func discardingSyncedDataKeepsOnlyWhatWasNeverPushed() throws {
        let store = try fixture()
        let result = try store.transaction { tx in try tx.discardSynced() }
        #expect(
            result.kept.sorted() == [
                RecordKey("contacts", "p1"), RecordKey("contacts", "p3"), RecordKey("interactions", "i1"),
            ])
        #expect(result.discarded == 2, "p2 (its edit was accepted) and l1, of 5 records")
        #expect(try store.record(RecordKey("contacts", "p2")) == nil)
        #expect(try store.record(RecordKey("lists", "l1")) == nil)
        let p1 = try #require(try store.record(RecordKey("contacts", "p1")))
        #expect(Set(p1.fields.keys) == ["phone"], "the synced name and address of a kept contact go too")
        #expect(try store.record(RecordKey("interactions", "i1"))?["result"] == "contacted")
        // The outbox is intact: status, reasons, and still pushable.
        #expect(
            try store.outbox(status: "pending").map(\.key).sorted() == [
                RecordKey("contacts", "p1"), RecordKey("interactions", "i1"),
            ])
        #expect(try store.outbox(status: "rejected").first?.problems.first?.code == "forbidden")
        #expect(try store.unsynced().count == 3)
        #expect(try store.counts().records == 3)
    }

    @Test func scrubLeavesNoDeletedDataInTheFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("replica.sqlite").path
        let store = try ReplicaStore.open(path: path)
        try store.setReplicaID(ReplicaID("A"))
        let secret = "Zebediah-Quintessential-Voter"
        try store.apply(
            ChangeSet(
                records: (0..<200).map { i in
                    var r = Record(key: RecordKey("contacts", "c\(i)"))
                    r.fields["last_name"] = Register(siblings: [
                        Sibling(
                            dot: Dot(ReplicaID("S"), UInt64(i + 1)), wallclock: T0, value: .string("\(secret)-\(i)"))
                    ])
                    return r
                }))
        try store.write(RecordKey("interactions", "mine"), ["result": "not_home"], wallclock: T0)
        _ = try store.transaction { tx in try tx.discardSynced() }
        try store.scrub()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path + suffix))
            #expect(
                bytes.range(of: Data(secret.utf8)) == nil,
                "deleted voter data left in \(suffix.isEmpty ? "the database" : suffix)")
        }
        #expect(try store.record(RecordKey("interactions", "mine")) != nil)
    }
}

@Suite struct PrivateFolderTests {
    func mode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
    }

    @Test func aNewFolderIsCreatedPrivate() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a/b").path
        try PrivateFolder.prepare(path)
        #expect(try mode(path) == 0o700)
    }

    @Test func anOpenFolderWeOwnIsTightened() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("home").path
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        #expect(try mode(path) == 0o755)
        try PrivateFolder.prepare(path)
        #expect(try mode(path) == 0o700)
        try PrivateFolder.prepare(path)  // already private: nothing to do
        #expect(try mode(path) == 0o700)
    }

    @Test func anOpenFolderOfSomeoneElseIsRefusedWithWhatToRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("theirs").path
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        // Give it away (possible when the tests run as root, as in CI); otherwise skip this case.
        guard chown(path, 54321, 54321) == 0 else { return }
        do {
            try PrivateFolder.prepare(path)
            Issue.record("a folder others can read and we do not own must be refused")
        } catch let e as StoreError {
            #expect(e.code == .unsafeFolder)
            #expect(e.message.contains("chmod 700 \(path)"), "\(e.message)")
        }
        #expect(try mode(path) == 0o755, "someone else's folder is left alone")
    }

    @Test func aFileIsNotAFolder() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("file").path
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: StoreError.self) { try PrivateFolder.prepare(path) }
    }
}
