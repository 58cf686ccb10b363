import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass mailing create|list|show|send`: campaign email to a segment (coordinators; offline;
/// the server sends after `canvass sync`).
struct MailingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailing",
        abstract: "Campaign email: a Mustache template sent to a segment (coordinators; the server sends after sync).",
        discussion: """
            A template is plain text with the contact's fields in Mustache: {{first_name}}, {{#email}}…{{/email}}. Every message carries an unsubscribe link ({{unsubscribe_url}}, added at the end when the template lacks it); unsubscribing sets the person's do_not_email. Nobody who unsubscribed, is marked do not contact, is deceased or has no address gets it. Sending twice reaches nobody twice.
            """,
        subcommands: [Create.self, List.self, Show.self, Send.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a mailing from a template file (the same name again replaces it until sent).",
            discussion: """
                The template is checked (syntax, and every name a contact field or unsubscribe_url) and the segment must be one of the campaign's; every problem is reported at once (exit 65) and nothing is written.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name.") var campaign: String
        @Argument(help: "The mailing's name.") var name: String
        @Option(help: "The segment it goes to (id or name: canvass segment list).") var segment: String
        @Option(help: "The subject line.") var subject: String
        @Option(help: "The Mustache template file (plain text).") var template: String

        func run() async throws {
            let m = try options.client.createMailing(
                campaign: campaign, name: name, segment: segment, subject: subject, template: template,
                now: FieldClient.now())
            if options.json { return try options.emit(m) }
            print("\(m.change ?? "created") mailing \(m.id) to segment \(m.segmentID ?? "-") in \(m.campaignID)")
            print("preview it with `canvass mailing send \(m.id) --dry-run`")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The mailings here, of one campaign or all, with their deliveries by status.")
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name (default: every campaign).") var campaign: String?

        func run() async throws {
            let list = try options.client.mailings(campaign: campaign)
            if options.json { return try options.emit(list) }
            if list.isEmpty {
                return print(
                    "no mailings yet: canvass mailing create CAMPAIGN NAME --segment S --subject TEXT --template FILE")
            }
            table(
                ["MAILING", "CAMPAIGN", "SEGMENT", "SENT", "DELIVERED", "PENDING", "FAILED", "NAME"],
                list.map {
                    [
                        $0.id, $0.campaignID, $0.segmentID ?? "", $0.sendRequestedAt.map(timestamp) ?? "not yet",
                        "\($0.deliveries["delivered"] ?? 0)", "\($0.deliveries["pending"] ?? 0)",
                        "\($0.deliveries["failed"] ?? 0)", $0.name,
                    ]
                })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A mailing, its template, and its deliveries by status (as of the last sync).")
        @OptionGroup var options: Options
        @Argument(help: "The mailing's id.") var mailing: String

        func run() async throws {
            let v = try options.client.mailing(mailing)
            if options.json { return try options.emit(v) }
            let m = v.mailing
            print("\(m.name)  [\(m.id), campaign \(m.campaignID), segment \(m.segmentID ?? "-")]")
            print("subject: \(m.subject)")
            print(
                m.sendRequestedAt.map { "sent \(timestamp($0)) by \(m.requestedBy ?? "?")" }
                    ?? "not sent yet: canvass mailing send \(m.id)")
            print(
                "deliveries: "
                    + ["delivered", "pending", "failed"].map { "\(m.deliveries[$0] ?? 0) \($0)" }.joined(
                        separator: ", "))
            if !v.deliveries.isEmpty {
                table(
                    ["STATUS", "TO", "ATTEMPTS", "LAST ERROR"],
                    v.deliveries.map {
                        [$0.status == "failed" ? "FAILED" : $0.status, $0.target, "\($0.attempts)", $0.lastError ?? ""]
                    })
            }
            print("\n" + v.template)
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a mailing: the server sends it after `canvass sync`; --dry-run shows who would get it.",
            discussion: """
                Without --dry-run this records the request on this device; the server queues one message per person after the next canvass sync, and never sends the same mailing to a person twice. With --dry-run nothing is written: the recipients, the people left out with the reason, and the first message rendered.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The mailing's id.") var mailing: String
        @Flag(help: "Show recipients and the first message; write nothing.") var dryRun = false

        func run() async throws {
            let r = try options.client.sendMailing(mailing, dryRun: dryRun, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            let again = r.recipients.filter(\.queued).count
            if dryRun {
                print("\(r.recipients.count) recipient(s), \(r.skipped.count) left out:")
                table(
                    ["PERSON", "NAME", "ADDRESS", "ALREADY SENT"],
                    r.recipients.map { [$0.person, $0.name ?? "", $0.address, $0.queued ? "yes (not again)" : ""] })
                if !r.skipped.isEmpty {
                    print("\nleft out:")
                    table(["PERSON", "NAME", "REASON"], r.skipped.map { [$0.person, $0.name ?? "", $0.reason] })
                }
                if let p = r.preview { print("\nTo: \(p.to)\nSubject: \(p.subject)\n\n\(p.body)") }
                return
            }
            print(
                "send of \(r.mailing) recorded for \(r.recipients.count - again) new recipient(s)\(again > 0 ? " (\(again) had it already)" : ""), \(r.skipped.count) left out; the server sends after `canvass sync`"
            )
        }
    }
}
