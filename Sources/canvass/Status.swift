import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassProtocol
import Foundation

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unsynced and rejected changes, conflicts, last sync, server.")
    @OptionGroup var options: Options

    func run() async throws {
        let s = try options.client.status()
        if options.json { return try options.emit(s) }
        print("server     \(s.server)  (as \(s.user.name), \(s.user.role.rawValue); device \(s.replica))")
        print("last sync  \(s.lastSync.map { Date(timeIntervalSince1970: Double($0) / 1000).description } ?? "never")")
        print("unsynced   \(s.pending) change(s)")
        print("conflicts  \(s.conflicts)  (see `canvass conflicts`)")
        print("rejected   \(s.rejected.count)")
        for r in s.rejected {
            print("  \(r.collection)/\(r.id):")
            for p in r.problems { print("    \(p.message)") }
        }
    }
}
