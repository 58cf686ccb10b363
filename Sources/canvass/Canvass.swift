import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// Where the local replica lives: `--home`, else CANVASS_HOME, else ~/.local/share/canvass.
struct HomeOptions: ParsableArguments {
    @Option(help: "Folder of the local store (env CANVASS_HOME; default ~/.local/share/canvass). One per account.")
    var home: String?

    @Flag(help: "Print JSON (documented in README) instead of tables.")
    var json = false

    var directory: String {
        if let home { return home }
        if let env = ProcessInfo.processInfo.environment["CANVASS_HOME"], !env.isEmpty { return env }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".local/share/canvass")
    }

    var storePath: String { (directory as NSString).appendingPathComponent("replica.sqlite") }

    /// Opens (creating if needed) the store; the folder is made private first (voter data).
    func openStore() throws -> ReplicaStore {
        try PrivateFolder.prepare(directory)
        return try ReplicaStore.open(path: storePath)
    }

    /// The store of a home that has one, logged in or not.
    func existingStore() throws -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw ClientError(.notLoggedIn, "no Canvass store in \(directory): run `canvass login SERVER_URL CODE` first")
        }
        return try openStore()
    }

    /// The store of a logged-in home, or an error that says to log in.
    func session() throws -> (ReplicaStore, Session) {
        let store = try existingStore()
        guard let s = try Session.load(from: store) else {
            throw ClientError(.notLoggedIn, "not logged in: run `canvass login SERVER_URL CODE` first")
        }
        return (store, s)
    }

    func emit<T: Encodable>(_ value: T) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try e.encode(value), as: UTF8.self))
    }
}

func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// An aligned table on standard output.
func table(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    for row in [header] + rows {
        print(row.enumerated().map { i, c in i == row.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  "))
    }
}

@main
struct Canvass: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canvass",
        abstract: "Work a walk list or call list, offline; sync when back online.",
        discussion: """
            Everything works offline except login and sync. Start with: canvass login SERVER_URL CODE

            The local store lives in --home DIR (given after the subcommand) or $CANVASS_HOME, default ~/.local/share/canvass; one folder per account.

            The home folder holds voter data: it is made private (mode 0700) when you own it, and refused otherwise.

            Exit codes: 0 ok, 64 bad usage, 65 refused input, 69 server unreachable (changes are safe locally), 77 not logged in, revoked or refused by the server.
            """,
        subcommands: [Login.self, Lists.self, Walk.self, Calls.self, SurveyCommand.self, RecordCommand.self, Edit.self, Status.self,
            SyncCommand.self, Conflicts.self, Resolve.self, Shift.self, Logout.self, ExportUnsynced.self, ImportUnsynced.self])

    /// Errors go to stderr with a message that says what to do; exit codes: 64 bad usage,
    /// 65 invalid input, 69 server unreachable, 77 not logged in / revoked / refused, 1 otherwise.
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
            Foundation.exit(e.code == .notLoggedIn || e.code == .revoked ? 77 : 65)
        } catch let e as TransportError {
            FileHandle.standardError.write(Data("canvass: \(e.description)\n".utf8))
            Foundation.exit(e.isRetryable ? 69 : 77)
        } catch let e as StoreError {
            FileHandle.standardError.write(Data("canvass: \(e.description)\n".utf8))
            Foundation.exit(e.code == .unsafeFolder ? 65 : 1)
        } catch {
            exit(withError: error)
        }
    }
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enroll this device with a one-time code from your coordinator.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "The server, e.g. http://127.0.0.1:8080") var server: String
    @Argument(help: "The code, e.g. ABCD-EFGH") var code: String
    @Option(help: "A name for this device.") var deviceName = ProcessInfo.processInfo.hostName

    func run() async throws {
        let store = try options.openStore()
        let transport = try HTTPTransport(baseURL: server)
        let session = try await Enrollment.enroll(store: store, serverURL: server, code: code, deviceName: deviceName, transport: transport)
        let report = try await SyncEngine(store: store, transport: transport).sync(now: now())
        let lists = try FieldOperations(store: store).lists()
        if options.json {
            return try options.emit(LoginOutput(user: session.user, replica: session.replicaID.rawValue, server: server, lists: lists, pulled: report.pulled))
        }
        print("logged in to \(server) as \(session.user.name) (\(session.user.role.rawValue)); device \(session.replicaID)")
        print("pulled \(report.pulled) records; your lists:")
        table(["LIST", "KIND", "DONE", "NAME"], lists.map { [$0.id, $0.kind, "\($0.done)/\($0.total)", $0.name] })
    }
}

struct LoginOutput: Encodable {
    let user: UserInfo
    let replica: String
    let server: String
    let lists: [ListSummary]
    let pulled: Int
}

