import CanvassCore
import CanvassProtocol
import Hummingbird

/// `POST /v1/lists/{list_id}/shares` and `DELETE /v1/lists/{list_id}/shares`: a list's share
/// codes, for coordinators and admins. Protocol header, then the device's token.
struct SharesController {
    let service: SyncService
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = Endpoints.authenticated(service: service, clock: clock)
        routes.post("/v1/lists/:list/shares") { request, context in
            let device = try context.authenticatedDevice()
            let list = try context.parameters.require("list")
            let body: ShareRequest = try await Endpoints.decodeBody(request)
            return try Endpoints.json(
                try await service.share(list: list, body, by: device.identity, now: clock()), request: request)
        }
        routes.delete("/v1/lists/:list/shares") { request, context in
            let device = try context.authenticatedDevice()
            let list = try context.parameters.require("list")
            return try Endpoints.json(
                try await service.unshare(list: list, by: device.identity, now: clock()), request: request)
        }
        return routes
    }
}
