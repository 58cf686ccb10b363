import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassProtocol

// Who works a list: `canvass list assign|unassign` (offline: replicated writes, synced by
// `canvass sync`) and `canvass list share|unshare` (online: share codes are the server's secrets).

struct ListAssign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Assign a list to a user; it reaches their devices after your next `canvass sync`.",
        discussion:
            "Works offline: the user is found by name or id in the directory of users synced to this laptop. When two or more users share a walk list, each device gets its own batch of doors at every sync."
    )
    @OptionGroup var options: Options
    @Argument(help: "List id (see `canvass lists`).") var list: String
    @Argument(help: "User name or id (see `canvass user list`).") var user: String

    func run() async throws {
        let report = try options.client.assign(list: list, to: user, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        print(
            report.change == "unchanged"
                ? "\(list) is already assigned to \(report.user.name)"
                : "assigned \(list) to \(report.user.name); run `canvass sync` to send it")
    }
}

struct ListUnassign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unassign",
        abstract: "Take a list away from a user; their devices evict it after pushing what they recorded.",
        discussion: "Works offline; sent with your next `canvass sync`.")
    @OptionGroup var options: Options
    @Argument(help: "List id.") var list: String
    @Argument(help: "User name or id.") var user: String

    func run() async throws {
        let report = try options.client.unassign(list: list, from: user, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        print("unassigned \(list) from \(report.user.name); run `canvass sync` to send it")
    }
}

struct ListShare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Print a code that logs new volunteers straight into a list (needs a connection).",
        discussion: """
            Each volunteer runs `canvass login SERVER_URL CODE --name "Their Name"` and becomes a canvasser assigned to the list. The code may be used by many volunteers until it expires or `canvass list unshare LIST` revokes it.

            Needs a connection to the server (exit 69 offline), and the list must have reached the server (`canvass sync` first).
            """)
    @OptionGroup var options: Options
    @Argument(help: "List id.") var list: String
    @Option(help: "Hours the code works, 1–720.") var expires = ShareRequest.defaultHours

    func validate() throws {
        guard (1...ShareRequest.maxHours).contains(expires) else {
            throw ValidationError("--expires must be 1–\(ShareRequest.maxHours) hours, not \(expires)")
        }
    }

    func run() async throws {
        let share = try await options.client.shareList(list, hours: expires)
        if options.json { return try options.emit(share) }
        print(
            "share code for \(share.listID): \(share.code)  (for many volunteers, expires \(timestamp(share.expiresAt)))"
        )
        print("volunteers log in with: canvass login SERVER_URL \(share.code) --name \"Their Name\"")
    }
}

struct ListUnshare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unshare",
        abstract: "Revoke a list's share codes; volunteers already logged in keep their login (needs a connection).")
    @OptionGroup var options: Options
    @Argument(help: "List id.") var list: String

    func run() async throws {
        let report = try await options.client.unshareList(list)
        if options.json { return try options.emit(report) }
        print("revoked \(report.revoked) share code(s) of \(report.listID)")
    }
}
