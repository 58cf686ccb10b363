import CanvassCore
import CanvassFixtures

/// A network of in-memory replicas exchanging deltas with drops, duplicates and reordering, plus a
/// ledger of every write so tests can prove that none was lost.
public struct Simulation {
    public struct Write: Hashable {
        public let key: RecordKey
        public let field: String
        public let dot: Dot
        /// The context the write shipped with: everything it overwrote.
        public let context: VersionVector
    }

    struct Message {
        let to: Int
        let change: ChangeSet
    }

    public private(set) var replicas: [ReplicaState]
    public private(set) var writes: [Write] = []
    public private(set) var log: [String] = []
    private var inFlight: [Message] = []
    private var rng: SplitMix64
    private var clock: Int64 = 1_000
    public let keys: [RecordKey]
    public let fields: [String]

    public init(replicas: Int, records: Int, fields: Int, seed: UInt64) {
        self.replicas = (0..<replicas).map { ReplicaState(id: ReplicaID("r\($0)")) }
        self.keys = (0..<records).map { RecordKey("contacts", "p\($0)") }
        self.fields = (0..<fields).map { "f\($0)" }
        rng = SplitMix64(seed: seed)
    }

    /// One random step: a write, a delete, a delivery (possibly dropped for a later retry, or
    /// duplicated), or a full-state exchange between two replicas.
    public mutating func step() {
        clock += Int64(rng.int(in: -50...200))  // wall clocks drift and go backwards
        let roll = rng.below(100)
        if roll < 35 {
            let r = rng.below(replicas.count)
            let key = rng.pick(keys)
            var values: [String: Value] = [:]
            for f in fields where rng.chance(50) { values[f] = .string("\(replicas[r].id)-\(rng.below(4))") }
            if values.isEmpty { values[fields[0]] = .int(Int64(rng.below(3))) }
            let delta = replicas[r].write(key, values, wallclock: clock)
            record(delta)
            broadcast(from: r, delta)
            log.append("write \(replicas[r].id) \(key) \(values.keys.sorted())")
        } else if roll < 38 {
            let r = rng.below(replicas.count)
            let key = rng.pick(keys)
            let delta = replicas[r].delete(key, wallclock: clock)
            record(delta)
            broadcast(from: r, delta)
            log.append("delete \(replicas[r].id) \(key)")
        } else if roll < 92 {
            deliverOne()
        } else {
            let a = rng.below(replicas.count)
            let b = rng.below(replicas.count)
            replicas[b].apply(replicas[a].fullState)
            log.append("full \(a)->\(b)")
        }
    }

    private mutating func record(_ delta: Record) {
        for (field, reg) in delta.fields {
            for s in reg.siblings {
                writes.append(Write(key: delta.key, field: field, dot: s.dot, context: reg.context))
            }
        }
    }

    private mutating func broadcast(from r: Int, _ delta: Record) {
        for to in replicas.indices where to != r {
            inFlight.append(Message(to: to, change: ChangeSet(records: [delta])))
        }
    }

    private mutating func deliverOne() {
        guard !inFlight.isEmpty else { return }
        let i = rng.below(inFlight.count)
        let m = inFlight[i]
        let fate = rng.below(10)
        if fate == 0 {
            // Dropped: retried later.
            inFlight.remove(at: i)
            inFlight.append(m)
            return
        }
        replicas[m.to].apply(m.change)
        if fate != 1 { inFlight.remove(at: i) }  // fate 1: a duplicate stays queued
    }

    /// Delivers everything still in flight in random order, then has every replica exchange its
    /// full state with replica 0 and back.
    public mutating func finish() {
        while !inFlight.isEmpty {
            let i = rng.below(inFlight.count)
            let m = inFlight.remove(at: i)
            replicas[m.to].apply(m.change)
        }
        for r in replicas.indices.dropFirst() { replicas[0].apply(replicas[r].fullState) }
        for r in replicas.indices.dropFirst() { replicas[r].apply(replicas[0].fullState) }
    }

    struct WriteID: Hashable {
        let key: RecordKey
        let field: String
        let dot: Dot
    }

    /// The context each write shipped with. One dot may write several fields, each with its own context.
    private var contexts: [WriteID: VersionVector] {
        var out: [WriteID: VersionVector] = [:]
        for w in writes { out[WriteID(key: w.key, field: w.field, dot: w.dot)] = w.context }
        return out
    }

    /// Writes that are neither held as a sibling nor covered by a causally later write that is.
    public func lostWrites() -> [Write] {
        let state = replicas[0]
        let contextOf = contexts
        return writes.filter { w in
            guard let reg = state[w.key]?.fields[w.field] else { return true }
            if reg.holds(w.dot) { return false }
            return !reg.siblings.contains { s in
                s.dot != w.dot && (contextOf[WriteID(key: w.key, field: w.field, dot: s.dot)]?.covers(w.dot) ?? false)
            }
        }
    }

    /// Siblings that one of their fellow siblings causally overwrote: a merge that kept them is wrong.
    public func overwrittenKept() -> [(RecordKey, String, Dot)] {
        let contextOf = contexts
        var out: [(RecordKey, String, Dot)] = []
        for (key, record) in replicas[0].records {
            for (field, reg) in record.fields {
                for s in reg.siblings
                where reg.siblings.contains(where: { o in
                    o.dot != s.dot && (contextOf[WriteID(key: key, field: field, dot: o.dot)]?.covers(s.dot) ?? false)
                }) {
                    out.append((key, field, s.dot))
                }
            }
        }
        return out
    }
}
