import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassTestSupport
import Foundation
import NIOCore
import Testing

/// `WireReader` must read every canonical body exactly as `JSONDecoder` does, and give up (so
/// that `JSONDecoder` decides) on anything it is not sure of.
@Suite struct WireReaderTests {
    /// Reads `json` both ways: whenever the reader answers, `JSONDecoder` must answer the same.
    /// Returns whether the reader answered.
    @discardableResult
    static func agree(_ json: String, _ note: Comment? = nil) -> Bool {
        let fast = WireReader.record(json)
        let slow = try? JSONDecoder().decode(Record.self, from: Data(json.utf8))
        if let fast {
            #expect(slow == fast, note ?? "\(json)")
        }
        return fast != nil
    }

    static func text(_ r: Record) -> String {
        var w = JSONText()
        w.record(r)
        return w.string
    }

    /// The long form: every field as a register, no `dot`/`values`.
    static func longForm(_ r: Record) -> String {
        var w = JSONText()
        w.append(raw: "{\"collection\":")
        w.string(r.key.collection)
        w.append(raw: ",\"id\":")
        w.string(r.key.id)
        w.append(raw: ",\"fields\":{")
        for (i, name) in r.fields.keys.sorted().enumerated() {
            if i > 0 { w.append(raw: ",") }
            w.string(name)
            w.append(raw: ":")
            w.register(r.fields[name]!)
        }
        w.append(raw: "}}")
        return w.string
    }

    @Test func everyVectorRecordReadsAsJSONDecoderReadsIt() throws {
        var n = 0
        for v in try MergeVector.loadAll() where v.kind == "merge" {
            for cs in (v.deliver ?? []) + [v.start ?? ChangeSet()] + [ChangeSet(records: v.expect?.records ?? [])] {
                for r in cs.records {
                    for json in [Self.text(r), Self.longForm(r)] {
                        #expect(Self.agree(json, "\(v.file): \(json)"), "\(v.file): the reader gave up on \(json)")
                        #expect(WireReader.record(json) == r, "\(v.file)")
                        n += 1
                    }
                }
            }
        }
        #expect(n > 40)
    }

