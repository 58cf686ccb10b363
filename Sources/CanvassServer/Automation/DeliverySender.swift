import CanvassCore

/// One way out of the automation outbox: webhooks POST JSON, email goes to a mail relay. The
/// delivery worker claims due deliveries, calls the sender of their kind once per attempt, and
/// records the outcome under `DeliveryPolicy` (back-off, cap, failed state).
public protocol DeliverySender: Sendable {
    /// Tries one delivery once. `.delivered`, or why not; nothing thrown is lost: the worker
    /// records it as a failed attempt.
    func send(_ delivery: AutomationDelivery) async -> DeliveryAttempt
}

public enum DeliveryAttempt: Sendable, Hashable {
    case delivered
    /// A failure worth retrying (a 5xx, a refused connection, a relay's temporary failure).
    case failed(String)
    /// A failure no retry can fix (a 4xx other than 408/429, an address the relay refuses for
    /// good): the delivery is failed at once, visible in the log.
    case rejected(String)
}
