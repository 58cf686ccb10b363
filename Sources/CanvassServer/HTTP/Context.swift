import Hummingbird
import Logging
import NIOCore

/// The request context: Hummingbird's core storage plus the peer address (for rate limiting).
public struct CanvassRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client as the rate limiter keys it: the IP address without the port.
    public var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}
