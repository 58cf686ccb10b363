import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassProtocol

/// `canvass device list|revoke`: enrolled devices, for coordinators and admins. Online only.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "See enrolled devices and revoke a lost one (coordinators and admins; needs a connection).",
        discussion:
            "These commands need a connection to the server. Offline they exit 69 and change nothing; the directory of devices synced to this laptop is what you have meanwhile.",
        subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices: user, name, status, last use.")
        @OptionGroup var options: Options

        func run() async throws {
            let devices = try await options.client.devices()
            if options.json { return try options.emit(devices) }
            table(
                ["DEVICE", "USER", "ROLE", "NAME", "STATUS", "LAST USED"],
                devices.map {
                    [
                        $0.replicaID, $0.userName, $0.role.rawValue, $0.name ?? "", $0.status,
                        timestamp($0.lastSeen ?? $0.createdAt),
                    ]
                })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a device: its login stops working at once and the doors it held are released.",
            discussion:
                "The device's already synced changes stay. On its next sync it discards the voter data it holds, keeping only what it never pushed."
        )
        @OptionGroup var options: Options
        @Argument(help: "The device id (see `canvass device list`).") var device: String

        func run() async throws {
            let report = try await options.client.revokeDevice(device)
            if options.json { return try options.emit(report) }
            print("revoked \(report.replicaID)")
        }
    }
}
