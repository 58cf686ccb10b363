import ArgumentParser
import CanvassClient

struct ExportUnsynced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-unsynced",
        abstract: "Write the changes the server never accepted to FILE (JSON, mode 0600), for a coordinator to import.",
        discussion: """
            For a revoked device, or one signed out with changes left: those changes can no longer be pushed from here. The file lists, per record, the collection, id, the fields written on this device with their values, and when. It holds voter data: hand it over safely, then delete it.

            A coordinator brings it in with: canvass import-unsynced FILE, then canvass sync. Works offline and without a login.
            """)
    @OptionGroup var options: Options
    @Argument(help: "The file to create.") var file: String
    @Flag(help: "Replace FILE if it exists.") var force = false

    func run() async throws {
        let report = try options.client.exportUnsynced(to: file, overwrite: force, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        print(
            "wrote \(report.records) record(s) with unsynced changes of device \(report.replica) to \(file) (readable by you only)"
        )
        if report.records > 0 {
            print("give it to your coordinator: `canvass import-unsynced \(file)`, then delete it")
        }
    }
}
