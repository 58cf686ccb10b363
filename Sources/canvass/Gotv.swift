import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

struct GotvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gotv",
        abstract: "Get out the vote: voted marks, ballot-return files, and the chase list.",
        discussion: """
            A person has voted when marked voted (a result with effect voted, an answer a question marks_voted with, or canvass gotv mark) or when an imported ballot file gives them returned, accepted or voted. A supporter's latest answer to the campaign's support question (id support, 1–5) is 4 or 5. The chase list is the supporters who have not voted and can still be reached (not suppressed on doors or on calls); it is computed when read, so it shrinks as marks sync in.

            Cut walk or call lists from it with: canvass list cut CAMPAIGN --survey S --kind walk|call --chase
            """,
        subcommands: [GotvChaseCommand.self, GotvMarkCommand.self, GotvImportCommand.self])
}

struct GotvChaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chase", abstract: "The chase list: supporters who have not voted, with the campaign's figures.")
    @OptionGroup var options: Options
    @Argument(help: "Campaign id.") var campaign: String
    @Option(help: "Show at most this many people (default: all).") var limit: Int?

    func run() async throws {
        let chase = try options.client.gotvChase(campaign: campaign, limit: limit)
        if options.json { return try options.emit(chase) }
        let s = chase.summary
        print(
            "\(chase.campaign): \(s.supporters) supporters, \(s.supportersVoted) voted, \(s.leftToChase) left to chase"
                + (s.unreachable > 0 ? ", \(s.unreachable) unreachable" : "")
                + " (\(s.voted) of \(s.people) people voted)")
        if chase.people.isEmpty { return }
        table(
            ["PERSON", "NAME", "ADDRESS", "PRECINCT", "PHONE", "SUPPORT", "BALLOT", "REACH"],
            chase.people.map {
                [
                    $0.id, $0.name, $0.address ?? "", $0.precinct ?? "", $0.phone ?? "",
                    $0.support.map(String.init) ?? "",
                    $0.ballotStatus ?? "", $0.channels.joined(separator: ","),
                ]
            })
        if chase.people.count < s.leftToChase { print("… and \(s.leftToChase - chase.people.count) more") }
    }
}

struct GotvMarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark",
        abstract: "Mark a person voted (coordinators; canvassers for people on their lists). Works offline.",
        discussion: "--undo clears the mark. A ballot status from an imported file still counts as voted after --undo."
    )
    @OptionGroup var options: Options
    @Argument(help: "Person id.") var person: String
    @Flag(help: "Clear the voted mark instead.") var undo = false

    func run() async throws {
        let mark = try options.client.markVoted(person: person, undo: undo, now: FieldClient.now())
        if options.json { return try options.emit(mark) }
        let who = mark.name.isEmpty ? mark.person : "\(mark.name) (\(mark.person))"
        if !mark.written {
            print("\(who) was already \(mark.marked ? "marked voted" : "not marked voted"); nothing written")
        } else {
            print("\(who) \(mark.marked ? "marked voted" : "voted mark cleared"); `canvass sync` sends it")
        }
        if !mark.marked && mark.voted {
            print("note: still counts as voted: ballot status \(mark.ballotStatus ?? "")")
        }
    }
}

struct GotvImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a vote-history or ballot-return file (CSV: voter id and status) into a campaign.",
        discussion: """
            The voter id column is found as canvass import finds it; the status column by a header such as BALLOT_STATUS, STATUS or VOTED. --map COLUMN=voter_id|status|ignore overrides.

            Status codes (without case or punctuation): V, VOTED, Y, YES, TRUE, 1, X → voted; A, ACCEPTED, COUNTED, VERIFIED → accepted; RETURNED, RECEIVED → returned; SENT, MAILED, ISSUED → sent; REQUESTED, APPLIED, PENDING → requested; REJECTED, CHALLENGED, SPOILED, CANCELLED → rejected; N, NO, 0, FALSE or empty → not voted (nothing written; an earlier status is kept). R is ambiguous between states: say --status R=returned (or rejected). --status CODE=STATUS adds or overrides a code (STATUS none: not voted).

            People are matched by voter id among the campaign's people; returned, accepted and voted count as voted. Only changed statuses are written, so re-importing the day's file writes nothing new. Bad rows are reported by line and left out; with --dry-run nothing is written.
            """)
    @OptionGroup var options: Options
    @Argument(help: "The campaign's id or name.") var campaign: String
    @Argument(help: "The CSV file.") var file: String
    @Option(name: .customLong("map"), help: "COLUMN=FIELD (voter_id, status, ignore); repeat as needed.")
    var maps: [String] = []
    @Option(name: .customLong("status"), help: "CODE=STATUS, e.g. --status R=returned; repeat as needed.")
    var statuses: [String] = []
    @Flag(help: "Report what would change and write nothing.") var dryRun = false

    func run() async throws {
        let report = try options.client.importBallots(
            campaign: campaign, file: file, maps: maps, statuses: statuses, dryRun: dryRun, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        let c = report.counts
        print(
            "\(report.dryRun ? "would import" : "imported") \(report.file) into \(report.campaign): \(report.rows) rows (voter id: \(report.voterIDColumn), status: \(report.statusColumn))"
        )
        print(
            "matched \(c.matched); unknown voter ids \(c.unknownVoterIDs); updated \(c.updated), unchanged \(c.unchanged), not voted \(c.notVoted); bad rows (left out) \(report.badRows); repeated voter ids \(c.duplicates)"
        )
        if !c.byStatus.isEmpty {
            print(
                "by status: "
                    + c.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for p in report.problems { print("  \(p.severity.rawValue): \(p.location): \(p.message)") }
        if report.dryRun {
            print("nothing written (--dry-run)")
        } else if report.written > 0 {
            print("\(report.written) records written; `canvass sync` sends them to the server")
        }
    }
}
