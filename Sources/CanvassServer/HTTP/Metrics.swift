import Foundation
import Prometheus

/// The server's Prometheus metrics, served at `/metrics`.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let requests: @Sendable (String, Int) -> Counter
    let pushed: Counter
    let accepted: Counter
    let rejected: Counter
    let pulled: Counter
    let enrollFailures: Counter
    let latency: @Sendable (String) -> DurationHistogram

    public init() {
        let registry = self.registry
        requests = { route, status in
            registry.makeCounter(name: "canvass_http_requests_total", labels: [("route", route), ("status", String(status))], help: "HTTP requests by route and status")
        }
        pushed = registry.makeCounter(name: "canvass_push_records_total", help: "Records received in push pages")
        accepted = registry.makeCounter(name: "canvass_push_accepted_total", help: "Pushed records accepted and merged")
        rejected = registry.makeCounter(name: "canvass_push_rejected_total", help: "Pushed records rejected, with reasons sent back")
        pulled = registry.makeCounter(name: "canvass_pull_records_total", help: "Records sent in pull pages")
        enrollFailures = registry.makeCounter(name: "canvass_enroll_failures_total", help: "Enrollment attempts with a wrong, used or expired code")
        let buckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]
        latency = { route in
            registry.makeDurationHistogram(name: "canvass_http_request_duration_seconds", labels: [("route", route)], buckets: buckets, help: "Request latency by route")
        }
    }

    public func text() -> String { registry.emitToString() }
}
