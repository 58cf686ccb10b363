import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass list …`: a coordinator's work on lists. (`canvass lists`, plural, is a canvasser's
/// own lists.) New list subcommands go in `subcommands` below.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Cut, map, assign and share walk and call lists (coordinators).",
        subcommands: [
            ListCut.self,
            ListMap.self,
            ListAssign.self,
            ListUnassign.self,
            ListShare.self,
            ListUnshare.self,
        ])
}

/// How a list reaches people, as `--kind` takes it.
enum ListKind: String, ExpressibleByArgument, CaseIterable {
    case walk, call

    var channel: Channel { self == .walk ? .door : .call }
}

struct ListCut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cut",
        abstract: "Cut a campaign's people into walk or call lists for a survey.",
        discussion: """
            Walk lists hold about --doors doors (default 50): households stay whole, both sides of a street block stay together, and lists are grouped by precinct, zip and street. Where households have latitude and longitude, each list's walk order is a short route through the houses, still one side of a street at a time; otherwise up the odd side and back down the even side.

            Call lists hold about --doors people (default 100) with a usable phone, by precinct.

            Left out: the deceased, moved and do-not-contact, do not knock (walk) or do not call and no working phone (call), a bad address (walk), and anyone whose latest result's recontact interval has not passed.

            --where takes criteria (see canvass segment --help), --segment a saved segment. --chase cuts only the GOTV chase list (supporters who have not voted; the same people as --where "support>=4 voted=no"), named Chase by default, and combines with --where. The same input always gives the same lists. Ids come from --name (default Turf or Calls): turf-01, turf-02, …; ids that exist already are refused. The lists are written on this device and reach the server on the next canvass sync.
            """)
    @OptionGroup var options: Options
    @Argument(help: "Campaign id.") var campaign: String
    @Option(help: "The survey the lists use (an id).") var survey: String
    @Option(help: "walk or call.") var kind: ListKind
    @Option(name: .customLong("where"), help: "Only the people these criteria choose, e.g. \"party=DEM support>=4\".")
    var criteria: String?
    @Option(help: "Only the people of this saved segment (name or id).") var segment: String?
    @Option(help: "Doors per walk list (default 50), people per call list (default 100).") var doors: Int?
    @Option(help: "Name of the lists: \"Turf\" gives Turf 1, Turf 2, … with ids turf-01, turf-02, ….")
    var name: String?
    @Flag(help: "Show the lists without writing them.") var dryRun = false
    @Flag(help: "Only the GOTV chase list: supporters (support 4 or 5) who have not voted (see canvass gotv).")
    var chase = false

    func run() async throws {
        let report = try options.client.cutLists(
            campaign: campaign, survey: survey, channel: kind.channel, criteria: criteria, segment: segment,
            size: doors, name: name, dryRun: dryRun, chase: chase, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        let left = report.excluded.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }
        print(
            "\(report.written ? "cut" : "would cut") \(report.lists.count) \(report.kind) list\(report.lists.count == 1 ? "" : "s") for \(report.survey): \(report.matched) of \(report.considered) people chosen"
                + (left.isEmpty ? "" : "; left out: \(left.joined(separator: ", "))"))
        if !report.lists.isEmpty {
            table(
                ["LIST", report.kind == "walk" ? "DOORS" : "CALLS", "PEOPLE", "PRECINCT", "ROUTE", "NAME"],
                report.lists.map {
                    [
                        $0.id, "\($0.doors)", "\($0.people)", $0.precinct, $0.routeMetres.map { "\($0) m" } ?? "",
                        $0.name,
                    ]
                })
        }
        if report.written {
            print("they reach the server on the next `canvass sync`; see one with `canvass list map LIST --svg FILE`")
        }
    }
}

struct ListMap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Draw a walk list as an SVG map: doors numbered in walk order, the route, the streets.",
        discussion: "The file holds addresses: it is written readable by you only (mode 0600), replacing FILE.")
    @OptionGroup var options: Options
    @Argument(help: "List id.") var list: String
    @Option(help: "The SVG file to write.") var svg: String

    func run() async throws {
        let report = try options.client.mapList(list, svg: svg)
        if options.json { return try options.emit(report) }
        print("wrote \(report.file): \(report.drawn) of \(report.doors) doors, route about \(report.routeMetres) m")
        if !report.missing.isEmpty {
            print("not drawn (no coordinates): \(report.missing.joined(separator: ", "))")
        }
    }
}
