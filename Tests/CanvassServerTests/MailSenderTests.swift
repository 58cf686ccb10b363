import CanvassCore
import CanvassServer
import CanvassStore
import Foundation
import Testing

/// Campaign email as handed to sendmail: the headers (encoded, no injection), what is read at
/// sending, and how the program's exit becomes the delivery's outcome. The program here is a
/// shell script standing in for msmtp; `MailingTests` sends through the real one.
@Suite struct MailSenderTests {
    static func message(
        subject: String = "Hello", from: String = "Campaign <team@camp.test>", to: String = "ann@x.test"
    )
        -> Result<MailMessage, MailMessage.Refusal>
    {
        MailMessage.make(
            from: from, to: to, subject: subject, body: "Hi Ann\n", date: 1_795_000_000_000, messageID: "mail-1@p-ann",
            unsubscribeURL: "https://canvass.test/v1/unsubscribe/T")
    }

    @Test func theMessageCarriesItsHeaders() throws {
        let m = try Self.message().get()
        let head = m.text.components(separatedBy: "\n\n")[0].split(separator: "\n").map(String.init)
        #expect(
            head == [
                "From: Campaign <team@camp.test>", "To: ann@x.test", "Subject: Hello",
                "Date: Wed, 18 Nov 2026 11:06:40 +0000", "Message-ID: <canvass.mail-1=p-ann@camp.test>",
                "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit",
                "List-Unsubscribe: <https://canvass.test/v1/unsubscribe/T>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Auto-Submitted: auto-generated",
            ])
        #expect(m.text.hasSuffix("\n\nHi Ann\n"))
        #expect(m.commandArguments == ["-i", "-f", "team@camp.test", "--", "ann@x.test"])
    }

    @Test(arguments: [
        ("Grüße, Ana", "=?utf-8?B?R3LDvMOfZSwgQW5h?="),
        ("plain", "plain"),
    ])
    func aSubjectThatIsNotASCIIIsEncoded(_ c: (String, String)) {
        #expect(MailMessage.encodeHeader(c.0) == c.1)
    }

    @Test func aLongSubjectIsFoldedIntoWordsOfAtMost75() {
        let subject = String(repeating: "élection ", count: 20)
        let encoded = MailMessage.encodeHeader(subject)
        let words = encoded.components(separatedBy: "\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { Data(base64Encoded: String($0.dropFirst(10).dropLast(2)))! }.reduce(Data(), +)
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
    }

    @Test(arguments: [
        ("Hi\r\nBcc: all@x.test", "Campaign <team@camp.test>", "ann@x.test"),
        ("Hi\nthere", "Campaign <team@camp.test>", "ann@x.test"),
        ("Hi", "team@camp.test\nBcc: all@x.test", "ann@x.test"),
        ("Hi", "Campaign <team@camp.test>", "ann@x.test\r\nBcc: all@x.test"),
        ("Hi", "nobody", "ann@x.test"),
    ])
    func aHeaderWithALineBreakIsRefused(_ c: (String, String, String)) {
        guard case .failure = Self.message(subject: c.0, from: c.1, to: c.2) else {
            Issue.record("sent: \(c)")
            return
        }
    }

    @Test func aBodyThatIsNotASCIIGoesAsBase64() throws {
        let m = try MailMessage.make(
            from: "team@camp.test", to: "ann@x.test", subject: "x", body: "Olá, Ana\n", date: 0, messageID: "m@p",
            unsubscribeURL: "https://c.test/u"
        ).get()
        #expect(m.text.contains("Content-Transfer-Encoding: base64\n"))
        let body = m.text.components(separatedBy: "\n\n")[1].replacingOccurrences(of: "\n", with: "")
        #expect(String(decoding: Data(base64Encoded: body)!, as: UTF8.self) == "Olá, Ana\n")
    }

    // MARK: sending through a program

    /// A campaign with a mailing and three people: ann may be emailed, bob unsubscribed, cat has no address.
    static func storage() async throws -> SQLiteServerStorage {
        let storage = try SQLiteServerStorage.inMemory()
        try await storage.write(
            [
                LocalWrite(
                    RecordKey("mailings", "mail-1"),
                    [
                        "campaign_id": "camp", "subject": "News for {{first_name}}",
                        "template": "Dear {{first_name}},\nvote!",
                    ]),
                LocalWrite(RecordKey("contacts", "p-ann"), ["first_name": "Ann", "email": "ann@x.test"]),
                LocalWrite(
                    RecordKey("contacts", "p-bob"),
                    ["first_name": "Bob", "email": "bob@x.test", "do_not_email": true]),
                LocalWrite(RecordKey("contacts", "p-cat"), ["first_name": "Cat"]),
            ], wallclock: 1)
        return storage
    }

    static func delivery(_ person: String) -> AutomationDelivery {
        AutomationDelivery(
            id: "mail-1@\(person)", kind: .email, target: "\(person)@x.test", campaign: "camp", contact: person,
            mailing: "mail-1")
    }

    /// A stand-in for sendmail: saves its arguments and input in `dir`, then runs `tail`.
    static func program(_ dir: URL, _ tail: String) throws -> String {
        let path = dir.appendingPathComponent("sendmail").path
        let script = "#!/bin/sh\necho \"$@\" > \"\(dir.path)/args\"\ncat > \"\(dir.path)/message\"\n\(tail)\n"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aMessageIsRenderedAtSendingAndPipedToTheProgram() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let storage = try await Self.storage()
        let sender = SendmailSender(
            storage: storage,
            configuration: MailConfiguration(
                sendmail: try Self.program(dir, "exit 0"), arguments: ["--host=relay.test"], from: "team@camp.test",
                publicURL: "https://canvass.test"), clock: { 0 })
        #expect(await sender.send(Self.delivery("p-ann")) == .delivered)
        let args = try String(contentsOf: dir.appendingPathComponent("args"), encoding: .utf8)
        #expect(args == "--host=relay.test -i -f team@camp.test -- ann@x.test\n")
        let text = try String(contentsOf: dir.appendingPathComponent("message"), encoding: .utf8)
        #expect(text.contains("\nSubject: News for Ann\n"))
        #expect(text.contains("\n\nDear Ann,\nvote!\n"))
        // The template has no {{unsubscribe_url}}: the link is appended, the same as the header's.
        let link = try #require(text.firstMatch(of: /List-Unsubscribe: <(.+)>/)?.1)
        #expect(link.hasPrefix("https://canvass.test/v1/unsubscribe/"))
        #expect(text.hasSuffix("To get no more email from this campaign: \(link)\n"))
        let token = String(link.split(separator: "/").last!)
        #expect(UnsubscribeToken.person(in: token, key: try await storage.secret(named: "unsubscribe")) == "p-ann")
    }

    @Test func whoMayNotBeEmailedNowIsRejectedWithoutRunningTheProgram() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sender = SendmailSender(
            storage: try await Self.storage(),
            configuration: MailConfiguration(
                sendmail: try Self.program(dir, "exit 0"), from: "team@camp.test", publicURL: "https://canvass.test"))
        #expect(await sender.send(Self.delivery("p-bob")) == .rejected("not sent: unsubscribed from email"))
        #expect(await sender.send(Self.delivery("p-cat")) == .rejected("not sent: no email address"))
        var gone = Self.delivery("p-ann")
        gone.mailing = "mail-gone"
        #expect(await sender.send(gone) == .rejected("mailing 'mail-gone' no longer exists"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("message").path))
    }

    @Test(arguments: [
        ("echo 'relay says 451 try later' >&2; exit 75", "exited 75 (temporary failure): relay says 451 try later"),
        ("exit 69", "exited 69: no error output"),
        ("sleep 60", "did not finish within"),
    ])
    func aFailingProgramIsAFailedTry(_ c: (String, String)) async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sender = SendmailSender(
            storage: try await Self.storage(),
            configuration: MailConfiguration(
                sendmail: try Self.program(dir, c.0), from: "team@camp.test", publicURL: "https://canvass.test",
                timeout: .milliseconds(500)))
        let start = ContinuousClock.now
        guard case .failed(let why) = await sender.send(Self.delivery("p-ann")) else {
            Issue.record("not a failed try")
            return
        }
        #expect(why.contains(c.1), "\(why)")
        // Well before the program would end by itself (60 s), with room for a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func badOptionsAreReportedTogether() {
        let c = MailConfiguration(sendmail: "msmtp", from: "nobody", publicURL: "canvass.test")
        #expect(c.problems.map(\.location) == ["--sendmail", "--mail-from", "--public-url"])
        let good = MailConfiguration(sendmail: "/bin/sh", from: "Team <t@c.test>", publicURL: "https://c.test")
        #expect(good.problems == [])
    }
}
