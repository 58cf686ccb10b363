import ArgumentParser
import CanvassClient
import Foundation

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Push your changes, then pull; resumes after an interruption.",
        discussion: """
            With no connection at all (refused, no route, DNS failure, no answer within 4 s) it tries once more and gives up within seconds: exit 69, your changes are safe. A server that answered and then went slow or failed gets up to 6 attempts with backoff.

            If a coordinator revoked this device, the synced voter data is deleted from this computer and only changes the server never accepted are kept (exit 77): see canvass export-unsynced.
            """)
    @OptionGroup var options: Options

    func run() async throws {
        // A progress line redrawn in place on a terminal; plain lines otherwise.
        let tty = isatty(STDERR_FILENO) == 1 && !options.json
        let report = try await options.client.sync(now: FieldClient.now()) { p in
            let line: String
            switch p {
            case .pushing(let sent, let total): line = "pushing \(sent)/\(total)"
            case .pulling(let received, let page): line = "pulling page \(page), \(received) records"
            case .retrying(let attempt, let after, let error): line = "retry \(attempt) in \(after): \(error)"
            }
            FileHandle.standardError.write(Data((tty ? "\r\u{1B}[K" + line : line + "\n").utf8))
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        // On a coordinator's replica: flagged shifts nobody decided on yet (quality review).
        let flagged = try? options.client.flaggedShifts()
        if options.json { return try options.emit(SyncOutcome(sync: report, flaggedShifts: flagged)) }
        print(
            "pushed \(report.pushed) (\(report.accepted) accepted, \(report.rejected) rejected), pulled \(report.pulled), evicted \(report.evicted); conflicts: \(report.conflicts)"
        )
        if report.rejected > 0 { print("see `canvass status` for why changes were rejected") }
        if let flagged, flagged > 0 {
            print("\(flagged) flagged shift\(flagged == 1 ? "" : "s") to review: canvass review")
        }
    }
}
