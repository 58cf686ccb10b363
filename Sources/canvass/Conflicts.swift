import ArgumentParser
import CanvassClient
import CanvassCore

struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fields with concurrent values; the first is what readers see.")
    @OptionGroup var options: Options

    func run() async throws {
        let conflicts = try options.client.conflicts()
        if options.json { return try options.emit(conflicts) }
        if conflicts.isEmpty { return print("no conflicts") }
        table(
            ["RECORD", "FIELD", "#", "VALUE"],
            conflicts.flatMap { c in
                c.values.enumerated().map { i, v in
                    [
                        i == 0 ? "\(c.record)" : "", i == 0 ? c.field : "", String(i + 1),
                        v.isNull ? "(deleted)" : v.description,
                    ]
                }
            })
        print("resolve with: canvass resolve RECORD FIELD --keep N   (or --value V)")
    }
}
