import AsyncHTTPClient
import CanvassTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Campaign email end to end with real processes only: an SMTP sink on loopback (aiosmtpd,
/// `smtp_sink.py`), a `canvass-server` that sends through the real msmtp, and the `canvass` CLI.
/// A coordinator makes a segment and a mailing and sends it: the sink gets exactly one message
/// per person who may be emailed. Sending again reaches only the person added since. A person who
/// follows the unsubscribe link in their message gets no later mailing; nobody marked
/// `do_not_email` or do-not-contact gets any.
@Suite(.serialized) struct MailingTests {
    @Test(
        .enabled(
            if: MailTools.missing == nil,
            "campaign email tests need \(MailTools.missing ?? ""): apt-get install msmtp python3-aiosmtpd"))
    func aMailingReachesEachPersonOnceAndNobodyWhoUnsubscribed() async throws {
        let dir = try temporaryDirectory("canvass-mailing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sink = try SMTPSink(directory: dir.appendingPathComponent("sink"))
        defer { sink.stop() }
        let port = try freeLoopbackPort()
        let server = try ServerProcess(
            arguments: [
                "demo", "--sendmail", try #require(MailTools.msmtp), "--sendmail-arg", "--host=127.0.0.1",
                "--sendmail-arg", "--port=\(sink.port)", "--sendmail-arg", "--auth=off", "--sendmail-arg", "--tls=off",
                "--mail-from", "Campaign <team@camp.test>", "--public-url", "http://127.0.0.1:\(port)",
            ], dataDirectory: dir.appendingPathComponent("server").path, port: port)
        defer { server.stop() }
        let kim = dir.appendingPathComponent("kim").path
        let run = try await coordinator(on: server, home: kim)

        // Seven people of the demo campaign; the first six in a group the segment chooses.
        let stops = try jsonArray(try await run(["walk", "turf-01", "--json"]))
        let people = Array(
            stops.flatMap { ($0["people"] as? [[String: Any]]) ?? [] }.compactMap { $0["id"] as? String }.prefix(7))
        try #require(people.count == 7)
        let group = try #require(
            try jsonObject(try await run(["group", "create", "camp-2026", "Mail", "--json"]))["id"] as? String)
        _ = try await run(["group", "add", group] + Array(people.prefix(6)))
        for (n, p) in people.enumerated() { _ = try await run(["edit", p, "--set", "email=voter\(n)@mail.test"]) }
        _ = try await run(["edit", people[4], "--set", "do_not_email=true"])
        _ = try await run(["edit", people[5], "--set", "do_not_contact=true"])
        _ = try await run(["segment", "create", "camp-2026", "Mail", "--where", "group=Mail", "--json"])
        let template = dir.appendingPathComponent("reminder.txt").path
        // No {{unsubscribe_url}}: the server appends the link.
        try "Dear {{first_name}},\n\nPlease vote on Tuesday.\n".write(
            toFile: template, atomically: true, encoding: .utf8)
        let created = try jsonObject(
            try await run([
                "mailing", "create", "camp-2026", "Reminder", "--segment", "Mail", "--subject",
                "Vote Tuesday, {{first_name}}", "--template", template, "--json",
            ]))
        let reminder = try #require(created["id"] as? String)
        _ = try await run(["mailing", "send", reminder, "--json"])
        _ = try await run(["sync"])

        let reachable = Set((0..<4).map { "voter\($0)@mail.test" })
        var got = try await sink.messages(until: { Set($0.flatMap(\.recipients)) == reachable })
        #expect(got.count == 4, "\(got.map(\.recipients))")
        #expect(got.allSatisfy { $0.subject.hasPrefix("Vote Tuesday, ") && $0.body.hasPrefix("Dear ") })
        #expect(got.allSatisfy { $0.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click" })

        // Sent again with one more person in the group: only the new person gets it.
        _ = try await run(["group", "add", group, people[6]])
        _ = try await run(["mailing", "send", reminder, "--json"])
        _ = try await run(["sync"])
        got = try await sink.messages(until: { $0.contains { $0.recipients == ["voter6@mail.test"] } })
        #expect(got.count == 5, "\(got.map(\.recipients))")
        #expect(Set(got.flatMap(\.recipients)) == reachable.union(["voter6@mail.test"]))

        // voter0 follows the link in their message; a forged link is refused.
        let message = try #require(got.first { $0.recipients == ["voter0@mail.test"] })
        let link = try #require(message.body.firstMatch(of: /https?:\/\/\S+\/v1\/unsubscribe\/\S+/)).0
        #expect(message.header("List-Unsubscribe") == "<\(link)>")
        #expect(try await http(String(link)) == 200)
        #expect(try await http(String(link.dropLast(2))) == 404)
        // Following the link asks; its button (or a mail client's one-click) POSTs.
        #expect(try await http(String(link), method: .POST) == 200)

        // A second mailing to the same segment reaches everyone but voter0.
        let followUp = try #require(
            try jsonObject(
                try await run([
                    "mailing", "create", "camp-2026", "Follow-up", "--segment", "Mail", "--subject", "Thank you",
                    "--template", template, "--json",
                ]))["id"] as? String)
        _ = try await run(["mailing", "send", followUp, "--json"])
        _ = try await run(["sync"])
        let expected: Set<String> = ["voter1@mail.test", "voter2@mail.test", "voter3@mail.test", "voter6@mail.test"]
        got = try await sink.messages(until: {
            Set($0.filter { $0.subject == "Thank you" }.flatMap(\.recipients)) == expected
        })
        let thanks = got.filter { $0.subject == "Thank you" }
        #expect(thanks.count == 4 && Set(thanks.flatMap(\.recipients)) == expected, "\(thanks.map(\.recipients))")
        #expect(got.count == 9, "nobody got anything twice: \(got.map(\.recipients))")
        #expect(
            !got.contains { $0.recipients.contains("voter4@mail.test") || $0.recipients.contains("voter5@mail.test") })
    }
}

