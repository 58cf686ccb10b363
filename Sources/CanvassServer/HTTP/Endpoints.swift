import CanvassCore
import CanvassProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The paths of protocol/SYNC.md, and what the controllers share: reading a JSON body in the
/// protocol's order of checks, and writing one, compressed when the client accepts it.
enum Endpoints {
    /// A collection of routes for enrolled devices: the protocol-version check, then the
    /// device's token (SYNC.md, "General rules": a wrong version is answered before a bad token).
    static func authenticated(service: SyncService, clock: @escaping @Sendable () -> Int64)
        -> RouteCollection<CanvassRequestContext>
    {
        RouteCollection(context: CanvassRequestContext.self)
            .add(middleware: ProtocolVersionMiddleware())
            .add(middleware: AuthenticationMiddleware(service: service, clock: clock))
    }

    /// The methods a known path answers, for 405 answers; nil for unknown paths.
    static func allowedMethods(for path: String) -> String? {
        switch path {
        case "/health", "/metrics", "/v1/pull", "/v1/devices": return "GET"
        case "/v1/enroll", "/v1/push": return "POST"
        case "/v1/users": return "GET, POST"
        default:
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count > 3, parts[1] == "v1" else { return nil }
            switch (parts.count, parts[2]) {
            case (4, "devices") where !parts[3].isEmpty: return "DELETE"
            case (4, "unsubscribe") where !parts[3].isEmpty: return "GET, POST"
            case (5, "users") where !parts[3].isEmpty && parts[4] == "codes": return "POST"
            case (5, "lists") where !parts[3].isEmpty && parts[4] == "shares": return "POST, DELETE"
            default: return nil
            }
        }
    }

    /// Reads, decompresses (capped) and decodes a JSON body; a 4xx for every way that can fail,
    /// checked in the order SYNC.md gives (encoding, media type, size, decompression, JSON, shape).
    static func decodeBody<T: Decodable>(_ request: Request) async throws -> T {
        guard let encoding = BodyEncoding(header: request.headers[.contentEncoding]) else {
            throw ServerError(
                .unsupportedEncoding,
                "Content-Encoding '\(request.headers[.contentEncoding] ?? "")' is not supported; use gzip, deflate or none"
            )
        }
        if let type = request.headers[.contentType], !isJSON(contentType: type) {
            throw ServerError(
                .unsupportedMediaType, "send JSON with Content-Type: application/json, not '\(type.prefix(60))'")
        }
        var req = request
        let body: ByteBuffer
        do {
            body = try await req.collectBody(upTo: ProtocolInfo.maxCompressedBody)
        } catch is NIOTooManyBytesError {
            throw ServerError(
                .tooLarge, "the body is larger than \(ProtocolInfo.maxCompressedBody) bytes; send smaller pages")
        } catch {
            throw ServerError.badRequest("the body could not be read as HTTP/1.1 (\(error)); nothing was applied")
        }
        do {
            return try WireCodec.decode(T.self, from: body, encoding)
        } catch let e as ProtocolError {
            switch e.code {
            case .tooLarge:
                throw ServerError(
                    .tooLarge,
                    "the body is larger than \(e.limit ?? ProtocolInfo.maxDecompressedBody) bytes once decompressed; send smaller pages"
                )
            case .badCompression:
                throw ServerError(
                    .badCompression, "the body could not be decompressed as \(encoding.rawValue): \(e.message)")
            case .badJSON:
                throw ServerError(.badJSON, "the body is not valid JSON (\(e.message)); nothing was applied")
            default:
                let location = e.location ?? ""
                throw ServerError.badRequest(
                    "the body does not have the shape protocol/SYNC.md gives: \(location): \(e.message); nothing was applied",
                    details: [Diagnostic(at: location, code: "bad_shape", e.message)])
            }
        }
    }

    /// Whether a `Content-Type` names JSON: exactly the media type `application/json`, in any
    /// case, with or without parameters such as `charset=utf-8`.
    static func isJSON(contentType: String) -> Bool {
        guard let type = MediaType(from: contentType) else { return false }
        return type.isType(.applicationJson)
    }

    /// A 200 with `value` as JSON.
    static func json<T: Encodable>(_ value: T, request: Request?) throws -> Response {
        respond(
            try WireCodec.encode(value), encoding: BodyEncoding.preferred(accepting: request?.headers[.acceptEncoding]))
    }

    /// A 200 with a JSON body, compressed with `encoding` when that is worth it.
    static func respond(_ body: ByteBuffer, encoding: BodyEncoding) -> Response {
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
