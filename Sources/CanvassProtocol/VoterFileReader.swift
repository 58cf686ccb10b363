import CanvassCore
import Foundation
import SwiftCSV

/// A voter or contact file read with the import rules of CanvassCore (`VoterFileMapping`,
/// `VoterFileRules`): the one reader behind the client's `canvass import` and the server's
/// admin import. CSV is read by SwiftCSV (comma, tab or semicolon, guessed from the header);
/// dates by Foundation's formatters.
public struct VoterFileRead: Sendable {
    public let mapping: VoterFileMapping
    /// Problems of the file as a whole (not CSV, a missing mapping, a bad `--map`): nothing can
    /// be imported while there is one.
    public let fileProblems: [Diagnostic]
    /// The good rows, in file order.
    public let people: [VoterFilePerson]
    /// Every row's errors (the row is left out) and warnings (the row is kept), by line.
    public let rowProblems: [Diagnostic]
    /// Data rows read (blank lines not counted).
    public let rows: Int
    /// Rows left out for errors.
    public let badRows: Int

    /// Reads a file's text.
    /// - Parameters:
    ///   - overrides: `COLUMN=FIELD` mappings over the defaults.
    ///   - progress: called every 1,000 rows with the rows read so far.
    public static func read(
        csv text: String, overrides: [String] = [], schema: Schema = CampaignSchema.standard,
        progress: (Int) -> Void = { _ in }
    ) -> VoterFileRead {
        let delimiter = CSVDelimiter.guessed(string: String(text.prefix(4096)))
        let csv: CSV<Enumerated>
        do {
            // The header only; rows are streamed below, so ragged rows stay visible.
            csv = try CSV<Enumerated>(string: text, delimiter: delimiter, loadColumns: false, rowLimit: 0)
        } catch {
            return failed(header: [], [Diagnostic(at: "line 1", code: "bad_csv", "the header is not CSV: \(error)")])
        }
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !header.isEmpty, header.contains(where: { !$0.isEmpty }) else {
            return failed(header: header, [Diagnostic(at: "line 1", code: "bad_csv", "the file has no header row")])
        }
        let (mapping, mappingProblems) = VoterFileMapping.resolve(header: header, overrides: overrides)
        if !mappingProblems.isEmpty { return failed(mapping: mapping, mappingProblems) }
        let rules = VoterFileRules(mapping: mapping, schema: schema, readDate: { VoterFileDates.shared.read($0) })
        let state = ReadState()
        state.line = 1 + csv.header.reduce(0) { $0 + newlines($1) }
        do {
            try withoutActuallyEscaping(progress) { progress in
                state.progress = progress
                defer { state.progress = nil }
                try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { cells in
                    let line = state.line + 1
                    state.line += 1 + cells.reduce(0) { $0 + newlines($1) }
                    if cells.allSatisfy({ $0.isEmpty }) { return }
                    state.rows += 1
                    let (person, problems) = rules.person(cells, line: line)
                    state.problems += problems
                    if let person { state.people.append(person) } else { state.bad += 1 }
                    if state.rows % 1000 == 0 { state.progress?(state.rows) }
                }
            }
        } catch {
            return failed(
                mapping: mapping,
                [
                    Diagnostic(
                        at: "line \(state.line + 1)", code: "bad_csv",
                        "not readable as CSV (\(error)); fix the quoting there and import again")
                ])
        }
        return VoterFileRead(
            mapping: mapping, fileProblems: [], people: state.people, rowProblems: state.problems, rows: state.rows,
            badRows: state.bad)
    }

    private static func newlines(_ s: String) -> Int { s.reduce(0) { $0 + ($1.isNewline ? 1 : 0) } }

    private static func failed(header: [String], _ problems: [Diagnostic]) -> VoterFileRead {
        failed(mapping: VoterFileMapping.resolve(header: header, overrides: []).0, problems)
    }

    private static func failed(mapping: VoterFileMapping, _ problems: [Diagnostic]) -> VoterFileRead {
        VoterFileRead(mapping: mapping, fileProblems: problems, people: [], rowProblems: [], rows: 0, badRows: 0)
    }

    /// SwiftCSV calls back through an escaping closure: the row state lives in a box.
    private final class ReadState {
        var line = 1
        var rows = 0
        var bad = 0
        var people: [VoterFilePerson] = []
        var problems: [Diagnostic] = []
        var progress: ((Int) -> Void)?
    }
}

/// The date forms of voter files, read with Foundation's formatters (POSIX locale, UTC, not
/// lenient) and remembered, because a file repeats the same dates many times.
public final class VoterFileDates: @unchecked Sendable {
    public static let shared = VoterFileDates()

    static let formats = [
        "yyyy-MM-dd", "MM/dd/yyyy", "M/d/yyyy", "yyyyMMdd", "MM-dd-yyyy", "M-d-yyyy", "dd-MMM-yyyy", "yyyy/MM/dd",
        "MMM d, yyyy", "MMMM d, yyyy",
    ]
    private let lock = NSLock()
    private let readers: [DateFormatter]
    private let writer: DateFormatter
    private var memo: [String: String?] = [:]

    init() {
        func formatter(_ format: String) -> DateFormatter {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.calendar = Calendar(identifier: .gregorian)
            f.isLenient = false
            f.dateFormat = format
            return f
        }
        readers = Self.formats.map(formatter)
        writer = formatter("yyyy-MM-dd")
    }

    /// "11/05/2024" → "2024-11-05"; nil when no form reads it, or the year is before 1800.
    public func read(_ text: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let known = memo[text] { return known }
        var out: String?
        for f in readers {
            if let d = f.date(from: text) {
                let iso = writer.string(from: d)
                if let y = Int(iso.prefix(4)), y >= 1800 { out = iso }
                break
            }
        }
        if memo.count < 100_000 { memo[text] = out }
        return out
    }
}
