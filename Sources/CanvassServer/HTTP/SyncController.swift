import CanvassCore
import CanvassProtocol
import Hummingbird
import Prometheus

/// `POST /v1/push` and `GET /v1/pull`: protocol header, then the device's token.
struct SyncController {
    let service: SyncService
    let metrics: ServerMetrics
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = Endpoints.authenticated(service: service, clock: clock)
        routes.post("/v1/push") { request, context in
            let device = try context.authenticatedDevice()
            let body: PushRequest = try await Endpoints.decodeBody(request)
            let response = try await service.push(body, from: device.identity)
            metrics.pushed.increment(by: Double(body.changes.records.count))
            metrics.accepted.increment(by: Double(response.accepted))
            metrics.rejected.increment(by: Double(response.rejected))
            return try Endpoints.json(response, request: request)
        }
        routes.get("/v1/pull") { request, context in
            let device = try context.authenticatedDevice()
            let query = request.uri.queryParameters
            var limit = ProtocolInfo.defaultPullLimit
            if let raw = query["limit"] {
                guard let n = Int(raw) else {
                    throw ServerError.badRequest("limit must be a whole number 1–\(ProtocolInfo.maxPullLimit)")
                }
                limit = n
            }
            let since = query["since"].map(String.init)
            if let since, since.utf8.count > 512 || !since.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) {
                throw ServerError.badRequest("since must be a checkpoint from an earlier pull")
            }
            let page = try await service.pull(since: since, limit: limit, for: device.identity, now: clock())
            metrics.pulled.increment(by: Double(page.records.count))
            let encoding = BodyEncoding.preferred(accepting: request.headers[.acceptEncoding])
            return Endpoints.respond(try WireCodec.encode(page), encoding: encoding)
        }
        return routes
    }
}
