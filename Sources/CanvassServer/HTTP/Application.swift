import CanvassCore
import CanvassProtocol
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// How to run the server.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./canvass-data"
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var logLevel: Logger.Level = .info
    /// Idle, read and linger timeouts of connections.
    public var connections = ConnectionLimits()

    public init() {}
}

/// The milliseconds-since-1970 clock the server stamps things with.
public let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

/// Builds the router: one route collection per resource, all behind the error and metrics
/// middleware; each collection puts the protocol-version and authentication checks it needs in
/// front of its routes, in the order protocol/SYNC.md gives.
public func buildRouter(
    service: SyncService, metrics: ServerMetrics, logger: Logger, clock: @escaping @Sendable () -> Int64 = wallClock
)
    -> Router<CanvassRequestContext>
{
    let router = Router(context: CanvassRequestContext.self)
    router.add(middleware: ErrorAndMetricsMiddleware(metrics: metrics, logger: logger))
    router.addRoutes(HealthController().endpoints)
    router.addRoutes(MetricsController(metrics: metrics).endpoints)
    router.addRoutes(EnrollmentController(service: service, metrics: metrics, clock: clock).endpoints)
    router.addRoutes(SyncController(service: service, metrics: metrics, clock: clock).endpoints)
    router.addRoutes(DevicesController(service: service, clock: clock).endpoints)
    router.addRoutes(UsersController(service: service, clock: clock).endpoints)
    router.addRoutes(SharesController(service: service, clock: clock).endpoints)
    router.addRoutes(UnsubscribeController(service: service, clock: clock).endpoints)
    return router
}

/// Builds the application. `onRunning` receives the port actually bound (useful with port 0).
public func buildApplication(
    configuration: ServerConfiguration, service: SyncService, logger: Logger,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let metrics = ServerMetrics()
    let router = buildRouter(service: service, metrics: metrics, logger: logger)
    let limits = configuration.connections
    // Hummingbird closes idle connections (none in progress, or a request that stalls); the
    // guard bounds how long one request may take to arrive and closes after early answers.
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuard(limits: limits)],
        idleTimeout: limits.idleTimeout.map { TimeAmount($0) })
    var server: HTTPServerBuilder = .http1(configuration: http1)
    if let cert = configuration.tlsCertificate, let key = configuration.tlsKey {
        let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        server = try .tls(.http1(configuration: http1), tlsConfiguration: tls)
    } else if configuration.tlsCertificate != nil || configuration.tlsKey != nil {
        throw ServerError.badRequest("TLS needs both --tls-cert and --tls-key")
    }
    return Application(
        router: router, server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "canvass"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
