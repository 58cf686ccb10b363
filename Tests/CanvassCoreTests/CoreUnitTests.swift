import CanvassCore
import CanvassFixtures
import CanvassTestSupport
import Foundation
import Testing

private let A = ReplicaID("A")
private let B = ReplicaID("B")
private let C = ReplicaID("C")

@Suite struct VersionVectorTests {
    @Test func compareCoversAllFourOutcomes() {
        let a = VersionVector([A: 2, B: 1])
        #expect(a.compare(VersionVector([A: 2, B: 1])) == .equal)
        #expect(a.compare(VersionVector([A: 3, B: 1])) == .before)
        #expect(a.compare(VersionVector([A: 1])) == .after)
        #expect(a.compare(VersionVector([A: 1, C: 1])) == .concurrent)
        #expect(VersionVector().compare(VersionVector()) == .equal)
    }

    @Test func mergeIsPointwiseMaximum() {
        var a = VersionVector([A: 2, B: 5])
        a.formUnion(VersionVector([B: 3, C: 4]))
        #expect(a == VersionVector([A: 2, B: 5, C: 4]))
        #expect(a.entries.map(\.replica) == [A, B, C])
    }

    @Test func largeVectorsUseTheSameOrder() {
        var v = VersionVector()
        let ids = (0..<50).map { ReplicaID("r\($0)") }
        var rng = SplitMix64(seed: 42)
        var shuffled = ids
        rng.shuffle(&shuffled)
        for (i, r) in shuffled.enumerated() { v.advance(r, to: UInt64(i + 1)) }
        #expect(v.entries.map(\.replica) == ids.sorted())
        for r in ids { #expect(v[r] > 0) }
        #expect(v[ReplicaID("missing")] == 0)
    }
}

@Suite struct RegisterTests {
    @Test func localWriteReplacesAllSiblingsAndCoversThem() {
        var r = Register(siblings: [
            Sibling(dot: Dot(A, 1), wallclock: 1, value: "a"), Sibling(dot: Dot(B, 1), wallclock: 2, value: "b"),
        ])
        #expect(r.isConflict)
        let delta = r.write("c", at: Dot(C, 1), wallclock: 3)
        #expect(r.siblings.map(\.value) == ["c"])
        #expect(delta.context == VersionVector([A: 1, B: 1, C: 1]))
        #expect(!r.isConflict)
    }

    @Test func displayValueIgnoresCausalityAndUsesWallclockThenReplicaThenCounter() {
        let r = Register(siblings: [
            Sibling(dot: Dot(A, 9), wallclock: 5, value: "a9"),
            Sibling(dot: Dot(B, 1), wallclock: 5, value: "b1"),
            Sibling(dot: Dot(A, 3), wallclock: 4, value: "a3"),
        ])
        #expect(r.displayValue == "b1")
        #expect(r.siblingsByDisplay.map(\.value) == ["b1", "a9", "a3"])
    }

    @Test func sameDotWithDifferentContentResolvesTheSameWayOnBothSides() {
        let x = Register(siblings: [Sibling(dot: Dot(A, 1), wallclock: 1, value: "x")])
        let y = Register(siblings: [Sibling(dot: Dot(A, 1), wallclock: 1, value: "y")])
        #expect(x.merging(y) == y.merging(x))
    }

