import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Every route of protocol/SYNC.md through the router, in process (`app.test(.router)`): its
/// success and each of its error paths, by status and JSON error code, and the order of checks.
@Suite struct RouterTests {
    /// A server with an admin, two canvassers (ann and bob, each with an enrolled device) and a
    /// spare code for ann.
    struct Fixture {
        let app: Application<RouterResponder<CanvassRequestContext>>
        let service: SyncService
        let admin: EnrollResponse
        let ann: EnrollResponse
        let bob: EnrollResponse
        let kim: EnrollResponse
        let spareCode: String

        init(perClient: Int = 10) async throws {
            service = SyncService(
                storage: try SQLiteServerStorage.inMemory(),
                limiter: RateLimiter(perClient: perClient, overall: 200, windowMillis: 60_000))
            let (_, adminCode) = try await service.addUser(name: "adm", role: .admin, now: 1)
            let (annUser, annCode) = try await service.addUser(name: "ann", role: .canvasser, now: 1)
            let (_, bobCode) = try await service.addUser(name: "bob", role: .canvasser, now: 1)
            let (_, kimCode) = try await service.addUser(name: "kim", role: .coordinator, now: 1)
            admin = try await service.enroll(EnrollRequest(code: adminCode, deviceName: nil), client: "setup", now: 2)
            ann = try await service.enroll(EnrollRequest(code: annCode, deviceName: nil), client: "setup", now: 2)
            bob = try await service.enroll(EnrollRequest(code: bobCode, deviceName: nil), client: "setup", now: 2)
            kim = try await service.enroll(EnrollRequest(code: kimCode, deviceName: nil), client: "setup", now: 2)
            spareCode = try await service.issueCode(for: annUser, now: 3)
            let router = buildRouter(
                service: service, metrics: ServerMetrics(), logger: Logger(label: "router-tests"), clock: { 10 })
            app = Application(router: router)
        }
    }

    static let v1: HTTPFields = [HTTPField.Name(ProtocolInfo.header)!: "1"]

    static func headers(token: String? = nil, _ extra: HTTPFields = [:]) -> HTTPFields {
        var h = v1
        if let token { h[.authorization] = "Bearer \(token)" }
        h.append(contentsOf: extra)
        return h
    }

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// The status and JSON error code of an answer, as "401 unauthorized" (the status alone for a 2xx).
    static func outcome(_ r: TestResponse) -> String {
        if r.status.code < 300 { return "\(r.status.code)" }
        #expect(r.headers[.contentType] == "application/json; charset=utf-8", "an error answer is JSON")
        guard let error = try? JSONDecoder().decode(ErrorBody.self, from: Data(r.body.readableBytesView)) else {
            return "\(r.status.code) without the JSON error body: \(String(buffer: r.body))"
        }
        return "\(r.status.code) \(error.error.code)"
    }

    /// A push of one new contact written by `replica`.
    static func onePush(replica: ReplicaID, id: String = "c-router") -> String {
        """
        {"changes": {"records": [{"collection": "contacts", "id": "\(id)", "dot": ["\(replica.rawValue)", 1, 1000], "values": {"first_name": "Rita"}}]}}
        """
    }

