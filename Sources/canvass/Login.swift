import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassProtocol
import Foundation

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enroll this device with a one-time code from your coordinator.")
    @OptionGroup var options: Options
    @Argument(help: "The server, e.g. http://127.0.0.1:8080") var server: String
    @Argument(help: "The code, e.g. ABCD-EFGH") var code: String
    @Option(help: "A name for this device.") var deviceName = ProcessInfo.processInfo.hostName
    @Option(help: "Your name, when the code is a list share code (`canvass list share`); default: the device name.")
    var name: String?

    func run() async throws {
        let report = try await options.client.login(
            server: server, code: code, deviceName: deviceName, name: name, now: FieldClient.now())
        if options.json { return try options.emit(report) }
        print("logged in to \(server) as \(report.user.name) (\(report.user.role.rawValue)); device \(report.replica)")
        print("pulled \(report.pulled) records; your lists:")
        listsTable(report.lists)
    }
}
