import ArgumentParser
import CanvassClient

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record one door or call, checked against the list's survey.")
    @OptionGroup var options: Options
    @Argument(help: "Person id (see `canvass walk` or `canvass calls`).") var person: String
    @Option(help: "List id.") var list: String
    @Option(help: "Result code (see `canvass survey LIST`).") var result: String
    @Option(help: "QUESTION=VALUE; repeat for several answers.") var answer: [String] = []
    @Option(help: "A note.") var note: String?

    func run() async throws {
        let id = try options.client.record(
            person: person, list: list, result: result, answers: answer, note: note, now: FieldClient.now())
        if options.json { return try options.emit(["interaction": id]) }
        print("recorded \(result) for \(person) (\(id)); saved on this device, `canvass sync` when online")
    }
}
