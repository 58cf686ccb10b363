import CanvassCore
import CanvassTestSupport
import Foundation
import Testing

/// Runs every file of protocol/vectors through the pure core, in the given delivery order and in
/// every other order (or 120 seeded shuffles), and pre-merged (associativity).
@Suite struct VectorTests {
    static let vectors: [MergeVector] = (try? MergeVector.loadAll()) ?? []

    @Test func atLeastTwentyVectorsLoad() throws {
        let all = try MergeVector.loadAll()
        #expect(all.count >= 20)
        #expect(Set(all.map(\.name)).count == all.count, "vector names must be unique")
    }

    @Test(arguments: vectors.filter { $0.kind == "merge" }.map(\.file))
    func mergeVector(file: String) throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        let expect = try #require(v.expect)
        let deliveries = v.deliver ?? []

        func run(_ order: [ChangeSet]) -> [Record] {
            var state = ReplicaState(id: ReplicaID("T"))
            if let start = v.start { state.apply(start) }
            for cs in order { state.apply(cs) }
            return state.fullState.records
        }

        let given = run(deliveries)
        if let records = expect.records {
            #expect(given == records.sorted { $0.key < $1.key }, "\(file): state after the given order")
        }
        if let conflicts = expect.conflicts {
            #expect(MergeVector.conflicts(of: given) == Set(conflicts), "\(file): conflicts")
        }
        for (path, fields) in expect.display ?? [:] {
            let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
            let record = try #require(
                given.first { $0.key == RecordKey(parts[0], parts[1]) }, "\(file): no record \(path)")
            for (field, value) in fields {
                #expect(record[field] == value, "\(file): display of \(path).\(field)")
            }
        }
        for (i, order) in orderings(deliveries).enumerated() {
            #expect(run(order) == given, "\(file): ordering #\(i) diverges")
        }
        // Associativity: merging the deliveries together first gives the same state.
        var combined = ReplicaState(id: ReplicaID("U"))
        for cs in deliveries.reversed() { combined.apply(cs) }
        var pre = ReplicaState(id: ReplicaID("T"))
        if let start = v.start { pre.apply(start) }
        pre.apply(combined.fullState)
        #expect(pre.fullState.records == given, "\(file): pre-merged delivery diverges")
    }

    @Test(arguments: vectors.filter { $0.kind == "context" }.map(\.file))
    func contextVector(file: String) throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        var ctx = CausalContext()
        for (i, step) in (v.steps ?? []).enumerated() {
            switch step {
            case .insert(let dots): for d in dots { ctx.insert(d) }
            case .union(let other): ctx.formUnion(other)
            case .expect(let expected): #expect(ctx == expected, "\(file): step \(i)")
            }
        }
        #expect(ctx == v.expectContext, "\(file): final context")
    }

    @Test func vectorsRoundTripThroughTheEncoding() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        for v in Self.vectors where v.kind == "merge" {
            for cs in (v.deliver ?? []) + [v.start ?? ChangeSet()] {
                let again = try JSONDecoder().decode(ChangeSet.self, from: try enc.encode(cs))
                #expect(again == cs, "\(v.file): encode/decode changed a change set")
            }
        }
    }
}
