import CanvassCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET` and `POST /v1/unsubscribe/{token}`: the link in every campaign email and its
/// `List-Unsubscribe` header (a mail client's one-click unsubscribe POSTs, RFC 8058). No
/// protocol header and no device token: the signed token is the whole credential. It sets the
/// person's `do_not_email` and answers a short page; a bad or forged token gets the protocol's
/// 404 JSON error.
struct UnsubscribeController {
    let service: SyncService
    let clock: @Sendable () -> Int64

    var endpoints: RouteCollection<CanvassRequestContext> {
        let routes = RouteCollection(context: CanvassRequestContext.self)
        let unsubscriber = Unsubscriber(storage: service.storage, publicURL: "")
        routes.get("/v1/unsubscribe/:token") { _, context in
            try await unsubscriber.unsubscribe(token: try context.parameters.require("token"), now: clock())
            return Self.page(html: true)
        }
        routes.post("/v1/unsubscribe/:token") { _, context in
            try await unsubscriber.unsubscribe(token: try context.parameters.require("token"), now: clock())
            return Self.page(html: false)
        }
        return routes
    }

    static let text = "You are unsubscribed: this campaign will send you no more email."

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
