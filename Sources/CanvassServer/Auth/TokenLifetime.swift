import CanvassCore

/// How long a device token lives: it expires after a number of days without use (a sliding
/// window), so a laptop left in a drawer stops being a way in, while one in daily use never has
/// to log in again. Pure: the server and the admin listing both ask it.
public struct TokenLifetime: Sendable, Equatable {
    /// Days without use after which a token stops working; nil means tokens never expire.
    public let idleDays: Int?
    /// The server records a device's use at most this often, so that not every request writes.
    public let touchGranularityMillis: Int64

    public static let day: Int64 = 86_400_000
    public static let hour: Int64 = 3_600_000

    /// - Parameter idleDays: 0 means never expire.
    public init(idleDays: Int = 30, touchGranularityMillis: Int64 = TokenLifetime.hour) {
        self.idleDays = idleDays > 0 ? idleDays : nil
        self.touchGranularityMillis = touchGranularityMillis
    }

    /// When a device was last known to use its token: its recorded last use, else its enrollment.
    public static func lastUse(lastSeen: Int64?, createdAt: Int64) -> Int64 { max(lastSeen ?? createdAt, createdAt) }

    /// Whether a token last used at `lastUse` has expired at `now`. The recorded use may be up to
    /// one granularity old, so the token lives that much longer rather than less than promised.
    public func isExpired(lastUse: Int64, now: Int64) -> Bool {
        guard let idleDays else { return false }
        return now - lastUse > Int64(idleDays) * Self.day + touchGranularityMillis
    }

    /// Whether a use at `now` should be written down: only when the recorded one is older than the
    /// granularity.
    public func needsTouch(lastSeen: Int64?, now: Int64) -> Bool {
        guard let lastSeen else { return true }
        return now - lastSeen >= touchGranularityMillis
    }
}

extension Device {
    /// Whether this device's token has expired at `now` under `lifetime`.
    public func isExpired(_ lifetime: TokenLifetime, now: Int64) -> Bool {
        lifetime.isExpired(lastUse: TokenLifetime.lastUse(lastSeen: lastSeen, createdAt: createdAt), now: now)
    }

    /// `revoked`, `expired` or `active`, as the admin listing shows it.
    public func status(_ lifetime: TokenLifetime, now: Int64) -> String {
        revokedAt != nil ? "revoked" : isExpired(lifetime, now: now) ? "expired" : "active"
    }
}
