import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass automation add|list|show|pause|resume|log|simulate`: a campaign's automation rules
/// (coordinators; offline; the server's engine runs them after `canvass sync`).
struct AutomationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "automation",
        abstract:
            "Automation rules of a campaign: add from YAML, list, show, pause, resume, log, simulate (coordinators).",
        discussion: """
            A rule is a YAML file: id, campaign, name, entry (group, segment criteria, or interaction: any), reentry, and steps, each with a trigger (result, answer, field, group, rsvp, voted, donation, at, delay), an optional window (hours, days), conditions (segment criteria), and actions or a decision (wait_for, within, yes, no). Actions: add_to_group, remove_from_group, engagement_points, engagement_level, add_to_list, set_field, do_not_contact, webhook, send_email. See the README's Automation section for a full example.

            Rules are replicated records: `automation add` writes on this device, and the server's engine runs the rule after the next `canvass sync`, after each merge and on a schedule, firing each step at most once per person, rule and rotation. What it did comes back by sync: `automation log`.
            """,
        subcommands: [Add.self, List.self, Show.self, Pause.self, Resume.self, Log.self, Simulate.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a rule to a campaign from a YAML file (the same id again replaces it).",
            discussion: """
                An invalid file, a rule for another campaign, or one naming a group, list or mailing the campaign does not have is refused with every problem at FILE:LINE:COLUMN (exit 65), and nothing is written.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name.") var campaign: String
        @Argument(help: "The rule's YAML file.") var file: String

        func run() async throws {
            let r = try options.client.addAutomationRule(campaign: campaign, file: file, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            switch r.change {
            case "unchanged": print("unchanged: rule \(r.id) in \(r.campaignID) has this source already")
            case "replaced":
                print(
                    "replaced the source of rule \(r.id) (\(r.name)) in \(r.campaignID)\(r.paused ? "; it stays paused" : "")"
                )
            default: print("added rule \(r.id) (\(r.name)) to \(r.campaignID): \(r.steps) step(s) for \(r.entry)")
            }
            if r.change != "unchanged" { print("the server runs it after the next `canvass sync`") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The rules here, of one campaign or all, with how often they fired.")
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name (default: every campaign).") var campaign: String?

        func run() async throws {
            let rules = try options.client.automationRules(campaign: campaign)
            if options.json { return try options.emit(rules) }
            if rules.isEmpty { return print("no automation rules yet: canvass automation add CAMPAIGN FILE.yaml") }
            table(
                ["RULE", "CAMPAIGN", "STATE", "STEPS", "FIRED", "SKIPPED", "NAME"],
                rules.map {
                    [
                        $0.id, $0.campaignID, $0.problems.isEmpty ? ($0.paused ? "paused" : "active") : "unreadable",
                        "\($0.steps)", "\($0.fired)", "\($0.skipped)", $0.name,
                    ]
                })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A rule's steps in words, paused or not, and each step's firings from the log.")
        @OptionGroup var options: Options
        @Argument(help: "The rule's id.") var rule: String

        func run() async throws {
            let v = try options.client.automationRule(rule)
            if options.json { return try options.emit(v) }
            let r = v.rule
            print("\(r.name)  [\(r.id), campaign \(r.campaignID)] \(r.paused ? "PAUSED" : "active")")
            print("entry: \(r.entry)\(v.reentry ? " (re-entry allowed: each entry is a new rotation)" : "")")
            print("fired \(r.fired), skipped \(r.skipped) (as of the last sync)")
            for p in r.problems { print("problem: \(p)") }
            for (i, s) in v.steps.enumerated() {
                print("\n\(i + 1). \(s.id): \(s.trigger)")
                if let w = s.window { print("   \(w)") }
                if let c = s.conditions { print("   if \(c) (else skipped, and the rotation ends)") }
                if let d = s.decision { print("   \(d)") }
                if !s.actions.isEmpty { print("   then " + s.actions.joined(separator: ", ")) }
                print("   fired \(s.fired), skipped \(s.skipped)")
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a rule: the server stops running it after the next `canvass sync`.")
        @OptionGroup var options: Options
        @Argument(help: "The rule's id.") var rule: String

        func run() async throws {
            let r = try options.client.setAutomationRulePaused(rule, paused: true, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            print(
                r.change == "unchanged"
                    ? "rule \(r.id) is paused already" : "paused rule \(r.id); the server stops it after `canvass sync`"
            )
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused rule: the server runs it again after the next `canvass sync`.")
        @OptionGroup var options: Options
        @Argument(help: "The rule's id.") var rule: String

        func run() async throws {
            let r = try options.client.setAutomationRulePaused(rule, paused: false, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            print(
                r.change == "unchanged"
                    ? "rule \(r.id) is running already"
                    : "resumed rule \(r.id); the server runs it again after `canvass sync`")
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the server's engine fired, for whom, when and why, with each webhook's or email's status.",
            discussion: """
                The log comes from the server by `canvass sync`, so it reads offline, as of the last sync. A delivery that failed for good (after the retry cap) is marked FAILED with its last error; it is never dropped.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name (default: every campaign).") var campaign: String?
        @Option(help: "Only this rule's firings.") var rule: String?
        @Option(help: "Only this person's firings.") var person: String?
        @Option(help: "At most this many, newest first (default 50).") var limit: Int?

        func run() async throws {
            let l = try options.client.automationLog(campaign: campaign, rule: rule, person: person, limit: limit)
            if options.json { return try options.emit(l) }
            if l.entries.isEmpty {
                return print("nothing fired yet (as of the last sync; `canvass sync` brings the server's log)")
            }
            for e in l.entries {
                let when = e.firedAt.map(timestamp) ?? "-"
                let path = e.path.map { " (\($0) path)" } ?? ""
                print(
                    "\(when)  \(e.rule)/\(e.step)\(path) \(e.outcome) for \(e.name ?? e.person) [\(e.person), rotation \(e.rotation)]"
                )
                print("    why: \(e.reason)")
                if !e.actions.isEmpty { print("    did: \(e.actions.joined(separator: "; "))") }
                for d in e.deliveries {
                    let mark = d.status == "failed" ? "FAILED" : d.status
                    let error = d.lastError.map { ", last error: \($0)" } ?? ""
                    print("    \(d.kind) to \(d.target): \(mark) after \(d.attempts) attempt(s)\(error)")
                }
            }
            print("\(l.entries.count) of \(l.total) firing(s) shown")
            if l.failedDeliveries > 0 {
                print("\(l.failedDeliveries) delivery(ies) FAILED for good: see the last errors above")
            }
        }
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a rule file would fire over the next N days on today's data, writing nothing.",
            discussion: """
                Runs the server's own evaluation over this device's replica, from now, in the campaign's time zone: per day, how many firings per step; then the first firings with who, when, why and what they would do. Nothing is written.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name.") var campaign: String
        @Argument(help: "The rule's YAML file.") var file: String
        @Option(help: "How many days to look ahead (1-366).") var days: Int = 7
        @Option(help: "How many firings to describe one by one.") var show: Int = 20

        func run() async throws {
            let r = try options.client.simulateAutomation(
                campaign: campaign, file: file, days: days, now: FieldClient.now(), shown: show)
            if options.json { return try options.emit(r) }
            print(
                "rule \(r.rule) over \(days) day(s) for \(r.people) people of \(r.campaignID): \(r.fired) firing(s), \(r.skipped) skipped"
            )
            if r.days.isEmpty { return print("nothing would fire") }
            let steps = Array(Set(r.days.flatMap(\.steps.keys))).sorted()
            table(
                ["DAY"] + steps.map { $0.uppercased() } + ["SKIPPED"],
                r.days.map { d in [d.day] + steps.map { "\(d.steps[$0] ?? 0)" } + ["\(d.skipped)"] })
            print("\nfirst \(r.firings.count):")
            for f in r.firings {
                let path = f.path.map { " (\($0) path)" } ?? ""
                print("\(timestamp(f.at))  \(f.step)\(path) \(f.outcome) for \(f.name ?? f.person) [\(f.person)]")
                print("    why: \(f.reason)")
                if !f.actions.isEmpty { print("    would: \(f.actions.joined(separator: "; "))") }
                for n in f.notes { print("    note: \(n)") }
            }
        }
    }
}
