import CanvassCore
import CanvassProtocol
import Hummingbird

/// `POST /v1/users`, `GET /v1/users` and `POST /v1/users/{id}/codes`: accounts and their login
/// codes, for coordinators and admins. Protocol header, then the device's token.
struct UsersController {
    let service: SyncService
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = Endpoints.authenticated(service: service, clock: clock)
        routes.post("/v1/users") { request, context in
            let device = try context.authenticatedDevice()
            let body: NewUserRequest = try await Endpoints.decodeBody(request)
            return try Endpoints.json(
                try await service.addUser(body, by: device.identity, now: clock()), request: request)
        }
        routes.get("/v1/users") { request, context in
            let device = try context.authenticatedDevice()
            return try Endpoints.json(try await service.users(by: device.identity), request: request)
        }
        routes.post("/v1/users/:id/codes") { request, context in
            let device = try context.authenticatedDevice()
            let id = try context.parameters.require("id")
            return try Endpoints.json(
                try await service.issueCode(forUser: id, by: device.identity, now: clock()), request: request)
        }
        return routes
    }
}
