import ArgumentParser
import CanvassClient

struct ImportUnsynced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-unsynced",
        abstract:
            "Write the changes in a file from `canvass export-unsynced` again, as this device's own; then `canvass sync`.",
        discussion: """
            Each record's exported fields are written as a new change of this device (interactions are created anew with the same id), in one transaction. Interactions that already exist here and fields that already hold the exported value are skipped, so importing twice is harmless. Sync first, so this device knows what the server holds. The server judges the changes as this device's: run it on a coordinator's device.
            """)
    @OptionGroup var options: Options
    @Argument(help: "A file written by `canvass export-unsynced`.") var file: String

    func run() async throws {
        let report = try options.client.importUnsynced(from: file, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        print(
            "wrote \(report.written.count) record(s) as this device's changes; skipped \(report.skipped.count) already here"
        )
        if !report.written.isEmpty {
            print("`canvass sync` to push them; `canvass status` shows any the server rejects")
        }
    }
}
