import CanvassCore
import CanvassProtocol
import Hummingbird

/// `GET /v1/devices` (coordinators and admins) and `DELETE /v1/devices/{replica_id}`: revocation
/// (coordinators and admins, or a device itself).
struct DevicesController {
    let service: SyncService
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = Endpoints.authenticated(service: service, clock: clock)
        routes.get("/v1/devices") { request, context in
            let device = try context.authenticatedDevice()
            return try Endpoints.json(try await service.devices(by: device.identity, now: clock()), request: request)
        }
        routes.delete("/v1/devices/:replica") { request, context in
            let device = try context.authenticatedDevice()
            let replica = try context.parameters.require("replica")
            try await service.revoke(ReplicaID(replica), by: device.identity, now: clock())
            return Response(status: .noContent)
        }
        return routes
    }
}
