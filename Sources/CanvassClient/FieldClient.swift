import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// Everything a canvasser's front end does, over one home folder (one account): the façade the
/// `canvass` executable calls, so that it only parses, calls and prints. Every method throws
/// `ClientError` only (transports throw it, store failures become its codes), apart from programming
/// errors.
public struct FieldClient: Sendable {
    /// The folder of the local store.
    public let home: String

    public init(home: String) {
        self.home = home
    }

    /// The home folder: `given`, else `CANVASS_HOME`, else `~/.local/share/canvass`.
    public static func home(_ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let given { return given }
        if let env = environment["CANVASS_HOME"], !env.isEmpty { return env }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".local/share/canvass")
    }

    var storePath: String { (home as NSString).appendingPathComponent("replica.sqlite") }

    /// Milliseconds since 1970, now.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: stores

    /// Opens (creating if needed) the store; the folder is made private first (voter data).
    func openStore() throws -> ReplicaStore {
        try PrivateFolder.prepare(home)
        return try ReplicaStore.open(path: storePath)
    }

    /// The store of a home that has one, logged in or not.
    func existingStore() throws -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw ClientError(.notLoggedIn, "no Canvass store in \(home): run `canvass login SERVER_URL CODE` first")
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

    func operations() throws -> FieldOperations { FieldOperations(store: try session().0) }

    /// Runs `body`, turning store failures into `ClientError` (transports throw it already).
    func translating<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw ClientError.from(error) }
    }

    func translating<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw ClientError.from(error) }
    }

    // MARK: session

    /// Enrolls this home with a server using a one-time code, or a list share code (then `name`
    /// names the new volunteer), then pulls.
    /// - Throws: `.badUsage` for a server address that is not an http(s) URL, before anything is created.
    public func login(server: String, code: String, deviceName: String?, name: String? = nil, now: Int64) async throws
        -> LoginReport
    {
        try await translating {
            let transport = try HTTPTransport(baseURL: server)
            let store = try openStore()
            let session = try await Enrollment.enroll(
                store: store, serverURL: server, code: code, deviceName: deviceName, name: name, transport: transport)
            let report = try await SyncEngine(store: store, transport: transport).sync(now: now)
            let lists = try FieldOperations(store: store).lists()
            return LoginReport(
                user: session.user, replica: session.replicaID.rawValue, server: server, lists: lists,
                pulled: report.pulled)
        }
    }

    /// Push, then pull; `progress` is called as pages go.
    public func sync(now: Int64, progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncReport {
        try await translating {
            let (store, s) = try session()
            // Full pages: a coordinator's first sync after an import pushes 100,000 records, and
            // each page costs a round trip and two durable commits.
            return try await SyncEngine(
                store: store, transport: try HTTPTransport(baseURL: s.serverURL),
                pushPageSize: ProtocolInfo.maxPushRecords
            ).sync(now: now, progress: progress)
        }
    }

    /// Signs this device out, revoking its login on the server when it can (see `SignOut`).
    public func logout(wipe: Bool, force: Bool) async throws -> SignOutReport {
        try await translating {
            let store = try existingStore()
            let transport = (try? Session.load(from: store)).flatMap { $0 }.flatMap {
                try? HTTPTransport(baseURL: $0.serverURL)
            }
            return try await SignOut.signOut(store: store, wipe: wipe, force: force, transport: transport)
        }
    }

    /// Server, user, unsynced and rejected changes, conflicts, last sync.
    public func status() throws -> StatusReport {
        try translating {
            let (store, s) = try session()
            let counts = try store.counts()
            let rejected = try store.outbox(status: "rejected").map {
                RejectedChange(collection: $0.key.collection, id: $0.key.id, problems: $0.problems)
            }
            return StatusReport(
                server: s.serverURL, user: s.user, replica: s.replicaID.rawValue, lastSync: s.lastSync,
                pending: counts.pending,
                rejected: rejected, conflicts: counts.conflicts, records: counts.records)
        }
    }

    // MARK: lists

    /// The lists here, with doors or calls done.
    public func lists() throws -> [ListSummary] {
        try translating { try operations().lists() }
    }

    /// A walk list in walk order, each door marked `mine` or `taken` on a shared list (`checkout`).
    public func walk(_ list: String, now: Int64 = FieldClient.now()) throws -> [WalkStop] {
        try translating {
            let ops = try operations()
            _ = try ops.survey(forList: list)
            return try markingCheckouts(ops.store.walkList(list), ops.store, list: list, now: now)
        }
    }

    /// A call list, with phones and last results.
    public func calls(_ list: String) throws -> [ListPerson] {
        try translating {
            let ops = try operations()
            _ = try ops.survey(forList: list)
            return try ops.store.callList(list)
        }
    }

    /// The survey behind a list.
    public func survey(_ list: String) throws -> Survey {
        try translating { try operations().survey(forList: list) }
    }

    // MARK: writes

    /// Records one door or call; `answers` are `QUESTION=VALUE` as typed. Returns the interaction id.
    public func record(person: String, list: String, result: String, answers: [String], note: String?, now: Int64)
        throws -> String
    {
        try translating {
            let ops = try operations()
            return try ops.recordInteraction(
                person: person, list: list, result: result, answers: try ops.parseAnswers(answers, list: list),
                note: note, now: now)
        }
    }

    /// Corrects contact fields; `set` is `FIELD=VALUE` as typed, an empty value clears.
    public func edit(person: String, set: [String], now: Int64) throws {
        try translating {
            let ops = try operations()
            try ops.edit(person: person, set: try ops.parseEdits(set), now: now)
        }
    }

    /// Fields with concurrent values.
    public func conflicts() throws -> [ConflictReport] {
        try translating {
            try session().0.conflicts().map {
                ConflictReport(
                    record: $0.key, field: $0.field, values: $0.siblings.map(\.value), recordDeleted: $0.recordDeleted)
            }
        }
    }

    /// Resolves a conflict with `value` (typed by the field's kind) or the `keep`-th value as
    /// `conflicts` lists them.
    public func resolve(_ key: RecordKey, field: String, value: String?, keep: Int?, now: Int64) throws {
        try translating {
            let ops = try operations()
            let typed = value.map { v in
                ops.schema.collections[key.collection]?.field(field).map { FieldOperations.value(v, for: $0) }
                    ?? .string(v)
            }
            try ops.resolve(key, field: field, value: typed, keep: keep, now: now)
        }
    }

    // MARK: shift

    /// The interview of a shift on a walk list (a call list: `callShift`): its doors and people to
    /// do now (not done, and not waiting out a recontact interval), in walk order; on a shared
    /// list this device's checked-out doors first, then free ones, then those another device holds.
    public func shift(_ list: String, now: Int64) throws -> ShiftInterview {
        try translating {
            let ops = try operations()
            let survey = try ops.survey(forList: list)
            if try ops.listKind(list) == "call" { return try callShift(ops, list: list, survey: survey, now: now) }
            let stops = ListCheckout.visitOrder(
                try markingCheckouts(ops.store.walkList(list), ops.store, list: list, now: now), hold: \.checkout)
            let doors = try stops.map { ($0, $0.toDo(now: now)) }.filter { !$0.1.isEmpty }.map {
                stop, people in
                ShiftInterview.Door(address: stop.address, people: try ops.shiftPeople(people))
            }
            return ShiftInterview(list: list, survey: survey, doors: doors)
        }
    }

    /// Saves one door answered in a shift. Returns the interaction id.
    @discardableResult
    public func save(_ door: ShiftInterview.Interaction, list: String, now: Int64) throws -> String {
        try translating {
            try operations().recordInteraction(
                person: door.person, list: list, result: door.result, answers: door.answers, note: door.note, now: now)
        }
    }

    // MARK: unsynced changes

    /// Writes the changes the server never accepted to `file` (mode 0600). Needs no login.
    public func exportUnsynced(to file: String, overwrite: Bool, now: Int64) throws -> ExportReport {
        try translating {
            let export = try UnsyncedChanges.collect(store: try existingStore(), now: now)
            try UnsyncedChanges.write(export, to: file, overwrite: overwrite)
            return ExportReport(file: file, records: export.records.count, replica: export.replica)
        }
    }

    /// Writes the changes of an export again as this device's own.
    public func importUnsynced(from file: String, now: Int64) throws -> ImportReport {
        try translating {
            let (store, _) = try session()
            return try UnsyncedChanges.importFile(try UnsyncedChanges.read(from: file), into: store, now: now)
        }
    }
}
