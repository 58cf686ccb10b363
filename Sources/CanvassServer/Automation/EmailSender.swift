import CanvassCampaign
import CanvassCore
import Foundation

/// How the server hands campaign email to the system's mail transfer agent: the sendmail
/// interface (`--sendmail`, msmtp from Debian by default in the README), who the mail is from
/// (`--mail-from`) and where recipients reach this server (`--public-url`, for unsubscribe links).
public struct MailConfiguration: Sendable, Hashable {
    /// The sendmail-compatible program, e.g. `/usr/bin/msmtp`.
    public var sendmail: String
    /// Arguments before the message's own (`--host=…`, `--account=…`, `-C FILE`).
    public var arguments: [String]
    /// The From header and the envelope sender: `campaign@example.org` or `Campaign <campaign@example.org>`.
    public var from: String
    /// This server as recipients reach it, e.g. `https://canvass.example.org`.
    public var publicURL: String
    /// How long the program may take for one message before it is killed and the try counts as failed.
    public var timeout: Duration

    public init(
        sendmail: String, arguments: [String] = [], from: String, publicURL: String, timeout: Duration = .seconds(60)
    ) {
        self.sendmail = sendmail
        self.arguments = arguments
        self.from = from
        self.publicURL = publicURL
        self.timeout = timeout
    }

    /// Every problem of the options, each naming its flag; empty when mail can be sent.
    public var problems: [Diagnostic] {
        var out: [Diagnostic] = []
        if !sendmail.hasPrefix("/") {
            out.append(
                Diagnostic(at: "--sendmail", code: "bad_path", "give the program's absolute path, e.g. /usr/bin/msmtp"))
        } else if !FileManager.default.isExecutableFile(atPath: sendmail) {
            out.append(
                Diagnostic(
                    at: "--sendmail", code: "not_found",
                    "\(sendmail) is not an executable file; install msmtp (apt-get install msmtp) or give another path")
            )
        }
        if MailMessage.address(of: from) == nil || from.contains(where: \.isNewline) {
            out.append(
                Diagnostic(
                    at: "--mail-from", code: "bad_address",
                    "'\(from)' is not one address; give campaign@example.org or \"Campaign <campaign@example.org>\""))
        }
        if let url = URL(string: publicURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host != nil,
            !publicURL.contains(where: { $0.isWhitespace || $0 == ">" })
        {
        } else {
            out.append(
                Diagnostic(
                    at: "--public-url", code: "bad_url",
                    "'\(publicURL)' is not an http(s) URL; give the address recipients reach this server at, e.g. https://canvass.example.org"
                ))
        }
        return out
    }
}

/// Sends campaign email (`AutomationDelivery.kind == .email`) through the sendmail interface.
/// At send time it reads the mailing (subject, template) and the contact, checks again that the
/// person may be emailed (`MailingRecipients`: someone who unsubscribed after the mailing was
/// queued gets nothing), renders with `MailTemplate`, and pipes the message to the program with
/// the recipient given on its command line. Exit 0 is delivered; any other exit or a timeout is
/// a failed try that the worker retries under `DeliveryPolicy`, with the program's stderr as the
/// error. What no retry can fix (the mailing deleted, the person unsubscribed, a template that
/// no longer parses, a line break in a header) is rejected at once.
public struct SendmailSender: DeliverySender {
    public let storage: any ServerStorage
    public let configuration: MailConfiguration
    let clock: @Sendable () -> Int64

    public init(
        storage: any ServerStorage, configuration: MailConfiguration, clock: @escaping @Sendable () -> Int64 = wallClock
    ) {
        self.storage = storage
        self.configuration = configuration
        self.clock = clock
    }

    public func send(_ delivery: AutomationDelivery) async -> DeliveryAttempt {
        let message: MailMessage
        do {
            switch try await compose(delivery) {
            case .success(let m): message = m
            case .failure(let refusal): return .rejected(refusal.reason)
            }
        } catch {
            return .failed("could not read the mailing or the contact: \(error)")
        }
        return await Sendmail.run(
            configuration.sendmail, arguments: configuration.arguments + message.commandArguments,
            input: Data(message.text.utf8), timeout: configuration.timeout)
    }

