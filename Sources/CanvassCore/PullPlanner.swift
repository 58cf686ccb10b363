/// Where a device stands in the feed: the feed epoch, the last sequence it has, and the last
/// scope change it has confirmed (by pulling again with the checkpoint that carried it).
public struct FeedPosition: Sendable, Hashable {
    public var epoch: String
    public var seq: Int64
    public var scopeToken: Int64

    public var checkpoint: String { "\(epoch).\(seq).\(scopeToken)" }

    public init(epoch: String, seq: Int64, scopeToken: Int64) {
        self.epoch = epoch
        self.seq = seq
        self.scopeToken = scopeToken
    }

    /// Parses a checkpoint; nil when it is not one this protocol issues.
    public init?(checkpoint: String) {
        let parts = checkpoint.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].count <= 32, let seq = Int64(parts[1]), seq >= 0,
            let token = Int64(parts[2]), token >= 0
        else { return nil }
        self.init(epoch: String(parts[0]), seq: seq, scopeToken: token)
    }
}

/// What one pull page is made of (SYNC.md, "Scope tracking"), decided before any record is read.
public enum PullPlan: Sendable, Hashable {
    /// Read the feed after `after`, limited to `keys` (nil: the whole feed), found by key when
    /// limited. The checkpoint moves to the sequence the read reached.
    case feed(after: Int64, keys: Set<RecordKey>?)
    /// A scope page: send `backfill` in full and `evict` the rest, both staged under a new scope
    /// token, with the checkpoint's sequence at `seq`; `more` is true.
    case scopePage(backfill: [RecordKey], evict: [RecordKey], seq: Int64)
}

/// The pull's decisions as values, PostgresNIO style: a backend fetches the inputs, asks the
/// planner, and performs the plan.
public enum PullPlanner {
    /// Why a checkpoint is refused.
    public enum CheckpointProblem: Sendable, Hashable {
        /// Not a checkpoint this protocol issues.
        case unreadable
        /// Beyond the safe watermark of this feed epoch.
        case ahead
    }

    /// Where a pull starts, or why its checkpoint is refused.
    public enum Start: Sendable, Hashable {
        case at(FeedPosition)
        case refused(CheckpointProblem)
    }

    /// Where a pull starts: the beginning without a checkpoint, or with one of another feed epoch
    /// (a restored store); otherwise the checkpoint, which may not point past `watermark`.
    public static func position(checkpoint: String?, epoch: String, watermark: Int64) -> Start {
        let start = FeedPosition(epoch: epoch, seq: 0, scopeToken: 0)
        guard let checkpoint else { return .at(start) }
        guard let p = FeedPosition(checkpoint: checkpoint) else { return .refused(.unreadable) }
        guard p.epoch == epoch else { return .at(start) }
        guard p.seq <= watermark else { return .refused(.ahead) }
        return .at(p)
    }

    /// One page for a device at `position`, after the scope changes its checkpoint confirmed were
    /// folded into `delivered`.
    ///
    /// - Parameters:
    ///   - scope: the records the device may hold; nil for coordinators and admins, who read the
    ///     whole feed with no backfill and no evictions.
    ///   - delivered: what the device is known to hold.
    ///   - watermark: the safe watermark, read before any backfilled record is. A fresh device
    ///     (nothing delivered, at sequence 0) gets its whole scope by backfill, so its feed
    ///     starts there and does not send everything a second time.
    ///   - limit: records plus evictions on the page.
    public static func plan(
        position: FeedPosition, scope: Set<RecordKey>?, delivered: Set<RecordKey>, watermark: Int64, limit: Int
    ) -> PullPlan {
        guard let scope else { return .feed(after: position.seq, keys: nil) }
        let entering = scope.subtracting(delivered)
        let leaving = delivered.subtracting(scope)
        guard !entering.isEmpty || !leaving.isEmpty else { return .feed(after: position.seq, keys: scope) }
        let fresh = delivered.isEmpty && position.seq == 0
        let backfill = smallest(limit, of: entering)
        let evict = smallest(max(0, limit - backfill.count), of: leaving)
        return .scopePage(backfill: backfill, evict: evict, seq: fresh ? watermark : position.seq)
    }

