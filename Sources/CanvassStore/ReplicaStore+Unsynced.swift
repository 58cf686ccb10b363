import CanvassCore
import Foundation
import GRDB

/// A record with local changes the server has not accepted: the outbox entry (pending or
/// rejected, with the server's reasons) and the record reduced to what this replica wrote.
public struct UnsyncedRecord: Sendable, Hashable {
    public let entry: OutboxEntry
    /// Only the registers holding a sibling minted by this replica, with only those siblings.
    public let record: CanvassCore.Record
}

/// What discarding synced records did.
public struct DiscardResult: Sendable, Equatable {
    /// Records removed: everything the server already holds.
    public var discarded = 0
    /// Records kept because they hold changes never acknowledged (pending or rejected).
    public var kept: [RecordKey] = []
    public init() {}
}

extension ReplicaStore {
    /// The one rule for "what this replica wrote that the server may not hold": in each record of
    /// the outbox, the siblings minted by `replica`. Other replicas' siblings came from the server.
    /// Returns nil when nothing of this replica's is left (a later write that saw it superseded
    /// it, so it reached the server).
    static func ownPart(of record: CanvassCore.Record, replica: ReplicaID) -> CanvassCore.Record? {
        var out = CanvassCore.Record(key: record.key)
        for (name, register) in record.fields {
            let own = register.siblings.filter { $0.dot.replica == replica }
            if !own.isEmpty { out.fields[name] = Register(siblings: own, context: register.context) }
        }
        return out.fields.isEmpty ? nil : out
    }

    /// Every record with changes not yet accepted by the server, reduced to this replica's own
    /// writes, oldest first. Works without a session: only the replica id is needed.
    public func unsynced() throws -> [UnsyncedRecord] {
        guard let replica = try replicaID() else { return [] }
        let entries = try outbox()
        return try writer.read { db in
            let rows = RecordRows(db)
            return try entries.compactMap { entry in
                guard let record = try rows.load(entry.key), let own = Self.ownPart(of: record, replica: replica) else {
                    return nil
                }
                return UnsyncedRecord(entry: entry, record: own)
            }
        }
    }

    /// Deletes every record the server already holds, keeping only this replica's unacknowledged
    /// writes (see `unsynced()`), inside a caller's transaction. What a revoked device does with
    /// its voter data.
    static func discardSynced(_ db: Database) throws -> DiscardResult {
        var result = DiscardResult()
        guard let raw = try String.fetchOne(db, sql: "SELECT replica FROM clock") else {
            result.discarded = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0
            try db.execute(sql: "DELETE FROM records")
            return result
        }
        let replica = ReplicaID(raw)
        let rows = RecordRows(db)
        let held = try Row.fetchAll(db, sql: "SELECT collection, id FROM outbox ORDER BY seq").map {
            RecordKey($0["collection"], $0["id"])
        }
        var keep: [CanvassCore.Record] = []
        for key in held {
            if let record = try rows.load(key), let own = ownPart(of: record, replica: replica) { keep.append(own) }
        }
        // The outbox rows of dropped records go with them (ON DELETE CASCADE); kept ones are
        // saved back below and their outbox rows restored with their status and reasons.
        let outbox = try Row.fetchAll(db, sql: "SELECT collection, id, status, problems FROM outbox")
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0
        try db.execute(sql: "DELETE FROM records")
        let restore = try db.cachedStatement(
            sql: "INSERT INTO outbox (collection, id, seq, status, problems) VALUES (?, ?, ?, ?, ?)")
        let keptKeys = Set(keep.map(\.key))
        for record in keep {
            let seq = try rows.save(record, origin: nil)
            guard
                let row = outbox.first(where: { $0["collection"] == record.key.collection && $0["id"] == record.key.id }
                )
            else { continue }
            let status: String = row["status"]
            let problems: String? = row["problems"]
            try restore.execute(arguments: [record.key.collection, record.key.id, seq, status, problems])
        }
        result.kept = keep.map(\.key)
        result.discarded = total - keptKeys.count
        return result
    }

    /// Shrinks the file to what is left and empties the write-ahead log, so that deleted voter
    /// data does not linger in free pages or old log frames. Run after a large delete.
    public func scrub() throws {
        try writer.vacuum()
        _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}

extension StoreTransaction {
    /// See `ReplicaStore.discardSynced(_:)`.
    public func discardSynced() throws -> DiscardResult { try ReplicaStore.discardSynced(db) }
}

/// The folder that holds a store: voter data, so only its owner may enter it.
public enum PrivateFolder {
    /// Makes `path` a folder only its owner can read: creates it (and missing parents) with mode
    /// 0700, or tightens an existing folder that this user owns to 0700. Refuses a folder owned
    /// by someone else that others can read, and anything that is not a folder, with a message
    /// saying what to run. Both the client's home folder and the server's data folder use it.
    public static func prepare(_ path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if !fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            do {
                try fm.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(
                    .unsafeFolder,
                    "cannot create the folder \(path) (\(error.localizedDescription)): check the parent folder exists and is writable, or choose another folder"
                )
            }
            return
        }
        guard isDirectory.boolValue else {
            throw StoreError(.unsafeFolder, "\(path) is not a folder: choose a folder for the store")
        }
        // fileExists follows symbolic links, and so does the mode we read and set here.
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes = try fm.attributesOfItem(atPath: resolved)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
        guard mode & 0o077 != 0 else { return }
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        let octal = String(mode & 0o777, radix: 8)
        guard owner == geteuid() else {
            throw StoreError(
                .unsafeFolder,
                "the folder \(path) holds voter data but other users can read it (mode \(octal)) and it belongs to someone else: have its owner run `chmod 700 \(path)`, or choose another folder"
            )
        }
        do {
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: resolved)
        } catch {
            throw StoreError(
                .unsafeFolder,
                "the folder \(path) holds voter data but other users can read it (mode \(octal)), and it cannot be changed: run `chmod 700 \(path)`"
            )
        }
    }
}

extension ReplicaStore {
    /// Deletes the store's files (the database and its -wal and -shm files). The store must not
    /// be used afterwards.
    public func deleteFiles() throws {
        guard let path else { return }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
