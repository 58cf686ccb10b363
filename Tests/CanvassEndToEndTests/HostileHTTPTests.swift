import AsyncHTTPClient
import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to the server, for clients no HTTP library would be: half requests,
/// trickled bodies, huge headers, bodies sent without reading the answer.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private let lock = NSLock()

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false once the server has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the server closes (or resets) the connection or `timeout` passes.
    /// Returns what arrived, whether the connection ended, and how long it took.
    func readToEnd(timeout: Double) -> (data: [UInt8], closed: Bool, seconds: Double) {
        let start = Date()
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = timeout - Date().timeIntervalSince(start)
            if left <= 0 { return (out, false, Date().timeIntervalSince(start)) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, left * 1000)))
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (out, true, Date().timeIntervalSince(start)) }
            out += buffer[0..<n]
        }
    }
}

/// An HTTP/1.1 response as read off a raw connection.
struct RawResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    /// Parses the first response in `bytes` (Content-Length bodies only, which is all this server writes).
    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let headBytes = text[..<end.upperBound].utf8.count
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard bytes.count >= headBytes + length else { return nil }
        self.status = status
        self.headers = headers
        body = Array(bytes[headBytes..<(headBytes + length)])
    }

    var error: ErrorBody? { try? WireCodec.decode(ErrorBody.self, from: ByteBuffer(bytes: body)) }
}

/// Hostile and broken HTTP clients against a real `canvass-server`: slow and idle connections,
/// early answers to large bodies, oversized headers, content types, concurrent code guessing,
/// self-revocation, out-of-range numbers. Each test starts its own server.
@Suite(.serialized) struct HostileHTTPTests {
    static func server(_ arguments: [String] = ["serve"], timeouts: [String] = []) throws -> (ServerProcess, URL) {
        let dir = try temporaryDirectory("canvass-hostile")
        return (
            try ServerProcess(
                arguments: arguments + timeouts, dataDirectory: dir.appendingPathComponent("server").path), dir
        )
    }

    /// A server on a fresh database of `backend` (clients' folders go in its data folder).
    static func server(_ arguments: [String], on backend: TestBackend) async throws -> (ServerProcess, URL) {
        let database = try await backend.database()
        return (
            try ServerProcess(arguments: arguments, database: database), URL(fileURLWithPath: database.directory)
        )
    }

    @Test func idleAndHalfSentRequestsAreClosedAndHealthStillAnswers() async throws {
        let (server, dir) = try Self.server(timeouts: ["--idle-timeout", "1", "--read-timeout", "3"])
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        // 200 connections: a third say nothing, a third send half a head, a third a head and half a body.
        var connections: [RawConnection] = []
        for i in 0..<200 {
            let c = try RawConnection(port: server.port)
            switch i % 3 {
            case 0: break
            case 1: c.send("GET /health HTTP/1.1\r\nHost: x\r\n")
            default:
                c.send(
                    "POST /v1/enroll HTTP/1.1\r\nHost: x\r\nCanvass-Protocol: 1\r\nContent-Length: 100\r\n\r\n{\"code\":"
                )
            }
            connections.append(c)
        }
        // /health answers while they are open. Each check closes its connection: a pooled one
        // would itself be idled out by the server while the test waits, and the next check could
        // reuse it before the client noticed ("I/O on closed channel" on a loaded machine).
        let (status, _) = try await raw(.GET, server.baseURL + "/health", headers: [("Connection", "close")])
        #expect(status == 200)
        // All are closed by the idle timeout (1 s), well before the read timeout.
        let deadline = Date().addingTimeInterval(4)
        var open = 0
        for c in connections where !c.readToEnd(timeout: max(0.01, deadline.timeIntervalSinceNow)).closed { open += 1 }
        #expect(open == 0, "\(open) of 200 idle or half-sent connections stayed open 4 s")
        let (again, _) = try await raw(.GET, server.baseURL + "/health", headers: [("Connection", "close")])
        #expect(again == 200)
    }

