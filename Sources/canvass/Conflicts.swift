import ArgumentParser
import CanvassClient
import CanvassCore

struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fields with concurrent values, with who wrote each, when, and what each writer had seen.",
        discussion: """
            Each value is numbered as `canvass resolve --keep N` takes it; the first is what readers see. \
            Writers are named from the account directory a coordinator pulls (users and devices), else by device id. \
            Times are each device's own clock.
            """)
    @OptionGroup var options: Options
    @Option(help: "Only the records of this campaign: its lists, their items, people and households, interactions.")
    var campaign: String?

    func run() async throws {
        let reviews = try options.client.conflictReviews(campaign: campaign)
        if options.json { return try options.emit(reviews) }
        if reviews.isEmpty { return print(campaign.map { "no conflicts in campaign \($0)" } ?? "no conflicts") }
        for r in reviews {
            let s = r.story
            print(
                "\(s.key)  \(s.field)" + (r.label.map { "  (\($0))" } ?? "")
                    + (r.recordDeleted ? "  [record deleted]" : ""))
            table(
                ["  #", "VALUE", "WRITTEN BY", "DEVICE", "CLOCK"],
                s.entries.map { e in
                    [
                        "  \(e.number)" + (e.shown ? "*" : ""),
                        e.deletedRecord
                            ? "(deleted the record)"
                            : e.sibling.value.isNull ? "(cleared)" : e.sibling.value.description,
                        e.writer.label, e.writer.device ?? e.writer.replica.rawValue,
                        FieldClient.clockText(e.sibling.wallclock),
                    ]
                })
            for line in s.sentences { print("  " + line) }
            print("")
        }
        print("* shown to readers. Resolve with: canvass resolve RECORD FIELD --keep N   (or --value V)")
    }
}
