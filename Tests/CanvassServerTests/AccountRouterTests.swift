import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The account routes through the router (SYNC.md, "Accounts"): users and their codes, devices,
/// list share codes, and enrollment with a share code. Every route's success and error paths,
/// each error a 4xx with the JSON error body; the directory they mirror reaches coordinators only.
@Suite struct AccountRouterTests {
    typealias F = RouterTests.Fixture
    static let outcome = RouterTests.outcome
    static func headers(token: String? = nil) -> HTTPFields { RouterTests.headers(token: token) }
    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
    static func decode<T: Decodable>(_ type: T.Type, _ r: TestResponse) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(r.body.readableBytesView))
    }

    /// A walk list `l-1` on the server, for sharing.
    static func withList(_ f: F) async throws {
        try await f.service.storage.write(
            [LocalWrite(RecordKey("lists", "l-1"), ["name": "Turf 1", "kind": "walk"])], wallclock: 5)
    }

    @Test func users() async throws {
        let f = try await F()
        try await f.app.test(.router) { client in
            let maria = Self.body(#"{"name": "Maria Lopez", "role": "canvasser"}"#)
            try await client.execute(uri: "/v1/users", method: .post, body: maria) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(uri: "/v1/users", method: .post, headers: Self.headers(), body: maria) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            try await client.execute(
                uri: "/v1/users", method: .post, headers: Self.headers(token: f.ann.token), body: maria
            ) { r in
                #expect(Self.outcome(r) == "403 forbidden", "a canvasser may not add users")
            }
            for (bad, expected) in [
                ("{", "400 bad_json"), (#"{"name": "X"}"#, "400 bad_request"),
                (#"{"name": "X", "role": "boss"}"#, "400 bad_request"),
                (#"{"name": "X", "role": "canvasser", "extra": 1}"#, "400 bad_request"),
                (#"{"name": "  ", "role": "canvasser"}"#, "400 bad_request"),
                (#"{"name": "\#(String(repeating: "x", count: 65))", "role": "canvasser"}"#, "400 bad_request"),
                (#"{"name": "two\nlines", "role": "canvasser"}"#, "400 bad_request"),
                (#"{"name": "Boss", "role": "admin"}"#, "403 forbidden"),
            ] {
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: Self.headers(token: f.kim.token), body: Self.body(bad)
                ) { r in
                    #expect(Self.outcome(r) == expected, "\(bad)")
                }
            }
            var code = ""
            try await client.execute(
                uri: "/v1/users", method: .post, headers: Self.headers(token: f.kim.token), body: maria
            ) { r in
                #expect(r.status == .ok)
                let made = try Self.decode(UserCodeResponse.self, r)
                #expect(made.user.name == "Maria Lopez" && made.user.role == .canvasser && made.expiresAt > 10)
                code = made.code
            }
            try await client.execute(
                uri: "/v1/users", method: .post, headers: Self.headers(token: f.kim.token), body: maria
            ) { r in
                #expect(Self.outcome(r) == "409 conflict", "names are unique")
            }
            try await client.execute(
                uri: "/v1/users", method: .post, headers: Self.headers(token: f.admin.token),
                body: Self.body(#"{"name": "Second Admin", "role": "admin"}"#)
            ) { r in
                #expect(r.status == .ok, "an admin may add an admin")
            }
            // The printed code logs Maria in.
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.headers(), body: Self.body(#"{"code": "\#(code)"}"#)
            ) { r in
                let enrolled = try Self.decode(EnrollResponse.self, r)
                #expect(enrolled.user.name == "Maria Lopez")
            }
            try await client.execute(uri: "/v1/users", method: .get, headers: Self.headers(token: f.bob.token)) { r in
                #expect(Self.outcome(r) == "403 forbidden")
            }
            try await client.execute(uri: "/v1/users", method: .get, headers: Self.headers(token: f.kim.token)) { r in
                let names = try Self.decode(UsersResponse.self, r).users.map(\.name)
                #expect(names == ["Maria Lopez", "Second Admin", "adm", "ann", "bob", "kim"])
            }
            try await client.execute(uri: "/v1/users", method: .put, headers: Self.headers(token: f.kim.token)) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "GET, POST")
            }
        }
    }

    @Test func userCodes() async throws {
        let f = try await F()
        let users = try await f.service.storage.users()
        let annID = try #require(users.first { $0.name == "ann" }).id
        let admID = try #require(users.first { $0.name == "adm" }).id
        try await f.app.test(.router) { client in
            let annCodes = "/v1/users/\(annID)/codes"
            try await client.execute(uri: annCodes, method: .post) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(uri: annCodes, method: .post, headers: Self.headers()) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            try await client.execute(uri: annCodes, method: .post, headers: Self.headers(token: f.ann.token)) { r in
                #expect(Self.outcome(r) == "403 forbidden", "not even for herself: codes come from coordinators")
            }
            try await client.execute(
                uri: "/v1/users/u-nobody/codes", method: .post, headers: Self.headers(token: f.kim.token)
            ) { r in
                #expect(Self.outcome(r) == "404 not_found")
            }
            try await client.execute(
                uri: "/v1/users/\(admID)/codes", method: .post, headers: Self.headers(token: f.kim.token)
            ) { r in
                #expect(
                    Self.outcome(r) == "403 forbidden", "a coordinator's code for an admin would log in as the admin")
            }
            var code = ""
            try await client.execute(uri: annCodes, method: .post, headers: Self.headers(token: f.kim.token)) { r in
                let issued = try Self.decode(UserCodeResponse.self, r)
                #expect(issued.user.id == annID)
                code = issued.code
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.headers(), body: Self.body(#"{"code": "\#(code)"}"#)
            ) { r in
                let enrolled = try Self.decode(EnrollResponse.self, r)
                #expect(enrolled.user.name == "ann", "a second laptop for ann")
            }
            try await client.execute(uri: annCodes, method: .get, headers: Self.headers(token: f.kim.token)) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "POST")
            }
        }
    }

    @Test func deviceList() async throws {
        let f = try await F()
        try await f.app.test(.router) { client in
            try await client.execute(uri: "/v1/devices", method: .get) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(uri: "/v1/devices", method: .get, headers: Self.headers()) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            try await client.execute(uri: "/v1/devices", method: .get, headers: Self.headers(token: f.ann.token)) {
                r in
                #expect(Self.outcome(r) == "403 forbidden")
            }
            try await f.service.revoke(f.bob.replicaID, by: nil, now: 9)
            try await client.execute(uri: "/v1/devices", method: .get, headers: Self.headers(token: f.kim.token)) {
                r in
                let devices = try Self.decode(DevicesResponse.self, r).devices
                #expect(devices.count == 4)
                #expect(devices.first { $0.replicaID == f.bob.replicaID.rawValue }?.status == "revoked")
                #expect(devices.first { $0.replicaID == f.ann.replicaID.rawValue }?.status == "active")
                #expect(devices.first { $0.userName == "ann" }?.role == .canvasser)
            }
            try await client.execute(uri: "/v1/devices", method: .post, headers: Self.headers(token: f.kim.token)) {
                r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "GET")
            }
        }
    }

    @Test func listShares() async throws {
        let f = try await F()
        try await Self.withList(f)
        try await f.app.test(.router) { client in
            let shares = "/v1/lists/l-1/shares"
            let day = Self.body(#"{"expires_hours": 24}"#)
            try await client.execute(uri: shares, method: .post, body: day) { r in
                #expect(Self.outcome(r) == "400 protocol_version_missing")
            }
            try await client.execute(uri: shares, method: .post, headers: Self.headers(), body: day) { r in
                #expect(Self.outcome(r) == "401 unauthorized")
            }
            try await client.execute(uri: shares, method: .post, headers: Self.headers(token: f.ann.token), body: day) {
                r in
                #expect(Self.outcome(r) == "403 forbidden")
            }
            for (bad, expected) in [
                ("", "400 bad_json"), (#"{"expires_hours": 0}"#, "400 bad_request"),
                (#"{"expires_hours": 721}"#, "400 bad_request"), (#"{"expires_hours": "soon"}"#, "400 bad_request"),
                (#"{"hours": 3}"#, "400 bad_request"),
            ] {
                try await client.execute(
                    uri: shares, method: .post, headers: Self.headers(token: f.kim.token), body: Self.body(bad)
                ) { r in
                    #expect(Self.outcome(r) == expected, "\(bad)")
                }
            }
            try await client.execute(
                uri: "/v1/lists/l-nope/shares", method: .post, headers: Self.headers(token: f.kim.token),
                body: Self.body("{}")
            ) { r in
                #expect(Self.outcome(r) == "404 not_found")
            }
            var code = ""
            try await client.execute(uri: shares, method: .post, headers: Self.headers(token: f.kim.token), body: day) {
                r in
                let share = try Self.decode(ShareResponse.self, r)
                #expect(share.listID == "l-1" && share.expiresAt == 10 + 24 * 3_600_000)
                code = share.code
            }
            // Many volunteers may use it; each becomes a canvasser assigned to the list.
            var volunteers: [EnrollResponse] = []
            for body in [
                #"{"code": "\#(code)", "name": "Sam Ortiz", "device_name": "phone"}"#,
                #"{"code": "\#(code)", "name": "Sam Ortiz"}"#, #"{"code": "\#(code)", "device_name": "tablet 4"}"#,
            ] {
                try await client.execute(
                    uri: "/v1/enroll", method: .post, headers: Self.headers(), body: Self.body(body)
                ) { r in
                    #expect(r.status == .ok, "\(String(buffer: r.body))")
                    volunteers.append(try Self.decode(EnrollResponse.self, r))
                }
            }
            #expect(volunteers.map(\.user.name) == ["Sam Ortiz", "Sam Ortiz 2", "tablet 4"])
            #expect(volunteers.allSatisfy { $0.user.role == .canvasser })
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.headers(),
                body: Self.body(#"{"code": "\#(code)", "name": "\#(String(repeating: "y", count: 65))"}"#)
            ) { r in
                #expect(Self.outcome(r) == "400 bad_request")
            }
            try await client.execute(uri: shares, method: .get, headers: Self.headers(token: f.kim.token)) { r in
                #expect(Self.outcome(r) == "405 method_not_allowed")
                #expect(r.headers[.allow] == "POST, DELETE")
            }
            try await client.execute(uri: shares, method: .delete, headers: Self.headers(token: f.bob.token)) { r in
                #expect(Self.outcome(r) == "403 forbidden")
            }
            try await client.execute(
                uri: "/v1/lists/l-nope/shares", method: .delete, headers: Self.headers(token: f.kim.token)
            ) { r in
                #expect(Self.outcome(r) == "404 not_found")
            }
            try await client.execute(uri: shares, method: .delete, headers: Self.headers(token: f.kim.token)) { r in
                let unshared = try Self.decode(UnshareResponse.self, r)
                #expect(unshared.revoked == 1)
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: Self.headers(), body: Self.body(#"{"code": "\#(code)"}"#)
            ) { r in
                #expect(Self.outcome(r) == "401 invalid_code", "a revoked share code lets nobody in")
            }
        }
        // Each volunteer holds the list: an assignment of the server's, in their scope.
        let assignments = try await f.service.storage.records(in: "assignments")
        #expect(assignments.count == 3 && assignments.allSatisfy { $0["list_id"]?.stringValue == "l-1" })
    }

    /// Every bad input to an account route gets a 4xx with the JSON error body, never a 5xx:
    /// junk bodies and path parameters, for a coordinator (who gets past the role check) and a
    /// canvasser.
    @Test func everyBadInputIsAFourHundredWithAJSONError() async throws {
        let f = try await F()
        try await Self.withList(f)
        let bodies = [
            "", "null", "[]", "{", "\u{0}", #"{"name": 1, "role": []}"#,
            #"{"name": "\#(String(repeating: "é", count: 5000))", "role": "canvasser"}"#,
            #"{"expires_hours": 1e400}"#, #"{"expires_hours": -1}"#, #"{"expires_hours": 99999999999999999999}"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            #"{"name": "x", "role": "admin", "name": "y"}"#,
        ]
        let ids = ["%00", "%ZZ", String(repeating: "a", count: 2000), "..%2F..%2Fetc", "%E2%80%AE", "u-%20"]
        var routes: [(String, HTTPRequest.Method)] = [("/v1/users", .post)]
        for id in ids {
            routes += [
                ("/v1/users/\(id)/codes", .post), ("/v1/lists/\(id)/shares", .post),
                ("/v1/lists/\(id)/shares", .delete),
            ]
        }
        let all = routes
        try await f.app.test(.router) { client in
            for token in [f.kim.token, f.ann.token] {
                for (uri, method) in all {
                    for body in bodies {
                        try await client.execute(
                            uri: uri, method: method, headers: Self.headers(token: token), body: Self.body(body)
                        ) { r in
                            let outcome = Self.outcome(r)
                            #expect(
                                outcome.hasPrefix("4"), "\(method) \(uri.prefix(60)) \(body.prefix(40)): \(outcome)")
                        }
                    }
                }
            }
        }
    }

    /// The directory reaches coordinators (whole feed) and never canvassers, and no push may
    /// write it, not even an admin's.
    @Test func theDirectoryReachesCoordinatorsOnly() async throws {
        let f = try await F()
        let kim = try await f.service.authenticate(token: f.kim.token, now: 5).identity
        let ann = try await f.service.authenticate(token: f.ann.token, now: 5).identity
        let kimPage = try await f.service.pull(since: nil, limit: 500, for: kim).decoded()
        let users = kimPage.records.filter { $0.key.collection == "users" }
        let devices = kimPage.records.filter { $0.key.collection == "devices" }
        #expect(Set(users.compactMap { $0["name"]?.stringValue }) == ["adm", "ann", "bob", "kim"])
        #expect(devices.count == 5, "four devices and the server")
        let annsLaptop = try #require(devices.first { $0.key.id == f.ann.replicaID.rawValue })
        #expect(annsLaptop["user_id"]?.stringValue == users.first { $0["name"]?.stringValue == "ann" }?.key.id)
        let annPage = try await f.service.pull(since: nil, limit: 500, for: ann).decoded()
        #expect(!annPage.records.contains { ["users", "devices"].contains($0.key.collection) })

        let admin = try await f.service.authenticate(token: f.admin.token, now: 5).identity
        let forged = try WireCodec.decode(
            PushRequest.self,
            from: Self.body(
                #"{"changes": {"records": [{"collection": "users", "id": "u-new", "dot": ["\#(f.admin.replicaID.rawValue)", 1, 1000], "values": {"name": "Mallory", "role": "admin"}}]}}"#
            ))
        let answer = try await f.service.push(forged, from: admin)
        #expect(answer.rejected == 1 && answer.results[0].problems.contains { $0.code == "forbidden" })
    }
}