    @Test func aTrickledBodyGets408WithTheErrorBodyAndIsClosed() async throws {
        let (server, dir) = try Self.server(timeouts: ["--idle-timeout", "2", "--read-timeout", "3"])
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let c = try RawConnection(port: server.port)
        c.send(
            "POST /v1/enroll HTTP/1.1\r\nHost: x\r\nCanvass-Protocol: 1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
        )
        // One byte every 300 ms never trips the idle timeout; the read timeout ends it.
        let start = Date()
        var answer: (data: [UInt8], closed: Bool, seconds: Double) = ([], false, 0)
        while Date().timeIntervalSince(start) < 10 {
            guard c.send(" ") else { break }
            answer = c.readToEnd(timeout: 0.3)
            if !answer.data.isEmpty || answer.closed { break }
        }
        let elapsed = Date().timeIntervalSince(start)
        if !answer.closed { answer.closed = c.readToEnd(timeout: 3).closed }
        let response = try #require(RawResponse(answer.data), "no answer to a trickled body within \(elapsed) s")
        #expect(response.status == 408)
        #expect(response.error?.error.code == "request_timeout")
        #expect(response.headers["connection"] == "close")
        #expect(answer.closed)
        #expect(elapsed > 2.5 && elapsed < 6)
    }

    @Test func keepAliveStillWorksUnderTheGuard() async throws {
        let (server, dir) = try Self.server(timeouts: ["--idle-timeout", "2", "--read-timeout", "3"])
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let c = try RawConnection(port: server.port)
        // Two requests on one connection, the second pipelined right behind a body.
        let body = #"{"code":"AAAA-AAAA"}"#
        c.send(
            "POST /v1/enroll HTTP/1.1\r\nHost: x\r\nCanvass-Protocol: 1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = c.readToEnd(timeout: 1)
        let text = String(decoding: r.data, as: UTF8.self)
        #expect(!r.closed, "a fully read request must not close the connection")
        #expect(text.contains("HTTP/1.1 401") && text.contains("invalid_code"))
        #expect(text.contains("HTTP/1.1 200") && text.contains(#""status":"ok""#))
        #expect(!text.lowercased().contains("connection: close"))
    }

    @Test func anEarlyAnswerToALargeBodyClosesTheConnection() async throws {
        let (server, dir) = try Self.server()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        // A push with a wrong token and a body far too large to send, as a client without
        // `Expect: 100-continue` does: it keeps sending until the server stops it.
        for (path, headers, status, code) in [
            ("/v1/push", "Authorization: Bearer wrong\r\n", 401, "unauthorized"),
            ("/v1/enroll", "", 413, "too_large"),
        ] {
            let c = try RawConnection(port: server.port)
            let size = 1 << 40
            #expect(
                c.send(
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nCanvass-Protocol: 1\r\n\(headers)Content-Type: application/json\r\nContent-Length: \(size)\r\n\r\n"
                ))
            let sender = Thread {
                let chunk = [UInt8](repeating: 0x20, count: 1 << 16)
                var sent = 0
                while sent < size, c.send(chunk) { sent += chunk.count }
            }
            sender.start()
            let r = c.readToEnd(timeout: 10)
            let response = try #require(RawResponse(r.data), "no answer to \(path)")
            #expect(response.status == status)
            #expect(response.error?.error.code == code)
            #expect(response.headers["connection"] == "close")
            #expect(r.closed, "the connection stayed open after an early \(status)")
            #expect(r.seconds < 5)
        }
        // The server is fine afterwards.
        let (ok, _) = try await raw(.GET, server.baseURL + "/health", headers: [])
        #expect(ok == 200)
    }

