import CanvassCore
import Hummingbird
import Logging
import NIOCore

/// The request context: Hummingbird's core storage, the peer address (for rate limiting) and,
/// behind ``AuthenticationMiddleware``, the device the request authenticated as.
public struct CanvassRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The device whose bearer token the request carried; set by ``AuthenticationMiddleware``.
    public var device: Device?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client as the rate limiter keys it: the IP address without the port.
    public var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The authenticated device. Only routes behind ``AuthenticationMiddleware`` ask for it, so
    /// its absence is a server fault, never the client's.
    func authenticatedDevice() throws -> Device {
        guard let device else {
            throw ServerError(
                .internal,
                "the server failed; nothing from this request was applied. Try again, and tell the admin if it persists"
            )
        }
        return device
    }
}
