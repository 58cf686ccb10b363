import CanvassCore
import CanvassProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus

/// Turns every error into the protocol's JSON error body, so no request ever gets an empty or
/// HTML answer, and counts requests and their latency by route. Outermost on every route.
struct ErrorAndMetricsMiddleware: RouterMiddleware {
    typealias Context = CanvassRequestContext
    let metrics: ServerMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let e as ServerError {
            response = try e.response(from: request, context: context)
        } catch let e as HTTPError {
            response = try Self.serverError(for: e, request: request).response(from: request, context: context)
        } catch {
            logger.error("internal error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = try ServerError(
                .internal,
                "the server failed; nothing from this request was applied. Try again, and tell the admin if it persists"
            )
            .response(from: request, context: context)
        }
        let route = context.endpointPath ?? "unmatched"
        metrics.requests(route, Int(response.status.code)).increment()
        metrics.latency(route).record(ContinuousClock.now - start)
        return response
    }

    /// The protocol's error for one of Hummingbird's own: the router's 404 becomes 405 on a known
    /// path, with the methods it does answer.
    static func serverError(for e: HTTPError, request: Request) -> ServerError {
        if e.status == .notFound, let allow = Endpoints.allowedMethods(for: request.uri.path) {
            return ServerError(
                .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); use \(allow)", allow: allow
            )
        }
        switch e.status.code {
        case 404:
            return ServerError(
                .notFound, "no such endpoint: \(request.method) \(request.uri.path); see protocol/SYNC.md")
        case 405: return ServerError(.methodNotAllowed, e.body ?? e.status.reasonPhrase)
        case 413: return ServerError(.tooLarge, e.body ?? e.status.reasonPhrase)
        default: return ServerError(.badRequest, e.body ?? e.status.reasonPhrase)
        }
    }
}

/// Refuses a request without `Canvass-Protocol: 1`: the first check of protocol/SYNC.md's order.
struct ProtocolVersionMiddleware: RouterMiddleware {
    typealias Context = CanvassRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let raw = request.headers[HTTPField.Name(ProtocolInfo.header)!] else {
            throw ServerError(
                .protocolVersionMissing, "send the header \(ProtocolInfo.header): \(ProtocolInfo.version)")
        }
        guard Int(raw.trimmingCharacters(in: .whitespaces)) == ProtocolInfo.version else {
            throw ServerError(
                .protocolVersion,
                "this server speaks protocol \(ProtocolInfo.version), not '\(raw.prefix(20))'; upgrade canvass")
        }
        return try await next(request, context)
    }
}

/// Authenticates the bearer token and puts its device into the context: the second check, after
/// the protocol version and before anything reads the body.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CanvassRequestContext
    let service: SyncService
    let clock: @Sendable () -> Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var token: String?
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        var context = context
        context.device = try await service.authenticate(token: token, now: clock())
        return try await next(request, context)
    }
}
