import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass engagement set|history|apply|show`: engagement levels 1–5 with their history
/// (coordinators and admins; offline, synced by `canvass sync`).
struct EngagementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engagement",
        abstract: "Engagement levels 1–5: set by hand or by the documented rules, with every change kept.",
        discussion: """
            Levels: \(Engagement.levels.map { "\($0.level) \($0.name)" }.joined(separator: ", ")).
            Rules (engagement apply) only raise a level: an RSVP yes → at least 2; gave money (received) → 3; attended an event → 3; answered yes to the `volunteer` question, or attended two events → 4. Level 5 is given only by hand.
            """,
        subcommands: [SetLevel.self, History.self, Apply.self, Show.self])

    struct SetLevel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a person's level by hand, saying why (kept in their history).")
        @OptionGroup var options: Options
        @Argument(help: "The person's id.") var person: String
        @Argument(help: "1 to 5.") var level: Int
        @Option(help: "Why the level changes.") var reason: String
        @Option(help: "The campaign it is changed in (default: the person's).") var campaign: String?

        func run() async throws {
            let c = try options.client.setEngagement(
                person: person, level: level, reason: reason, campaign: campaign, now: FieldClient.now())
            if options.json { return try options.emit(c) }
            print(
                "\(person): level \(c.previousLevel.map(String.init) ?? "none") → \(c.level) (\(Engagement.name(c.level) ?? "")); `canvass sync` sends it"
            )
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A person's level and every change: when, who, why.")
        @OptionGroup var options: Options
        @Argument(help: "The person's id.") var person: String

        func run() async throws {
            let h = try options.client.engagementHistory(person: person)
            if options.json { return try options.emit(h) }
            print("\(h.name ?? h.person): level \(h.level.map { "\($0) (\(Engagement.name($0) ?? ""))" } ?? "none")")
            if h.changes.isEmpty { return print("no changes recorded") }
            table(
                ["WHEN", "FROM", "TO", "RULE", "BY", "REASON"],
                h.changes.map {
                    [
                        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double($0.changedAt) / 1000)),
                        $0.previousLevel.map(String.init) ?? "-", String($0.level), $0.rule,
                        $0.userID.map { h.users[$0] ?? $0 } ?? "",
                        $0.reason ?? "",
                    ]
                })
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the documented rules to everyone in a campaign, listing who moves and why.")
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name.") var campaign: String
        @Flag(help: "Say who would move; write nothing.") var dryRun = false

        func run() async throws {
            let a = try options.client.applyEngagement(campaign: campaign, dryRun: dryRun, now: FieldClient.now())
            if options.json { return try options.emit(a) }
            if a.moves.isEmpty { return print("no one moves: every rule met has been applied") }
            table(
                ["PERSON", "NAME", "FROM", "TO", "RULE", "WHY"],
                a.moves.map {
                    [$0.person, $0.name ?? "", $0.from.map(String.init) ?? "-", String($0.to), $0.rule, $0.reason]
                })
            print(
                dryRun
                    ? "\(a.moves.count) would move; nothing written (drop --dry-run to apply)"
                    : "\(a.moves.count) moved; `canvass sync` sends the changes")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "People per level now, and movement between levels over a period.")
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name.") var campaign: String
        @Option(help: "First day of the period (default: before the first change).") var from: String?
        @Option(help: "Last day of the period (default: now).") var to: String?

        func run() async throws {
            let r = try options.client.engagement(campaign: campaign, fromDay: from, toDay: to)
            if options.json { return try options.emit(r) }
            print("\(r.people) people in \(r.campaign)")
            table(
                ["LEVEL", "NAME", "PEOPLE"],
                r.distribution.map { [$0.level.map(String.init) ?? "-", $0.name, String($0.people)] })
            print("over the period: \(r.raised) raised, \(r.lowered) lowered, \(r.unchanged) unchanged")
            if !r.movement.isEmpty {
                table(
                    ["FROM", "TO", "PEOPLE"],
                    r.movement.map {
                        [$0.from.map(String.init) ?? "-", $0.to.map(String.init) ?? "-", String($0.people)]
                    })
            }
        }
    }
}