    @Test func randomRecordsReadAsJSONDecoderReadsThem() throws {
        var rng = SplitMix64(seed: 13)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func string() -> String {
            let parts = [
                "a", "Ann", "é", "🗳️", "\"", "\\", "\n", "\t", "\u{1}", "/", "</script>", "x_custom_1", " ", "",
            ]
            return (0..<Int(rng.next() % 4)).map { _ in pick(parts) }.joined()
        }
        func value(_ depth: Int) -> Value {
            switch rng.next() % (depth > 1 ? 7 : 9) {
            case 0: return .null
            case 1: return .bool(rng.next() % 2 == 0)
            case 2: return .int(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64))
            case 3: return Value.double(Double(Int64(bitPattern: rng.next()) % 1_000_000) / 997).normalized
            case 4: return .double(pick([39.961176, -82.998794, 1e-7, 6.02e23, -0.5]))
            case 5, 6: return .string(string())
            case 7: return .array((0..<Int(rng.next() % 3)).map { _ in value(depth + 1) })
            default:
                var o: [String: Value] = [:]
                for _ in 0..<Int(rng.next() % 3) { o[string()] = value(depth + 1) }
                return .object(o)
            }
        }
        let replicas = ["srv-a1", "d0K2_x", "Z", String(repeating: "r", count: 32)]
        var readerAnswered = 0
        for i in 0..<2_000 {
            var fields: [String: Register] = [:]
            let common = Dot(ReplicaID(pick(replicas)), 1 + rng.next() % 1000)
            let commonClock = Int64(rng.next() % 2_000_000_000_000)
            for f in 0..<Int(rng.next() % 12) {
                let name = f % 3 == 0 ? "f\(f)" : "\(string())\(f)"
                if rng.next() % 3 == 0 {
                    fields[name] = Register(siblings: [Sibling(dot: common, wallclock: commonClock, value: value(0))])
                } else {
                    let siblings = (0..<Int(1 + rng.next() % 3)).map { _ in
                        Sibling(
                            dot: Dot(ReplicaID(pick(replicas)), 1 + rng.next() % 9_007_199_254_740_990),
                            wallclock: Int64(rng.next() % 9_007_199_254_740_991), value: value(0))
                    }
                    var ctx = VersionVector()
                    if rng.next() % 2 == 0 { ctx.advance(ReplicaID(pick(replicas)), to: rng.next() % 50) }
                    fields[name] = Register(siblings: siblings, context: ctx)
                }
            }
            let r = Record(key: RecordKey(pick(["contacts", "interactions", "é"]), "\(string())-\(i)"), fields: fields)
            for json in [Self.text(r), Self.longForm(r)] {
                if Self.agree(json) { readerAnswered += 1 }
                #expect(WireReader.record(json) == r, "\(json)")
            }
        }
        #expect(readerAnswered == 4_000)
    }

    /// Bodies that are unusual, malformed or forged: the reader either gives up or agrees.
    @Test func unusualBodiesAreLeftToJSONDecoder() {
        let ok = #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":1}}"#
        #expect(Self.agree(ok))
        let giveUp = [
            #"{"collection":"c","id":"1","id":"2","dot":["r",1,5],"values":{"a":1}}"#,  // duplicate key
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":1,"a":2}}"#,
            #"{"collection":"c","id":"1","dot":["r",0,5],"values":{"a":1}}"#,  // counter 0
            #"{"collection":"c","id":"1","dot":["r",9007199254740992,5],"values":{"a":1}}"#,
            #"{"collection":"c","id":"1","dot":["r",1.0,5],"values":{"a":1}}"#,
            #"{"collection":"c","id":"1","dot":["r",1,-5],"values":{"a":1}}"#,
            #"{"collection":"c","id":"1","dot":["r r",1,5],"values":{"a":1}}"#,  // bad replica
            #"{"collection":"c","id":"1","dot":["r",1],"values":{"a":1}}"#,
            #"{"collection":"c","id":"1","values":{"a":1}}"#,  // no dot
            #"{"collection":"","id":"1","dot":["r",1,5],"values":{"a":1}}"#,
            #"{"collection":"c","id":"1","fields":{"a":{"siblings":[]}}}"#,  // empty register
            #"{"collection":"c","id":"1","fields":{"a":{"siblings":[["r",1,5,1]],"context":null}}}"#,
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":1},"fields":{"a":{"siblings":[["r",2,5,1]]}}}"#,
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":01}}"#,  // leading zero
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":1e999}}"#,
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":"\ud800"}}"#,  // lone surrogate
            "{\"collection\":\"c\",\"id\":\"1\",\"dot\":[\"r\",1,5],\"values\":{\"a\":\"tab\tin\"}}",  // raw control
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":1}} x"#,  // trailing text
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":9.1e18}}"#,  // Int64 or double?
            #"{"collection":"c","id":"1","values":null}"#,
        ]
        for json in giveUp {
            #expect(!Self.agree(json), "the reader should leave \(json) to JSONDecoder")
        }
        let agreeOn = [
            #" { "collection" : "c" , "id" : "1" , "dot" : [ "r" , 1 , 5 ] , "values" : { "a" : -0 } } "#,
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":1.5e2,"b":-0.25,"c":1E-3,"d":2.0}}"#,
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":12345678901234567890,"b":6.02e23}}"#,
            #"{"collection":"c","id":"1","dot":["r",1,5],"values":{"a":"\u00e9\ud83d\uddf3\/\b\f"}}"#,
            #"{"collection":"c","id":"1","dot":["x",1,5],"values":{},"unknown":[1,{"z":null}]}"#,
            #"{"collection":"c","id":"1","fields":{"a":{"siblings":[["r",2,5,"x"],["q",1,6,"y"]],"context":{"r":3}}}}"#,
        ]
        for json in agreeOn {
            #expect(Self.agree(json), "the reader should read \(json)")
        }
        // Not UTF-8: JSONDecoder refuses it, and so must the reader.
        let bad: [UInt8] = Array(#"{"collection":"c","id":"\#u{1}","dot":["r",1,5],"values":{"a":"x"}}"#.utf8)
            .map { $0 == 0x01 ? 0xFF : $0 }
        #expect(bad.withUnsafeBytes { WireReader.record($0) } == nil)
        #expect((try? JSONDecoder().decode(Record.self, from: Data(bad))) == nil)
    }

    @Test func pullPagesReadAsJSONDecoderReadsThem() throws {
        var s = ReplicaState(id: ReplicaID("S"))
        let a = s.write(RecordKey("contacts", "p1"), ["first_name": "Ann", "ward": 3, "lat": 39.961176], wallclock: 5)
        var b = s.write(RecordKey("contacts", "p2"), ["first_name": "Bo"], wallclock: 6)
        b.merge(s.write(RecordKey("contacts", "p2"), ["first_name": "Bob", "phone": "614-555-0100"], wallclock: 7))
        let checkouts = [ListCheckout(listID: "l1", householdID: "h\"1", expiresAt: 1_760_000_000_000, mine: true)]
        for page in [
            PullResponse(
                records: [a, s[RecordKey("contacts", "p2")]!], evict: [KeyRef(RecordKey("lists", "l\"1"))],
                checkpoint: "e.7.2", more: true, checkouts: checkouts),
            PullResponse(records: [], evict: [], checkpoint: "e.0.0", more: false),
        ] {
            for encoding in BodyEncoding.allCases {
                let body = try WireCodec.encode(page, encoding)
                let plain = try WireCodec.decompress(body, encoding)
                let fast = try #require(plain.withUnsafeReadableBytes { WireReader.pullResponse($0) })
                let slow = try WireCodec.decode(PullResponse.self, from: body, encoding)
                #expect(fast.records == slow.records && fast.evict == slow.evict)
                #expect(
                    fast.checkpoint == slow.checkpoint && fast.more == slow.more && fast.checkouts == slow.checkouts)
                let viaCodec = try WireCodec.decodePull(body, encoding)
                #expect(viaCodec.records == page.records && viaCodec.checkouts == page.checkouts)
            }
        }
        // A body the reader leaves alone still decodes, through JSONDecoder, or fails as decode does.
        let odd = ByteBuffer(string: #"{"records":[],"evict":[],"checkpoint":"a","checkpoint":"b","more":false}"#)
        #expect(odd.withUnsafeReadableBytes { WireReader.pullResponse($0) } == nil)
        #expect((try? WireCodec.decodePull(odd)) != nil)
        let broken = ByteBuffer(string: #"{"records":[{"collection":"c"}],"evict":[],"checkpoint":"a","more":false}"#)
        #expect(throws: ProtocolError.self) { try WireCodec.decodePull(broken) }
    }
}
