import CanvassCore
import Foundation
import SwiftCSV

/// A vote-history or ballot-return file read with the rules of `GotvBallotFile`: CSV by SwiftCSV
/// (comma, tab or semicolon, guessed from the header), as `VoterFileRead` reads voter files.
public struct GotvFileRead: Sendable {
    /// The columns read, when the header could be resolved.
    public let file: GotvBallotFile?
    /// Problems of the file as a whole (not CSV, no voter id or status column, a bad `--map` or
    /// `--status`): nothing can be imported while there is one.
    public let fileProblems: [Diagnostic]
    /// The good rows, in file order, with their lines.
    public let rows: [(line: Int, voterID: String, status: GotvBallotFile.Status)]
    /// Every bad row's problems, by line (the row is left out).
    public let rowProblems: [Diagnostic]
    /// Data rows read (blank lines not counted) and rows left out.
    public let rowCount: Int
    public let badRows: Int

    /// Reads a file's text.
    /// - Parameters:
    ///   - maps: `COLUMN=FIELD` (voter_id, status, ignore).
    ///   - statuses: `CODE=STATUS` over the status table.
    public static func read(csv text: String, maps: [String] = [], statuses: [String] = []) -> GotvFileRead {
        let delimiter = CSVDelimiter.guessed(string: String(text.prefix(4096)))
        let csv: CSV<Enumerated>
        do {
            csv = try CSV<Enumerated>(string: text, delimiter: delimiter, loadColumns: false, rowLimit: 0)
        } catch {
            return failed([Diagnostic(at: "line 1", code: "bad_csv", "the header is not CSV: \(error)")])
        }
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard header.contains(where: { !$0.isEmpty }) else {
            return failed([Diagnostic(at: "line 1", code: "bad_csv", "the file has no header row")])
        }
        let (file, problems) = GotvBallotFile.resolve(header: header, maps: maps, statuses: statuses)
        if !problems.isEmpty { return failed(problems, file: file) }
        let state = ReadState()
        state.line = 1 + csv.header.reduce(0) { $0 + newlines($1) }
        do {
            try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { cells in
                let line = state.line + 1
                state.line += 1 + cells.reduce(0) { $0 + newlines($1) }
                if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { return }
                state.count += 1
                let (row, problems) = file.read(cells, line: line)
                state.problems += problems
                if let row { state.rows.append((line, row.voterID, row.status)) } else { state.bad += 1 }
            }
        } catch {
            return failed(
                [
                    Diagnostic(
                        at: "line \(state.line + 1)", code: "bad_csv",
                        "not readable as CSV (\(error)); fix the quoting there and import again")
                ], file: file)
        }
        return GotvFileRead(
            file: file, fileProblems: [], rows: state.rows, rowProblems: state.problems, rowCount: state.count,
            badRows: state.bad)
    }

    private static func newlines(_ s: String) -> Int { s.reduce(0) { $0 + ($1.isNewline ? 1 : 0) } }

    private static func failed(_ problems: [Diagnostic], file: GotvBallotFile? = nil) -> GotvFileRead {
        GotvFileRead(file: file, fileProblems: problems, rows: [], rowProblems: [], rowCount: 0, badRows: 0)
    }

    /// SwiftCSV calls back through an escaping closure: the row state lives in a box.
    private final class ReadState {
        var line = 1
        var count = 0
        var bad = 0
        var rows: [(line: Int, voterID: String, status: GotvBallotFile.Status)] = []
        var problems: [Diagnostic] = []
    }
}
