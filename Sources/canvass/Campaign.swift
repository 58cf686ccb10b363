import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass campaign create|list|show`: campaigns, their goals and progress (coordinators and
/// admins; offline, synced by `canvass sync`).
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Create campaigns and follow their goals (coordinators and admins; works offline).",
        discussion: """
            A campaign is written on this laptop like any other change and reaches the server with `canvass sync`. Canvassers are refused (exit 65).
            """,
        subcommands: [Create.self, List.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a campaign; its id is the name in lower case with dashes.",
            discussion: """
                Goals: --goal doors=N (door knocks), --goal contacts=N (conversations), --goal revenue=AMOUNT (dollars: 1250, 1,250.50 or $1250; kept as integer cents). Dates: 2026-09-01 or 9/1/2026.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The campaign's name, e.g. \"Rivera for State House 2026\".") var name: String
        @Option(help: "\(CampaignSchema.campaignTypes.joined(separator: ", ")).") var type: String?
        @Option(help: "\(CampaignSchema.campaignStatuses.joined(separator: ", ")) (default planned).")
        var status: String?
        @Option(help: "First day (2026-09-01).") var start: String?
        @Option(help: "Last day (2026-11-03).") var end: String?
        @Option(help: "doors=N, contacts=N or revenue=AMOUNT; repeat for each goal.") var goal: [String] = []
        @Option(help: "The parent campaign's id or name.") var parent: String?
        @Option(help: "The time zone its days and list hours are read in, e.g. America/New_York (default UTC).")
        var timeZone: String?

        func run() async throws {
            let c = try options.client.createCampaign(
                name: name, type: type, status: status, start: start, end: end, goals: goal, parent: parent,
                timeZone: timeZone, now: FieldClient.now())
            if options.json { return try options.emit(c) }
            print("created campaign \(c.id) (\(c.name)); `canvass sync` sends it to the server")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The campaigns on this laptop.")
        @OptionGroup var options: Options

        func run() async throws {
            let all = try options.client.campaigns()
            if options.json { return try options.emit(all) }
            if all.isEmpty { return print("no campaigns yet: canvass campaign create NAME") }
            table(
                ["CAMPAIGN", "STATUS", "TYPE", "DATES", "NAME"],
                all.map {
                    [$0.id, $0.status ?? "", $0.type ?? "", dates($0), $0.name]
                })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A campaign's goals against progress so far: doors knocked and contacts reached on its lists.")
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name.") var campaign: String

        func run() async throws {
            let d = try options.client.campaign(campaign)
            if options.json { return try options.emit(d) }
            let c = d.campaign
            print("\(c.name) (\(c.id))")
            print("  status \(c.status ?? "-"), type \(c.type ?? "-"), \(dates(c).isEmpty ? "no dates" : dates(c))")
            if let p = c.parentID { print("  part of \(p)") }
            if !d.children.isEmpty { print("  campaigns under it: \(d.children.joined(separator: ", "))") }
            print("  \(d.people) people in \(d.households) households; lists: \(d.lists.count)")
            table(
                ["GOAL", "SO FAR", "TARGET"],
                [
                    ["doors knocked", String(d.progress.doors), c.goals.doors.map(String.init) ?? "-"],
                    ["contacts reached", String(d.progress.contacts), c.goals.contacts.map(String.init) ?? "-"],
                    [
                        "revenue", Money.format(cents: d.progress.revenueCents),
                        c.goals.revenueCents.map { Money.format(cents: $0) } ?? "-",
                    ],
                    ["pledged, not yet paid", Money.format(cents: d.progress.pledgedOutstandingCents), ""],
                ])
        }
    }
}

/// "2026-09-01 – 2026-11-03", one side, or empty.
private func dates(_ c: CampaignSummary) -> String {
    switch (c.startDate, c.endDate) {
    case let (s?, e?): return "\(s) – \(e)"
    case let (s?, nil): return "from \(s)"
    case let (nil, e?): return "until \(e)"
    default: return ""
    }
}
