import CanvassCore

/// 200 canvassers × 300 knocks × 9 fields = 540,000 field writes merged into one state.
///
/// Each canvasser's turf overlaps the next one's by half, so half the doors are knocked twice
/// concurrently and their registers end with two siblings: a merge with real conflicts, not just
/// inserts into empty registers.
struct MergeScenario: Scenario {
    static let name = "merge"
    static let summary = "200 replicas × 300 knocks × 9 fields merged into one in-memory state"
    static let fields = [
        "result", "support", "volunteer", "yard_sign", "top_issue", "note", "knocked_at", "canvasser", "follow_up",
    ]

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let canvassers = 200
        let knocks = 300
        progress("building \(canvassers * knocks * Self.fields.count) field writes")
        var deltas: [ChangeSet] = []
        for c in 0..<canvassers {
            var replica = ReplicaState(id: ReplicaID("canvasser\(c)"))
            var records: [Record] = []
            records.reserveCapacity(knocks)
            for k in 0..<knocks {
                let door = (c * knocks / 2 + k) % (canvassers * knocks / 2)
                var values: [String: Value] = [:]
                for (i, f) in Self.fields.enumerated() {
                    values[f] = i == 6 ? .int(Int64(1_700_000_000_000 + k)) : .string("\(f)-\((k + c) % 5)")
                }
                records.append(
                    replica.write(
                        RecordKey("doors", "d\(door)"), values, wallclock: Int64(1_700_000_000_000 + c * 1000 + k)))
            }
            deltas.append(ChangeSet(records: records))
        }
        let writes = deltas.reduce(0) { $0 + $1.fieldCount }
        progress("merging")
        let (best, median, state) = measure(repeats: repeats) { () -> ReplicaState in
            var state = ReplicaState(id: ReplicaID("server"))
            for cs in deltas { state.apply(cs) }
            return state
        }
        let siblings = state.records.values.reduce(0) { $0 + $1.fields.values.reduce(0) { $0 + $1.siblings.count } }
        let rate = Double(writes) / best
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "field writes", value: Double(writes), unit: "writes", target: nil, met: nil),
                Figure(name: "best time", value: best * 1000, unit: "ms", target: nil, met: nil),
                Figure(name: "median time", value: median * 1000, unit: "ms", target: nil, met: nil),
                Figure(
                    name: "merge rate (best)", value: rate, unit: "field merges/s", target: "≥ 1000000",
                    met: rate >= 1_000_000),
                Figure(
                    name: "merge rate (median)", value: Double(writes) / median, unit: "field merges/s", target: nil,
                    met: nil),
                Figure(name: "peak RSS", value: peakRSSMiB(), unit: "MiB", target: nil, met: nil),
            ],
            notes: [
                "\(state.records.count) records, \(siblings) siblings kept, \(state.conflicts.count) conflicted fields",
                "one thread",
            ])
    }
}

/// 1,540 replicas each set the same field of one contact concurrently (the B3.1 shape of the
/// public crdt-benchmarks), merged into one state: every write survives as a sibling.
struct MergeContendedScenario: Scenario {
    static let name = "merge-contended"
    static let summary = "1,540 replicas set the same field of one contact concurrently, merged into one state"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let n = 1540
        let key = RecordKey("contacts", "p1")
        let deltas: [Record] = (0..<n).map { i in
            var r = ReplicaState(id: ReplicaID("phonebanker\(i)"))
            return r.write(
                key, ["phone": .string("614-555-\(1000 + i)")], wallclock: Int64(1_700_000_000_000 + (i * 7919) % 5000))
        }
        progress("merging \(n) concurrent writes")
        let (best, median, state) = measure(repeats: repeats) { () -> ReplicaState in
            var state = ReplicaState(id: ReplicaID("server"))
            for d in deltas { state.apply(d) }
            return state
        }
        let siblings = state[key]?.fields["phone"]?.siblings.count ?? 0
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(
                    name: "best time", value: best * 1000, unit: "ms",
                    target: "Yjs 75 ms, Automerge 1600 ms (for scale)", met: best < 0.075),
                Figure(name: "median time", value: median * 1000, unit: "ms", target: nil, met: nil),
                Figure(
                    name: "siblings kept", value: Double(siblings), unit: "siblings", target: "= \(n)",
                    met: siblings == n),
            ],
            notes: ["display value: \(state[key]?["phone"]?.description ?? "none")"])
    }
}