    @Test func malformedAndOversizedRequestsGetTheJSONErrorBody() async throws {
        let (server, dir) = try Self.server()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, [UInt8])] = [
            (
                "1 MB header",
                Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ".utf8) + [UInt8](repeating: 0x61, count: 1 << 20)
                    + Array("\r\n\r\n".utf8)
            ),
            ("garbage request line", Array("BL\u{1}AH / HTTP/1.1\r\n\r\n".utf8)),
            ("bad content length", Array("POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".utf8)),
        ]
        for (name, bytes) in cases {
            let c = try RawConnection(port: server.port)
            c.send(bytes)
            let r = c.readToEnd(timeout: 5)
            let response = try #require(
                RawResponse(r.data),
                "\(name): no parsable answer: \(String(decoding: r.data.prefix(200), as: UTF8.self))")
            #expect(response.status == 400, "\(name)")
            #expect(
                response.error?.error.code == "bad_request",
                "\(name): body \(String(decoding: response.body, as: UTF8.self))")
            #expect(response.error?.error.message.isEmpty == false)
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(r.closed, "\(name)")
        }
    }

    @Test func onlyTheJSONMediaTypeIsAccepted() async throws {
        let (server, dir) = try Self.server()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let body = Array(#"{"code":"AAAA-AAAA"}"#.utf8)
        for (type, expected) in [
            ("application/jsonp", 415), ("application/json-patch+json", 415), ("application/json5", 415),
            ("text/json", 415),
            ("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("application", 415),
            ("application/json", 401), ("Application/JSON", 401), ("application/json; charset=utf-8", 401),
            ("application/json;charset=UTF-8", 401),
        ] {
            let (status, error) = try await raw(
                .POST, server.baseURL + "/v1/enroll", headers: [("Canvass-Protocol", "1"), ("Content-Type", type)],
                body: body)
            #expect(status == expected, "Content-Type: \(type)")
            #expect(
                error?.error.code == (expected == 415 ? "unsupported_media_type" : "invalid_code"),
                "Content-Type: \(type)")
        }
    }

    @Test func concurrentWrongCodesAreCountedExactly() async throws {
        let (server, dir) = try Self.server()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        // 100 guesses on 100 connections, all sent before any answer is read.
        let body = #"{"code":"AAAA-AAAA"}"#
        let request =
            "POST /v1/enroll HTTP/1.1\r\nHost: x\r\nCanvass-Protocol: 1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let connections = try (0..<100).map { _ in try RawConnection(port: server.port) }
        DispatchQueue.concurrentPerform(iterations: connections.count) { i in _ = connections[i].send(request) }
        var statuses: [Int: Int] = [:]
        for c in connections {
            let status = RawResponse(c.readToEnd(timeout: 20).data)?.status ?? 0
            statuses[status, default: 0] += 1
        }
        #expect(statuses == [401: 10, 429: 90], "per-address limit is 10 failures a minute")
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func aDeviceMayRevokeItselfButNoOtherDevice(backend: TestBackend) async throws {
        let (server, dir) = try await Self.server(["demo"], on: backend)
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let a = try await Client(
            dir: dir, name: "a", url: server.baseURL, code: try #require(server.code(for: "canvasser-a")))
        let b = try await Client(
            dir: dir, name: "b", url: server.baseURL, code: try #require(server.code(for: "canvasser-b")))
        let replicaA = try #require(try Session.load(from: a.store)?.replicaID)
        let replicaB = try #require(try Session.load(from: b.store)?.replicaID)
        func delete(_ replica: ReplicaID, as client: Client) async throws -> (Int, ErrorBody?) {
            try await raw(
                .DELETE, server.baseURL + "/v1/devices/\(replica.rawValue)",
                headers: [("Canvass-Protocol", "1"), ("Authorization", "Bearer \(try client.token)")])
        }
        // b may not revoke a.
        let (forbidden, error) = try await delete(replicaA, as: b)
        #expect(forbidden == 403 && error?.error.code == "forbidden")
        #expect(
            try await raw(
                .GET, server.baseURL + "/v1/pull",
                headers: [("Canvass-Protocol", "1"), ("Authorization", "Bearer \(try a.token)")]
            ).0 == 200)
        // a logs itself out: 204, then its token is refused as revoked.
        #expect(try await delete(replicaA, as: a).0 == 204)
        let (after, afterError) = try await raw(
            .GET, server.baseURL + "/v1/pull",
            headers: [("Canvass-Protocol", "1"), ("Authorization", "Bearer \(try a.token)")])
        #expect(after == 401 && afterError?.error.code == "device_revoked")
        // b is untouched.
        #expect(
            try await raw(
                .GET, server.baseURL + "/v1/pull",
                headers: [("Canvass-Protocol", "1"), ("Authorization", "Bearer \(try b.token)")]
            ).0 == 200)
        _ = replicaB
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func outOfRangeNumbersAreBadRequestsThatNameTheirPlace(backend: TestBackend) async throws {
        let (server, dir) = try await Self.server(["demo"], on: backend)
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let k = try await Client(
            dir: dir, name: "k", url: server.baseURL, code: try #require(server.code(for: "coordinator")))
        let headers = [
            ("Canvass-Protocol", "1"), ("Authorization", "Bearer \(try k.token)"), ("Content-Type", "application/json"),
        ]
        func push(_ register: String) -> [UInt8] {
            Array(
                #"{"changes":{"records":[{"collection":"contacts","id":"c-x","fields":{"phone":\#(register)}}]}}"#.utf8)
        }
        func compact(_ dot: String) -> [UInt8] {
            Array(
                #"{"changes":{"records":[{"collection":"contacts","id":"c-x","dot":\#(dot),"values":{"phone":"1"}}]}}"#
                    .utf8)
        }
        let big = "18446744073709551616"  // 2^64
        let cases: [(String, [UInt8], String)] = [
            ("counter 0", push(#"{"siblings":[["dA",0,1,"x"]]}"#), "changes.records[0].fields.phone.siblings[0]"),
            ("counter -1", push(#"{"siblings":[["dA",-1,1,"x"]]}"#), "changes.records[0].fields.phone.siblings[0]"),
            (
                "counter 2^53", push(#"{"siblings":[["dA",9007199254740992,1,"x"]]}"#),
                "changes.records[0].fields.phone.siblings[0]"
            ),
            (
                "counter 2^64", push(#"{"siblings":[["dA",\#(big),1,"x"]]}"#),
                "changes.records[0].fields.phone.siblings[0]"
            ),
            ("counter 1.5", push(#"{"siblings":[["dA",1.5,1,"x"]]}"#), "changes.records[0].fields.phone.siblings[0]"),
            (
                "counter 1e400", push(#"{"siblings":[["dA",1e400,1,"x"]]}"#),
                "changes.records[0].fields.phone.siblings[0]"
            ),
            ("wallclock -1", push(#"{"siblings":[["dA",1,-1,"x"]]}"#), "changes.records[0].fields.phone.siblings[0]"),
            (
                "wallclock 2^64", push(#"{"siblings":[["dA",1,\#(big),"x"]]}"#),
                "changes.records[0].fields.phone.siblings[0]"
            ),
            (
                "context -1", push(#"{"siblings":[["dA",1,1,"x"]],"context":{"dA":-1}}"#),
                "changes.records[0].fields.phone.context.dA"
            ),
            (
                "context 2^64", push(#"{"siblings":[["dA",1,1,"x"]],"context":{"dA":\#(big)}}"#),
                "changes.records[0].fields.phone.context.dA"
            ),
            (
                "context 2^53", push(#"{"siblings":[["dA",1,1,"x"]],"context":{"dA":9007199254740992}}"#),
                "changes.records[0].fields.phone.context.dA"
            ),
            ("compact counter -1", compact(#"["dA",-1,1]"#), "changes.records[0].dot"),
            ("compact counter 0", compact(#"["dA",0,1]"#), "changes.records[0].dot"),
            ("compact wallclock 2^64", compact(#"["dA",1,\#(big)]"#), "changes.records[0].dot"),
        ]
        for (name, body, location) in cases {
            let (status, error) = try await raw(.POST, server.baseURL + "/v1/push", headers: headers, body: body)
            #expect(status == 400, "\(name)")
            #expect(error?.error.code == "bad_request", "\(name): \(error?.error.message ?? "no body")")
            #expect(
                error?.error.details?.first?.location == location,
                "\(name): \(error?.error.details?.first?.location ?? "no location")")
        }
        // A malformed number is broken JSON, wherever it is.
        for number in ["-", "01", "1.", "+1"] {
            let (status, error) = try await raw(
                .POST, server.baseURL + "/v1/push", headers: headers,
                body: push(#"{"siblings":[["dA",\#(number),1,"x"]]}"#))
            #expect(status == 400 && error?.error.code == "bad_json", "\(number): \(error?.error.code ?? "no body")")
        }
    }
}