struct Lists: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your lists with progress (doors or calls done / total).")
    @OptionGroup var options: HomeOptions

    func run() async throws {
        let (store, _) = try options.session()
        let lists = try FieldOperations(store: store).lists()
        if options.json { return try options.emit(lists) }
        if lists.isEmpty { return print("no lists yet: ask your coordinator to assign one, then `canvass sync`") }
        table(["LIST", "KIND", "DONE", "NAME"], lists.map { [$0.id, $0.kind, "\($0.done)/\($0.total)", $0.name] })
    }
}

struct Walk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Households of a walk list in walk order, the people in each, last result.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "List id (see `canvass lists`).") var list: String

    func run() async throws {
        let (store, _) = try options.session()
        _ = try FieldOperations(store: store).survey(forList: list)
        let stops = try store.walkList(list)
        if options.json { return try options.emit(stops) }
        var rows: [[String]] = []
        for stop in stops {
            for (i, p) in stop.people.enumerated() {
                rows.append([i == 0 ? stop.address : "", i == 0 ? (stop.done ? "done" : "to do") : "", p.id, p.name, p.lastResult ?? "", p.suppressed ?? ""])
            }
        }
        table(["ADDRESS", "DOOR", "PERSON", "NAME", "LAST RESULT", "SKIP"], rows)
        print("\(stops.filter(\.done).count) of \(stops.count) doors done")
    }
}

struct Calls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "People to call, with phone numbers and last result.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "List id.") var list: String

    func run() async throws {
        let (store, _) = try options.session()
        _ = try FieldOperations(store: store).survey(forList: list)
        let people = try store.callList(list)
        if options.json { return try options.emit(people) }
        table(["PERSON", "NAME", "PHONE", "LAST RESULT", "ATTEMPTS", "SKIP"], people.map {
            [$0.id, $0.name, $0.phone ?? "", $0.lastResult ?? "", String($0.attempts), $0.suppressed ?? ""]
        })
    }
}

struct SurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "survey", abstract: "The script of a list: result codes, questions, options.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "List id.") var list: String

    func run() async throws {
        let (store, _) = try options.session()
        let survey = try FieldOperations(store: store).survey(forList: list)
        if options.json { return try options.emit(survey) }
        print("\(survey.title)  [\(survey.id)]")
        if let intro = survey.intro { print(intro.trimmingCharacters(in: .whitespacesAndNewlines)) }
        print("\nresult codes:")
        table(["CODE", "LABEL", "REACHED"], survey.resultCodes.map { [$0.code, $0.label, $0.contacted ? "yes" : "no"] })
        print("\nquestions (answer with --answer ID=VALUE):")
        table(["ID", "TYPE", "ALLOWED", "QUESTION"], survey.questions.map { [$0.id, $0.kind.rawValue, $0.allowedDescription, $0.text.trimmingCharacters(in: .whitespacesAndNewlines)] })
    }
}

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Record one door or call, checked against the list's survey.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "Person id (see `canvass walk` or `canvass calls`).") var person: String
    @Option(help: "List id.") var list: String
    @Option(help: "Result code (see `canvass survey LIST`).") var result: String
    @Option(help: "QUESTION=VALUE; repeat for several answers.") var answer: [String] = []
    @Option(help: "A note.") var note: String?

    func run() async throws {
        let (store, _) = try options.session()
        let ops = FieldOperations(store: store)
        let id = try ops.recordInteraction(person: person, list: list, result: result, answers: try ops.parseAnswers(answer, list: list), note: note, now: now())
        if options.json { return try options.emit(["interaction": id]) }
        print("recorded \(result) for \(person) (\(id)); saved on this device, `canvass sync` when online")
    }
}

struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Correct contact details (phone, email, moved, do_not_contact, …).")
    @OptionGroup var options: HomeOptions
    @Argument(help: "Person id.") var person: String
    @Option(help: "FIELD=VALUE; repeat for several fields; an empty value clears.") var set: [String] = []

    func run() async throws {
        let (store, _) = try options.session()
        let ops = FieldOperations(store: store)
        try ops.edit(person: person, set: try ops.parseEdits(set), now: now())
        if options.json { return try options.emit(["person": person]) }
        print("updated \(person); saved on this device, `canvass sync` when online")
    }
}

struct StatusOutput: Encodable {
    let server: String
    let user: UserInfo
    let replica: String
    let lastSync: Int64?
    let pending: Int
    let rejected: [RejectedOutput]
    let conflicts: Int
    let records: Int

    enum CodingKeys: String, CodingKey {
        case server, user, replica, pending, rejected, conflicts, records
        case lastSync = "last_sync"
    }
}

