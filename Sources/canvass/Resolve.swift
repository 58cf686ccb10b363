import ArgumentParser
import CanvassClient
import CanvassCore

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve a conflict with one value that replaces every concurrent one.")
    @OptionGroup var options: Options
    @Argument(help: "The record, as COLLECTION/ID (see `canvass conflicts`).") var record: String
    @Argument(help: "The field.") var field: String
    @Option(help: "The value to keep.") var value: String?
    @Option(help: "Keep the Nth value as `canvass conflicts` numbers them.") var keep: Int?

    func validate() throws {
        if (value == nil) == (keep == nil) { throw ValidationError("give exactly one of --value or --keep") }
        if !record.contains("/") { throw ValidationError("RECORD is COLLECTION/ID, e.g. contacts/c-OH123456789") }
    }

    func run() async throws {
        let parts = record.split(separator: "/", maxSplits: 1).map(String.init)
        let key = RecordKey(parts[0], parts[1])
        try options.client.resolve(key, field: field, value: value, keep: keep, now: FieldClient.now())
        if options.json { return try options.emit(["resolved": "\(key) \(field)"]) }
        print("resolved \(key) \(field); `canvass sync` to share it")
    }
}