    /// The message for a delivery as it would be sent now, or why it must not be sent.
    public func compose(_ delivery: AutomationDelivery) async throws -> Result<MailMessage, MailMessage.Refusal> {
        guard delivery.kind == .email, let mailingID = delivery.mailing, let person = delivery.contact else {
            return .failure(.init("not a campaign email delivery (kind \(delivery.kind.rawValue))"))
        }
        guard let mailing = try await storage.record(RecordKey("mailings", mailingID)), !mailing.isDeleted else {
            return .failure(.init("mailing '\(mailingID)' no longer exists"))
        }
        guard let contact = try await storage.record(RecordKey("contacts", person)), !contact.isDeleted else {
            return .failure(.init("person '\(person)' no longer exists"))
        }
        let address: String
        switch MailingRecipients.address(contact.values) {
        case .success(let a): address = a
        case .failure(let why): return .failure(.init("not sent: \(why.reason)"))
        }
        let unsubscribe = try await Unsubscriber(storage: storage, publicURL: configuration.publicURL).url(
            person: person)
        let extra = ["unsubscribe_url": unsubscribe]
        let subject: String
        var body: String
        do {
            subject = try MailTemplate.render(
                mailing["subject"]?.stringValue ?? "", contact: contact.values, extra: extra)
            body = try MailTemplate.render(
                mailing["template"]?.stringValue ?? "", contact: contact.values, extra: extra)
        } catch {
            return .failure(.init("the mailing's template does not render: \(error)"))
        }
        if !body.contains(unsubscribe) {
            if !body.hasSuffix("\n") { body += "\n" }
            body += "\n--\nTo get no more email from this campaign: \(unsubscribe)\n"
        }
        return MailMessage.make(
            from: configuration.from, to: address, subject: subject, body: body, date: clock(),
            messageID: delivery.id, unsubscribeURL: unsubscribe)
    }
}

/// An email as handed to sendmail: headers and a plain-text UTF-8 body. Pure, so every header
/// rule (encoding, no injection) is tested without a mail server.
public struct MailMessage: Sendable, Hashable {
    public struct Refusal: Error, Sendable, Hashable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// The envelope sender and the one recipient (the program's arguments name them, so it
    /// never reads recipients from headers).
    public var sender: String
    public var recipient: String
    /// The whole message, headers and body, lines ending in LF as sendmail takes them.
    public var text: String

    /// `-i -f SENDER -- RECIPIENT`: a lone dot is no end of input, and nothing after `--` is an option.
    public var commandArguments: [String] { ["-i", "-f", sender, "--", recipient] }

    /// Builds the message. Refused when a header value would hold a line break (a subject built
    /// from a field, a From option): that would let text become headers of its own.
    public static func make(
        from: String, to: String, subject: String, body: String, date: Int64, messageID: String,
        unsubscribeURL: String
    ) -> Result<MailMessage, Refusal> {
        for (name, value) in [("From", from), ("To", to), ("Subject", subject), ("List-Unsubscribe", unsubscribeURL)]
        where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\u{0}" }) {
            return .failure(Refusal("not sent: the \(name) header would hold a line break"))
        }
        guard let sender = address(of: from) else { return .failure(Refusal("not sent: '\(from)' is no From address")) }
        guard MailingRecipients.isAddress(to) else { return .failure(Refusal("not sent: '\(to)' is no address")) }
        let domain = sender.split(separator: "@").last.map(String.init) ?? "canvass.invalid"
        let (encoding, encodedBody) = Self.body(body)
        let headers = [
            "From: \(from)", "To: \(to)", "Subject: \(encodeHeader(subject))", "Date: \(rfc5322Date(date))",
            "Message-ID: <\(messageIDLeft(messageID))@\(domain)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: \(encoding)",
            "List-Unsubscribe: <\(unsubscribeURL)>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Auto-Submitted: auto-generated",
        ]
        return .success(
            MailMessage(sender: sender, recipient: to, text: headers.joined(separator: "\n") + "\n\n" + encodedBody))
    }

