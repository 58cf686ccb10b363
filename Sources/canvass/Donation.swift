import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

/// `canvass donation add|fulfil|list`: money received and pledged, against a campaign's revenue
/// goal (coordinators and admins; offline, synced by `canvass sync`).
struct DonationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "donation",
        abstract: "Record donations and pledges against a campaign's revenue goal (coordinators; works offline).",
        discussion: """
            Amounts are dollars as typed (25, 1,250.50, $40), kept as integer cents. Only money received counts toward the goal; pledges are shown apart until paid with `donation fulfil`.
            """,
        subcommands: [Add.self, Fulfil.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record money received from a person, or with --pledge money promised.")
        @OptionGroup var options: Options
        @Argument(help: "The person's id.") var person: String
        @Argument(help: "Dollars: 25, 1,250.50 or $40.") var amount: String
        @Flag(help: "Money promised, not yet received.") var pledge = false
        @Option(help: "The campaign's id or name (default: the person's campaign).") var campaign: String?
        @Option(help: "The day given or promised (default today).") var on: String?
        @Option(help: "\(Donations.methods.joined(separator: ", ")).") var method: String?
        @Option(help: "A note.") var note: String?
        @Option(help: "The campaign email this gift answers (canvass mailing list), for revenue per mailing.")
        var mailing: String?

        func run() async throws {
            let r = try options.client.addDonation(
                person: person, amount: amount, pledge: pledge, campaign: campaign, on: on, method: method, note: note,
                mailing: mailing, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            let d = r.donation
            let what = (d.pledge ? "a pledge of " : "") + Money.format(cents: d.amountCents)
            print(
                "recorded \(what) from \(r.name ?? person) to \(d.campaignID ?? "-") (\(d.id)); `canvass sync` sends it"
            )
        }
    }

    struct Fulfil: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a payment toward a pledge (all of what it still promises, or AMOUNT).",
            discussion: """
                The payment is money received, from the pledge's person to its campaign, and names the pledge; the pledge itself stays as promised. Its id is the pledge, the day and the amount, so the same payment recorded on two laptops is one record.
                """)
        @OptionGroup var options: Options
        @Argument(help: "The pledge's id (canvass donation list).") var pledge: String
        @Argument(help: "Dollars paid (default: what the pledge still promises).") var amount: String?
        @Option(help: "The day paid (default today).") var on: String?
        @Option(help: "\(Donations.methods.joined(separator: ", ")).") var method: String?
        @Option(help: "A note.") var note: String?

        func run() async throws {
            let r = try options.client.fulfilPledge(
                pledge, amount: amount, on: on, method: method, note: note, now: FieldClient.now())
            if options.json { return try options.emit(r) }
            print(
                "recorded \(Money.format(cents: r.donation.amountCents)) paid toward pledge \(pledge) (\(r.donation.id)); `canvass sync` sends it"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Donations and pledges, newest first; with a campaign, its revenue against the goal.")
        @OptionGroup var options: Options
        @Argument(help: "The campaign's id or name (default: every campaign).") var campaign: String?
        @Option(help: "Only this person's donations.") var person: String?

        func run() async throws {
            let l = try options.client.donations(campaign: campaign, person: person)
            if options.json { return try options.emit(l) }
            if let r = l.revenue {
                let goal = r.goalCents.map { " of \(Money.format(cents: $0)) (\(r.percentOfGoal ?? 0)%)" } ?? ""
                print(
                    "\(Money.format(cents: r.receivedCents)) received\(goal) from \(r.donors) donors in \(r.gifts) gifts; \(Money.format(cents: r.pledgedOutstandingCents)) pledged and not yet paid (\(r.openPledges) of \(r.pledges) pledges)"
                )
            }
            if l.donations.isEmpty { return print("no donations yet: canvass donation add PERSON AMOUNT") }
            table(
                ["DAY", "KIND", "AMOUNT", "OUTSTANDING", "PERSON", "CAMPAIGN", "ID"],
                l.donations.map { r in
                    let d = r.donation
                    return [
                        d.receivedOn ?? "", d.pledge ? "pledge" : (d.fulfils == nil ? "gift" : "payment"),
                        Money.format(cents: d.amountCents), r.outstandingCents.map { Money.format(cents: $0) } ?? "",
                        r.name ?? d.contactID ?? "", d.campaignID ?? "", d.id,
                    ]
                })
        }
    }
}
