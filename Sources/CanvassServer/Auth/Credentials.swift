import Crypto
import Foundation

/// Secrets the server hands out — one-time enrollment codes and device tokens — and how they are
/// stored: only as SHA-256 hashes, so a copy of the database lets nobody log in.
public enum Credentials {
    /// Letters and digits that cannot be misread aloud or on paper (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
    static let codeAlphabet = Array("ACDEFGHJKMNPQRTUVWXY34679")
    static let idAlphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")

    /// A one-time code like `KXQ7-M4TC`: 8 symbols of a 25-letter alphabet, about 37 bits; with
    /// rate limiting and a 72-hour life, guessing one is out of reach.
    public static func newCode() -> String {
        var g = SystemRandomNumberGenerator()
        let s = String((0..<8).map { _ in codeAlphabet.randomElement(using: &g)! })
        return s.prefix(4) + "-" + s.suffix(4)
    }

    /// A device token: 256 random bits, base64url.
    public static func newToken() -> String {
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    /// Random lowercase id characters (replica and user ids).
    public static func randomID(length: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in idAlphabet.randomElement(using: &g)! })
    }

    /// Codes are compared without dashes, spaces or case, the way people type them.
    public static func normalizeCode(_ code: String) -> String {
        String(code.uppercased().filter { $0.isLetter || $0.isNumber })
    }

    /// SHA-256 in lowercase hex. Every authenticated request hashes its token: the hex is written
    /// directly (32 `String(format:)` calls cost more than the hash).
    public static func hash(_ secret: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// Limits how fast failed enrollments may be tried, per client address and overall.
///
/// Check and count are one step: an attempt reserves a failure slot before the code is looked up
/// (an `await`), and gives it back when the code turns out right. So concurrent guesses cannot
/// all pass the check before any of them is counted.
public final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String: [Int64]] = [:]
    private var global: [Int64] = []
    public let perClient: Int
    public let overall: Int
    public let window: Int64

    /// A failure slot held by one attempt until it is known to have failed (kept) or not (refunded).
    public struct Attempt: Sendable {
        let client: String
        let at: Int64
    }

    /// The answer to a reservation: a slot, or how long until one frees up.
    public enum Reservation: Sendable {
        case granted(Attempt)
        case limited(retryAfterMillis: Int64)
    }

    /// - Parameters:
    ///   - perClient: failed attempts one address may make per window.
    ///   - overall: failed attempts everyone together may make per window (a distributed guess).
    public init(perClient: Int = 10, overall: Int = 200, windowMillis: Int64 = 60_000) {
        self.perClient = perClient
        self.overall = overall
        self.window = windowMillis
    }

    /// Reserves a failure slot for one attempt: `.granted` with the slot, or `.limited` with the
    /// milliseconds to wait when the client (or everyone together) has used up the window.
    public func reserve(client: String, now: Int64) -> Reservation {
        lock.withLock {
            let mine = (failures[client] ?? []).filter { $0 > now - window }
            global = global.filter { $0 > now - window }
            if mine.count >= perClient {
                failures[client] = mine
                return .limited(retryAfterMillis: mine[0] + window - now)
            }
            if global.count >= overall {
                failures[client] = mine.isEmpty ? nil : mine
                return .limited(retryAfterMillis: global[0] + window - now)
            }
            failures[client] = mine + [now]
            global.append(now)
            return .granted(Attempt(client: client, at: now))
        }
    }

    /// Gives a slot back: the attempt did not fail (right code, or the server could not tell).
    public func refund(_ attempt: Attempt) {
        lock.withLock {
            if var mine = failures[attempt.client], let i = mine.lastIndex(of: attempt.at) {
                mine.remove(at: i)
                failures[attempt.client] = mine.isEmpty ? nil : mine
            }
            if let i = global.lastIndex(of: attempt.at) { global.remove(at: i) }
        }
    }
}

/// The answer of a `RateLimiter` with no slot left.
