/// Door checkout on shared walk lists (SYNC.md, "Door checkout"): when a walk list is assigned to
/// two or more users, each device that syncs holds a batch of the list's doors (households) that
/// no other device holds, for a period that lasts while it is offline.
///
/// A checkout is advice, never a lock: any canvasser on the list may still record any door, and
/// such a record is history like any other (no push is refused for it).

/// One door held by one device until `expiresAt`.
public struct Checkout: Sendable, Hashable {
    public let householdID: String
    public let replica: ReplicaID
    /// Milliseconds since 1970; the door is free again at this instant.
    public let expiresAt: Int64

    public init(householdID: String, replica: ReplicaID, expiresAt: Int64) {
        self.householdID = householdID
        self.replica = replica
        self.expiresAt = expiresAt
    }
}

/// How many doors a device holds and for how long (the server's `--checkout-batch` and
/// `--checkout-hours`).
public struct CheckoutPolicy: Sendable, Hashable {
    /// Doors per device, at least 1.
    public let batchSize: Int
    /// How long a batch is held after the sync that checked it out.
    public let holdMillis: Int64

    public static let hour: Int64 = 3_600_000

    public init(batchSize: Int = 30, holdMillis: Int64 = 4 * CheckoutPolicy.hour) {
        self.batchSize = max(1, batchSize)
        self.holdMillis = max(1, holdMillis)
    }
}

/// The allocation rule, pure and deterministic: the server gives it the list as it stands and
/// stores what it returns.
public enum CheckoutAllocator {
    /// Whether a list's doors are checked out: a walk list (`kind` walk, or none given) assigned
    /// to two or more users. A list worked by one person, or a call list, has no checkouts.
    public static func applies(kind: String?, sharedBy: Int) -> Bool {
        (kind ?? "walk") == "walk" && sharedBy >= 2
    }

    /// The checkouts of one walk list after `device` syncs.
    ///
    /// 1. A list assigned to fewer than two users is worked by one person: it has no checkouts
    ///    (`applies`).
    /// 2. A checkout ends when its period is over (`expiresAt <= now`), when its door is done
    ///    (`Canvassing.isDoorDone`, as synced), when the door left the list, or when its device
    ///    may no longer hold it (revoked, or its user lost the list: not in `holders`).
    /// 3. The syncing device keeps the doors it still holds, and its hold is renewed to
    ///    `now + holdMillis`: a device that keeps syncing keeps its doors.
    /// 4. It is topped up to `batchSize` with free doors in walk order: not done, not held by
    ///    another device, and not `waiting` (nobody there to knock until a recontact interval
    ///    passes). Other devices' checkouts are left as they are.
    ///
    /// - Parameters:
    ///   - doors: the list's households in walk order.
    ///   - done: doors that are done.
    ///   - waiting: doors not done where nobody is to be knocked now.
    ///   - current: the list's checkouts as stored.
    ///   - sharedBy: how many users the list is assigned to.
    ///   - holders: the devices that may hold the list's doors (live devices of its users).
    /// - Returns: every checkout of the list, in walk order.
    public static func allocate(
        doors: [String], done: Set<String>, waiting: Set<String> = [], current: [Checkout], sharedBy: Int,
        holders: Set<ReplicaID>, device: ReplicaID, now: Int64, policy: CheckoutPolicy = CheckoutPolicy()
    ) -> [Checkout] {
        guard applies(kind: nil, sharedBy: sharedBy) else { return [] }
        var position: [String: Int] = [:]
        for (i, d) in doors.enumerated() where position[d] == nil { position[d] = i }
        var held: [String: Checkout] = [:]
        for c in current.sorted(by: { ($0.expiresAt, $0.replica) < ($1.expiresAt, $1.replica) })
        where c.expiresAt > now && position[c.householdID] != nil && !done.contains(c.householdID)
            && holders.contains(c.replica)
        {
            // One holder per door; should a store ever hold two, the later hold wins.
            held[c.householdID] = c
        }
        let expires = now + policy.holdMillis
        var mine = held.values.filter { $0.replica == device }.map(\.householdID).sorted {
            position[$0]! < position[$1]!
        }
        // A device that may not hold the list's doors has none left (filtered above) and gets none.
        for d in doors where holders.contains(device) && mine.count < policy.batchSize {
            if held[d] == nil && !done.contains(d) && !waiting.contains(d) && !mine.contains(d) { mine.append(d) }
        }
        for d in mine.prefix(policy.batchSize) {
            held[d] = Checkout(householdID: d, replica: device, expiresAt: expires)
        }
        for d in mine.dropFirst(policy.batchSize) { held[d] = nil }
        return held.values.sorted { position[$0.householdID]! < position[$1.householdID]! }
    }

