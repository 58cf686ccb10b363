import CanvassCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET` and `POST /v1/unsubscribe/{token}`: the link in every campaign email and its
/// `List-Unsubscribe` header. No protocol header and no device token: the signed token is the
/// whole credential. `GET` (someone who follows the link, or a mail scanner that fetches every
/// link) only checks the token and answers a page with a button; `POST` (that button, or a mail
/// client's one-click unsubscribe, RFC 8058) sets the person's `do_not_email`. A bad or forged
/// token gets the protocol's 404 JSON error.
struct UnsubscribeController {
    let service: SyncService
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = RouteCollection(context: CanvassRequestContext.self)
        let unsubscriber = Unsubscriber(storage: service.storage, publicURL: "")
        routes.get("/v1/unsubscribe/:token") { _, context in
            let (_, contact) = try await unsubscriber.verify(token: try context.parameters.require("token"))
            return Self.confirmation(already: contact["do_not_email"] == .bool(true))
        }
        routes.post("/v1/unsubscribe/:token") { _, context in
            try await unsubscriber.unsubscribe(token: try context.parameters.require("token"), now: clock())
            return Self.page(html: false)
        }
        return routes
    }

    static let text = "You are unsubscribed: this campaign will send you no more email."

    /// The page a `GET` answers: a button that POSTs to the same address (a form without an
    /// action), or word that it is done already.
    static func confirmation(already: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let content =
            already
            ? "<p>\(text)</p>"
            : "<p>Stop getting email from this campaign?</p>"
                + "<form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>"
        let body =
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Unsubscribe</title></head><body>"
            + content + "</body></html>\n"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func page(html: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body =
            html
            ? "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head>"
                + "<body><p>\(text)</p></body></html>\n"
            : text + "\n"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
