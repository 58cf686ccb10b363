import AsyncHTTPClient
import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Pulls everything a device can see, page by page; every page must be served (200).
func pullAll(_ transport: HTTPTransport, token: String) async throws -> [RecordKey: Record] {
    var since: String?
    var out: [RecordKey: Record] = [:]
    while true {
        let page = try await transport.pull(since: since, limit: 50, token: token)
        for r in page.records { out[r.key] = r }
        for e in page.evict { out[RecordKey(e.collection, e.id)] = nil }
        since = page.checkpoint
        if !page.more { return out }
    }
}

/// The push vectors (protocol/vectors/push) against a real `canvass-server` over HTTP: the
/// answer, the state afterwards, and that every device can still sync.
@Suite struct PushVectorHTTPTests {
    static let vectors = (try? PushVector.loadAll()) ?? []

    @Test(.freshDatabases, arguments: TestBackend.all, vectors.map(\.file))
    func overHTTP(backend: TestBackend, file: String) async throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        let database = try await backend.database()
        try await v.seed(try await database.storage())
        let server = try ServerProcess(database: database)
        defer { server.stop() }
        let transport = try HTTPTransport(baseURL: server.baseURL)
        let (status, error) = try await raw(
            .POST, server.baseURL + "/v1/push",
            headers: [
                ("Canvass-Protocol", "1"), ("Authorization", "Bearer \(PushVector.deviceToken)"),
                ("Content-Type", "application/json"),
            ],
            body: try v.body())
        if let code = v.expect.error {
            #expect(status == 400 && error?.error.code == code, "\(file): \(status) \(error?.error.code ?? "")")
            if let results = v.expect.results {
                // The refusal names every problem of every record.
                #expect(
                    (error?.error.details ?? []).map(\.code).sorted() == results.flatMap(\.codes).sorted(),
                    "\(file): details")
            }
        } else {
            #expect(status == 200, "\(file): \(status) \(error?.error.message ?? "")")
            // The same request again, read as a push answer (a repeat is harmless).
            let response = try await transport.push(PushRequest(changes: v.push!), token: PushVector.deviceToken)
            let expectedAgain = v.expect.results!.map {
                $0.status == "accepted" ? PushVector.Result(accepted: true, problems: []) : $0
            }
            let again = response.results.map {
                PushVector.Result(accepted: $0.status == .accepted, problems: $0.problems)
            }
            if v.expect.results!.allSatisfy({ $0.status == "rejected" }) {
                #expect(again == v.expect.results, "\(file)")
            } else {
                #expect(again == expectedAgain, "\(file)")
            }
        }
        // Every device can still be served, and the pushed records are as the vector says.
        let everything = try await pullAll(transport, token: PushVector.readerToken)
        _ = try await pullAll(transport, token: PushVector.deviceToken)
        let expected = Dictionary(uniqueKeysWithValues: (v.expect.records ?? []).map { ($0.key, $0) })
        for key in Set((v.push?.records ?? []).map(\.key)) {
            #expect(everything[key] == expected[key], "\(file): \(key) as served afterwards")
        }
    }
}

/// Roles × endpoints × in- and out-of-scope records × field classes, against a real server.
/// Each push cell targets a record of its own, so cells cannot disturb one another; the
/// expected outcome comes from a table written from SYNC.md, not from the server's code.
@Suite struct AuthorizationMatrixTests {
    enum FieldClass: String, CaseIterable {
        case canvasserField = "phone", coordinatorField = "first_name", deleteContact = "delete-contact",
            createContact = "create-contact"
        case writeOnceField = "result", createInteraction = "create-interaction", deleteInteraction =
            "delete-interaction"

        var creates: Bool { self == .createContact || self == .createInteraction }
        var erasable: Bool { self == .canvasserField || self == .coordinatorField || self == .writeOnceField }
        var collection: String {
            [.writeOnceField, .createInteraction, .deleteInteraction].contains(self) ? "interactions" : "contacts"
        }
    }

