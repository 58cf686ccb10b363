import CanvassCore
import CanvassProtocol

/// A refusal the HTTP layer turns into a status and an `ErrorBody`; also what admin commands print.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public let statusCode: Int
    public let body: ErrorBody
    /// Seconds to wait, for 429.
    public let retryAfter: Int?
    /// The methods a path does answer, for 405.
    public let allow: String?

    public init(_ status: Int, _ code: String, _ message: String, details: [Diagnostic]? = nil, retryAfter: Int? = nil, allow: String? = nil) {
        self.statusCode = status
        body = ErrorBody(code: code, message: message, details: details)
        self.retryAfter = retryAfter
        self.allow = allow
    }

    public var description: String { body.description }

    public static func badRequest(_ message: String, details: [Diagnostic]? = nil) -> ServerError {
        ServerError(400, "bad_request", message, details: details)
    }

    public static func conflict(_ message: String) -> ServerError { ServerError(409, "conflict", message) }

    public static func notFound(_ message: String) -> ServerError { ServerError(404, "not_found", message) }
}