struct RejectedOutput: Encodable {
    let collection: String
    let id: String
    let problems: [Diagnostic]
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unsynced and rejected changes, conflicts, last sync, server.")
    @OptionGroup var options: HomeOptions

    func run() async throws {
        let (store, s) = try options.session()
        let counts = try store.counts()
        let rejected = try store.outbox(status: "rejected").map { RejectedOutput(collection: $0.key.collection, id: $0.key.id, problems: $0.problems) }
        let out = StatusOutput(
            server: s.serverURL, user: s.user, replica: s.replicaID.rawValue, lastSync: s.lastSync, pending: counts.pending, rejected: rejected,
            conflicts: counts.conflicts, records: counts.records)
        if options.json { return try options.emit(out) }
        print("server     \(s.serverURL)  (as \(s.user.name), \(s.user.role.rawValue); device \(s.replicaID))")
        print("last sync  \(s.lastSync.map { Date(timeIntervalSince1970: Double($0) / 1000).description } ?? "never")")
        print("unsynced   \(counts.pending) change(s)")
        print("conflicts  \(counts.conflicts)  (see `canvass conflicts`)")
        print("rejected   \(rejected.count)")
        for r in rejected {
            print("  \(r.collection)/\(r.id):")
            for p in r.problems { print("    \(p.message)") }
        }
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Push your changes, then pull; resumes after an interruption.",
        discussion: """
            With no connection at all (refused, no route, DNS failure, no answer within 4 s) it tries once more and gives up within seconds: exit 69, your changes are safe. A server that answered and then went slow or failed gets up to 6 attempts with backoff.

            If a coordinator revoked this device, the synced voter data is deleted from this computer and only changes the server never accepted are kept (exit 77): see canvass export-unsynced.
            """)
    @OptionGroup var options: HomeOptions

    func run() async throws {
        let (store, s) = try options.session()
        let tty = isatty(STDERR_FILENO) == 1 && !options.json
        let engine = SyncEngine(store: store, transport: try HTTPTransport(baseURL: s.serverURL))
        let report = try await engine.sync(now: now()) { p in
            let line: String
            switch p {
            case .pushing(let sent, let total): line = "pushing \(sent)/\(total)"
            case .pulling(let received, let page): line = "pulling page \(page), \(received) records"
            case .retrying(let attempt, let after, let error): line = "retry \(attempt) in \(after): \(error)"
            }
            FileHandle.standardError.write(Data((tty ? "\r\u{1B}[K" + line : line + "\n").utf8))
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if options.json { return try options.emit(report) }
        print("pushed \(report.pushed) (\(report.accepted) accepted, \(report.rejected) rejected), pulled \(report.pulled), evicted \(report.evicted); conflicts: \(report.conflicts)")
        if report.rejected > 0 { print("see `canvass status` for why changes were rejected") }
    }
}

struct ConflictOutput: Encodable {
    let collection: String
    let id: String
    let field: String
    let values: [Value]
    let recordDeleted: Bool

    enum CodingKeys: String, CodingKey {
        case collection, id, field, values
        case recordDeleted = "record_deleted"
    }
}

struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fields with concurrent values; the first is what readers see.")
    @OptionGroup var options: HomeOptions

