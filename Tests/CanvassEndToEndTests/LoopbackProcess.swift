import Foundation

struct LoopbackProcessError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a helper process of a test (a webhook receiver, an SMTP sink) that prints
/// `listening on PORT` once it listens on loopback, and returns that port. Its error output is
/// discarded. A process that does not say so within 20 s is killed with SIGKILL: a child of the
/// test runner may inherit a mask with SIGTERM blocked, which `terminate()` cannot get past.
func startListening(_ process: Process, what: String) throws -> Int {
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    var text = ""
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline, process.isRunning {
        let data = out.fileHandleForReading.availableData
        if data.isEmpty { continue }
        text += String(decoding: data, as: UTF8.self)
        if let m = text.firstMatch(of: /listening on (\d+)/), let p = Int(m.1) { return p }
    }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    throw LoopbackProcessError(description: "\(what) did not start: \(text)")
}
