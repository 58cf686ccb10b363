import CanvassCore
import CanvassProtocol
import CanvassTestSupport
import Foundation
import PropertyBased
import Testing

/// A canvasser's device pushes random registers against a random server state: contexts that
/// claim unseen or other replicas' dots, empty and duplicate siblings, replayed and altered
/// server dots, deletes, out-of-scope keys, forbidden, unknown and reserved fields. Whatever
/// the judge accepts must change only what SYNC.md lets a canvasser change, and leave a state
/// the server can serve. The invariants are stated here from SYNC.md, not taken from the judge.
@Suite struct HostilePushPropertyTests {
    static let S = ReplicaID("S"), me = ReplicaID("dA"), bob = ReplicaID("dB"), kim = ReplicaID("dK")
    static let device = DeviceIdentity(replica: me, userID: "u-ann", role: .canvasser)
    static let canvasserFields: Set<String> = ["phone", "notes", "email", "do_not_call"]
    static let keys: [RecordKey] = [
        RecordKey("contacts", "c-in"), RecordKey("contacts", "c-in2"), RecordKey("contacts", "c-out"),
        RecordKey("interactions", "i-ann"), RecordKey("interactions", "i-bob"),
        RecordKey("contacts", "c-new"), RecordKey("interactions", "i-new"),
    ]
    static let scope: Set<RecordKey> = [
        RecordKey("contacts", "c-in"), RecordKey("contacts", "c-in2"), RecordKey("interactions", "i-ann"),
        RecordKey("lists", "l-in"), RecordKey("surveys", "s-door"),
    ]
    static let survey = Survey(
        id: "s-door", title: "Door", kind: .canvass, resultCodes: ResultCode.standard, questions: [])

    /// A reachable server state from operation codes: writes by four replicas to three contacts,
    /// full-state gossip between them (so conflicts arise), and two interactions.
    static func serverState(_ ops: [Int]) -> [RecordKey: Record] {
        var replicas = [S, me, bob, kim].map { ReplicaState(id: $0) }
        let fields = ["phone", "first_name", "notes"]
        for (n, op) in ops.enumerated() {
            let r = op % 4
            let key = keys[(op / 4) % 3]
            if (op / 12) % 3 == 2 {
                if let rec = replicas[(op / 36) % 4][key] { replicas[r].apply(rec) }
            } else {
                replicas[r].write(key, [fields[(op / 36) % 3]: .string("v\(n)")], wallclock: Int64(n))
            }
        }
        var state: [RecordKey: Record] = [:]
        for r in replicas { for (k, rec) in r.records { state[k, default: Record(key: k)].merge(rec) } }
        for (id, creator, user) in [("i-ann", 0, "u-ann"), ("i-bob", 1, "u-bob")] {
            var c = ReplicaState(id: creator == 0 ? me : bob, counter: 500)
            let rec = c.write(
                RecordKey("interactions", id),
                [
                    "person_id": "c-in", "list_id": "l-in", "survey_id": "s-door", "channel": "door",
                    "result": "not_home",
                    "user_id": .string(user), "recorded_at": 1,
                ], wallclock: 1)
            state[rec.key] = rec
        }
        return state
    }

    /// A hostile record from codes, against `state`.
    static func hostileRecord(_ codes: [Int], state: [RecordKey: Record]) -> Record {
        var it = codes.makeIterator()
        func next(_ n: Int) -> Int { (it.next() ?? 0) % n }
        let key = keys[next(keys.count)]
        let names = [
            "phone", "first_name", "notes", "_deleted", "result", "person_id", "list_id", "user_id", "survey_id",
            "no_such", "_secret",
        ]
        let values: [Value] = [
            .null, "c-in", "c-out", "l-in", "l-out", "u-ann", "u-bob", "s-door", "contacted", "614-555-0100",
            .bool(true), .int(3),
        ]
        var fields: [String: Register] = [:]
        let honest = next(3) == 0
        if honest {
            // An honest write to start from, then a few hostile changes to it.
            let counter = UInt64(1_000 + next(100))
            let dot = Dot(me, counter)
            if key.collection == "interactions" {
                for (f, v) in [
                    ("person_id", "c-in"), ("list_id", "l-in"), ("user_id", "u-ann"), ("survey_id", "s-door"),
                    ("result", "not_home"),
                ] {
                    fields[f] = Register(siblings: [Sibling(dot: dot, wallclock: 5, value: .string(v))])
                }
            } else {
                let f = ["phone", "notes", "email"][next(3)]
                var context = state[key]?.fields[f]?.context ?? VersionVector()
                context.advance(me, to: counter)
                fields[f] = Register(
                    siblings: [Sibling(dot: dot, wallclock: 5, value: "614-555-0142")], context: context)
            }
        }
        for _ in 0...next(3) where !honest || next(2) == 0 {
            let name = names[next(names.count)]
            let held = state[key]?.fields[name]
            var siblings: [Sibling] = []
            for _ in 0..<next(4) {
                switch next(4) {
                case 0:
                    siblings.append(
                        Sibling(
                            dot: Dot(me, UInt64(1 + next(700))), wallclock: Int64(next(50)),
                            value: values[next(values.count)]))
                case 1:
                    if let s = held?.siblings.first { siblings.append(s) }
                case 2:
                    if let s = held?.siblings.last {
                        siblings.append(Sibling(dot: s.dot, wallclock: s.wallclock, value: values[next(values.count)]))
                    }
                default:
                    let r = [S, bob, kim][next(3)]
                    siblings.append(
                        Sibling(
                            dot: Dot(r, UInt64(1 + next(30))), wallclock: Int64(next(50)),
                            value: values[next(values.count)]))
                }
            }
            var context = VersionVector()
            for r in [S, me, bob, kim] where next(3) > 0 {
                let base = held?.context[r] ?? 0
                let c = [base, base + 1, base + UInt64(next(40)), UInt64(next(5)), 0][next(5)]
                if c > 0 { context.advance(r, to: c) }
            }
            fields[name] = Register(siblings: siblings, context: context)
        }
        return Record(key: key, fields: fields)
    }

