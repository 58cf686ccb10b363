import CanvassCore
import CanvassProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus

extension ServerError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    /// The headers of this error's answer, wherever it is written (router or connection guard).
    var responseHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if statusCode == 426 { headers[HTTPField.Name(ProtocolInfo.supportedHeader)!] = String(ProtocolInfo.version) }
        if statusCode == 401 { headers[.wwwAuthenticate] = "Bearer" }
        if statusCode == 405, let allow { headers[.allow] = allow }
        return headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: HTTPResponse.Status(code: statusCode), headers: responseHeaders, body: .init(byteBuffer: try WireCodec.encode(body)))
    }
}

/// Turns every error into the protocol's JSON error body, so no request ever gets an empty or
/// HTML answer, and counts requests and their latency by route.
struct ErrorAndMetricsMiddleware: RouterMiddleware {
    typealias Context = CanvassRequestContext
    let metrics: ServerMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let e as ServerError {
            response = try e.response(from: request, context: context)
        } catch let e as HTTPError where e.status.code == 404 && SyncController.allowedMethods(for: request.uri.path) != nil {
            let allow = SyncController.allowedMethods(for: request.uri.path)!
            response = try ServerError(405, "method_not_allowed", "\(request.method) is not allowed on \(request.uri.path); use \(allow)", allow: allow)
                .response(from: request, context: context)
        } catch let e as HTTPError {
            let code: String
            switch e.status.code {
            case 404: code = "not_found"
            case 405: code = "method_not_allowed"
            case 413: code = "too_large"
            default: code = "bad_request"
            }
            let message = e.status.code == 404 ? "no such endpoint: \(request.method) \(request.uri.path); see protocol/SYNC.md" : (e.body ?? e.status.reasonPhrase)
            response = try ServerError(e.status.code, code, message).response(from: request, context: context)
        } catch {
            logger.error("internal error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = try ServerError(500, "internal", "the server failed; nothing from this request was applied. Try again, and tell the admin if it persists")
                .response(from: request, context: context)
        }
        let route = context.endpointPath ?? "unmatched"
        metrics.requests(route, Int(response.status.code)).increment()
        metrics.latency(route).record(ContinuousClock.now - start)
        return response
    }
}

/// The HTTP face of `SyncService`: the routes of protocol/SYNC.md.
public struct SyncController: Sendable {
    let service: SyncService
    let metrics: ServerMetrics
    let clock: @Sendable () -> Int64

    public init(service: SyncService, metrics: ServerMetrics, clock: @escaping @Sendable () -> Int64) {
        self.service = service
        self.metrics = metrics
        self.clock = clock
    }

    /// The methods a known path answers, for 405 answers; nil for unknown paths.
    static func allowedMethods(for path: String) -> String? {
        switch path {
        case "/health", "/metrics", "/v1/pull": return "GET"
        case "/v1/enroll", "/v1/push": return "POST"
        default: return path.hasPrefix("/v1/devices/") && path.count > "/v1/devices/".count ? "DELETE" : nil
        }
    }

    public func register(on router: Router<CanvassRequestContext>) {
        router.get("/health") { _, _ in
            try json(HealthBody(status: "ok", protocol: ProtocolInfo.version), request: nil)
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        router.post("/v1/enroll") { request, context in
            try checkVersion(request)
            let body: EnrollRequest = try await decodeBody(request)
            do {
                return try json(try await service.enroll(body, client: context.clientKey, now: clock()), request: request)
            } catch let e as ServerError where e.statusCode == 401 || e.statusCode == 429 {
                metrics.enrollFailures.increment()
                throw e
            }
        }
        router.post("/v1/push") { request, context in
            try checkVersion(request)
            let device = try await authenticate(request)
            let body: PushRequest = try await decodeBody(request)
            let response = try await service.push(body, from: device.identity)
            metrics.pushed.increment(by: Double(body.changes.records.count))
            metrics.accepted.increment(by: Double(response.accepted))
            metrics.rejected.increment(by: Double(response.rejected))
            return try json(response, request: request)
        }
        router.get("/v1/pull") { request, context in
            try checkVersion(request)
            let device = try await authenticate(request)
            let query = request.uri.queryParameters
            var limit = ProtocolInfo.defaultPullLimit
            if let raw = query["limit"] {
                guard let n = Int(raw) else { throw ServerError.badRequest("limit must be a whole number 1–\(ProtocolInfo.maxPullLimit)") }
                limit = n
            }
            let since = query["since"].map(String.init)
            if let since, since.utf8.count > 512 || !since.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) {
                throw ServerError.badRequest("since must be a checkpoint from an earlier pull")
            }
            let page = try await service.pull(since: since, limit: limit, for: device.identity)
            metrics.pulled.increment(by: Double(page.records.count))
            let encoding = BodyEncoding.preferred(accepting: request.headers[.acceptEncoding])
            return respond(try WireCodec.encode(page), encoding: encoding)
        }
        router.delete("/v1/devices/:replica") { request, context in
            try checkVersion(request)
            let device = try await authenticate(request)
            let replica = try context.parameters.require("replica")
            try await service.revoke(ReplicaID(replica), by: device.identity, now: clock())
            return Response(status: .noContent)
        }
    }

