import ArgumentParser
import CanvassClient

struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Correct contact details (phone, email, moved, do_not_contact, …).")
    @OptionGroup var options: Options
    @Argument(help: "Person id.") var person: String
    @Option(help: "FIELD=VALUE; repeat for several fields; an empty value clears.") var set: [String] = []

    func run() async throws {
        try options.client.edit(person: person, set: set, now: FieldClient.now())
        if options.json { return try options.emit(["person": person]) }
        print("updated \(person); saved on this device, `canvass sync` when online")
    }
}
