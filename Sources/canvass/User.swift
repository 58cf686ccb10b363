import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassProtocol
import Foundation

/// `canvass user add|list|code`: accounts on the server, for coordinators and admins. Online only.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add users and issue login codes (coordinators and admins; needs a connection).",
        discussion: """
            These commands need a connection to the server: login codes are the server's secrets. Offline they exit 69 and change nothing.

            A coordinator may add canvassers and coordinators; only an admin may add an admin or issue an admin's code.
            """,
        subcommands: [Add.self, List.self, Code.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user and print their one-time login code (single use, expires in 72 hours).",
            discussion:
                "Then refreshes this device's directory of users, so `canvass list assign LIST NAME` finds them at once."
        )
        @OptionGroup var options: Options
        @Argument(help: "The user's name (unique, 1–64 characters).") var name: String
        @Option(help: "canvasser, coordinator or admin (admins only).") var role = "canvasser"

        func validate() throws { _ = try parseRole(role) }

        func run() async throws {
            let issued = try await options.client.addUser(name: name, role: try parseRole(role), now: FieldClient.now())
            if options.json { return try options.emit(issued) }
            print("added \(issued.user.role.rawValue) \(issued.user.name) (\(issued.user.id))")
            print("login code: \(issued.code)  (single use, expires \(timestamp(issued.expiresAt)))")
            if !issued.directoryUpdated {
                print("note: this device's directory is not updated yet; run `canvass sync` before assigning lists")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users on the server.")
        @OptionGroup var options: Options

        func run() async throws {
            let users = try await options.client.users()
            if options.json { return try options.emit(users) }
            table(["NAME", "ROLE", "ID"], users.map { [$0.name, $0.role.rawValue, $0.id] })
        }
    }

    struct Code: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new one-time login code for an existing user (a new or lost laptop).")
        @OptionGroup var options: Options
        @Argument(help: "The user's name or id (see `canvass user list`).") var user: String

        func run() async throws {
            let issued = try await options.client.issueCode(user: user)
            if options.json { return try options.emit(issued) }
            print(
                "login code for \(issued.user.name): \(issued.code)  (single use, expires \(timestamp(issued.expiresAt)))"
            )
        }
    }
}

/// A role as typed, or a usage error naming the choices.
func parseRole(_ raw: String) throws -> Role {
    guard let role = Role(rawValue: raw.lowercased()) else {
        throw ValidationError("--role must be canvasser, coordinator or admin, not '\(raw)'")
    }
    return role
}

/// Milliseconds since 1970 as local date and time, e.g. `2026-11-24 18:30`.
func timestamp(_ millis: Int64) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
}
