/// A set of dots: a version vector (the contiguous prefixes) plus a cloud of dots received out of
/// order. Inserting the dot that fills a gap folds the cloud back into the vector.
public struct CausalContext: Hashable, Sendable, CustomStringConvertible {
    public private(set) var vector: VersionVector
    /// Dots beyond the vector's contiguous prefix. Never contains a dot the vector covers.
    public private(set) var cloud: Set<Dot>

    public init(vector: VersionVector = VersionVector(), cloud: Set<Dot> = []) {
        self.vector = vector
        self.cloud = []
        for d in cloud { insert(d) }
    }

    public var description: String {
        "\(vector)+[" + cloud.sorted().map(\.description).joined(separator: ",") + "]"
    }

    public var isCompact: Bool { cloud.isEmpty }

    public func contains(_ dot: Dot) -> Bool {
        vector.covers(dot) || cloud.contains(dot)
    }

    /// Adds one dot, compacting the cloud when the dot fills a gap.
    public mutating func insert(_ dot: Dot) {
        if vector.covers(dot) { return }
        if dot.counter == vector[dot.replica] + 1 {
            vector.advance(dot.replica, to: dot.counter)
            compact(dot.replica)
        } else {
            cloud.insert(dot)
        }
    }

    /// Set union of two contexts.
    public mutating func formUnion(_ other: CausalContext) {
        let touched = Set(other.vector.entries.map(\.replica)).union(cloud.map(\.replica))
        vector.formUnion(other.vector)
        var pending = cloud.union(other.cloud)
        pending = pending.filter { !vector.covers($0) }
        cloud = []
        for d in pending.sorted() { insert(d) }
        for r in touched { compact(r) }
    }

    public func union(_ other: CausalContext) -> CausalContext {
        var copy = self
        copy.formUnion(other)
        return copy
    }

    private mutating func compact(_ replica: ReplicaID) {
        if cloud.isEmpty { return }
        var next = vector[replica] + 1
        while cloud.remove(Dot(replica, next)) != nil {
            vector.advance(replica, to: next)
            next += 1
        }
        cloud = cloud.filter { !vector.covers($0) }
    }
}
