import CanvassCore
import CanvassStore
import Crypto
import Foundation

/// Unsubscribe links of campaign email (issue 12). A token is the person's id and an
/// HMAC-SHA256 of it under the server's `unsubscribe` secret (`ServerStorage.secret(named:)`),
/// both base64url: `ID.MAC`. Nobody can make a token for another person without the secret,
/// and the link needs no login, so a recipient unsubscribes from any mail client.
public enum UnsubscribeToken {
    /// The name of the secret that signs tokens.
    public static let secretName = "unsubscribe"

    /// The token for `person` under `key`.
    public static func make(person: String, key: [UInt8]) -> String {
        base64url(Data(person.utf8)) + "." + base64url(Data(mac(person, key: key)))
    }

    /// The person a token names, nil when it is malformed or its MAC does not verify (compared
    /// in constant time by swift-crypto).
    public static func person(in token: String, key: [UInt8]) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = data(base64url: parts[0]), let code = data(base64url: parts[1]),
            let person = String(data: id, encoding: .utf8), !person.isEmpty
        else { return nil }
        let valid = HMAC<SHA256>.isValidAuthenticationCode(
            code, authenticating: Data(message(person).utf8), using: SymmetricKey(data: key))
        return valid ? person : nil
    }

    static func mac(_ person: String, key: [UInt8]) -> HMAC<SHA256>.MAC {
        HMAC<SHA256>.authenticationCode(for: Data(message(person).utf8), using: SymmetricKey(data: key))
    }

    /// What is signed: the purpose and the id, so a MAC made for something else never passes.
    static func message(_ person: String) -> String { "canvass-unsubscribe:\(person)" }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64url text: Substring) -> Data? {
        guard !text.isEmpty, text.utf8.count <= 1024,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}

/// Makes unsubscribe links and honours them, over the server's storage.
public struct Unsubscriber: Sendable {
    public let storage: any ServerStorage
    /// Where recipients reach this server (`--public-url`), without a trailing slash.
    public let publicURL: String

    public init(storage: any ServerStorage, publicURL: String) {
        self.storage = storage
        var url = publicURL
        while url.hasSuffix("/") { url.removeLast() }
        self.publicURL = url
    }

    /// The link that unsubscribes `person`: `PUBLIC_URL/v1/unsubscribe/TOKEN`.
    public func url(person: String) async throws -> String {
        let key = try await storage.secret(named: UnsubscribeToken.secretName)
        return "\(publicURL)/v1/unsubscribe/\(UnsubscribeToken.make(person: person, key: key))"
    }

    /// Sets `do_not_email` on the token's person as the server's own write (it reaches every
    /// coordinator by sync, and `MailingRecipients` leaves them out of every later mailing).
    /// Following the link again changes nothing.
    /// - Returns: the person's id.
    /// - Throws: `ServerError.notFound` for a malformed or forged token, or a person who is gone.
    @discardableResult
    public func unsubscribe(token: String, now: Int64) async throws -> String {
        let (person, record) = try await verify(token: token)
        let contact = RecordKey("contacts", person)
        if record["do_not_email"] != .bool(true) {
            try await storage.write([LocalWrite(contact, ["do_not_email": .bool(true)])], wallclock: now)
        }
        return person
    }

    /// The person a token names and their contact, changing nothing: what a `GET` of the link
    /// checks before it shows the confirmation.
    /// - Throws: `ServerError.notFound` for a malformed or forged token, or a person who is gone.
    public func verify(token: String) async throws -> (person: String, contact: Record) {
        let key = try await storage.secret(named: UnsubscribeToken.secretName)
        let refused = ServerError.notFound(
            "this unsubscribe link is not valid; use the link of the message exactly as it came, or ask the campaign")
        guard let person = UnsubscribeToken.person(in: token, key: key) else { throw refused }
        guard let record = try await storage.record(RecordKey("contacts", person)), !record.isDeleted else {
            throw refused
        }
        return (person, record)
    }
}
