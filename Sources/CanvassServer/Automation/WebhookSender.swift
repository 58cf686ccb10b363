import AsyncHTTPClient
import CanvassCore
import CanvassProtocol
import Foundation
import NIOCore
import NIOHTTP1

/// Webhook deliveries (issue 12): one POST of the delivery's JSON body with
/// `Idempotency-Key: <delivery id>` (a receiver that saw a retry of a delivery it already took
/// can tell), redirects not followed. 2xx is delivered; 408, 429, 5xx and network failures are
/// retried; any other status is refused for good.
///
/// The host is resolved first and every address checked with `WebhookAddress`: loopback, private
/// and link-local receivers are refused unless `allowPrivate` (the operator's
/// `--allow-private-webhooks`). A failed delivery keeps only the status code as its error, never
/// the receiver's answer, which syncs to coordinators.
public final class WebhookSender: DeliverySender {
    let client: HTTPClient
    let timeout: TimeAmount
    let allowPrivate: Bool

    public init(timeoutSeconds: Int64 = 15, allowPrivate: Bool = false) {
        self.allowPrivate = allowPrivate
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        timeout = .seconds(timeoutSeconds)
    }

    /// Closes the client's connections; call once the delivery worker has stopped.
    public func shutdown() async throws { try await client.shutdown() }

    public func send(_ delivery: AutomationDelivery) async -> DeliveryAttempt {
        // Checked when the rule was added; checked again, since the URL leaves with voter data.
        if let why = AutomationDocument.webhookURLProblem(delivery.target) { return .rejected(why) }
        if !allowPrivate, let host = URL(string: delivery.target)?.host {
            if let why = Self.privateAddress(host) { return .rejected(why) }
        }
        var request = HTTPClientRequest(url: delivery.target)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: delivery.id)
        request.headers.add(name: "User-Agent", value: "canvass-server automation")
        do {
            let body = try JSONEncoder().encode(delivery.payload ?? .object([:]))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 4096)
            let code = response.status.code
            if (200..<300).contains(code) { return .delivered }
            let why = "HTTP \(code)"
            if code == 408 || code == 429 || code >= 500 { return .failed(why) }
            return .rejected(why)
        } catch {
            return .failed("\(error)")
        }
    }

    /// Why `host` may not be reached, nil when every address it resolves to is public. (The
    /// request resolves the name again; a name that changes its answer in between is not caught.)
    static func privateAddress(_ host: String) -> String? {
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else {
            return nil  // the request itself will fail to resolve and be retried
        }
        defer { freeaddrinfo(first) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            var bytes: [UInt8] = []
            if n.pointee.ai_family == AF_INET, let a = n.pointee.ai_addr {
                a.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafeBytes(of: sin.pointee.sin_addr) { bytes = Array($0) }
                }
            } else if n.pointee.ai_family == AF_INET6, let a = n.pointee.ai_addr {
                a.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafeBytes(of: sin6.pointee.sin6_addr) { bytes = Array($0) }
                }
            }
            if !bytes.isEmpty, let why = WebhookAddress.refusal(bytes) {
                return
                    "webhook host \(host) is \(why); the server refuses receivers on its own machine or network unless started with --allow-private-webhooks"
            }
            node = n.pointee.ai_next
        }
        return nil
    }
}
