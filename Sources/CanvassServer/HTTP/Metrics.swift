import Foundation
import Prometheus

/// The server's Prometheus metrics, served at `/metrics`.
/// A metric name under the `canvass_` namespace.
@Sendable func metricName(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor
{
    MetricNameDescriptor(namespace: "canvass", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
}

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
            registry.makeCounter(
                descriptor: metricName("http", "requests", "total", "HTTP requests by route and status"),
                labels: [("route", route), ("status", String(status))])
        }
        pushed = registry.makeCounter(
            descriptor: metricName("push", "records", "total", "Records received in push pages"))
        accepted = registry.makeCounter(
            descriptor: metricName("push", "accepted", "total", "Pushed records accepted and merged"))
        rejected = registry.makeCounter(
            descriptor: metricName("push", "rejected", "total", "Pushed records rejected, with reasons sent back"))
        pulled = registry.makeCounter(descriptor: metricName("pull", "records", "total", "Records sent in pull pages"))
        enrollFailures = registry.makeCounter(
            descriptor: metricName(
                "enroll", "failures", "total", "Enrollment attempts with a wrong, used or expired code"))
        let buckets: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        latency = { route in
            registry.makeDurationHistogram(
                descriptor: metricName("http", "request_duration", "seconds", "Request latency by route"),
                labels: [("route", route)], buckets: buckets)
        }
    }

    public func text() -> String { registry.emitToString() }
}
