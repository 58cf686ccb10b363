import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass review`: quality review after sync, on the coordinator's replica.
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Suspicious shifts per canvasser: approve them, or roll interactions back (coordinators).",
        discussion: """
            A shift is one canvasser's interactions in one campaign on one day in the campaign's time zone (UTC when it has none). Field data counts at once; a shift is flagged when

              its contact rate is far above the campaign's: at least 10 attempts on a channel (doors, calls), and a rate both at least 25 points above and at least 1.5 times the campaign's rate on that channel;
              doors come too fast: with 10 doors or more, a median under 30 s between doors, or 10 doors under 10 s after the one before (people of one household answered together are one door);
              a result was recorded outside its list's hours (set with `canvass review hours LIST 09:00 20:00`).

            Every coordinator computes the same flags from the synced interactions, offline. A decision (approve, or roll back a shift) and a roll-back are replicated changes: `canvass sync` sends them. A roll-back deletes nothing: rolled-back interactions are left out of campaign progress, reports, segments and turf cuts; `review restore` brings them back. Canvassers are refused (exit 65).
            """,
        subcommands: [List.self, Show.self, Approve.self, Rollback.self, Restore.self, Hours.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Flagged shifts not decided yet, with the reasons (the default).")
        @OptionGroup var options: Options
        @Argument(help: "Only this campaign (id or name).") var campaign: String?
        @Flag(help: "Include shifts already approved or rolled back.") var all = false

        func run() async throws {
            let report = try options.client.reviewShifts(campaign: campaign, all: all)
            if options.json { return try options.emit(report) }
            if report.shifts.isEmpty {
                return print(
                    all
                        ? "no flagged shifts"
                        : "no flagged shifts to decide (`canvass review --all` shows decided ones)")
            }
            table(
                ["DAY", "CANVASSER", "CAMPAIGN", "LISTS", "DOORS", "RATE", "NORM", "DECISION"],
                report.shifts.map {
                    [
                        $0.day, $0.user, $0.campaign, $0.lists.joined(separator: ","), String($0.doors.attempts),
                        $0.contactRate.map(ShiftReview.percent) ?? "-", $0.norm.map(ShiftReview.percent) ?? "-",
                        $0.decision?.decision ?? "undecided",
                    ]
                })
            for s in report.shifts {
                print("\n\(s.user) on \(s.day) (\(s.campaign)):")
                for r in s.reasons { print("  - \(r.message)") }
                if s.rolledBack > 0 { print("  \(s.rolledBack) of \(s.interactions) interactions rolled back") }
            }
            print(
                "\nsee one: canvass review show USER DAY; decide: canvass review approve USER DAY, or canvass review rollback --shift USER DAY --reason TEXT"
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A shift's interactions in time order, with what was flagged and rolled back.")
        @OptionGroup var options: Options
        @Argument(help: "The canvasser's name or id.") var user: String
        @Argument(help: "The day, 2026-10-03.") var day: String
        @Option(help: "The campaign, when they worked several that day.") var campaign: String?

        func run() async throws {
            let d = try options.client.reviewShift(user: user, day: day, campaign: campaign)
            if options.json { return try options.emit(d) }
            let s = d.shift
            print(
                "\(s.user) on \(s.day) in \(s.campaign): \(s.doors.attempts) doors, \(s.calls.attempts) calls, decision: \(s.decision?.decision ?? "undecided")"
            )
            for r in s.reasons { print("  - \(r.message)") }
            table(
                ["TIME", "INTERACTION", "PERSON", "LIST", "CHANNEL", "RESULT", "NOTES"],
                d.interactions.map { i in
                    let notes = [
                        i.rolledBack ? "rolled back: \(i.rollbackReason ?? "")" : nil,
                        i.correctedBy.map { "corrected by \($0)" }, i.corrects.map { "corrects \($0)" },
                        i.outsideWindow ? "outside the list's hours" : nil,
                    ].compactMap { $0 }
                    return [
                        i.time, i.id, i.person ?? i.personID ?? "", i.list ?? "", i.channel, i.result ?? "",
                        notes.joined(separator: "; "),
                    ]
                })
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a shift: it leaves the list of shifts to decide; its interactions keep counting.")
        @OptionGroup var options: Options
        @Argument(help: "The canvasser's name or id.") var user: String
        @Argument(help: "The day, 2026-10-03.") var day: String
        @Option(help: "The campaign, when they worked several that day.") var campaign: String?
        @Option(help: "Why, for the other coordinators.") var note: String?

        func run() async throws {
            let d = try options.client.approveShift(
                user: user, day: day, campaign: campaign, note: note, now: FieldClient.now())
            if options.json { return try options.emit(d) }
            print("approved \(d.id); `canvass sync` sends the decision")
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll back interactions, or a whole shift, with a reason; nothing is deleted.",
            discussion: """
                canvass review rollback INTERACTION... --reason TEXT
                canvass review rollback --shift USER DAY [--campaign C] --reason TEXT   (every interaction of the shift, and the decision rolled_back)
                """)
        @OptionGroup var options: Options
        @Argument(help: "Interaction ids (see `canvass review show`); with --shift, the canvasser and the day.")
        var ids: [String] = []
        @Flag(help: "Roll back the shift of USER on DAY, given as the two arguments.") var shift = false
        @Option(help: "The campaign of the shift, when they worked several that day.") var campaign: String?
        @Option(help: "Why (required): other coordinators read it with the roll-back.") var reason: String

        func validate() throws {
            if shift && ids.count != 2 {
                throw ValidationError("--shift takes the canvasser and the day: --shift USER DAY")
            }
            if !shift && campaign != nil { throw ValidationError("--campaign goes with --shift USER DAY") }
        }

        func run() async throws {
            let now = FieldClient.now()
            let r =
                shift
                ? try options.client.rollBackShift(
                    user: ids[0], day: ids[1], campaign: campaign, reason: reason, now: now)
                : try options.client.rollBack(interactions: ids, reason: reason, now: now)
            if options.json { return try options.emit(r) }
            print("rolled back \(r.changed.count) interaction\(r.changed.count == 1 ? "" : "s")", terminator: "")
            print(r.unchanged.isEmpty ? "" : " (\(r.unchanged.count) already were)", terminator: "")
            print(r.decision.map { "; shift \($0.id) decided rolled_back" } ?? "")
            print("`canvass sync` sends it; `canvass review restore ID...` brings an interaction back")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring rolled-back interactions back: their roll-backs are deleted (a replicated change).")
        @OptionGroup var options: Options
        @Argument(help: "Interaction ids.") var ids: [String] = []

        func run() async throws {
            let r = try options.client.restore(interactions: ids, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            print(
                "restored \(r.changed.count) interaction\(r.changed.count == 1 ? "" : "s")"
                    + (r.unchanged.isEmpty ? "" : " (\(r.unchanged.count) were not rolled back)"))
        }
    }

    struct Hours: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the hours results may be recorded in on a list (HH:MM in the campaign's time zone).",
            discussion: "With no times, clears them. An end before the start runs past midnight (22:00 02:00).")
        @OptionGroup var options: Options
        @Argument(help: "List id.") var list: String
        @Argument(help: "From, 09:00.") var start: String?
        @Argument(help: "Until (not included), 20:30; 24:00 for midnight.") var end: String?

        func run() async throws {
            let h = try options.client.setListHours(list: list, start: start, end: end, now: FieldClient.now())
            if options.json { return try options.emit(h) }
            if let s = h.windowStart, let e = h.windowEnd {
                print("results on \(h.list) are expected \(s)–\(e); `canvass sync` sends it")
            } else {
                print("\(h.list) has no hours now; `canvass sync` sends it")
            }
        }
    }
}