    @Test func anAcceptedHostilePushChangesOnlyWhatACanvasserMay() throws {
        let gen = Gen.int(in: 0...1_000_000).array(of: 60...60)
        var rng = Xoshiro(seed: (0xBAD_C0DE, 0x5EED, 0x2026, 0x8))
        var accepted = 0
        var changed = 0
        var cases = 0
        for i in 0..<10_000 {
            let seed = rng.currentSeed
            let codes = gen.run(using: &rng)
            let repro = "case \(i), seed \(seed)"
            let state = Self.serverState(Array(codes.prefix(24)))
            let record = Self.hostileRecord(Array(codes.dropFirst(24)), state: state)
            cases += 1
            let existing = state[record.key].flatMap { $0.fields.values.contains { !$0.siblings.isEmpty } ? $0 : nil }
            let judge = PushJudge(
                schema: CampaignSchema.standard, device: Self.device,
                snapshot: PushSnapshot(existing: state, surveys: [:], scope: Self.scope),
                surveys: ["s-door": Self.survey])
            let decision = judge.judge([record])
            guard decision.results[0].accepted else { continue }
            accepted += 1
            var after = existing ?? Record(key: record.key)
            after.merge(record)
            let before = existing ?? Record(key: record.key)
            guard after != before else { continue }
            changed += 1
            // Only in scope, or a new interaction of its own about people and lists in scope.
            if existing == nil && record.key.collection == "interactions" {
                for (field, allowed) in [("person_id", "c-in"), ("list_id", "l-in"), ("user_id", "u-ann")] {
                    let vals = Set(after.fields[field]?.siblings.map(\.value) ?? [])
                    #expect(vals == [.string(allowed)], "\(repro): new interaction's \(field) is \(vals)")
                }
                let dots = Set(after.fields.values.flatMap { $0.siblings.map(\.dot) })
                #expect(dots.count == 1 && dots.first?.replica == Self.me, "\(repro): one operation of the device")
            } else {
                #expect(Self.scope.contains(record.key), "\(repro): \(record.key) out of scope, changed")
                #expect(record.key.collection != "interactions", "\(repro): write-once \(record.key) changed")
            }
            for name in Set(after.fields.keys).union(before.fields.keys) {
                let a = after.fields[name] ?? Register()
                let b = before.fields[name] ?? Register()
                #expect(!a.siblings.isEmpty, "\(repro): \(record.key).\(name) left with no sibling")
                guard a != b else { continue }
                if existing != nil {
                    #expect(Self.canvasserFields.contains(name), "\(repro): canvasser changed \(record.key).\(name)")
                }
                // Nobody else's knowledge is claimed.
                for r in [Self.S, Self.bob, Self.kim] {
                    #expect(a.context[r] == b.context[r], "\(repro): \(name) context of \(r) widened")
                }
                // A removed value is replaced by a new value of the device's own.
                let removed = b.siblings.filter { !a.holds($0.dot) }
                let fresh = a.siblings.filter { !b.holds($0.dot) && $0.dot.replica == Self.me }
                #expect(removed.isEmpty || !fresh.isEmpty, "\(repro): \(name) lost \(removed) with no replacement")
            }
            // The state can be served and read back by every client.
            let page = PullResponse(records: [after], evict: [], checkpoint: "e.1.0", more: false)
            let served = try WireCodec.decode(PullResponse.self, from: try WireCodec.encode(page))
            #expect(served.records == [after], "\(repro): served differently")
        }
        // The generator must reach both sides, or the test proves nothing.
        #expect(cases == 10_000 && accepted > 300 && changed > 250, "accepted \(accepted), changed \(changed)")
        print("hostile pushes: \(cases) cases, \(accepted) accepted, \(changed) changed the server")
    }
}
