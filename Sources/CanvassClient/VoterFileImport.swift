import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// What `canvass import` did, or would do with `--dry-run`: the documented `--json` shape.
public struct VoterImportReport: Sendable, Codable {
    public let campaign: String
    public let file: String
    public let dryRun: Bool
    /// Data rows in the file (blank lines not counted).
    public let rows: Int
    public let people: VoterFilePlan.Counts
    public let households: VoterFilePlan.Counts
    /// Rows left out for errors (each in `problems`).
    public let badRows: Int
    /// Rows repeating an earlier row's person, skipped (each in `problems`).
    public let duplicates: Int
    /// Records written (0 on a dry run).
    public let written: Int
    /// Every row's errors and warnings, then duplicates, at `line N, COLUMN`.
    public let problems: [Diagnostic]
    /// Which column fed which field.
    public let mapping: [ColumnMapping]
    /// Columns not read, and why.
    public let notes: [String]

    public struct ColumnMapping: Sendable, Codable, Hashable {
        public let column: String
        public let field: String
    }

    enum CodingKeys: String, CodingKey {
        case campaign, file, rows, people, households, duplicates, written, problems, mapping, notes
        case dryRun = "dry_run"
        case badRows = "bad_rows"
    }
}

/// How far an import is, for a progress bar.
public enum VoterImportProgress: Sendable {
    /// Rows read and checked so far, of about `total` (the file's line count).
    case reading(rows: Int, total: Int)
    /// Records written and committed so far.
    case writing(done: Int, total: Int)
}

extension FieldClient {
    /// Imports a voter or contact file into a campaign (`canvass import`): reads it with the
    /// default header mappings and `maps` (`COLUMN=FIELD`), keeps the good rows and reports the
    /// bad ones by line, matches people already here (`VoterFilePlan`), and writes what changes as
    /// local replicated writes in large durable transactions. Works offline; `canvass sync` sends
    /// the records to the server.
    /// - Parameters:
    ///   - dryRun: report what would change and write nothing.
    /// - Throws: `.invalid` before anything is written when the file cannot be read as CSV, a
    ///   `--map` is wrong, or no column gives a name or an address; `.notFound` for a missing
    ///   file or campaign; `.invalid` for a canvasser's login.
    public func importVoterFile(
        campaign: String, file: String, maps: [String] = [], dryRun: Bool = false, now: Int64,
        progress: (VoterImportProgress) -> Void = { _ in }
    ) throws -> VoterImportReport {
        try translating {
            let (store, _) = try coordinatorSession("import voter files")
            let (campaignID, _) = try Self.findCampaign(campaign, in: store)
            let text = try Self.readText(file)
            let lines = text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let read = VoterFileRead.read(csv: text, overrides: maps) { progress(.reading(rows: $0, total: lines)) }
            if !read.fileProblems.isEmpty {
                throw ClientError(.invalid, "nothing imported from \(file)", problems: read.fileProblems)
            }
            progress(.reading(rows: read.rows, total: read.rows))
            let existing = VoterFileIndex(
                contacts: try store.displays(in: "contacts"), households: try store.displays(in: "households"))
            let plan = VoterFilePlan(people: read.people, campaign: campaignID, existing: existing)
            if !dryRun {
                let writes = plan.writes.map { LocalWrite($0.key, $0.values) }
                try store.writeInBatches(writes, wallclock: now) {
                    progress(.writing(done: $0, total: writes.count))
                }
            }
            return VoterImportReport(
                campaign: campaignID, file: file, dryRun: dryRun, rows: read.rows, people: plan.people,
                households: plan.households, badRows: read.badRows, duplicates: plan.duplicates.count,
                written: dryRun ? 0 : plan.writes.count, problems: read.rowProblems + plan.duplicates,
                mapping: read.mapping.pairs.map { .init(column: $0.column, field: $0.target.description) },
                notes: read.mapping.notes)
        }
    }

    /// A file's text: UTF-8 (a byte-order mark is dropped by the CSV reader), else Windows-1252,
    /// as spreadsheet exports often are.
    static func readText(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ClientError(.notFound, "cannot read \(file): no such file, or it is not readable")
        }
        if let s = String(data: data, encoding: .utf8) { return s }
        if let s = String(data: data, encoding: .windowsCP1252) { return s }
        return String(decoding: data, as: UTF8.self)
    }
}
