import ArgumentParser
import CanvassClient
import Foundation

/// `--home`: parsed by the root command, so it may come before or after the subcommand.
struct HomeOption: ParsableArguments {
    @Option(help: "Folder of the local store (env CANVASS_HOME; default ~/.local/share/canvass). One per account.")
    var home: String?
}

/// What every subcommand takes: the home folder and `--json`.
struct Options: ParsableArguments {
    @OptionGroup var homeOption: HomeOption

    @Flag(help: "Print JSON (documented in README) instead of tables.")
    var json = false

    var directory: String { FieldClient.home(homeOption.home) }

    var client: FieldClient { FieldClient(home: directory) }

    func emit<T: Encodable>(_ value: T) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try e.encode(value), as: UTF8.self))
    }
}

/// An aligned table on standard output.
func table(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    for row in [header] + rows {
        print(
            row.enumerated().map { i, c in
                i == row.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  "))
    }
}

/// The lists table of `lists` and `login`.
func listsTable(_ lists: [ListSummary]) {
    table(["LIST", "KIND", "DONE", "NAME"], lists.map { [$0.id, $0.kind, "\($0.done)/\($0.total)", $0.name] })
}
