import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass import CAMPAIGN FILE.csv`: a voter or contact file into a campaign.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a voter or contact file (CSV) into a campaign (coordinators and admins; works offline).",
        discussion: """
            Headers of state voter files and list vendors are recognised without case or punctuation (LAST_NAME, "Last Name", LASTNAME); --map COLUMN=FIELD overrides, --map COLUMN=ignore drops a column. Fields: \(VoterFileMappingFields.names).

            Importing the same file again updates people instead of doubling them: matched by voter id, else by name and address. Bad rows are reported by line and left out; the good rows are kept. With --dry-run nothing is written. `canvass sync` sends the records to the server.
            """)
    @OptionGroup var options: Options
    @Argument(help: "The campaign's id or name.") var campaign: String
    @Argument(help: "The CSV file (comma, tab or semicolon separated).") var file: String
    @Option(name: .customLong("map"), help: "COLUMN=FIELD, e.g. --map RES_ADDR=address; repeat as needed.")
    var maps: [String] = []
    @Flag(help: "Report what would change and write nothing.") var dryRun = false

    func run() async throws {
        let tty = isatty(STDERR_FILENO) == 1
        var last = ContinuousClock.now
        let report = try options.client.importVoterFile(
            campaign: campaign, file: file, maps: maps, dryRun: dryRun, now: FieldClient.now()
        ) { p in
            let (label, done, total): (String, Int, Int)
            switch p {
            case .reading(let r, let t): (label, done, total) = ("reading", r, t)
            case .writing(let d, let t): (label, done, total) = ("writing", d, t)
            }
            if tty {
                // Redrawn at most ten times a second.
                let now = ContinuousClock.now
                guard done == total || now - last > .milliseconds(100) else { return }
                last = now
                let width = 30
                let filled = total > 0 ? min(width, done * width / total) : 0
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)] \(done)/\(total)".utf8))
            } else {
                FileHandle.standardError.write(Data("\(label) \(done)/\(total)\n".utf8))
            }
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if options.json { return try options.emit(report) }
        let verb = report.dryRun ? "would import" : "imported"
        print("\(verb) \(report.file) into \(report.campaign): \(report.rows) rows")
        table(
            ["", "CREATED", "UPDATED", "UNCHANGED"],
            [
                ["people", "\(report.people.created)", "\(report.people.updated)", "\(report.people.unchanged)"],
                [
                    "households", "\(report.households.created)", "\(report.households.updated)",
                    "\(report.households.unchanged)",
                ],
            ])
        print("bad rows (left out): \(report.badRows); duplicate rows (skipped): \(report.duplicates)")
        for p in report.problems { print("  \(p.severity.rawValue): \(p.location): \(p.message)") }
        for n in report.notes { print("  note: \(n)") }
        if report.dryRun {
            print("nothing written (--dry-run)")
        } else if report.written > 0 {
            print("\(report.written) records written; `canvass sync` sends them to the server")
        }
    }
}

/// The `--map` field names, for the help text.
enum VoterFileMappingFields {
    static var names: String { VoterFileMapping.fieldNames }
}
