import ArgumentParser
import CanvassClient
import Foundation

extension CampaignExport.What: ExpressibleByArgument {}

/// `canvass export CAMPAIGN --what contacts|interactions|donations FILE.csv`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a campaign's contacts, interactions or donations to a CSV file (coordinators; offline).",
        discussion: """
            The file holds voter data: it is written private (mode 0600) and atomically (a crash leaves no half file). Interactions include rolled-back ones, with rolled_back true, and corrected ones, with the correcting interaction's id in corrected_by; reports count neither.
            """)
    @OptionGroup var options: Options
    @Argument(help: "The campaign's id or name.") var campaign: String
    @Option(help: "contacts, interactions or donations.") var what: CampaignExport.What
    @Argument(help: "The CSV file to write (replaced if it exists).") var file: String

    func run() async throws {
        let written = try options.client.export(campaign: campaign, what: what, to: file)
        if options.json { return try options.emit(written) }
        print(
            "wrote \(written.rows) \(written.what.rawValue) of \(written.campaign) to \(written.path) (private: mode 0600)"
        )
    }
}
