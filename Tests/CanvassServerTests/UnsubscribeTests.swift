import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Unsubscribe links: a token names its person only under the server's secret, and following
/// it (GET or a mail client's one-click POST) sets `do_not_email` without any login.
@Suite struct UnsubscribeTests {
    static let key = [UInt8](repeating: 7, count: 32)

    @Test(arguments: ["p-1", "c-00042", "a/b.c@d", "ünïcode"])
    func aTokenNamesItsPerson(_ person: String) {
        let token = UnsubscribeToken.make(person: person, key: Self.key)
        #expect(UnsubscribeToken.person(in: token, key: Self.key) == person)
        // Safe in a URL path as it is.
        #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "\(token)")
    }

    @Test func aForgedOrDamagedTokenNamesNobody() {
        let token = UnsubscribeToken.make(person: "p-1", key: Self.key)
        let other = UnsubscribeToken.make(person: "p-2", key: Self.key)
        let mac = token.split(separator: ".")[1]
        let forged = [
            // Another person's id with p-1's MAC.
            "\(other.split(separator: ".")[0]).\(mac)",
            // The right shape under another key.
            UnsubscribeToken.make(person: "p-1", key: [UInt8](repeating: 8, count: 32)),
            String(token.dropLast()), token + "A", "p-1", "", ".", "\(token).x",
            token.replacingOccurrences(of: ".", with: "%2E"),
        ]
        for f in forged { #expect(UnsubscribeToken.person(in: f, key: Self.key) == nil, "\(f)") }
    }

    static func path(_ url: String) -> String { String(url.dropFirst("https://canvass.test".count)) }

    @Test func followingTheLinkUnsubscribesAndAForgedOneIsA404() async throws {
        let storage = try SQLiteServerStorage.inMemory()
        try await storage.write(
            [
                LocalWrite(RecordKey("contacts", "p-ann"), ["first_name": "Ann", "email": "ann@example.org"]),
                LocalWrite(RecordKey("contacts", "p-bob"), ["first_name": "Bob", "email": "bob@example.org"]),
            ], wallclock: 1)
        let links = Unsubscriber(storage: storage, publicURL: "https://canvass.test/")
        let ann = try await links.url(person: "p-ann")
        #expect(ann.hasPrefix("https://canvass.test/v1/unsubscribe/"))
        let bob = try await links.url(person: "p-bob")
        let gone = try await links.url(person: "p-nobody")
        let router = buildRouter(
            service: SyncService(storage: storage), metrics: ServerMetrics(), logger: Logger(label: "unsubscribe"),
            clock: { 50 })
        try await Application(router: router).test(.router) { client in
            // No protocol header, no token: a mail client sends neither.
            // A GET (the link followed, or a mail scanner fetching it) asks; it changes nothing.
            try await client.execute(uri: Self.path(ann), method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: r.body).contains("<form method=\"post\">"))
            }
            #expect(try await storage.record(RecordKey("contacts", "p-ann"))?["do_not_email"] == nil)
            // The button POSTs; following the link again then says it is done.
            try await client.execute(uri: Self.path(ann), method: .post) { r in #expect(r.status == .ok) }
            try await client.execute(uri: Self.path(ann), method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("unsubscribed"))
            }
            try await client.execute(uri: Self.path(bob), method: .post) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/plain; charset=utf-8")
            }
            let forged = Self.path(bob).replacingOccurrences(of: "/v1/unsubscribe/", with: "/v1/unsubscribe/x")
            for bad in [forged, Self.path(gone), "/v1/unsubscribe/p-ann"] {
                try await client.execute(uri: bad, method: .get) { r in
                    #expect(r.status == .notFound, "\(bad)")
                    #expect(r.headers[.contentType] == "application/json; charset=utf-8")
                    let body = try JSONDecoder().decode(ErrorBody.self, from: Data(r.body.readableBytesView))
                    #expect(body.error.code == "not_found")
                }
            }
            try await client.execute(uri: Self.path(ann), method: .delete) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, POST")
            }
        }
        #expect(try await storage.record(RecordKey("contacts", "p-ann"))?["do_not_email"] == .bool(true))
        #expect(try await storage.record(RecordKey("contacts", "p-bob"))?["do_not_email"] == .bool(true))
        #expect(try await storage.record(RecordKey("contacts", "p-nobody")) == nil)
    }
}
