import Foundation

/// A real `canvass-server` process on a loopback port, for end-to-end tests.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let dataDirectory: String
    public private(set) var port = 0
    public private(set) var output = ""
    private let pipe = Pipe()

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `canvass-server ARGS --data DIR --port PORT` (and `--postgres URL` when `postgres` is
    /// given) and waits for its "listening" line.
    public init(
        arguments: [String] = ["serve"], dataDirectory: String, port: Int = 0, environment: [String: String] = [:],
        postgres: String? = nil
    ) throws {
        self.dataDirectory = dataDirectory
        process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("canvass-server")
        process.arguments =
            arguments + [
                "--data", dataDirectory, "--port", String(port), "--host", "127.0.0.1", "--log-level", "warning",
            ] + (postgres.map { ["--postgres", $0] } ?? [])
        process.currentDirectoryURL = repositoryRoot()
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = pipe
        // Its error output goes to a file (never a pipe nobody drains), read when it fails to start.
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent(
            "canvass-server-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        let handle = pipe.fileHandleForReading
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty {
                if !process.isRunning { break }
                continue
            }
            output += String(decoding: data, as: UTF8.self)
            if let range = output.range(of: #"listening on https?://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let line = output[range]
                self.port = Int(line.split(separator: ":").last!) ?? 0
                return
            }
        }
        process.terminate()
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        throw ServerProcessError(
            message: "canvass-server did not start; output:\n\(output)\nerror output:\n\(stderr.suffix(2000))")
    }

    /// Starts `canvass-server ARGS` on a test's database (`TestBackend.database()`): its folder as
    /// `--data`, and on PostgreSQL its URL as `--postgres`.
    public convenience init(
        arguments: [String] = ["serve"], database: TestDatabase, port: Int = 0, environment: [String: String] = [:]
    ) throws {
        try self.init(
            arguments: arguments, dataDirectory: database.directory, port: port, environment: environment,
            postgres: database.url)
    }

    /// The login code printed for `name` by `canvass-server demo`.
    public func code(for name: String) -> String? {
        for line in output.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ")
        {
            if let r = line.range(of: #"[A-Z0-9]{4}-[A-Z0-9]{4}"#, options: .regularExpression) {
                return String(line[r])
            }
        }
        return nil
    }

    /// SIGTERM, then wait (the graceful path); SIGKILL after `grace` seconds. Returns the exit
    /// status, or -9 when it had to be killed.
    @discardableResult
    public func stop(grace: Double = 20) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { usleep(20_000) }
            return -9
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

public struct ServerProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Runs `canvass-server ARGS --data DIR` (and `--postgres URL`) to completion and returns its standard output.
public func runServerCommand(_ arguments: [String], dataDirectory: String, postgres: String? = nil) throws -> (
    status: Int32, output: String
) {
    let p = Process()
    p.executableURL = productsDirectory().appendingPathComponent("canvass-server")
    p.arguments = arguments + ["--data", dataDirectory] + (postgres.map { ["--postgres", $0] } ?? [])
    p.currentDirectoryURL = repositoryRoot()
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
