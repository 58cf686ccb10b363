import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

struct SegmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segments: people chosen by criteria, counted afresh each time (coordinators).",
        discussion: """
            Criteria are terms separated by spaces, all of which must hold, e.g.

              party=DEM,IND precinct=1-A support<=2 voted=no last_result!=refused

            A term is FIELD OPERATOR VALUE. Operators: = != < <= > >= (the last four compare numbers). A value is a word or "quoted text"; VALUE,VALUE after = means any of them, after != none of them. none stands for no value: support=none was never asked. Text compares without case. A person without a value never matches = or an ordering, and always matches !=.

            Fields:
            \(Criteria.fieldHelp)

            A bad term is shown with a caret under it and what would be valid (exit 65).
            """,
        subcommands: [SegmentCreate.self, SegmentList.self, SegmentShow.self])
}

struct SegmentCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Save criteria as a named segment of a campaign; prints how many it chooses.")
    @OptionGroup var options: Options
    @Argument(help: "Campaign id.") var campaign: String
    @Argument(help: "The segment's name.") var name: String
    @Option(name: .customLong("where"), help: "The criteria (see canvass segment --help).") var criteria: String
    @Flag(help: "Redefine a segment of the same name.") var replace = false

    func run() async throws {
        let segment = try options.client.createSegment(
            campaign: campaign, name: name, criteria: criteria, replace: replace, now: FieldClient.now())
        if options.json { return try options.emit(segment) }
        print("saved segment \(segment.name) (\(segment.id)): \(segment.count ?? 0) people now")
    }
}

struct SegmentList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The segments here, of one campaign or all, with how many each chooses now.")
    @OptionGroup var options: Options
    @Argument(help: "Only this campaign's segments.") var campaign: String?

    func run() async throws {
        let segments = try options.client.segments(campaign: campaign)
        if options.json { return try options.emit(segments) }
        if segments.isEmpty { return print("no segments yet: canvass segment create CAMPAIGN NAME --where CRITERIA") }
        table(
            ["SEGMENT", "CAMPAIGN", "PEOPLE", "NAME", "CRITERIA"],
            segments.map {
                [
                    $0.id, $0.campaignID ?? "", $0.count.map(String.init) ?? "invalid", $0.name,
                    $0.criteria + ($0.problems.isEmpty ? "" : "  (\($0.problems.joined(separator: "; ")))"),
                ]
            })
    }
}

struct SegmentShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "How many people a segment chooses now, and the first of them.")
    @OptionGroup var options: Options
    @Argument(help: "Segment name or id.") var segment: String
    @Option(help: "How many people to show.") var limit = 20

    func run() async throws {
        let view = try options.client.showSegment(segment, limit: limit)
        if options.json { return try options.emit(view) }
        print("\(view.name) (\(view.id)): \(view.count) people")
        membersTable(view)
    }
}
