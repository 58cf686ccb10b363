import ArgumentParser
import CanvassCore
import CanvassServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Where the server listens and keeps its data: flags, else environment, else defaults.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on (env CANVASS_HOST). Default 127.0.0.1.")
    var host: String?

    @Option(name: .long, help: "Port to listen on; 0 picks a free one (env CANVASS_PORT). Default 8080.")
    var port: Int?

    @Option(
        name: [.customLong("data")],
        help:
            "Data directory for the embedded SQLite store (env CANVASS_DATA). Default ./canvass-data. Unused with --postgres."
    )
    var data: String?

    @Option(
        name: .customLong("postgres"),
        help: ArgumentHelp(
            "Keep everything in PostgreSQL instead of the embedded SQLite store (env CANVASS_POSTGRES_URL).",
            discussion:
                "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]. The database must exist; its tables are made (migrated) at start. Several canvass-server processes may share one database. The --data folder then holds no records.",
            valueName: "url"))
    var postgres: String?

    @Option(
        name: .customLong("postgres-pool"),
        help: "Most connections this process opens to PostgreSQL (env CANVASS_POSTGRES_POOL). Default 8.")
    var postgresPool: Int?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; serve HTTPS (env CANVASS_TLS_CERT).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert (env CANVASS_TLS_KEY).")
    var tlsKey: String?

    @Option(
        name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. Default info.")
    var logLevel: String = "info"

    @Option(
        name: .customLong("idle-timeout"),
        help:
            "Seconds before an idle connection, or one that stops sending or reading, is closed; 0 never (env CANVASS_IDLE_TIMEOUT). Default 30."
    )
    var idleTimeout: Int?

    @Option(
        name: .customLong("read-timeout"),
        help:
            "Seconds a request may take to arrive, head and body, before it gets 408 and the connection closes; 0 no limit (env CANVASS_READ_TIMEOUT). Default 60."
    )
    var readTimeout: Int?

    @Option(
        name: .customLong("token-idle-days"),
        help:
            "Days without use after which a device's login expires; 0 never (env CANVASS_TOKEN_IDLE_DAYS). Default 30.")
    var tokenIdleDays: Int?

    @Option(
        name: .customLong("checkout-batch"),
        help:
            "Doors checked out to each device on a walk list shared by several canvassers (env CANVASS_CHECKOUT_BATCH). Default 30."
    )
    var checkoutBatch: Int?

    @Option(
        name: .customLong("checkout-hours"),
        help:
            "Hours a device holds its checked-out doors, offline included; each sync renews them (env CANVASS_CHECKOUT_HOURS). Default 4."
    )
    var checkoutHours: Int?

    @Flag(
        name: .customLong("no-automation"),
        help: "Run no automation rules and deliver no webhooks or email (env CANVASS_NO_AUTOMATION=1).")
    var noAutomation = false

    @Flag(
        name: .customLong("allow-private-webhooks"),
        help:
            "Let automation webhooks reach this machine and private networks (loopback, 10/8, 192.168/16, link-local, …); refused by default, since a rule's author should not reach the server's own network (env CANVASS_ALLOW_PRIVATE_WEBHOOKS=1)."
    )
    var allowPrivateWebhooks = false

    @Option(
        name: .customLong("delivery-retry-base-ms"),
        help:
            "Milliseconds before the first retry of a failed webhook or email; each retry waits twice as long (env CANVASS_DELIVERY_RETRY_BASE_MS). Default 30000."
    )
    var deliveryRetryBaseMs: Int?

    @Option(
        name: .customLong("delivery-retry-cap-s"),
        help: "The longest wait between retries, in seconds (env CANVASS_DELIVERY_RETRY_CAP_S). Default 3600.")
    var deliveryRetryCapS: Int?

    @Option(
        name: .customLong("delivery-max-attempts"),
        help:
            "Attempts before a delivery is marked failed (kept, shown by `canvass automation log`) (env CANVASS_DELIVERY_MAX_ATTEMPTS). Default 8."
    )
    var deliveryMaxAttempts: Int?

    @Option(
        name: .customLong("sendmail"),
        help:
            "Send campaign email through this sendmail-compatible program, e.g. /usr/bin/msmtp (env CANVASS_SENDMAIL). Without it, no email is sent."
    )
    var sendmail: String?

    @Option(
        name: .customLong("sendmail-arg"), parsing: .unconditionalSingleValue,
        help:
            "An argument for the --sendmail program, before the message's own; repeat for each (--sendmail-arg --account=campaign)."
    )
    var sendmailArgs: [String] = []

    @Option(
        name: .customLong("mail-from"),
        help:
            "From address of campaign email: campaign@example.org or \"Campaign <campaign@example.org>\" (env CANVASS_MAIL_FROM)."
    )
    var mailFrom: String?

    @Option(
        name: .customLong("public-url"),
        help:
            "Where recipients reach this server, for unsubscribe links, e.g. https://canvass.example.org (env CANVASS_PUBLIC_URL)."
    )
    var publicURL: String?

    var configuration: ServerConfiguration {
        get throws {
            let env = ProcessInfo.processInfo.environment
            var c = ServerConfiguration()
            c.host = host ?? env["CANVASS_HOST"] ?? c.host
            if let p = port ?? env["CANVASS_PORT"].flatMap(Int.init) { c.port = p }
            c.dataDirectory = data ?? env["CANVASS_DATA"] ?? c.dataDirectory
            c.tlsCertificate = tlsCert ?? env["CANVASS_TLS_CERT"]
            c.tlsKey = tlsKey ?? env["CANVASS_TLS_KEY"]
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
            }
            c.logLevel = level
            guard (0...65535).contains(c.port) else { throw ValidationError("the port must be 0–65535") }
            let idle = try wholeNumber(idleTimeout, env: "CANVASS_IDLE_TIMEOUT", flag: "--idle-timeout")
            let read = try wholeNumber(readTimeout, env: "CANVASS_READ_TIMEOUT", flag: "--read-timeout")
            c.connections = ConnectionLimits(idleSeconds: idle, readSeconds: read)
            return c
        }
    }

    /// The PostgreSQL URL: --postgres, else CANVASS_POSTGRES_URL; nil for the embedded store.
    var postgresURL: String? {
        (postgres ?? ProcessInfo.processInfo.environment["CANVASS_POSTGRES_URL"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where the data is, for the banner.
    var dataDescription: String {
        get throws {
            guard let url = postgresURL else { return try configuration.dataDirectory }
            return "PostgreSQL " + PostgresServerStorage.describe(url: url)
        }
    }

    func openService() async throws -> SyncService {
        let storage: any ServerStorage
        if let url = postgresURL {
            let pool = try wholeNumber(postgresPool, env: "CANVASS_POSTGRES_POOL", flag: "--postgres-pool") ?? 8
            guard pool >= 1 else { throw ValidationError("--postgres-pool must be at least 1") }
            storage = try await PostgresServerStorage.open(url: url, poolSize: pool)
        } else {
            storage = try SQLiteServerStorage.open(directory: try configuration.dataDirectory)
        }
        return SyncService(storage: storage, tokenLifetime: try tokenLifetime, checkout: try checkoutPolicy)
    }
}

extension ServerOptions {
    /// Token expiry: --token-idle-days, else CANVASS_TOKEN_IDLE_DAYS, else the default.
    var tokenLifetime: TokenLifetime {
        get throws {
            guard let days = try wholeNumber(tokenIdleDays, env: "CANVASS_TOKEN_IDLE_DAYS", flag: "--token-idle-days")
            else { return TokenLifetime() }
            return TokenLifetime(idleDays: days)
        }
    }

    /// Door checkout: --checkout-batch and --checkout-hours, else their environment, else 30 doors
    /// for 4 hours.
    var checkoutPolicy: CheckoutPolicy {
        get throws {
            let batch = try wholeNumber(checkoutBatch, env: "CANVASS_CHECKOUT_BATCH", flag: "--checkout-batch") ?? 30
            let hours = try wholeNumber(checkoutHours, env: "CANVASS_CHECKOUT_HOURS", flag: "--checkout-hours") ?? 4
            guard batch >= 1, hours >= 1 else {
                throw ValidationError("--checkout-batch and --checkout-hours must be at least 1")
            }
            return CheckoutPolicy(batchSize: batch, holdMillis: Int64(hours) * CheckoutPolicy.hour)
        }
    }

    /// Campaign email: nil without --sendmail (CANVASS_SENDMAIL); with it, --mail-from and
    /// --public-url are needed, and every problem of the four options is reported at once.
    var mailConfiguration: MailConfiguration? {
        get throws {
            let env = ProcessInfo.processInfo.environment
            guard let program = sendmail ?? env["CANVASS_SENDMAIL"], !program.isEmpty else { return nil }
            let mail = MailConfiguration(
                sendmail: program, arguments: sendmailArgs, from: mailFrom ?? env["CANVASS_MAIL_FROM"] ?? "",
                publicURL: publicURL ?? env["CANVASS_PUBLIC_URL"] ?? "")
            let problems = mail.problems
            guard problems.isEmpty else {
                throw ValidationError(problems.map { "\($0.location): \($0.message)" }.joined(separator: "\n"))
            }
            return mail
        }
    }

    /// Whether the automation engine and its outbox run: on unless --no-automation (CANVASS_NO_AUTOMATION=1).
    var automationEnabled: Bool { !noAutomation && ProcessInfo.processInfo.environment["CANVASS_NO_AUTOMATION"] != "1" }

    /// Whether webhooks may reach this machine and private networks: --allow-private-webhooks
    /// (CANVASS_ALLOW_PRIVATE_WEBHOOKS=1).
    var privateWebhooksAllowed: Bool {
        allowPrivateWebhooks || ProcessInfo.processInfo.environment["CANVASS_ALLOW_PRIVATE_WEBHOOKS"] == "1"
    }

    /// Retries of webhooks and email: the three --delivery-* options, else their environment,
    /// else 30 s doubling up to an hour, 8 attempts.
    var deliveryPolicy: DeliveryPolicy {
        get throws {
            let defaults = DeliveryPolicy()
            let base = try wholeNumber(
                deliveryRetryBaseMs, env: "CANVASS_DELIVERY_RETRY_BASE_MS", flag: "--delivery-retry-base-ms")
            let cap = try wholeNumber(
                deliveryRetryCapS, env: "CANVASS_DELIVERY_RETRY_CAP_S", flag: "--delivery-retry-cap-s")
            let attempts = try wholeNumber(
                deliveryMaxAttempts, env: "CANVASS_DELIVERY_MAX_ATTEMPTS", flag: "--delivery-max-attempts")
            guard base ?? 1 >= 1, cap ?? 1 >= 1, attempts ?? 1 >= 1 else {
                throw ValidationError(
                    "--delivery-retry-base-ms, --delivery-retry-cap-s and --delivery-max-attempts must be at least 1")
            }
            return DeliveryPolicy(
                base: base.map(Int64.init) ?? defaults.base,
                maxDelay: cap.map { Int64($0) * 1000 } ?? defaults.maxDelay,
                maxAttempts: attempts ?? defaults.maxAttempts)
        }
    }

    /// A whole number ≥ 0 from a flag, else the environment; nil when neither is given.
    private func wholeNumber(_ flag: Int?, env name: String, flag label: String) throws -> Int? {
        guard let raw = flag.map(String.init) ?? ProcessInfo.processInfo.environment[name] else { return nil }
        guard let n = Int(raw), n >= 0, n <= 1_000_000 else {
            throw ValidationError("\(label) (\(name)) must be a whole number 0–1000000, not '\(raw)'")
        }
        return n
    }
}

func now() -> Int64 { wallClock() }

/// Runs the HTTP server until SIGINT or SIGTERM; in-flight requests finish first.
func serve(_ options: ServerOptions, service: SyncService, banner: String? = nil) async throws {
    let config = try options.configuration
    var logger = Logger(label: "canvass-server")
    logger.logLevel = config.logLevel
    let scheme = config.tlsCertificate == nil ? "http" : "https"
    let data = try options.dataDescription
    let app = try buildApplication(configuration: config, service: service, logger: logger) { port in
        // Written in one go and unbuffered: tests and scripts read the port from this line.
        let text =
            (banner.map { $0 + "\n" } ?? "")
            + "canvass-server listening on \(scheme)://\(config.host):\(port)  (data: \(data); stop with Ctrl-C)\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }
    var services: [any Service] = [app]
    var webhook: WebhookSender?
    if options.automationEnabled {
        // Campaign email goes out only with --sendmail (and --mail-from, --public-url).
        let email: (any DeliverySender)? = try options.mailConfiguration.map {
            SendmailSender(storage: service.storage, configuration: $0)
        }
        let automation = AutomationService.server(
            service: service, policy: try options.deliveryPolicy, email: email,
            allowPrivateWebhooks: options.privateWebhooksAllowed,
            logger: logger)
        services.append(automation.service)
        webhook = automation.webhook
    }
    let group = ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
    try? await webhook?.shutdown()
}

@main
struct CanvassServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canvass-server",
        abstract: "The Canvass sync server: canvassers' laptops sync their shifts here.",
        discussion: """
            With no subcommand it serves on 127.0.0.1:8080 from ./canvass-data (created on first start).
            Try the demo: canvass-server demo
            """,
        subcommands: [Serve.self, Demo.self, UserCommand.self, DeviceCommand.self, ListCommand.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the sync protocol (the default).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await serve(options, service: try await options.openService())
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the fixture campaign, print login codes for a coordinator and two canvassers, and serve.",
        discussion: "Both canvassers get walk list turf-01, so their turf overlaps. Codes are new on every start.")
    @OptionGroup var options: ServerOptions
    @Option(help: "Folder with voters.csv and surveys/ (the repository's fixtures).")
    var fixtures = "fixtures"

    func run() async throws {
        let service = try await options.openService()
        guard FileManager.default.fileExists(atPath: (fixtures as NSString).appendingPathComponent("voters.csv")) else {
            throw ValidationError("no voters.csv in '\(fixtures)'; run from the repository root or pass --fixtures DIR")
        }
        let setup = try await ServerAdmin(service: service).setUpDemo(fixtures: fixtures, now: now())
        let banner = """
            Canvass demo: \(setup.people) people on \(setup.lists) lists.
              coordinator   code \(setup.coordinatorCode)
            \(setup.canvasserCodes.map { "  \($0.name.padding(toLength: 13, withPad: " ", startingAt: 0)) code \($0.code)   (walk list \(setup.sharedList))" }.joined(separator: "\n"))
            Codes are single-use and expire in 72 hours.
            """
        try await serve(options, service: service, banner: banner)
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Add users and issue login codes.",
        subcommands: [Add.self, Code.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user and print their one-time login code.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The user's name (unique).") var name: String
        @Option(help: "admin, coordinator or canvasser.") var role: Role = .canvasser
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (user, code) = try await options.openService().addUser(name: name, role: role, now: now())
            if json {
                print(try jsonText(["id": user.id, "name": user.name, "role": user.role.rawValue, "code": code]))
            } else {
                print(
                    "added \(user.role.rawValue) \(user.name) (\(user.id))\nlogin code: \(code)  (single use, expires in 72 hours)"
                )
            }
        }
    }

    struct Code: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new one-time login code for an existing user.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The user's name or id.") var name: String

        func run() async throws {
            let service = try await options.openService()
            guard let user = try await service.storage.user(named: name) else {
                throw ValidationError("no user '\(name)'; see `canvass-server user list`")
            }
            print(
                "login code for \(user.name): \(try await service.issueCode(for: user, now: now()))  (single use, expires in 72 hours)"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: ServerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let users = try await options.openService().storage.users()
            if json { return print(try jsonText(users)) }
            printTable(["NAME", "ROLE", "ID"], users.map { [$0.name, $0.role.rawValue, $0.id] })
        }
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "See and revoke enrolled devices.", subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices.")
        @OptionGroup var options: ServerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let service = try await options.openService()
            let devices = try await service.storage.devices()
            if json { return print(try jsonText(devices)) }
            let now = now()
            printTable(
                ["REPLICA", "USER", "ROLE", "NAME", "STATUS"],
                devices.map {
                    [
                        $0.replica.rawValue, $0.userName, $0.role.rawValue, $0.name ?? "",
                        $0.status(service.tokenLifetime, now: now),
                    ]
                })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a device: its token stops working at once.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The device's replica id (see `device list`).") var replica: String

        func run() async throws {
            try await options.openService().revoke(ReplicaID(replica), by: nil, now: now())
            print("revoked \(replica)")
        }
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "See walk and call lists and assign them.",
        subcommands: [List.self, Assign.self, Unassign.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List walk and call lists with their assignees.")
        @OptionGroup var options: ServerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let lists = try await ServerAdmin(service: await options.openService()).lists()
            if json { return print(try jsonText(lists)) }
            printTable(
                ["LIST", "KIND", "ITEMS", "ASSIGNED TO", "NAME"],
                lists.map { [$0.id, $0.kind, String($0.items), $0.assignees.joined(separator: ","), $0.name] })
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a list to a user; it reaches their devices on the next sync.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "List id.") var list: String
        @Argument(help: "User name.") var user: String

        func run() async throws {
            try await ServerAdmin(service: await options.openService()).assign(list: list, to: user, now: now())
            print("assigned \(list) to \(user)")
        }
    }

    struct Unassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a list away; their devices evict it on the next sync (after pushing what they recorded).")
        @OptionGroup var options: ServerOptions
        @Argument(help: "List id.") var list: String
        @Argument(help: "User name.") var user: String

        func run() async throws {
            try await ServerAdmin(service: await options.openService()).unassign(list: list, from: user, now: now())
            print("unassigned \(list) from \(user)")
        }
    }
}

extension Role: ExpressibleByArgument {}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try e.encode(value), as: UTF8.self)
}

/// An aligned table.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    for row in [header] + rows {
        print(
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
    }
}