    /// The address in `campaign@example.org` or `Name <campaign@example.org>`; nil if none.
    public static func address(of from: String) -> String? {
        var a = from.trimmingCharacters(in: .whitespaces)
        if a.hasSuffix(">"), let open = a.lastIndex(of: "<") {
            a = String(a[a.index(after: open)..<a.index(before: a.endIndex)])
        }
        return MailingRecipients.isAddress(a) ? a : nil
    }

    /// A header value as RFC 2047 encoded words when it is not plain ASCII: UTF-8 in base64,
    /// each word at most 75 characters and never splitting a character, folded onto lines.
    public static func encodeHeader(_ value: String) -> String {
        guard !value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 && $0.value < 127 }) else {
            return value
        }
        var words: [String] = []
        var chunk = Data()
        // 45 bytes are 60 base64 characters: with "=?utf-8?B?" and "?=" a word stays under 75.
        for c in value {
            let bytes = Data(String(c).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?utf-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\n ")
    }

    /// 7bit when the body is ASCII with lines SMTP carries as they are, else base64 (any
    /// relay, any line length).
    static func body(_ text: String) -> (encoding: String, text: String) {
        var plain = text.replacingOccurrences(of: "\r\n", with: "\n")
        if !plain.hasSuffix("\n") { plain += "\n" }
        let lines = plain.split(separator: "\n", omittingEmptySubsequences: false)
        if plain.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "\r" && $0 != "\u{0}" }),
            lines.allSatisfy({ $0.utf8.count <= 900 })
        {
            return ("7bit", plain)
        }
        let encoded = Data(plain.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return ("base64", encoded + "\n")
    }

    /// The delivery id as the left part of a Message-ID: characters outside `atext` escaped.
    static func messageIDLeft(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "!#$&'*+-/=?^_`{|}~.")
        let escaped = id.replacingOccurrences(of: "@", with: "=").addingPercentEncoding(withAllowedCharacters: allowed)
        return "canvass." + (escaped ?? "delivery")
    }

    /// An RFC 5322 date, e.g. `Tue, 24 Nov 2026 09:30:00 +0000`.
    static func rfc5322Date(_ millis: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}

/// Runs a sendmail-compatible program once: the message on its standard input, killed after
/// `timeout`. Input and error output are private temporary files (mode 0600, removed at once),
/// not pipes: a program started at the same moment by another send inherits no pipe end that
/// would keep this one's input open, and one that exits early cannot SIGPIPE the server.
enum Sendmail {
    static func run(_ path: String, arguments: [String], input: Data, timeout: Duration) async -> DeliveryAttempt {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("canvass-mail-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        let inputFile = dir.appendingPathComponent("message")
        let errorFile = dir.appendingPathComponent("stderr")
        let process = Process()
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            guard fm.createFile(atPath: inputFile.path, contents: input, attributes: [.posixPermissions: 0o600]),
                fm.createFile(atPath: errorFile.path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { return .failed("could not write the message to \(dir.path); check the temporary directory") }
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: errorFile)
        } catch {
            return .failed("could not prepare the message in \(dir.path): \(error.localizedDescription)")
        }
        // The first of its exit and the deadline: a child the program left behind may delay
        // Foundation's news of the exit, so the deadline does not wait for it.
        let events = AsyncStream<Int32?>.makeStream()
        process.terminationHandler = { p in events.continuation.yield(p.terminationStatus) }
        do {
            try process.run()
        } catch {
            return .failed("could not run \(path): \(error.localizedDescription); check --sendmail")
        }
        let deadline = Task.detached {
            try await Task.sleep(for: timeout)
            events.continuation.yield(nil)
        }
        var first: Int32?? = .none
        for await event in events.stream {
            first = event
            break
        }
        deadline.cancel()
        guard case .some(.some(let status)) = first else {
            // SIGKILL: the server's blocked signals are inherited, so SIGTERM might never arrive.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            return .failed("\(path) did not finish within \(timeout); the relay may be slow or unreachable")
        }
        if status == 0 { return .delivered }
        let errors = (try? Data(contentsOf: errorFile)) ?? Data()
        let message = String(decoding: errors.prefix(2000), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let detail = message.isEmpty ? "no error output" : message
        return .failed("\(path) exited \(status)\(status == 75 ? " (temporary failure)" : ""): \(detail)")
    }
}