    enum Kind: String, CaseIterable {
        /// An honest write: the device's own new dot, with the context of what it replaces.
        case write
        /// The reported attack: a superseded sibling and a context covering the held value.
        case erase
        /// An honest value whose context claims writes the server never saw.
        case claim
    }

    struct Cell: CustomStringConvertible {
        let role: Role
        let inScope: Bool
        let field: FieldClass
        let kind: Kind
        var id: String { "m-\(role.rawValue)-\(inScope ? "in" : "out")-\(field.rawValue)-\(kind.rawValue)" }
        var key: RecordKey { RecordKey(field.collection, id) }
        var description: String { id }

        /// The oracle: which error code refuses this cell, or nil when it must land.
        var refusal: String? {
            if kind == .claim || kind == .erase { return "bad_context" }
            switch (role, field) {
            case (_, .writeOnceField): return "write_once"
            case (.canvasser, .coordinatorField), (.canvasser, .deleteContact), (.canvasser, .createContact),
                (.canvasser, .deleteInteraction):
                return "forbidden"
            case (.coordinator, .deleteInteraction): return "forbidden"
            case (.canvasser, _): return inScope ? nil : "out_of_scope"
            default: return nil
            }
        }
    }

    static let devices: [Role: (ReplicaID, String, String)] = [
        .canvasser: (ReplicaID("dA"), "u-ann", "tok-ann-0123456789abcdefghijklmnopqrstuvwxyz"),
        .coordinator: (ReplicaID("dK"), "u-kim", "tok-kim-0123456789abcdefghijklmnopqrstuvwxyz"),
        .admin: (ReplicaID("dM"), "u-adm", "tok-adm-0123456789abcdefghijklmnopqrstuvwxyz"),
    ]
    static let reader = (ReplicaID("dR"), "u-adm", "tok-reader-0123456789abcdefghijklmnopqrstuvw")
    static let spare = (ReplicaID("dS"), "u-bob", "tok-spare-0123456789abcdefghijklmnopqrstuvwx")

    static var cells: [Cell] {
        Role.allCases.flatMap { role in
            [true, false].flatMap { inScope in
                FieldClass.allCases.flatMap { field in
                    Kind.allCases.filter { $0 != .erase || field.erasable }.map {
                        Cell(role: role, inScope: inScope, field: field, kind: $0)
                    }
                }
            }
        }
    }

    static let wall: Int64 = 1_732_350_000_000
    static let server = ReplicaID("S")

    /// The campaign: list l-in assigned to ann, l-out to nobody; one target record per cell.
    static func seedRecords() throws -> [Record] {
        var s = ReplicaState(id: server)
        var out: [Record] = []
        let survey: Value = .object(["id": "s-door", "title": "Door", "kind": "canvass"])
        out.append(
            s.write(
                RecordKey("surveys", "s-door"), ["title": "Door", "kind": "canvass", "definition": survey],
                wallclock: wall))
        for l in ["l-in", "l-out"] {
            out.append(
                s.write(
                    RecordKey("lists", l), ["name": .string(l), "kind": "walk", "survey_id": "s-door"], wallclock: wall)
            )
        }
        out.append(
            s.write(RecordKey("assignments", "a-ann"), ["list_id": "l-in", "user_id": "u-ann"], wallclock: wall))
        for inScope in [true, false] {
            // A person for new interactions to name.
            let person = inScope ? "p-in" : "p-out"
            out.append(
                s.write(RecordKey("contacts", person), ["first_name": "P", "phone": "614-555-0000"], wallclock: wall))
            out.append(
                s.write(
                    RecordKey("list_items", "li-\(person)"),
                    ["list_id": .string(inScope ? "l-in" : "l-out"), "contact_id": .string(person)], wallclock: wall))
        }
        for cell in cells where !cell.field.creates {
            let list = cell.inScope ? "l-in" : "l-out"
            if cell.field.collection == "contacts" {
                out.append(s.write(cell.key, ["first_name": "Ann", "phone": "614-555-0100"], wallclock: wall))
                out.append(
                    s.write(
                        RecordKey("list_items", "li-\(cell.id)"),
                        ["list_id": .string(list), "contact_id": .string(cell.id)], wallclock: wall))
            } else {
                // An interaction of ann's (in scope) or of bob's (out of it), by its creator.
                var creator = ReplicaState(id: ReplicaID(cell.inScope ? "dA" : "dB"), counter: 1_000)
                out.append(
                    creator.write(
                        cell.key,
                        [
                            "person_id": .string(cell.inScope ? "p-in" : "p-out"), "list_id": .string(list),
                            "survey_id": "s-door", "channel": "door",
                            "result": "not_home", "user_id": .string(cell.inScope ? "u-ann" : "u-bob"),
                            "recorded_at": .int(wall),
                        ], wallclock: wall))
            }
        }
        return out
    }

