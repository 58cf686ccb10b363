import CanvassProtocol
import Hummingbird
import Prometheus

/// `POST /v1/enroll`: a one-time code for a device identity. Protocol header, no token.
struct EnrollmentController {
    let service: SyncService
    let metrics: ServerMetrics
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = RouteCollection(context: CanvassRequestContext.self)
            .add(middleware: ProtocolVersionMiddleware())
        routes.post("/v1/enroll") { request, context in
            let body: EnrollRequest = try await Endpoints.decodeBody(request)
            do {
                return try Endpoints.json(
                    try await service.enroll(body, client: context.clientKey, now: clock()), request: request)
            } catch let e as ServerError where e.code == .invalidCode || e.code == .rateLimited {
                metrics.enrollFailures.increment()
                throw e
            }
        }
        return routes
    }
}
