import CanvassCore
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

/// Webhook deliveries end to end with real processes: a `canvass-server` with short retry
/// options, the `canvass` CLI, and a webhook receiver on loopback (Python's http.server, started
/// by the test). A flaky receiver answers 500 to its first requests, then 200: each delivery is
/// taken (2xx) exactly once, after retries. A receiver that always answers 500 sees each of its
/// deliveries `--delivery-max-attempts` times, and the delivery ends failed, kept with its
/// error in the outbox and in its `automation_deliveries` record.
@Suite(.serialized) struct AutomationWebhookTests {
    @Test
    func aWebhookIsRetriedWhileTheReceiverFailsTakenOnceAndFailedAfterTheCap() async throws {
        let dir = try temporaryDirectory("canvass-webhook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try WebhookReceiver(failFirst: 2, directory: dir)
        defer { receiver.stop() }
        let data = dir.appendingPathComponent("server").path
        let server = try ServerProcess(
            arguments: [
                "demo", "--allow-private-webhooks", "--delivery-retry-base-ms", "50", "--delivery-retry-cap-s", "1",
                "--delivery-max-attempts", "4",
            ], dataDirectory: data)
        defer { server.stop() }
        let kim = dir.appendingPathComponent("kim").path
        let run = try await coordinator(on: server, home: kim)
        let file = dir.appendingPathComponent("hook.yaml").path
        try """
        id: tell-crm
        campaign: camp-2026
        name: Tell the CRM
        entry: { interaction: any }
        steps:
          - id: tell
            trigger: { kind: result, code: contacted }
            actions:
              - { webhook: "http://127.0.0.1:\(receiver.port)/flaky" }
              - { webhook: "http://127.0.0.1:\(receiver.port)/down" }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await run(["automation", "add", "camp-2026", file, "--json"])
        let stops = try jsonArray(try await run(["walk", "turf-01", "--json"]))
        let people = stops.flatMap { ($0["people"] as? [[String: Any]]) ?? [] }.compactMap { $0["id"] as? String }
        try #require(people.count >= 2)
        let (ann, bob) = (people[0], people[1])
        for p in [ann, bob] { _ = try await run(["record", p, "--list", "turf-01", "--result", "contacted"]) }
        _ = try await run(["sync"])

        // Two flaky deliveries taken once each; two down ones tried four times each.
        let requests = try await receiver.requests { r in
            r.filter { $0.path == "/flaky" && $0.status == 200 }.count == 2
                && r.filter { $0.path == "/down" }.count == 8
        }
        let flaky = requests.filter { $0.path == "/flaky" }
        let taken = flaky.filter { $0.status == 200 }.map(\.key)
        #expect(taken.sorted() == ["tell-crm@\(ann)@1@tell#0", "tell-crm@\(bob)@1@tell#0"].sorted(), "\(requests)")
        #expect(flaky.filter { $0.status == 500 }.count == 2, "retried while the receiver answered 500")
        let down = requests.filter { $0.path == "/down" }
        #expect(
            Dictionary(grouping: down, by: \.key).mapValues(\.count) == [
                "tell-crm@\(ann)@1@tell#1": 4, "tell-crm@\(bob)@1@tell#1": 4,
            ])
        #expect(
            requests.allSatisfy { $0.body["rule"] as? String == "tell-crm" && $0.body["step"] as? String == "tell" })

        // Nothing more comes: the failed ones are not retried after the cap, nor the taken ones.
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(try await receiver.requests { _ in true }.count == requests.count)
        #expect(server.stop() != -9, "the server stops gracefully with its automation running")

        // The outbox and the records coordinators sync keep every outcome, the failures included.
        let store = try ServerStore.open(path: (data as NSString).appendingPathComponent("canvass.sqlite"))
        let outbox = Dictionary(uniqueKeysWithValues: try await store.automationOutbox().map { ($0.delivery.id, $0) })
        for p in [ann, bob] {
            let ok = try #require(outbox["tell-crm@\(p)@1@tell#0"])
            #expect(ok.status == .delivered && ok.deliveredAt != nil)
            let failed = try #require(outbox["tell-crm@\(p)@1@tell#1"])
            #expect(failed.status == .failed && failed.attempts == 4)
            #expect(failed.lastError?.contains("HTTP 500") == true, "\(failed.lastError ?? "")")
            let record = try #require(try await store.record(RecordKey("automation_deliveries", failed.delivery.id)))
            #expect(record["status"] == "failed")
            #expect(record["attempts"] == .int(4))
            #expect(record["last_error"]?.stringValue?.contains("gave up after 4 attempts") == true)
        }
        #expect(flaky.count == 4 && outbox.values.map(\.attempts).reduce(0, +) == 4 + 8)
    }
}

/// A webhook receiver on loopback: `/flaky` answers 500 to its first `failFirst` requests and
/// 200 after; `/down` always 500. Each request is logged (path, Idempotency-Key, status, body).
final class WebhookReceiver: @unchecked Sendable {
    struct Request {
        let path: String
        let key: String
        let status: Int
        let body: [String: Any]
    }

    static let script = """
        import http.server, json, sys, threading
        log_path, fail_first = sys.argv[1], int(sys.argv[2])
        lock = threading.Lock()
        flaky_seen = [0]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    if self.path == "/flaky":
                        flaky_seen[0] += 1
                        status = 500 if flaky_seen[0] <= fail_first else 200
                    else:
                        status = 500
                    with open(log_path, "a") as f:
                        f.write(json.dumps({"path": self.path, "key": self.headers.get("Idempotency-Key", ""),
                                            "status": status, "body": json.loads(body or b"{}")}) + "\\n")
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print("listening on %d" % server.server_address[1], flush=True)
        server.serve_forever()
        """

    let process = Process()
    let log: URL
    private(set) var port = 0

    init(failFirst: Int, directory: URL) throws {
        log = directory.appendingPathComponent("webhook.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, log.path, String(failFirst)]
        port = try startListening(process, what: "the webhook receiver (python3)")
    }

    /// The requests received so far, once `done` holds for them (or after 30 s).
    func requests(until done: ([Request]) -> Bool) async throws -> [Request] {
        var found: [Request] = []
        for _ in 0..<300 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").compactMap { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    return nil
                }
                return Request(
                    path: o["path"] as? String ?? "", key: o["key"] as? String ?? "", status: o["status"] as? Int ?? 0,
                    body: o["body"] as? [String: Any] ?? [:])
            }
            if done(found) { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        return found
    }

    /// Stops the receiver with SIGKILL: a child of the test runner may inherit a signal mask with
    /// SIGTERM blocked, and then `terminate()` is ignored and `waitUntilExit` never returns.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
