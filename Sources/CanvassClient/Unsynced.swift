import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// Changes a device made that the server never accepted, as a file a coordinator can bring in
/// through another device (`canvass export-unsynced`, `canvass import-unsynced`). Changes minted
/// under a revoked or abandoned ReplicaID cannot be pushed any more (`foreign_dot`); importing
/// writes them again, with the importing device's own dots.
public struct UnsyncedFile: Codable, Sendable, Equatable {
    public static let formatName = "canvass-unsynced"
    public static let currentVersion = 1

    public var format = UnsyncedFile.formatName
    public var version = UnsyncedFile.currentVersion
    /// Milliseconds since 1970.
    public var exportedAt: Int64
    /// The device that wrote the changes.
    public var replica: String
    public var server: String?
    public var user: UserInfo?
    public var records: [UnsyncedChange]

    enum CodingKeys: String, CodingKey {
        case format, version, replica, server, user, records
        case exportedAt = "exported_at"
    }
}

/// One record's unacknowledged local writes: the fields this device wrote, with the values it
/// wrote (for a field in conflict, this device's value, not necessarily the one displayed).
public struct UnsyncedChange: Codable, Sendable, Equatable {
    public var collection: String
    public var id: String
    /// `pending` (never answered) or `rejected` (refused by the server, see `problems`).
    public var status: String
    public var problems: [Diagnostic]
    /// When this device last wrote the record: milliseconds since 1970, by its clock.
    public var writtenAt: Int64
    public var fields: [String: Value]

    enum CodingKeys: String, CodingKey {
        case collection, id, status, problems, fields
        case writtenAt = "written_at"
    }
}

/// What an import did.
public struct ImportReport: Codable, Sendable, Equatable {
    /// Records written again as this device's own changes; `canvass sync` pushes them.
    public var written: [String] = []
    /// Records with nothing to write: the same values are already here, or the write-once record
    /// (an interaction) already exists.
    public var skipped: [String] = []
    public init() {}
}

public enum UnsyncedChanges {
    /// The never-acknowledged changes of a store. Needs no session: a device signed out or
    /// revoked can still export what it kept.
    public static func collect(store: ReplicaStore, now: Int64) throws -> UnsyncedFile {
        guard let replica = try store.replicaID() else {
            throw ClientError(.notLoggedIn, "this store never logged in, so it has no changes of its own to export")
        }
        let session = try Session.load(from: store)
        let records = try store.unsynced().map { item in
            let siblings = item.record.fields.compactMapValues(\.displaySibling)
            return UnsyncedChange(
                collection: item.record.key.collection, id: item.record.key.id, status: item.entry.status,
                problems: item.entry.problems,
                writtenAt: siblings.values.map(\.wallclock).max() ?? 0, fields: siblings.mapValues(\.value))
        }
        return UnsyncedFile(
            exportedAt: now, replica: replica.rawValue, server: session?.serverURL, user: session?.user,
            records: records)
    }

    /// Writes the file, readable by its owner only (mode 0600, it holds voter data). An existing
    /// file is refused unless `overwrite`, and then replaced by a new file, never rewritten in
    /// place (so it cannot keep a looser mode).
    public static func write(_ file: UnsyncedFile, to path: String, overwrite: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(file)
        if FileManager.default.fileExists(atPath: path) {
            guard overwrite else {
                throw ClientError(
                    .invalid, "\(path) already exists: choose another file name, or add --force to replace it")
            }
            try FileManager.default.removeItem(atPath: path)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ClientError(
                .invalid,
                "cannot create \(path): \(String(cString: strerror(errno))); check the folder exists and is writable")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw ClientError(.invalid, "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a file written by `write`.
    public static func read(from path: String) throws -> UnsyncedFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClientError(
                .notFound, "cannot read \(path): check the path (it is the file `canvass export-unsynced` wrote)")
        }
        let file: UnsyncedFile
        do {
            file = try JSONDecoder().decode(UnsyncedFile.self, from: data)
        } catch {
            throw ClientError(.invalid, "\(path) is not a file written by `canvass export-unsynced` (\(error))")
        }
        guard file.format == UnsyncedFile.formatName, file.version == UnsyncedFile.currentVersion else {
            throw ClientError(
                .invalid,
                "\(path) is \(file.format) version \(file.version); this canvass reads \(UnsyncedFile.formatName) version \(UnsyncedFile.currentVersion): upgrade canvass"
            )
        }
        return file
    }

    /// Writes an export again as fresh local writes of this (logged-in) device, in one
    /// transaction: new dots, so `canvass sync` pushes them like any change made here. A
    /// write-once record (an interaction) is created anew with the same id, unless it already
    /// exists here; fields already holding the exported value are left alone. The server judges
    /// the writes as this device's: scope, role and survey rules apply.
    public static func importFile(
        _ file: UnsyncedFile, into store: ReplicaStore, schema: Schema = CampaignSchema.standard, now: Int64
    ) throws -> ImportReport {
        guard let session = try Session.load(from: store) else {
            throw ClientError(
                .notLoggedIn,
                "not logged in: import-unsynced writes the changes as this device's, so run `canvass login SERVER_URL CODE` first"
            )
        }
        if file.replica == session.replicaID.rawValue {
            throw ClientError(
                .invalid,
                "this file was exported by this very device (\(file.replica)); its changes are already here: run `canvass sync`"
            )
        }
        var report = ImportReport()
        try store.transaction { tx in
            var writes: [LocalWrite] = []
            for change in file.records {
                let key = RecordKey(change.collection, change.id)
                let existing = try tx.record(key)
                let label = key.description
                if existing != nil && schema.collections[change.collection]?.writeOnce == true {
                    report.skipped.append(label)
                    continue
                }
                let values = change.fields.filter { name, value in existing?.fields[name]?.displayValue != value }
                if values.isEmpty {
                    report.skipped.append(label)
                    continue
                }
                writes.append(LocalWrite(key, values))
                report.written.append(label)
            }
            try tx.write(writes, wallclock: now)
        }
        return report
    }
}
