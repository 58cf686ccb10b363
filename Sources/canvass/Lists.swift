import ArgumentParser
import CanvassClient

struct Lists: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your lists with progress (doors or calls done / total).")
    @OptionGroup var options: Options

    func run() async throws {
        let lists = try options.client.lists()
        if options.json { return try options.emit(lists) }
        if lists.isEmpty { return print("no lists yet: ask your coordinator to assign one, then `canvass sync`") }
        listsTable(lists)
    }
}
