import ArgumentParser
import CanvassClient

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Sign this device out and revoke its login on the server; --wipe also deletes the local store (voter data).",
        discussion: """
            Online, the server revokes this device's token at once. Offline, the device still signs out, but the token stays live on the server until a coordinator revokes it (the command to give them is printed: canvass device revoke ID).

            Wiping refuses while changes are unsynced or rejected, unless --force: they would be lost (see canvass export-unsynced).
            """)
    @OptionGroup var options: Options
    @Flag(help: "Delete the local store and its voter data.") var wipe = false
    @Flag(help: "With --wipe: delete even unsynced changes.") var force = false

    func run() async throws {
        let report = try await options.client.logout(wipe: wipe, force: force)
        if options.json { return try options.emit(report) }
        let from = report.server.map { " of \($0)" } ?? ""
        print(
            wipe
                ? "logged out\(from) and wiped \(options.directory)"
                : "logged out\(from); local data kept in \(options.directory) (use --wipe to delete it)")
        if report.revokedOnServer {
            print("this device's login was revoked on the server")
        } else if let command = report.revokeCommand {
            print(
                "WARNING: \(report.serverAnswer ?? "the server did not revoke this device"), so this device's login (token) is still live on the server."
            )
            print("Ask a coordinator to revoke it now: \(command)")
        }
        if !wipe && report.unsynced + report.rejected > 0 {
            print(
                "note: \(report.unsynced) unsynced and \(report.rejected) rejected change(s) stay in the store; they cannot be pushed without this device's login: `canvass export-unsynced FILE` for your coordinator"
            )
        }
        if wipe && report.unsynced + report.rejected > 0 {
            print("deleted \(report.unsynced + report.rejected) unsynced change(s) (--force)")
        }
    }
}
