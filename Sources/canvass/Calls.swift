import ArgumentParser
import CanvassClient
import CanvassCore

struct Calls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "People to call, with phone numbers and last result.")
    @OptionGroup var options: Options
    @Argument(help: "List id.") var list: String

    func run() async throws {
        let people = try options.client.calls(list)
        if options.json { return try options.emit(people) }
        table(
            ["PERSON", "NAME", "PHONE", "LAST RESULT", "ATTEMPTS", "SKIP"],
            people.map {
                [$0.id, $0.name, $0.phone ?? "", $0.lastResult ?? "", String($0.attempts), $0.suppressed ?? ""]
            })
    }
}