    /// Every code of SYNC.md's error table that this server sends is answered with the table's status.
    @Test func errorCodesAnswerWithTheStatusesOfSyncMD() throws {
        let text = try String(contentsOf: repositoryRoot().appendingPathComponent("protocol/SYNC.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Errors").dropFirst().first)
        var rows = 0
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let wire = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard let code = ServerError.Code(wire: wire) else { continue }
            #expect(code.httpStatus.code == Int(cells[1]), "\(wire)")
            #expect(code.description == wire)
            rows += 1
        }
        #expect(rows >= 17, "the table was not found or lost rows")
    }

    // MARK: health and metrics

    @Test func healthAndMetricsNeedNoHeaders() async throws {
        let f = try await Fixture()
        try await f.app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .ok)
                struct Health: Decodable, Equatable {
                    let status: String
                    let `protocol`: Int
                }
                let health = try JSONDecoder().decode(Health.self, from: Data(r.body.readableBytesView))
                #expect(health == Health(status: "ok", protocol: 1))
            }
            try await client.execute(uri: "/health", method: .post) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "GET")
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix("text/plain") == true)
                // Counted by route, with the earlier requests' statuses.
                let text = String(buffer: r.body)
                #expect(text.contains(#"canvass_http_requests_total{route="/health",status="200"} 1"#), "\(text)")
                #expect(text.contains(#"canvass_http_requests_total{route="NotFound",status="405"} 1"#), "\(text)")
            }
            try await client.execute(uri: "/metrics", method: .delete) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
            }
            try await client.execute(uri: "/v2/nothing", method: .get) { r in
                #expect(Self.outcome(r) == "404 not_found")
            }
        }
    }

    // MARK: enrollment

    @Test func enrollment() async throws {
        let f = try await Fixture(perClient: 3)
        try await f.app.test(.router) { client in
            let json: HTTPFields = [.contentType: "application/json"]
            // The version is checked first, before the body is looked at.
            try await client.execute(uri: "/v1/enroll", method: .post, headers: json, body: Self.body("{")) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            var v2 = json
            v2[HTTPField.Name(ProtocolInfo.header)!] = "2"
            try await client.execute(uri: "/v1/enroll", method: .post, headers: v2, body: Self.body("{")) { r in
                #expect(Self.outcome(r) == "426 protocol_version")
                #expect(r.headers[HTTPField.Name(ProtocolInfo.supportedHeader)!] == "1")
            }
            try await client.execute(uri: "/v1/enroll", method: .get, headers: Self.v1) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "POST")
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.headers([.contentEncoding: "br"]), body: Self.body("{}")
            ) { r in
                #expect(Self.outcome(r) == "415 unsupported_encoding")
            }
            for type in ["text/json", "application/jsonp", "application/json-patch+json"] {
                try await client.execute(
                    uri: "/v1/enroll", method: .post, headers: Self.headers([.contentType: type]), body: Self.body("{}")
                ) { r in
                    #expect(Self.outcome(r) == "415 unsupported_media_type", "\(type)")
                }
            }
            try await client.execute(uri: "/v1/enroll", method: .post, headers: Self.v1, body: Self.body("{\"code\": "))
            { r in
                #expect(Self.outcome(r) == "400 bad_json")
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.v1, body: Self.body(#"{"cod": "x"}"#)
            ) { r in
                #expect(Self.outcome(r) == "400 bad_request")
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.v1, body: Self.body(#"{"code": ""}"#)
            ) { r in
                #expect(Self.outcome(r) == "400 bad_request")
            }
            // Wrong codes: 401 until the limit (3 per client), then 429 even for the right one.
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/v1/enroll", method: .post, headers: Self.v1, body: Self.body(#"{"code": "AAAA-AAAA"}"#)
                ) { r in
                    #expect(Self.outcome(r) == "401 invalid_code")
                    #expect(r.headers[.wwwAuthenticate] == "Bearer")
                }
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.v1, body: Self.body(#"{"code": "\#(f.spareCode)"}"#)
            ) { r in
                #expect(Self.outcome(r) == "429 rate_limited")
                #expect(r.headers[.retryAfter].flatMap { Int($0) } != nil)
            }
        }
        // Another client (a fresh limiter) gets in with the right code.
        let g = try await Fixture()
        try await g.app.test(.router) { client in
            try await client.execute(
                uri: "/v1/enroll", method: .post,
                headers: Self.headers([.contentType: "application/json; charset=utf-8"]),
                body: Self.body(#"{"code": "\#(g.spareCode)", "device_name": "laptop"}"#)
            ) { r in
                #expect(r.status == .ok)
                let enrolled = try JSONDecoder().decode(EnrollResponse.self, from: Data(r.body.readableBytesView))
                #expect(enrolled.user.name == "ann" && enrolled.replicaID.isWellFormed)
            }
        }
    }

    // MARK: push

    @Test func push() async throws {
        let f = try await Fixture()
        try await f.app.test(.router) { client in
            let page = Self.body(Self.onePush(replica: f.admin.replicaID))
            // Order of checks: version, then authentication, then the body's headers.
            try await client.execute(uri: "/v1/push", method: .post, headers: [.contentType: "text/plain"], body: page)
            { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers([.contentType: "text/plain"]), body: page
            ) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
                #expect(r.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: "not-a-token"), body: page
            ) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            try await client.execute(
                uri: "/v1/push", method: .post,
                headers: Self.headers(token: f.admin.token, [.contentType: "text/plain"]), body: page
            ) { r in
                #expect(Self.outcome(r) == "415 unsupported_media_type")
            }
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token, [.contentEncoding: "gzip"]),
                body: Self.body("not gzip")
            ) { r in
                #expect(Self.outcome(r) == "400 bad_compression")
            }
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token), body: Self.body("[")
            ) { r in
                #expect(Self.outcome(r) == "400 bad_json")
            }
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token),
                body: Self.body(#"{"changes": 3}"#)
            ) {
                r in
                #expect(Self.outcome(r) == "400 bad_request")
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(r.body.readableBytesView))
                #expect(error.error.details?.map(\.code) == ["bad_shape"])
            }
            let record = #"{"collection": "contacts", "id": "c-x"}"#
            let tooMany =
                #"{"changes": {"records": ["#
                + Array(repeating: record, count: ProtocolInfo.maxPushRecords + 1).joined(separator: ",") + "]}}"
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token), body: Self.body(tooMany)
            ) { r in
                #expect(Self.outcome(r) == "413 too_large")
            }
            let twice = #"{"changes": {"records": [\#(record), \#(record)]}}"#
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token), body: Self.body(twice)
            ) { r in
                #expect(Self.outcome(r) == "400 bad_request")
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(r.body.readableBytesView))
                #expect(error.error.details?.map(\.code) == ["duplicate_record"])
            }
            // A forged page (another replica's dot) is refused whole.
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token),
                body: Self.body(Self.onePush(replica: f.ann.replicaID))
            ) { r in
                #expect(Self.outcome(r) == "400 bad_request")
            }
            // Accepted, gzipped on the way in.
            let zipped = try WireCodec.compress(page, .gzip)
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.admin.token, [.contentEncoding: "gzip"]),
                body: zipped
            ) {
                r in
                #expect(r.status == .ok)
                let answer = try JSONDecoder().decode(PushResponse.self, from: Data(r.body.readableBytesView))
                #expect(answer.accepted == 1 && answer.rejected == 0)
            }
            // Judged per record: a canvasser may not create a contact.
            try await client.execute(
                uri: "/v1/push", method: .post, headers: Self.headers(token: f.ann.token),
                body: Self.body(Self.onePush(replica: f.ann.replicaID, id: "c-ann"))
            ) { r in
                #expect(r.status == .ok)
                let answer = try JSONDecoder().decode(PushResponse.self, from: Data(r.body.readableBytesView))
                #expect(answer.rejected == 1)
            }
            try await client.execute(uri: "/v1/push", method: .get, headers: Self.headers(token: f.admin.token)) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "POST")
            }
        }
    }

    // MARK: pull

    @Test func pull() async throws {
        let f = try await Fixture()
        let many = (0..<40).map {
            #"{"collection": "contacts", "id": "c-\#($0)", "dot": ["\#(f.admin.replicaID.rawValue)", \#($0 + 1), 1000], "values": {"first_name": "Someone with a long enough name \#($0)"}}"#
        }
        let pushed = try await f.service.push(
            try WireCodec.decode(
                PushRequest.self, from: Self.body(#"{"changes": {"records": ["# + many.joined(separator: ",") + "]}}")),
            from: try await f.service.authenticate(token: f.admin.token, now: 5).identity)
        #expect(pushed.accepted == 40)
        try await f.app.test(.router) { client in
            try await client.execute(uri: "/v1/pull", method: .get) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(uri: "/v1/pull", method: .get, headers: Self.v1) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            for query in ["limit=0", "limit=2001", "limit=ten", "since=nonsense", "since=%20x"] {
                try await client.execute(
                    uri: "/v1/pull?\(query)", method: .get, headers: Self.headers(token: f.bob.token)
                ) { r in
                    #expect(Self.outcome(r) == "400 bad_request", "\(query)")
                }
            }
            // A canvasser's page, and a coordinator's (everything but its own writes), compressed
            // when asked and large enough.
            try await client.execute(
                uri: "/v1/pull?limit=100", method: .get,
                headers: Self.headers(token: f.bob.token, [.acceptEncoding: "gzip"])
            ) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentEncoding] == nil, "bob's page is small: his scope is empty")
            }
            try await client.execute(
                uri: "/v1/pull?limit=100", method: .get,
                headers: Self.headers(token: f.kim.token, [.acceptEncoding: "gzip"])
            ) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentEncoding] == "gzip")
                let page = try WireCodec.decode(PullResponse.self, from: r.body, .gzip)
                // The 40 contacts, and the directory of the fixture's 4 users, 4 devices and the server.
                #expect(page.records.filter { $0.key.collection == "contacts" }.count == 40 && !page.more)
                #expect(page.records.count == 49)
            }
            try await client.execute(uri: "/v1/pull?limit=5", method: .get, headers: Self.headers(token: f.kim.token)) {
                r in
                #expect(r.headers[.contentEncoding] == nil)
                let page = try JSONDecoder().decode(PullResponse.self, from: Data(r.body.readableBytesView))
                #expect(page.records.count == 5 && page.more)
            }
            try await client.execute(uri: "/v1/pull", method: .post, headers: Self.headers(token: f.admin.token)) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "GET")
            }
        }
    }

    // MARK: devices

    @Test func devices() async throws {
        let f = try await Fixture()
        try await f.app.test(.router) { client in
            let bobs = "/v1/devices/\(f.bob.replicaID.rawValue)"
            try await client.execute(uri: bobs, method: .delete) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(uri: bobs, method: .delete, headers: Self.v1) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            // A canvasser may not revoke another device.
            try await client.execute(uri: bobs, method: .delete, headers: Self.headers(token: f.ann.token)) { r in
                #expect(Self.outcome(r) == "403 forbidden")
            }
            try await client.execute(
                uri: "/v1/devices/dNOSUCH", method: .delete, headers: Self.headers(token: f.admin.token)
            ) { r in
                #expect(Self.outcome(r) == "404 not_found")
            }
            try await client.execute(uri: bobs, method: .get, headers: Self.headers(token: f.admin.token)) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "DELETE")
            }
            // A device may revoke itself; its token then answers device_revoked.
            try await client.execute(uri: bobs, method: .delete, headers: Self.headers(token: f.bob.token)) { r in
                #expect(r.status == .noContent)
            }
            try await client.execute(uri: "/v1/pull", method: .get, headers: Self.headers(token: f.bob.token)) { r in
                #expect(Self.outcome(r) == "401 device_revoked")
            }
            // A coordinator or admin may revoke any device.
            try await client.execute(
                uri: "/v1/devices/\(f.ann.replicaID.rawValue)", method: .delete,
                headers: Self.headers(token: f.admin.token)
            ) { r in
                #expect(r.status == .noContent)
            }
        }
    }
}
