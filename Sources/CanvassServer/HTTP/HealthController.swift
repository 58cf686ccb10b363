import CanvassProtocol
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /health`: no protocol header, no token.
struct HealthController {
    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = RouteCollection(context: CanvassRequestContext.self)
        routes.get("/health") { _, _ in
            try Endpoints.json(HealthBody(status: "ok", protocol: ProtocolInfo.version), request: nil)
        }
        return routes
    }
}

struct HealthBody: Codable {
    let status: String
    let `protocol`: Int
}

/// `GET /metrics`: Prometheus text, no protocol header, no token.
struct MetricsController {
    let metrics: ServerMetrics

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = RouteCollection(context: CanvassRequestContext.self)
        routes.get("/metrics") { [metrics] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        return routes
    }
}
