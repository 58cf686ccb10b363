import Foundation

/// A real `canvass-server` process on a loopback port, for end-to-end tests.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let dataDirectory: String
    public private(set) var port = 0
    public private(set) var output = ""
    private let pipe = Pipe()

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `canvass-server ARGS --data DIR --port PORT` and waits for its "listening" line.
    public init(
        arguments: [String] = ["serve"], dataDirectory: String, port: Int = 0, environment: [String: String] = [:]
    ) throws {
        self.dataDirectory = dataDirectory
        process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("canvass-server")
        process.arguments =
            arguments + [
                "--data", dataDirectory, "--port", String(port), "--host", "127.0.0.1", "--log-level", "warning",
            ]
        process.currentDirectoryURL = repositoryRoot()
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
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
        throw ServerProcessError(message: "canvass-server did not start; output:\n\(output)")
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

/// Runs `canvass-server ARGS --data DIR` to completion and returns its standard output.
public func runServerCommand(_ arguments: [String], dataDirectory: String) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = productsDirectory().appendingPathComponent("canvass-server")
    p.arguments = arguments + ["--data", dataDirectory]
    p.currentDirectoryURL = repositoryRoot()
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