    @Test func concurrentEqualValuesAreNotAConflict() {
        let r = Register(siblings: [
            Sibling(dot: Dot(A, 1), wallclock: 1, value: "x"), Sibling(dot: Dot(B, 1), wallclock: 1, value: "x"),
        ])
        #expect(r.siblings.count == 2)
        #expect(!r.isConflict)
    }
}

@Suite struct CausalContextTests {
    @Test func insertingOutOfOrderKeepsACloudUntilTheGapFills() {
        var c = CausalContext()
        c.insert(Dot(A, 2))
        #expect(!c.isCompact)
        #expect(c.contains(Dot(A, 2)) && !c.contains(Dot(A, 1)))
        c.insert(Dot(A, 1))
        #expect(c.isCompact)
        #expect(c.vector == VersionVector([A: 2]))
    }
}

@Suite struct ReplicaStateTests {
    @Test func deleteConcurrentWithEditSurfacesAsConflict() {
        var server = ReplicaState(id: ReplicaID("S"))
        let key = RecordKey("contacts", "p1")
        let seed = server.write(key, ["phone": "1", "email": "e@example.org"], wallclock: 1)
        var a = ReplicaState(id: A)
        var b = ReplicaState(id: B)
        a.apply(seed)
        b.apply(seed)
        let del = a.delete(key, wallclock: 10)
        let edit = b.write(key, ["phone": "2"], wallclock: 5)
        a.apply(edit)
        b.apply(del)
        #expect(a.records == b.records)
        #expect(a[key]!.isDeleted)
        let conflicts = a.conflicts
        #expect(conflicts.map(\.field) == ["phone"])
        #expect(conflicts.first?.recordDeleted == true)
        #expect(Set(conflicts.first!.siblings.map(\.value)) == [.null, "2"])
        // One delete is one operation: every field it cleared shares its dot.
        #expect(Set(del.fields.values.map { $0.siblings[0].dot }).count == 1)
    }

    @Test func resolvingWriteCoversEverySibling() {
        var a = ReplicaState(id: A)
        var b = ReplicaState(id: B)
        let key = RecordKey("contacts", "p1")
        let da = a.write(key, ["phone": "1"], wallclock: 1)
        let db = b.write(key, ["phone": "2"], wallclock: 2)
        var k = ReplicaState(id: ReplicaID("K"))
        k.apply(ChangeSet(records: [da, db]))
        #expect(k.conflicts.count == 1)
        let fix = k.write(key, ["phone": "3"], wallclock: 0)
        a.apply(db)
        a.apply(fix)
        #expect(a.conflicts.isEmpty)
        #expect(a[key]?["phone"] == "3")
    }
}

@Suite struct EncodingTests {
    @Test func registerOmitsContextOnlyWhenItAddsNothing() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let plain = Register(siblings: [Sibling(dot: Dot(A, 1), wallclock: 7, value: "x")])
        #expect(String(decoding: try enc.encode(plain), as: UTF8.self) == #"{"siblings":[["A",1,7,"x"]]}"#)
        let wide = Register(
            siblings: [Sibling(dot: Dot(A, 1), wallclock: 7, value: "x")], context: VersionVector([B: 2]))
        #expect(
            String(decoding: try enc.encode(wide), as: UTF8.self)
                == #"{"context":{"A":1,"B":2},"siblings":[["A",1,7,"x"]]}"#)
    }

    @Test(arguments: [
        #"{"siblings":[["A",0,1,"x"]]}"#,
        #"{"siblings":[["bad id!",1,1,"x"]]}"#,
        #"{"siblings":[["A",1,1]]}"#,
        #"{"siblings":[["A",1,1,"x",5]]}"#,
        #"{"siblings":[["A",9007199254740992,1,"x"]]}"#,
        #"{"siblings":[["A",1,1,"x"]],"context":{"":1}}"#,
        #"{"siblings":[["A",1,-5,"x"]]}"#,
    ])
    func malformedRegistersAreRefused(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Register.self, from: Data(json.utf8)) }
    }

    @Test func floatsRoundTripExactly() throws {
        for d in [39.961176, -82.998794, 0.1, 1e-7, 123456.789012, Double.leastNonzeroMagnitude, 2.5e300] {
            let data = try JSONEncoder().encode(Value.double(d))
            let back = try JSONDecoder().decode(Value.self, from: data)
            #expect(back.doubleValue?.bitPattern == d.bitPattern, "\(d)")
        }
    }
}

@Suite struct SchemaTests {
    let schema = CampaignSchema.standard

    func cs(_ records: Record...) -> ChangeSet { ChangeSet(records: records) }