/// What the mail tests need on this machine: msmtp and Python's aiosmtpd.
enum MailTools {
    static let msmtp: String? = ["/usr/bin/msmtp", "/usr/local/bin/msmtp"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let aiosmtpd: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import aiosmtpd"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
    /// What is missing, nil when nothing.
    static var missing: String? {
        let names = [msmtp == nil ? "msmtp" : nil, aiosmtpd ? nil : "python3-aiosmtpd"].compactMap { $0 }
        return names.isEmpty ? nil : names.joined(separator: " and ")
    }
}

/// `smtp_sink.py` on a free loopback port, writing each message it accepts as JSON.
final class SMTPSink: @unchecked Sendable {
    struct Message {
        let recipients: [String]
        let subject: String
        let body: String
        let headers: [[String]]
        func header(_ name: String) -> String? { headers.first { $0.first?.lowercased() == name.lowercased() }?.last }
    }

    let process = Process()
    let directory: URL
    private(set) var port = 0

    init(directory: URL) throws {
        self.directory = directory
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_sink.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, directory.path]
        port = try startListening(process, what: "smtp_sink.py")
    }

    /// The messages received so far, once `done` holds for them (or after 30 s).
    func messages(until done: ([Message]) -> Bool) async throws -> [Message] {
        var found: [Message] = []
        for _ in 0..<150 {
            found = try read()
            if done(found) { return found }
            try await Task.sleep(for: .milliseconds(200))
        }
        return found
    }

    func read() throws -> [Message] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return try files.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return Message(
                recipients: o["rcpt_tos"] as? [String] ?? [], subject: o["subject"] as? String ?? "",
                body: (o["body"] as? String ?? "").replacingOccurrences(of: "\r\n", with: "\n"),
                headers: o["headers"] as? [[String]] ?? [])
        }
    }

    /// SIGKILL: every message it accepted is on disk already (written whole, then renamed).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A port free on 127.0.0.1 now (the server's public URL must name it before it starts).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
        }
    }
    guard bound else { throw MailTestError("no free loopback port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// The status of a GET, as a mail client following a link would make it.
func http(_ url: String, method: HTTPMethod = .GET) async throws -> UInt {
    var request = HTTPClientRequest(url: url)
    request.method = method
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    _ = try await response.body.collect(upTo: 1 << 16)
    return response.status.code
}

struct MailTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
