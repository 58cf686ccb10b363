import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

extension CampaignReport.Grouping: ExpressibleByArgument {}

/// `canvass report CAMPAIGN`: how a campaign is doing, from this laptop's replica (offline too).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "How a campaign is doing: doors, contacts, results, answers, progress, goals, GOTV, events, money.",
        discussion: """
            Counts what has synced to this laptop (run `canvass sync` first). Rolled-back interactions (`canvass review`) and interactions a canvasser corrected count nowhere. Doors knocked are distinct households with a door knock; contacts are knocks and calls whose result reached someone; the contact rate is contacts over attempts. Days are local days in the campaign's time zone.

            --by picks one table (per canvasser, list or day) for the text, --json and --csv (default: all three; --csv: canvasser). --svg DIR writes results.svg, lists.svg and doors.svg (private files, mode 0600).
            """)
    @OptionGroup var options: Options
    @Argument(help: "The campaign's id or name.") var campaign: String
    @Option(help: "canvasser, list or day.") var by: CampaignReport.Grouping?
    @Option(help: "First local day counted (2026-10-01).") var from: String?
    @Option(help: "Last local day counted (2026-10-31).") var to: String?
    @Flag(help: "Write the table --by names (default canvasser) as CSV to standard output.") var csv = false
    @Option(help: "Write the charts as SVG files into this folder.") var svg: String?

    func validate() throws {
        if csv && options.json { throw ValidationError("give --json or --csv, not both") }
    }

    func run() async throws {
        let client = options.client
        let full = try client.report(campaign: campaign, from: from, to: to)
        let charts = try svg.map { try client.writeCharts(full, directory: $0) }
        let report = full.keeping(by)
        if options.json { return try options.emit(report) }
        if csv {
            let t = report.table(by ?? .canvasser)
            FileHandle.standardOutput.write(try CSVText.data(header: t.header, rows: t.rows))
            return
        }
        printReport(report)
        if let charts { print("\ncharts: \(charts.files.joined(separator: ", "))") }
    }

    func printReport(_ r: CampaignReport) {
        let range = [r.from.map { "from \($0)" }, r.to.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
        print("\(r.name) (\(r.campaign))\(range.isEmpty ? "" : ", " + range)")
        let t = r.totals
        print(
            "  doors knocked \(t.doors), attempts \(t.attempts), contacts \(t.contacts), contact rate \(percent(t.contactRate))"
        )
        if r.rolledBack > 0 { print("  \(r.rolledBack) rolled-back interactions left out") }
        print("\nGoals")
        table(
            ["GOAL", "SO FAR", "TARGET", "%"],
            [("doors", r.goals.doors), ("contacts", r.goals.contacts)].map {
                [$0.0, String($0.1.done), $0.1.goal.map(String.init) ?? "-", $0.1.percent.map { "\($0)%" } ?? "-"]
            })
        if !r.results.isEmpty {
            print("\nResults")
            table(["CODE", "COUNT", "LABEL"], r.results.map { [$0.code, String($0.count), $0.label] })
        }
        if let s = r.support {
            print("\nIDs by support level (people by their latest answer; 5 = strongest support)")
            table(["LEVEL", "PEOPLE"], (1...5).map { [String($0), String(s[String($0)] ?? 0)] })
        }
        for q in r.questions where q.id != CampaignReport.supportQuestion && q.answered > 0 {
            print("\n\(q.text) (\(q.id)): \(q.answered) answered")
            if !q.options.isEmpty { table(["ANSWER", "PEOPLE"], q.options.map { [$0.label, String($0.people)] }) }
        }
        let unanswered = r.questions.filter { $0.answered == 0 }.map(\.id)
        if !unanswered.isEmpty { print("\nnot answered yet: \(unanswered.joined(separator: ", "))") }
        for by in CampaignReport.Grouping.allCases {
            guard let rows = r.rows(by) else { continue }
            print("\nBy \(by.rawValue)")
            var header = [by.rawValue.uppercased(), "ATTEMPTS", "DOORS", "CONTACTS", "RATE"]
            if by == .list { header.append("DONE") }
            if by != .day { header.append("NAME") }
            table(
                header,
                rows.map { row in
                    var cells = [
                        row.key.isEmpty ? "-" : row.key, String(row.tally.attempts), String(row.tally.doors),
                        String(row.tally.contacts), percent(row.tally.contactRate),
                    ]
                    if by == .list { cells.append("\(row.done ?? 0)/\(row.total ?? 0)") }
                    if by != .day { cells.append(row.name) }
                    return cells
                })
        }
        if let g = r.gotv {
            print("\nGOTV: \(g.supporters) supporters, \(g.voted) voted, \(g.leftToChase) left to chase")
        }
        if r.events?.isEmpty == true { print("\nEvents: none yet") }
        if let events = r.events, !events.isEmpty {
            print("\nEvents")
            table(
                ["EVENT", "RSVP YES", "MAYBE", "ATTENDED", "NO-SHOWS", "NAME"],
                events.map {
                    [
                        $0.event, String($0.rsvpYes), String($0.rsvpMaybe), String($0.attended), String($0.noShows),
                        $0.name,
                    ]
                })
        }
        if let m = r.revenue {
            let goal = m.goalCents.map { " of a \(Money.format(cents: $0)) goal" } ?? ""
            print(
                "\nRevenue: \(Money.format(cents: m.receivedCents)) received\(goal), \(Money.format(cents: m.pledgedOutstandingCents)) pledged and outstanding; \(m.donors) donors, \(m.gifts) gifts"
            )
        }
        if let mailings = r.mailings, !mailings.isEmpty {
            print("\nRevenue per mailing (its own gifts, else the giver's last email within 30 days)")
            table(
                ["MAILING", "DELIVERED", "GIFTS", "DONORS", "RECEIVED", "NAME"],
                mailings.map {
                    [
                        $0.mailing, String($0.delivered), String($0.gifts), String($0.donors),
                        Money.format(cents: $0.receivedCents), $0.name,
                    ]
                })
        }
        if let e = r.engagement {
            print("\nEngagement")
            table(["LEVEL", "PEOPLE"], e.distribution.map { [$0.name, String($0.people)] })
            print("  over the period: \(e.raised) raised, \(e.lowered) lowered, \(e.unchanged) unchanged")
        }
    }
}

/// "42.5%" or "-".
private func percent(_ rate: Double?) -> String {
    guard let rate else { return "-" }
    return String((rate * 1000).rounded() / 10) + "%"
}