    /// The record one cell pushes, built against the seeded state.
    static func push(_ cell: Cell, seeded: [RecordKey: Record], counter: UInt64) -> Record {
        let me = devices[cell.role]!.0
        let dot = Dot(me, counter)
        let held = seeded[cell.key]
        func reg(_ field: String, _ value: Value) -> Register {
            var context = held?.fields[field]?.context ?? VersionVector()
            context.advance(me, to: counter)
            if cell.kind == .claim { context.advance(ReplicaID("dB"), to: 99_999) }
            return Register(siblings: [Sibling(dot: dot, wallclock: wall + 1, value: value)], context: context)
        }
        switch (cell.kind, cell.field) {
        case (.erase, let f):
            let old = held!.fields[f.rawValue]!
            return Record(
                key: cell.key,
                fields: [
                    f.rawValue: Register(
                        siblings: [Sibling(dot: Dot(server, 1), wallclock: 0, value: .null)], context: old.context)
                ])
        case (_, .canvasserField): return Record(key: cell.key, fields: ["phone": reg("phone", "614-555-0199")])
        case (_, .coordinatorField): return Record(key: cell.key, fields: ["first_name": reg("first_name", "Zed")])
        case (_, .writeOnceField): return Record(key: cell.key, fields: ["result": reg("result", "refused")])
        case (_, .deleteContact), (_, .deleteInteraction):
            return Record(key: cell.key, fields: ["_deleted": reg("_deleted", true)])
        case (_, .createContact):
            return Record(
                key: cell.key, fields: ["first_name": reg("first_name", "New"), "phone": reg("phone", "614-555-0101")])
        case (_, .createInteraction):
            let (_, user, _) = devices[cell.role]!
            let values: [String: Value] = [
                "person_id": .string(cell.inScope ? "p-in" : "p-out"),
                "list_id": .string(cell.inScope ? "l-in" : "l-out"), "survey_id": "s-door",
                "channel": "door", "result": "contacted", "user_id": .string(user), "recorded_at": .int(wall),
            ]
            return Record(key: cell.key, fields: values.mapValues { reg("", $0) })
        }
    }

