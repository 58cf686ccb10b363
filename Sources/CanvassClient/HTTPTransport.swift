import AsyncHTTPClient
import CanvassCore
import CanvassProtocol
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// How long to wait for a connection (TCP, and TLS for https) before calling the server unreachable.
let connectTimeout = TimeAmount.seconds(4)

/// One client for the process, never shut down (it lives as long as the process). Decompression
/// is ours: WireCodec caps it and checks the stream trailer, which AsyncHTTPClient's would not.
///
/// Connection failures are not retried by the pool: with `retryConnectionEstablishment` on (its
/// default), AsyncHTTPClient retries a refused connection with backoff until the connect timeout
/// passes, so a laptop with no signal waited the whole timeout on every attempt. The sync
/// engine's `RetryPolicy` decides instead (see `ClientError.cannotConnect(_:)`).
private let sharedHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration(
        timeout: .init(connect: connectTimeout, read: .seconds(90)), decompression: .disabled)
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

/// The protocol over HTTP(S), with gzip both ways.
public final class HTTPTransport: SyncTransport, DeviceRevoking {
    public let baseURL: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// - Parameter baseURL: e.g. `http://127.0.0.1:8080` (a trailing slash is ignored).
    /// - Throws: `ClientError` `.badUsage` when `baseURL` is not an http:// or https:// URL with a host.
    public init(baseURL: String, timeoutSeconds: Int64 = 60) throws {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        guard let parsed = URL(string: url), let scheme = parsed.scheme,
            ["http", "https"].contains(scheme.lowercased()), parsed.host != nil
        else {
            throw ClientError(
                .badUsage,
                "'\(baseURL)' is not a server address: give one like http://127.0.0.1:8080 or https://canvass.example.org"
            )
        }
        self.baseURL = url
        client = sharedHTTPClient
        timeout = .seconds(timeoutSeconds)
    }

    func request(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, token: String?) async throws
        -> ByteBuffer
    {
        var req = HTTPClientRequest(url: baseURL + path)
        req.method = method
        req.headers.add(name: ProtocolInfo.header, value: String(ProtocolInfo.version))
        req.headers.add(name: "Accept-Encoding", value: "gzip")
        req.headers.add(name: "User-Agent", value: "canvass/\(ProtocolInfo.version)")
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            if body.readableBytes > 1024 {
                req.headers.add(name: "Content-Encoding", value: "gzip")
                req.body = .bytes(try WireCodec.compress(body, .gzip))
            } else {
                req.body = .bytes(body)
            }
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(req, timeout: timeout)
        } catch {
            throw Self.classify(error)
        }
        let raw: ByteBuffer
        do {
            raw = try await response.body.collect(upTo: ProtocolInfo.maxDecompressedBody)
        } catch {
            throw ClientError.unreachable("the answer was cut off (\(error))")
        }
        let encoding = BodyEncoding(header: response.headers.first(name: "Content-Encoding")) ?? .identity
        let plain: ByteBuffer
        do {
            plain = try WireCodec.decompress(raw, encoding)
        } catch {
            throw ClientError.unreachable("the answer could not be read (\(error))")
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let body =
                (try? WireCodec.decode(ErrorBody.self, from: plain))
                ?? ErrorBody(
                    code: "http_\(response.status.code)",
                    message: "the server answered \(response.status.code) \(response.status.reasonPhrase)")
            throw ClientError.server(status: Int(response.status.code), body: body)
        }
        return plain
    }

    /// Sorts a failed request into "no connection could be made" (refused, no route, DNS
    /// failure, no answer to the connection attempt) and "the connection broke or went silent".
    static func classify(_ error: any Error) -> ClientError {
        switch error {
        case let e as NIOConnectionError:
            // DNS failed, or every address of the host refused or could not be routed to.
            return .cannotConnect(e.description)
        case let e as HTTPClientError where e == .connectTimeout:
            return .cannotConnect(
                "no answer to the connection attempt within \(connectTimeout.nanoseconds / 1_000_000_000) s")
        case ChannelError.connectTimeout:
            return .cannotConnect(
                "no answer to the connection attempt within \(connectTimeout.nanoseconds / 1_000_000_000) s")
        case let e as IOError
        where [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL].contains(e.errnoCode):
            return .cannotConnect(e.description)
        default:
            return .unreachable("\(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        do {
            return try WireCodec.decode(T.self, from: body)
        } catch {
            throw ClientError.server(
                status: 502,
                body: ErrorBody(code: "bad_response", message: "the server's answer is not valid: \(error)"))
        }
    }

    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        try decode(
            EnrollResponse.self,
            try await self.request(.POST, "/v1/enroll", body: try WireCodec.encode(request), token: nil))
    }

    public func push(_ request: PushRequest, token: String) async throws -> PushResponse {
        try decode(
            PushResponse.self,
            try await self.request(.POST, "/v1/push", body: try WireCodec.encode(request), token: token))
    }

    public func pull(since: String?, limit: Int, token: String) async throws -> PullResponse {
        var path = "/v1/pull?limit=\(limit)"
        if let since {
            path +=
                "&since="
                + (since.addingPercentEncoding(
                    withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? since)
        }
        let body = try await request(.GET, path, body: nil, token: token)
        do {
            return try WireCodec.decodePull(body)
        } catch {
            throw ClientError.server(
                status: 502,
                body: ErrorBody(code: "bad_response", message: "the server's answer is not valid: \(error)"))
        }
    }

    /// Revokes a device: a coordinator or admin revoking any device, or a device revoking itself.
    public func revoke(_ replica: ReplicaID, token: String) async throws {
        _ = try await request(.DELETE, "/v1/devices/\(replica.rawValue)", body: nil, token: token)
    }
}
