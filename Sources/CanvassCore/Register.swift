/// One value written at a dot, with the writer's wall clock (milliseconds since 1970).
///
/// The wall clock only picks the display value among concurrent siblings; causality never reads it.
public struct Sibling: Hashable, Sendable {
    public let dot: Dot
    public let wallclock: Int64
    public let value: Value

    public init(dot: Dot, wallclock: Int64, value: Value) {
        self.dot = dot
        self.wallclock = wallclock
        self.value = value
    }

    /// Order for the display value: greatest (wallclock, replica, counter) wins.
    @inlinable
    public func displaysBefore(_ other: Sibling) -> Bool {
        if wallclock != other.wallclock { return wallclock < other.wallclock }
        return dot < other.dot
    }

    /// Deterministic pick between two siblings that claim the same dot (only forged or corrupt input
    /// can produce that); keeps merge commutative even then.
    @usableFromInline
    static func tieBreak(_ a: Sibling, _ b: Sibling) -> Sibling {
        if a.wallclock != b.wallclock { return a.wallclock > b.wallclock ? a : b }
        return b.value < a.value ? a : b
    }
}

/// A multi-value register: the concurrent siblings of one field plus the context of dots it has seen.
///
/// The context is a version vector rather than a dot set. That is exact for one register because
/// a replica's writes to the same register are sequential: its write at counter n replaced
/// (covered) whatever it held from its own earlier writes, so "seen (r, n)" implies "seen or
/// superseded every (r, m ≤ n)" for this register. See protocol/SYNC.md, "Registers".
public struct Register: Hashable, Sendable {
    /// Siblings sorted by dot; all distinct dots; all covered by `context`.
    public private(set) var siblings: [Sibling]
    public private(set) var context: VersionVector

    public init() {
        siblings = []
        context = VersionVector()
    }

    /// A register from parts. The context is widened to cover the siblings and the siblings are
    /// sorted and de-duplicated, so any input yields a well-formed register.
    public init(siblings: [Sibling], context: VersionVector? = nil) {
        if siblings.count == 1 {
            let s = siblings[0]
            var ctx = context ?? VersionVector()
            ctx.advance(s.dot.replica, to: s.dot.counter)
            self.siblings = siblings
            self.context = ctx
            return
        }
        var ctx = context ?? VersionVector()
        var byDot: [Dot: Sibling] = [:]
        for s in siblings {
            ctx.advance(s.dot.replica, to: s.dot.counter)
            if let existing = byDot[s.dot] {
                byDot[s.dot] = Sibling.tieBreak(existing, s)
            } else {
                byDot[s.dot] = s
            }
        }
        self.siblings = byDot.values.sorted { $0.dot < $1.dot }
        self.context = ctx
    }

    /// The register a write produces as a delta: one sibling, a context of what it replaced.
    public static func delta(writing value: Value, at dot: Dot, wallclock: Int64, over replaced: Register) -> Register {
        var ctx = replaced.context
        ctx.advance(dot.replica, to: dot.counter)
        var r = Register()
        r.siblings = [Sibling(dot: dot, wallclock: wallclock, value: value)]
        r.context = ctx
        return r
    }

    public var isEmpty: Bool { siblings.isEmpty && context.isEmpty }

    /// One sibling and a context of exactly its dot: a field written once, never overwritten.
    public var isSingleWrite: Bool {
        guard siblings.count == 1, context.entries.count == 1 else { return false }
        let e = context.entries[0]
        return e.replica == siblings[0].dot.replica && e.counter == siblings[0].dot.counter
    }

    /// Two or more concurrent siblings with different values. Concurrent writes of the same value
    /// (two canvassers fixing a phone number the same way) are kept as siblings but agree, so they
    /// are not listed as a conflict.
    public var isConflict: Bool {
        guard let first = siblings.first, siblings.count > 1 else { return false }
        return siblings.dropFirst().contains { $0.value != first.value }
    }

    /// The sibling shown to readers: greatest (wallclock, replica, counter).
    public var displaySibling: Sibling? {
        guard var best = siblings.first else { return nil }
        for s in siblings.dropFirst() where best.displaysBefore(s) { best = s }
        return best
    }

    public var displayValue: Value? { displaySibling?.value }

    /// Siblings in display order, winner first.
    public var siblingsByDisplay: [Sibling] {
        siblings.sorted { $1.displaysBefore($0) }
    }

    @inline(__always)
    private func siblingIndex(_ dot: Dot) -> Int? {
        if siblings.count <= 8 {
            return siblings.firstIndex { $0.dot == dot }
        }
        var lo = 0
        var hi = siblings.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let d = siblings[mid].dot
            if d == dot { return mid }
            if d < dot { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Whether the register holds a sibling with this dot.
    public func holds(_ dot: Dot) -> Bool { siblingIndex(dot) != nil }

    /// Local write: replaces every sibling with one new sibling and returns the delta to ship.
    @discardableResult
    public mutating func write(_ value: Value, at dot: Dot, wallclock: Int64) -> Register {
        let d = Register.delta(writing: value, at: dot, wallclock: wallclock, over: self)
        self = d
        return d
    }

    /// The optimized MV-register join. Keeps each sibling of `self` that `other` also holds or whose
    /// dot `other` has not seen, and each sibling of `other` that `self` has not seen; the context
    /// becomes the union. Commutative, associative, idempotent.
    public mutating func merge(_ other: Register) {
        if other.isEmpty { return }
        if isEmpty {
            self = other
            return
        }
        let oldContext = context
        // Drop what the other side has seen and no longer holds: it was overwritten there.
        if !siblings.isEmpty {
            siblings.removeAll { s in other.context.covers(s.dot) && !other.holds(s.dot) }
        }
        for s in other.siblings {
            if let i = siblingIndex(s.dot) {
                if siblings[i] != s { siblings[i] = Sibling.tieBreak(siblings[i], s) }
            } else if !oldContext.covers(s.dot) {
                insertSorted(s)
            }
        }
        context.formUnion(other.context)
    }

    public func merging(_ other: Register) -> Register {
        var copy = self
        copy.merge(other)
        return copy
    }

    private mutating func insertSorted(_ s: Sibling) {
        var i = siblings.count
        while i > 0, s.dot < siblings[i - 1].dot { i -= 1 }
        siblings.insert(s, at: i)
    }
}