    /// What must be true of a cell's record afterwards when it landed.
    static func landed(_ cell: Cell, _ record: Record?) -> Bool {
        guard let record else { return false }
        switch cell.field {
        case .canvasserField: return record["phone"] == "614-555-0199"
        case .coordinatorField: return record["first_name"] == "Zed"
        case .deleteContact, .deleteInteraction: return record.isDeleted
        case .createContact: return record["first_name"] == "New"
        case .createInteraction: return record["result"] == "contacted"
        case .writeOnceField: return record["result"] == "refused"
        }
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func everyCellIsRefusedOrLandsAsSYNCmdSays(backend: TestBackend) async throws {
        let database = try await backend.database()
        let records = try Self.seedRecords()
        try await seedServer(
            try await database.storage(), records: records,
            users: [("u-ann", .canvasser), ("u-bob", .canvasser), ("u-kim", .coordinator), ("u-adm", .admin)],
            devices: Array(Self.devices.values) + [Self.reader, Self.spare])
        let server = try ServerProcess(database: database)
        defer { server.stop() }
        let transport = try HTTPTransport(baseURL: server.baseURL)
        let seeded = try await pullAll(transport, token: Self.reader.2)
        // Besides the seeded records, the reader (an admin) holds the account directory.
        #expect(seeded.filter { !["users", "devices"].contains($0.key.collection) }.count == records.count)

        // Pushes: one request per cell.
        var refusals = 0
        var landings = 0
        for (i, cell) in Self.cells.enumerated() {
            // Counters past every seeded dot of these devices: an honest device never goes back.
            let record = Self.push(cell, seeded: seeded, counter: UInt64(2_000 + i))
            let response: PushResponse
            do {
                response = try await transport.push(
                    PushRequest(changes: ChangeSet(records: [record])), token: Self.devices[cell.role]!.2)
            } catch let e as ClientError where e.status != nil {
                let (status, body) = (e.status!, e.serverError!)
                // A forged write is refused whole (SYNC.md: only a forging client sends one).
                #expect(
                    status == 400 && cell.kind != .write
                        && body.error.details?.contains { $0.code == cell.refusal } == true,
                    "\(cell): \(status) \(body)")
                refusals += 1
                continue
            }
            #expect(cell.kind == .write, "\(cell): a forged write answered 200")
            let result = try #require(response.results.first)
            if let code = cell.refusal {
                #expect(
                    result.status == .rejected && result.problems.contains { $0.code == code },
                    "\(cell): expected \(code), got \(result.problems)")
                refusals += 1
            } else {
                #expect(result.status == .accepted, "\(cell): expected to land, got \(result.problems)")
                landings += 1
            }
        }
        // What landed is there, and what was refused left no trace.
        let after = try await pullAll(transport, token: Self.reader.2)
        for cell in Self.cells {
            if cell.refusal == nil {
                #expect(Self.landed(cell, after[cell.key]), "\(cell): accepted but not stored")
            } else {
                #expect(after[cell.key] == seeded[cell.key], "\(cell): refused but changed")
            }
        }
        #expect(refusals > 0 && landings > 0)

        // Pulls: a canvasser gets its lists' records and none of the others; the other roles get all.
        for role in Role.allCases {
            let seen = try await pullAll(transport, token: Self.devices[role]!.2)
            for cell in Self.cells where !cell.field.creates && !after[cell.key]!.isDeleted {
                let visible = role != .canvasser || cell.inScope
                #expect((seen[cell.key] != nil) == visible, "pull by \(role): \(cell.key)")
            }
        }

        // Revocation: a canvasser may revoke only itself; coordinators may revoke anyone.
        let revokeURL = server.baseURL + "/v1/devices/"
        func revoke(_ target: ReplicaID, as token: String) async throws -> Int {
            try await raw(
                .DELETE, revokeURL + target.rawValue,
                headers: [("Canvass-Protocol", "1"), ("Authorization", "Bearer \(token)")]
            ).0
        }
        #expect(try await revoke(Self.devices[.coordinator]!.0, as: Self.devices[.canvasser]!.2) == 403)
        #expect(try await revoke(Self.spare.0, as: Self.devices[.coordinator]!.2) == 204)
        #expect(try await revoke(ReplicaID("no-such-device"), as: Self.devices[.admin]!.2) == 404)
        #expect(try await revoke(Self.devices[.canvasser]!.0, as: Self.devices[.canvasser]!.2) == 204)
        // The revoked canvasser's token no longer pulls.
        let (status, body) = try await raw(
            .GET, server.baseURL + "/v1/pull",
            headers: [("Canvass-Protocol", "1"), ("Authorization", "Bearer \(Self.devices[.canvasser]!.2)")])
        #expect(status == 401 && body?.error.code == "device_revoked")
    }
}