    /// The `k` smallest keys, sorted: `keys.sorted().prefix(k)` without sorting all of them. A
    /// first sync's backfill plans thirty pages from a scope of tens of thousands of keys.
    static func smallest(_ k: Int, of keys: Set<RecordKey>) -> [RecordKey] {
        guard k > 0 else { return [] }
        var a = Array(keys)
        guard a.count > k else { return a.sorted() }
        // Quickselect: move the k smallest to the front (in any order), then sort just those.
        var lo = 0
        var hi = a.count - 1
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        while lo < hi {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            a.swapAt(lo + Int((seed >> 33) % UInt64(hi - lo + 1)), hi)
            let pivot = a[hi]
            var store = lo
            for i in lo..<hi where a[i] < pivot {
                a.swapAt(i, store)
                store += 1
            }
            a.swapAt(store, hi)
            if store == k - 1 || store == k { break }
            if store < k { lo = store + 1 } else { hi = store - 1 }
        }
        return Array(a[..<k]).sorted()
    }

    /// What confirming a scope token does (SYNC.md, "Scope tracking", step 1). A pull whose
    /// checkpoint carries `token` proves the device stored every page before the one that
    /// carried it, not that one: a client may ask for the next page while it is still storing
    /// this one (the Swift client does), and a crash then loses it. So the changes staged under
    /// earlier tokens move into the delivered set (`deliver`) or out of it (`forget`); those
    /// under `token` itself stay staged (`pending`) and count as held when the next page is
    /// planned (`holding`); later ones are dropped, because their page was lost and is planned
    /// again.
    public static func confirm(_ staged: [StagedScopeChange], upTo token: Int64) -> ScopeConfirmation {
        let earlier = staged.filter { $0.token < token }
        return ScopeConfirmation(
            deliver: earlier.filter(\.added).map(\.key).sorted(),
            forget: earlier.filter { !$0.added }.map(\.key).sorted(),
            pending: staged.filter { $0.token == token }.sorted {
                ($0.key, $0.added ? 1 : 0) < ($1.key, $1.added ? 1 : 0)
            },
            writes: staged.contains { $0.token != token })
    }
}

/// A record sent to (`added`) or evicted from a device on the scope page of `token`, not yet
/// confirmed by the device.
public struct StagedScopeChange: Sendable, Hashable {
    public let token: Int64
    public let key: RecordKey
    public let added: Bool

    public init(token: Int64, key: RecordKey, added: Bool) {
        self.token = token
        self.key = key
        self.added = added
    }
}

/// How a confirmation changes the delivered set: add `deliver`, then remove `forget`; and the
/// changes that stay staged under the confirmed token.
public struct ScopeConfirmation: Sendable, Hashable {
    public let deliver: [RecordKey]
    public let forget: [RecordKey]
    /// Changes staged under the confirmed token: kept staged, counted as held for planning.
    public let pending: [StagedScopeChange]
    /// Whether the store must write: some staged change is under another token (moved or dropped).
    public let writes: Bool

    public init(deliver: [RecordKey], forget: [RecordKey], pending: [StagedScopeChange] = [], writes: Bool? = nil) {
        self.deliver = deliver
        self.forget = forget
        self.pending = pending
        self.writes = writes ?? !(deliver.isEmpty && forget.isEmpty)
    }

    /// What a device holds for planning its next page: `delivered` with this confirmation
    /// applied, and the changes still staged under the confirmed token.
    public func holding(_ delivered: Set<RecordKey>) -> Set<RecordKey> {
        var held = delivered.union(deliver).subtracting(forget)
        for change in pending {
            if change.added { held.insert(change.key) } else { held.remove(change.key) }
        }
        return held
    }
}