    /// `allocate` over a walk list as the walk view builds it: its stops with a household, in walk
    /// order; done when the stop is (`WalkStop.done`), waiting when it is not done but nobody is
    /// to be knocked now. Every server backend calls this one.
    public static func allocate(
        stops: [WalkStop], current: [Checkout], sharedBy: Int, holders: Set<ReplicaID>, device: ReplicaID, now: Int64,
        policy: CheckoutPolicy
    ) -> [Checkout] {
        let stops = stops.filter { !$0.householdID.isEmpty }
        return allocate(
            doors: stops.map(\.householdID), done: Set(stops.filter(\.done).map(\.householdID)),
            waiting: Set(stops.filter { !$0.done && $0.toDo(now: now).isEmpty }.map(\.householdID)),
            current: current, sharedBy: sharedBy, holders: holders, device: device, now: now, policy: policy)
    }
}

/// Whose a door is, as a device sees it: its own batch, or another device's.
public enum DoorHold: String, Sendable, Hashable, Codable {
    case mine, taken
}

/// A checkout as the server tells a device about it (the `checkouts` of a pull page) and as the
/// device keeps it: the list, the door, until when, and whether this device holds it.
public struct ListCheckout: Sendable, Hashable, Codable {
    public let listID: String
    public let householdID: String
    public let expiresAt: Int64
    public let mine: Bool

    public init(listID: String, householdID: String, expiresAt: Int64, mine: Bool) {
        self.listID = listID
        self.householdID = householdID
        self.expiresAt = expiresAt
        self.mine = mine
    }

    enum CodingKeys: String, CodingKey {
        case listID = "list_id"
        case householdID = "household_id"
        case expiresAt = "expires_at"
        case mine
    }

    /// The checkouts of one list as `device` is told about them.
    public static func view(list: String, _ checkouts: [Checkout], for device: ReplicaID) -> [ListCheckout] {
        checkouts.map {
            ListCheckout(listID: list, householdID: $0.householdID, expiresAt: $0.expiresAt, mine: $0.replica == device)
        }
    }

    /// Whose the door is at `now`; nil once the hold is over (the door is free).
    public func hold(now: Int64) -> DoorHold? {
        expiresAt > now ? (mine ? .mine : .taken) : nil
    }

    /// Whose each door of `list` is at `now`, by household id; free doors are absent.
    public static func holds(_ checkouts: [ListCheckout], list: String, now: Int64) -> [String: DoorHold] {
        var out: [String: DoorHold] = [:]
        for c in checkouts where c.listID == list {
            if let h = c.hold(now: now) { out[c.householdID] = h }
        }
        return out
    }

    /// The order a shift visits doors in: this device's batch first, then free doors, then doors
    /// another device holds; walk order within each (a stable partition of `doors`).
    public static func visitOrder<T>(_ doors: [T], hold: (T) -> DoorHold?) -> [T] {
        let rank: (DoorHold?) -> Int = { h in h == .mine ? 0 : h == nil ? 1 : 2 }
        return doors.enumerated().sorted { (rank(hold($0.element)), $0.offset) < (rank(hold($1.element)), $1.offset) }
            .map(\.element)
    }
}
