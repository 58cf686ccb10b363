import CanvassProtocol
import HTTPTypes
import Hummingbird

extension ServerError.Code {
    /// The HTTP status this code is answered with (protocol/SYNC.md, "Errors"). The only place a
    /// code meets a status.
    public var httpStatus: HTTPResponse.Status {
        switch base {
        case .badRequest, .badJSON, .badCompression, .protocolVersionMissing: return .badRequest
        case .unauthorized, .deviceRevoked, .invalidCode: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .requestTimeout: return .requestTimeout
        case .conflict: return .conflict
        case .tooLarge: return .contentTooLarge
        case .unsupportedEncoding, .unsupportedMediaType: return .unsupportedMediaType
        case .protocolVersion: return .upgradeRequired
        case .rateLimited: return .tooManyRequests
        case .internal: return .internalServerError
        }
    }
}

extension ServerError: HTTPResponseError {
    public var status: HTTPResponse.Status { code.httpStatus }

    /// The numeric HTTP status of this error's answer.
    public var statusCode: Int { status.code }

    /// The headers of this error's answer, wherever it is written (router or connection guard).
    var responseHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        switch code {
        case .protocolVersion: headers[HTTPField.Name(ProtocolInfo.supportedHeader)!] = String(ProtocolInfo.version)
        case .unauthorized, .deviceRevoked, .invalidCode: headers[.wwwAuthenticate] = "Bearer"
        case .methodNotAllowed: if let allow { headers[.allow] = allow }
        default: break
        }
        return headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: responseHeaders, body: .init(byteBuffer: try WireCodec.encode(body)))
    }
}
