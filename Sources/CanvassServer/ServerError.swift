import CanvassCore
import CanvassProtocol

/// Why the server refused or failed a request, or an admin command: a stable ``Code`` (the
/// protocol's JSON error code), a message that says what to do, and the diagnostics behind it.
/// The HTTP layer alone turns a code into a status (`ServerError+HTTP.swift`); the admin command
/// line prints the message.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as the protocol's error table names it (protocol/SYNC.md, "Errors").
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, CaseIterable {
            case badRequest = "bad_request"
            case badJSON = "bad_json"
            case badCompression = "bad_compression"
            case protocolVersionMissing = "protocol_version_missing"
            case unauthorized
            case deviceRevoked = "device_revoked"
            case invalidCode = "invalid_code"
            case forbidden
            case notFound = "not_found"
            case methodNotAllowed = "method_not_allowed"
            case requestTimeout = "request_timeout"
            case conflict
            case tooLarge = "too_large"
            case unsupportedEncoding = "unsupported_encoding"
            case unsupportedMediaType = "unsupported_media_type"
            case protocolVersion = "protocol_version"
            case rateLimited = "rate_limited"
            case `internal`
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The body has the wrong shape, a parameter is bad, or the request is not valid HTTP/1.1.
        public static let badRequest = Code(.badRequest)
        /// The body is not valid JSON.
        public static let badJSON = Code(.badJSON)
        /// The compressed body is corrupt.
        public static let badCompression = Code(.badCompression)
        /// The `Canvass-Protocol` header is absent.
        public static let protocolVersionMissing = Code(.protocolVersionMissing)
        /// The device token is missing, unknown or expired.
        public static let unauthorized = Code(.unauthorized)
        /// The device was revoked.
        public static let deviceRevoked = Code(.deviceRevoked)
        /// The enrollment code is wrong, used or expired.
        public static let invalidCode = Code(.invalidCode)
        /// The role may not do this.
        public static let forbidden = Code(.forbidden)
        /// Unknown path or resource.
        public static let notFound = Code(.notFound)
        /// The path exists, but not with this method.
        public static let methodNotAllowed = Code(.methodNotAllowed)
        /// The request did not arrive within the read timeout.
        public static let requestTimeout = Code(.requestTimeout)
        /// The thing to create exists already (admin commands).
        public static let conflict = Code(.conflict)
        /// A body or a page over the protocol's limits.
        public static let tooLarge = Code(.tooLarge)
        /// A `Content-Encoding` other than gzip, deflate or identity.
        public static let unsupportedEncoding = Code(.unsupportedEncoding)
        /// A request body that is not `application/json`.
        public static let unsupportedMediaType = Code(.unsupportedMediaType)
        /// A protocol version this server does not speak.
        public static let protocolVersion = Code(.protocolVersion)
        /// Too many attempts; wait `retryAfter` seconds.
        public static let rateLimited = Code(.rateLimited)
        /// A server fault; nothing was applied.
        public static let `internal` = Code(.internal)

        /// The code as it appears on the wire, e.g. `bad_request`.
        public var description: String { base.rawValue }

        /// The code for a wire code; nil for one this server never sends.
        public init?(wire: String) {
            guard let base = Base(rawValue: wire) else { return nil }
            self.base = base
        }
    }

    public let code: Code
    public let message: String
    /// Every problem behind the error, each with its location.
    public let details: [Diagnostic]?
    /// Seconds to wait, for `rateLimited`.
    public let retryAfter: Int?
    /// The methods a path does answer, for `methodNotAllowed`.
    public let allow: String?

    public init(
        _ code: Code, _ message: String, details: [Diagnostic]? = nil, retryAfter: Int? = nil, allow: String? = nil
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.retryAfter = retryAfter
        self.allow = allow
    }

    /// The protocol's JSON error body for this error.
    public var body: ErrorBody { ErrorBody(code: code.description, message: message, details: details) }

    public var description: String { body.description }

    public static func badRequest(_ message: String, details: [Diagnostic]? = nil) -> ServerError {
        ServerError(.badRequest, message, details: details)
    }

    public static func conflict(_ message: String) -> ServerError { ServerError(.conflict, message) }

    public static func notFound(_ message: String) -> ServerError { ServerError(.notFound, message) }
}
