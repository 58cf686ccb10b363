import ArgumentParser
import CanvassClient
import Foundation

@main
struct Canvass: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canvass",
        abstract: "Work a walk list or call list, or set up and review a campaign, offline; sync when back online.",
        discussion: """
            Everything works offline except login, sync, and a coordinator's user, device and list share commands (login codes and revocations are the server's secrets). Start with: canvass login SERVER_URL CODE

            The local store lives in --home DIR (before or after the subcommand) or $CANVASS_HOME, default ~/.local/share/canvass; one folder per account.

            The home folder holds voter data: it is made private (mode 0700) when you own it, and refused otherwise.

            Exit codes: 0 ok, 64 bad usage, 65 refused input, 69 server unreachable (changes are safe locally), 77 not logged in, revoked or refused by the server.
            """,
        subcommands: [
            Login.self, Lists.self, Walk.self, Calls.self, SurveyCommand.self, RecordCommand.self,
            Edit.self,
            Status.self,
            SyncCommand.self, Conflicts.self, Resolve.self, Show.self, History.self, Shift.self,
            Logout.self, ExportUnsynced.self,
            ImportUnsynced.self, CampaignCommand.self, ImportCommand.self, UserCommand.self, DeviceCommand.self,
            ListCommand.self, GroupCommand.self, SegmentCommand.self,
            DonationCommand.self, EngagementCommand.self,
            GotvCommand.self, EventCommand.self,
            ReviewCommand.self,
            ReportCommand.self, ExportCommand.self,
            AutomationCommand.self, MailingCommand.self,
        ])

    /// Parsed here so that `--home` may come before the subcommand as well as after it.
    @OptionGroup var home: HomeOption

    /// The documented exit code of a client error.
    static func exitCode(_ code: ClientError.Code) -> Int32 {
        switch code {
        case .badUsage: return 64
        case .cannotConnect, .unreachable: return 69
        case .notLoggedIn, .revoked, .refused: return 77
        case .storage: return 1
        default: return 65
        }
    }

    /// Errors go to stderr with a message that says what to do, and exit with the code's status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var c = command as? AsyncParsableCommand {
                try await c.run()
            } else {
                try command.run()
            }
        } catch let e as ClientError {
            FileHandle.standardError.write(Data("canvass: \(e.description)\n".utf8))
            Foundation.exit(exitCode(e.code))
        } catch {
            exit(withError: error)
        }
    }
}