    func run() async throws {
        let (store, _) = try options.session()
        let conflicts = try store.conflicts()
        if options.json {
            return try options.emit(conflicts.map {
                ConflictOutput(collection: $0.key.collection, id: $0.key.id, field: $0.field, values: $0.siblings.map(\.value), recordDeleted: $0.recordDeleted)
            })
        }
        if conflicts.isEmpty { return print("no conflicts") }
        table(["RECORD", "FIELD", "#", "VALUE"], conflicts.flatMap { c in
            c.siblings.enumerated().map { i, s in [i == 0 ? "\(c.key)" : "", i == 0 ? c.field : "", String(i + 1), s.value.isNull ? "(deleted)" : s.value.description] }
        })
        print("resolve with: canvass resolve RECORD FIELD --keep N   (or --value V)")
    }
}

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resolve a conflict with one value that replaces every concurrent one.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "The record, as COLLECTION/ID (see `canvass conflicts`).") var record: String
    @Argument(help: "The field.") var field: String
    @Option(help: "The value to keep.") var value: String?
    @Option(help: "Keep the Nth value as `canvass conflicts` numbers them.") var keep: Int?

    func validate() throws {
        if (value == nil) == (keep == nil) { throw ValidationError("give exactly one of --value or --keep") }
        if !record.contains("/") { throw ValidationError("RECORD is COLLECTION/ID, e.g. contacts/c-OH123456789") }
    }

    func run() async throws {
        let (store, _) = try options.session()
        let parts = record.split(separator: "/", maxSplits: 1).map(String.init)
        let key = RecordKey(parts[0], parts[1])
        let ops = FieldOperations(store: store)
        let typed = value.map { v in ops.schema.collections[key.collection]?.field(field).map { FieldOperations.value(v, for: $0) } ?? .string(v) }
        try ops.resolve(key, field: field, value: typed, keep: keep, now: now())
        if options.json { return try options.emit(["resolved": "\(key) \(field)"]) }
        print("resolved \(key) \(field); `canvass sync` to share it")
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign this device out and revoke its login on the server; --wipe also deletes the local store (voter data).",
        discussion: """
            Online, the server revokes this device's token at once. Offline, the device still signs out, but the token stays live on the server until a coordinator revokes it (the command to give them is printed: canvass-server device revoke ID).

            Wiping refuses while changes are unsynced or rejected, unless --force: they would be lost (see canvass export-unsynced).
            """)
    @OptionGroup var options: HomeOptions
    @Flag(help: "Delete the local store and its voter data.") var wipe = false
    @Flag(help: "With --wipe: delete even unsynced changes.") var force = false

    func run() async throws {
        let store = try options.existingStore()
        let transport = (try? Session.load(from: store)).flatMap { $0 }.flatMap { try? HTTPTransport(baseURL: $0.serverURL) }
        let report = try await SignOut.signOut(store: store, wipe: wipe, force: force, transport: transport)
        if options.json { return try options.emit(report) }
        let from = report.server.map { " of \($0)" } ?? ""
        print(wipe ? "logged out\(from) and wiped \(options.directory)" : "logged out\(from); local data kept in \(options.directory) (use --wipe to delete it)")
        if report.revokedOnServer {
            print("this device's login was revoked on the server")
        } else if let command = report.revokeCommand {
            print("WARNING: \(report.serverAnswer ?? "the server did not revoke this device"), so this device's login (token) is still live on the server.")
            print("Ask a coordinator to revoke it now: \(command)")
        }
        if !wipe && report.unsynced + report.rejected > 0 {
            print("note: \(report.unsynced) unsynced and \(report.rejected) rejected change(s) stay in the store; they cannot be pushed without this device's login: `canvass export-unsynced FILE` for your coordinator")
        }
        if wipe && report.unsynced + report.rejected > 0 { print("deleted \(report.unsynced + report.rejected) unsynced change(s) (--force)") }
    }
}

struct ExportUnsyncedOutput: Encodable {
    let file: String
    let records: Int
    let replica: String
}

struct ExportUnsynced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-unsynced",
        abstract: "Write the changes the server never accepted to FILE (JSON, mode 0600), for a coordinator to import.",
        discussion: """
            For a revoked device, or one signed out with changes left: those changes can no longer be pushed from here. The file lists, per record, the collection, id, the fields written on this device with their values, and when. It holds voter data: hand it over safely, then delete it.

            A coordinator brings it in with: canvass import-unsynced FILE, then canvass sync. Works offline and without a login.
            """)
    @OptionGroup var options: HomeOptions
    @Argument(help: "The file to create.") var file: String
    @Flag(help: "Replace FILE if it exists.") var force = false

    func run() async throws {
        let store = try options.existingStore()
        let export = try UnsyncedChanges.collect(store: store, now: now())
        try UnsyncedChanges.write(export, to: file, overwrite: force)
        if options.json { return try options.emit(ExportUnsyncedOutput(file: file, records: export.records.count, replica: export.replica)) }
        print("wrote \(export.records.count) record(s) with unsynced changes of device \(export.replica) to \(file) (readable by you only)")
        if !export.records.isEmpty { print("give it to your coordinator: `canvass import-unsynced \(file)`, then delete it") }
    }
}

struct ImportUnsynced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-unsynced",
        abstract: "Write the changes in a file from `canvass export-unsynced` again, as this device's own; then `canvass sync`.",
        discussion: """
            Each record's exported fields are written as a new change of this device (interactions are created anew with the same id), in one transaction. Interactions that already exist here and fields that already hold the exported value are skipped, so importing twice is harmless. Sync first, so this device knows what the server holds. The server judges the changes as this device's: run it on a coordinator's device.
            """)
    @OptionGroup var options: HomeOptions
    @Argument(help: "A file written by `canvass export-unsynced`.") var file: String

    func run() async throws {
        let (store, _) = try options.session()
        let report = try UnsyncedChanges.importFile(try UnsyncedChanges.read(from: file), into: store, now: now())
        if options.json { return try options.emit(report) }
        print("wrote \(report.written.count) record(s) as this device's changes; skipped \(report.skipped.count) already here")
        if !report.written.isEmpty { print("`canvass sync` to push them; `canvass status` shows any the server rejects") }
    }
}
