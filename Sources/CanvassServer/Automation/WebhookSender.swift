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
public final class WebhookSender: DeliverySender {
    let client: HTTPClient
    let timeout: TimeAmount

    public init(timeoutSeconds: Int64 = 15) {
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
        var request = HTTPClientRequest(url: delivery.target)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: delivery.id)
        request.headers.add(name: "User-Agent", value: "canvass-server automation")
        do {
            let body = try JSONEncoder().encode(delivery.payload ?? .object([:]))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            let text = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            let code = response.status.code
            if (200..<300).contains(code) { return .delivered }
            let why = "HTTP \(code)" + (text.isEmpty ? "" : ": \(text.prefix(200))")
            if code == 408 || code == 429 || code >= 500 { return .failed(why) }
            return .rejected(why)
        } catch {
            return .failed("\(error)")
        }
    }
}