    @Test func validationReportsEveryProblemWithItsLocation() {
        var s = ReplicaState(id: A)
        let bad = s.write(
            RecordKey("contacts", "p1"),
            ["phone": .int(5), "party": "XYZ", "no_such_field": "x", "engagement_level": 9], wallclock: 1)
        let problems = schema.validate(cs(bad), role: .coordinator, unknown: .reject)
        let codes = Set(problems.map(\.code))
        #expect(codes.isSuperset(of: ["bad_type", "unknown_option", "unknown_field", "out_of_range"]))
        #expect(
            problems.contains {
                $0.location == "records[0].fields.party.siblings[0].value" && $0.message.contains("DEM")
            })
    }

    @Test func canvassersMayNotWriteCoordinatorFieldsNorMintForeignDots() {
        var s = ReplicaState(id: B)
        let change = s.write(RecordKey("contacts", "p1"), ["party": "DEM", "phone": "614-555-0101"], wallclock: 1)
        let existing = Record(
            key: RecordKey("contacts", "p1"),
            fields: [
                "first_name": Register(siblings: [Sibling(dot: Dot(ReplicaID("S"), 1), wallclock: 0, value: "Ann")])
            ])
        let problems = schema.validate(
            cs(change), role: .canvasser, author: A, unknown: .reject, existing: { _ in existing })
        #expect(problems.contains { $0.code == "forbidden" && $0.location.hasSuffix("fields.party") })
        #expect(!problems.contains { $0.code == "forbidden" && $0.location.hasSuffix("fields.phone") })
        #expect(problems.filter { $0.code == "foreign_dot" }.count == 2)
    }

    @Test func unknownCollectionsAreKeptByClientsAndRefusedByTheServer() {
        var s = ReplicaState(id: A)
        let change = s.write(RecordKey("x_future", "1"), ["a": 1], wallclock: 1)
        #expect(schema.validate(cs(change), role: .admin, unknown: .keep).isEmpty)
        #expect(schema.validate(cs(change), role: .admin, unknown: .reject).map(\.code) == ["unknown_collection"])
    }

    /// A device pushes back state it pulled: another replica's value the server has since
    /// overwritten is superseded, not foreign; reusing a held dot with other content is refused;
    /// a context claiming unseen writes is refused.
    @Test func pushedSiblingsAreClassifiedAgainstTheServersRegister() {
        let key = RecordKey("contacts", "p1")
        let s = ReplicaID("S")
        let server = Record(
            key: key,
            fields: [
                "phone": Register(
                    siblings: [Sibling(dot: Dot(s, 2), wallclock: 2, value: "new")], context: VersionVector([s: 2]))
            ])
        let stale = Record(
            key: key, fields: ["phone": Register(siblings: [Sibling(dot: Dot(s, 1), wallclock: 1, value: "old")])])
        #expect(
            schema.validate(cs(stale), role: .canvasser, author: A, unknown: .reject, existing: { _ in server }).isEmpty
        )
        let forged = Record(
            key: key, fields: ["phone": Register(siblings: [Sibling(dot: Dot(s, 2), wallclock: 2, value: "mine now")])])
        #expect(
            schema.validate(cs(forged), role: .canvasser, author: A, unknown: .reject, existing: { _ in server }).map(
                \.code) == ["dot_conflict"])
        let greedy = Record(
            key: key,
            fields: [
                "phone": Register(
                    siblings: [Sibling(dot: Dot(A, 1), wallclock: 3, value: "x")],
                    context: VersionVector([A: 1, B: 1_000_000, s: 2]))
            ])
        let problems = schema.validate(
            cs(greedy), role: .canvasser, author: A, unknown: .reject, existing: { _ in server })
        #expect(problems.map(\.code) == ["bad_context"])
        #expect(problems.first?.message.contains("B:1000000") == true)
    }

    @Test func interactionsAreWriteOnce() {
        var s = ReplicaState(id: A)
        let key = RecordKey("interactions", "A-1")
        let first = s.write(key, ["person_id": "p1", "result": "not_home", "channel": "door"], wallclock: 1)
        #expect(schema.validate(cs(first), role: .canvasser, unknown: .reject).isEmpty)
        let second = s.write(key, ["result": "contacted"], wallclock: 2)
        let problems = schema.validate(cs(second), role: .canvasser, unknown: .reject, existing: { _ in first })
        #expect(problems.map(\.code) == ["write_once"])
    }
}
