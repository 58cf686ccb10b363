/// A map from replica to the highest counter seen, kept as a sorted array of entries.
///
/// An absent replica means counter 0. Small vectors (the common case: a field written by one or two
/// replicas) stay cheap to copy, compare and merge.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    public struct Entry: Hashable, Sendable {
        public let replica: ReplicaID
        public var counter: UInt64
    }

    /// Entries sorted by replica, each with counter > 0.
    public private(set) var entries: [Entry]

    public init() { entries = [] }

    public init(_ pairs: [ReplicaID: UInt64]) {
        entries = pairs.filter { $0.value > 0 }.map { Entry(replica: $0.key, counter: $0.value) }
            .sorted { $0.replica < $1.replica }
    }

    /// The vector that covers exactly the given dots' prefixes (max counter per replica).
    public init<S: Sequence>(covering dots: S) where S.Element == Dot {
        entries = []
        for d in dots { advance(d.replica, to: d.counter) }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    public var description: String {
        "{" + entries.map { "\($0.replica.rawValue):\($0.counter)" }.joined(separator: ",") + "}"
    }

    @inline(__always)
    private func index(of replica: ReplicaID) -> (found: Bool, at: Int) {
        if entries.count <= 8 {
            for i in entries.indices {
                let r = entries[i].replica
                if r == replica { return (true, i) }
                if replica < r { return (false, i) }
            }
            return (false, entries.count)
        }
        var lo = 0
        var hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let r = entries[mid].replica
            if r == replica { return (true, mid) }
            if r < replica { lo = mid + 1 } else { hi = mid }
        }
        return (false, lo)
    }

    /// The counter for `replica`, 0 when absent.
    public subscript(replica: ReplicaID) -> UInt64 {
        let (found, i) = index(of: replica)
        return found ? entries[i].counter : 0
    }

    /// Whether the dot is within this vector.
    @inline(__always)
    public func covers(_ dot: Dot) -> Bool {
        dot.counter <= self[dot.replica]
    }

    /// Raises `replica` to at least `counter`.
    public mutating func advance(_ replica: ReplicaID, to counter: UInt64) {
        guard counter > 0 else { return }
        let (found, i) = index(of: replica)
        if found {
            if entries[i].counter < counter { entries[i].counter = counter }
        } else {
            entries.insert(Entry(replica: replica, counter: counter), at: i)
        }
    }

    /// Pointwise maximum.
    public mutating func formUnion(_ other: VersionVector) {
        if other.entries.isEmpty { return }
        if entries.isEmpty {
            entries = other.entries
            return
        }
        if other.entries.count <= 2 {
            for e in other.entries { advance(e.replica, to: e.counter) }
            return
        }
        var merged: [Entry] = []
        merged.reserveCapacity(max(entries.count, other.entries.count))
        var i = 0
        var j = 0
        while i < entries.count, j < other.entries.count {
            let a = entries[i]
            let b = other.entries[j]
            if a.replica == b.replica {
                merged.append(Entry(replica: a.replica, counter: max(a.counter, b.counter)))
                i += 1
                j += 1
            } else if a.replica < b.replica {
                merged.append(a)
                i += 1
            } else {
                merged.append(b)
                j += 1
            }
        }
        merged.append(contentsOf: entries[i...])
        merged.append(contentsOf: other.entries[j...])
        entries = merged
    }

    public func union(_ other: VersionVector) -> VersionVector {
        var copy = self
        copy.formUnion(other)
        return copy
    }

    /// Whether every entry of `other` is within this vector.
    public func dominates(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { self[$0.replica] >= $0.counter }
    }

    /// Causal comparison: before, after, equal or concurrent.
    public func compare(_ other: VersionVector) -> CausalOrder {
        let geq = dominates(other)
        let leq = other.dominates(self)
        switch (geq, leq) {
        case (true, true): return .equal
        case (true, false): return .after
        case (false, true): return .before
        case (false, false): return .concurrent
        }
    }
}