    private func authenticate(_ request: Request) async throws -> Device {
        var token: String?
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return try await service.authenticate(token: token, now: clock())
    }

    private func checkVersion(_ request: Request) throws {
        guard let raw = request.headers[HTTPField.Name(ProtocolInfo.header)!] else {
            throw ServerError(400, "protocol_version_missing", "send the header \(ProtocolInfo.header): \(ProtocolInfo.version)")
        }
        guard Int(raw.trimmingCharacters(in: .whitespaces)) == ProtocolInfo.version else {
            throw ServerError(426, "protocol_version", "this server speaks protocol \(ProtocolInfo.version), not '\(raw.prefix(20))'; upgrade canvass")
        }
    }

    /// Reads, decompresses (capped) and decodes a JSON body; a 4xx for every way that can fail.
    private func decodeBody<T: Decodable>(_ request: Request) async throws -> T {
        guard let encoding = BodyEncoding(header: request.headers[.contentEncoding]) else {
            throw ServerError(415, "unsupported_encoding", "Content-Encoding '\(request.headers[.contentEncoding] ?? "")' is not supported; use gzip, deflate or none")
        }
        if let type = request.headers[.contentType], !Self.isJSON(contentType: type) {
            throw ServerError(415, "unsupported_media_type", "send JSON with Content-Type: application/json, not '\(type.prefix(60))'")
        }
        var req = request
        let body: ByteBuffer
        do {
            body = try await req.collectBody(upTo: ProtocolInfo.maxCompressedBody)
        } catch is NIOTooManyBytesError {
            throw ServerError(413, "too_large", "the body is larger than \(ProtocolInfo.maxCompressedBody) bytes; send smaller pages")
        } catch {
            throw ServerError.badRequest("the body could not be read as HTTP/1.1 (\(error)); nothing was applied")
        }
        do {
            return try WireCodec.decode(T.self, from: body, encoding)
        } catch WireError.tooLarge(let limit) {
            throw ServerError(413, "too_large", "the body is larger than \(limit) bytes once decompressed; send smaller pages")
        } catch WireError.badCompression(let why) {
            throw ServerError(400, "bad_compression", "the body could not be decompressed as \(encoding.rawValue): \(why)")
        } catch WireError.badJSON(let why) {
            throw ServerError(400, "bad_json", "the body is not valid JSON (\(why)); nothing was applied")
        } catch WireError.badShape(let location, let message) {
            throw ServerError(400, "bad_request", "the body does not have the shape protocol/SYNC.md gives: \(location): \(message); nothing was applied",
                details: [Diagnostic(at: location, code: "bad_shape", message)])
        }
    }

    /// Whether a `Content-Type` names JSON: exactly the media type `application/json`, in any
    /// case, with or without parameters such as `charset=utf-8`.
    static func isJSON(contentType: String) -> Bool {
        guard let type = MediaType(from: contentType) else { return false }
        return type.isType(.applicationJson)
    }

    private func json<T: Encodable>(_ value: T, request: Request?) throws -> Response {
        let encoding = BodyEncoding.preferred(accepting: request?.headers[.acceptEncoding])
        return respond(try WireCodec.encode(value), encoding: encoding)
    }

    private func respond(_ body: ByteBuffer, encoding: BodyEncoding) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        var out = body
        // Small bodies are not worth compressing.
        if encoding != .identity, body.readableBytes > 1024, let compressed = try? WireCodec.compress(body, encoding) {
            out = compressed
            headers[.contentEncoding] = encoding.rawValue
        }
        headers[.vary] = "Accept-Encoding"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: out))
    }
}

struct HealthBody: Codable {
    let status: String
    let `protocol`: Int
}
