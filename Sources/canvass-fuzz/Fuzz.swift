import CanvassCore
import CanvassProtocol
import Foundation
import NIOCore

// A fuzz target for the wire decoder and the push judgement (`.ci/fuzz` runs it under
// libFuzzer). Each input is a push body, plain or compressed; whatever decodes is judged as a
// canvasser's and as a coordinator's push against a small campaign, and every accepted record
// is merged and served again. It traps when:
// - decoding, judging or merging crashes or hangs;
// - a decoded body does not survive encoding and decoding again unchanged;
// - an accepted push leaves a register with no sibling, or a state that cannot be served;
// - an accepted canvasser push changes a record outside its scope, or a write-once record.

let canvasser = DeviceIdentity(replica: ReplicaID("dA"), userID: "u-ann", role: .canvasser)
let coordinator = DeviceIdentity(replica: ReplicaID("dK"), userID: "u-kim", role: .coordinator)

/// The campaign every input is judged against: the push vectors' start state and the canvasser's
/// scope in it, so that the vectors' pushes, which seed the corpus, reach every rule.
let (state, scope, surveys): ([RecordKey: Record], Set<RecordKey>, [String: Survey]) = {
    struct Vector: Decodable {
        let start: ChangeSet
        let scope: [[String]]
    }
    let url = URL(fileURLWithPath: "protocol/vectors/push/01-erase-out-of-scope-name.json")
    guard let data = try? Data(contentsOf: url), let v = try? JSONDecoder().decode(Vector.self, from: data) else {
        fatalError("canvass-fuzz runs from the repository root: it reads \(url.path)")
    }
    var state: [RecordKey: Record] = [:]
    for r in v.start.records { state[r.key, default: Record(key: r.key)].merge(r) }
    let surveys = state.values.filter { $0.key.collection == "surveys" }.reduce(into: [String: Survey]()) {
        $0[$1.key.id] = try? $1["definition"]?.decode(as: Survey.self)
    }
    return (state, Set(v.scope.map { RecordKey($0[0], $0[1]) }), surveys)
}()

extension Record {
    func merging(_ other: Record) -> Record {
        var copy = self
        copy.merge(other)
        return copy
    }
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// One input. The first byte picks the body's encoding.
func fuzzOne(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let encoding: BodyEncoding = [.identity, .identity, .gzip, .deflate][Int(first) % 4]
    let body = ByteBuffer(bytes: bytes.dropFirst())
    guard let request = try? WireCodec.decode(PushRequest.self, from: body, encoding) else { return }
    // What decodes, re-encodes to itself.
    guard let again = try? WireCodec.decode(PushRequest.self, from: try! WireCodec.encode(request)) else {
        fatalError("a decoded push does not decode after encoding")
    }
    check(again.changes == request.changes, "a push changed in an encode/decode round trip")
    let records = Array(request.changes.records.prefix(ProtocolInfo.maxPushRecords))
    for device in [canvasser, coordinator] {
        let snapshot = PushSnapshot(existing: state, surveys: [:], scope: device.role == .canvasser ? scope : nil)
        let decision = PushJudge(schema: CampaignSchema.standard, device: device, snapshot: snapshot, surveys: surveys)
            .judge(records)
        check(decision.results.count == records.count, "one result per record")
        for r in decision.accepted {
            let before = state[r.key] ?? Record(key: r.key)
            let after = before.merging(r)
            for (name, reg) in after.fields { check(!reg.siblings.isEmpty, "\(r.key).\(name) left with no sibling") }
            if device.role == .canvasser && after != before {
                check(
                    scope.contains(r.key) || (state[r.key] == nil && r.key.collection == "interactions"),
                    "\(r.key) out of scope changed")
                check(state[r.key] == nil || r.key.collection != "interactions", "write-once \(r.key) changed")
            }
            let page = PullResponse(records: [after], evict: [], checkpoint: "e.1.0", more: false)
            guard let served = try? WireCodec.decode(PullResponse.self, from: try! WireCodec.encode(page)) else {
                fatalError("\(r.key) cannot be served after an accepted push")
            }
            check(served.records == [after], "\(r.key) served differently")
        }
    }
}

#if CANVASS_FUZZ
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
#else
    /// Without libFuzzer: `canvass-fuzz seed DIR` writes a seed corpus from protocol/vectors/push;
    /// `canvass-fuzz FILE|DIR...` replays inputs (a crash found by `.ci/fuzz`, say).
    @main
    struct CanvassFuzz {
        static func main() throws {
            let args = Array(CommandLine.arguments.dropFirst())
            if args.first == "seed", args.count == 2 {
                let out = URL(fileURLWithPath: args[1])
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                let vectors = URL(fileURLWithPath: "protocol/vectors/push")
                var n = 0
                for name in try FileManager.default.contentsOfDirectory(atPath: vectors.path).sorted()
                where name.hasSuffix(".json") {
                    let object =
                        try JSONSerialization.jsonObject(with: Data(contentsOf: vectors.appendingPathComponent(name)))
                        as! [String: Any]
                    let body = object["push_body"] ?? ["changes": object["push"] ?? [:]]
                    let json = try JSONSerialization.data(withJSONObject: body)
                    try (Data([0]) + json).write(to: out.appendingPathComponent(name))
                    n += 1
                }
                print("wrote \(n) seeds to \(out.path)")
            } else if !args.isEmpty {
                var files: [URL] = []
                for a in args {
                    let url = URL(fileURLWithPath: a)
                    if let names = try? FileManager.default.contentsOfDirectory(atPath: a) {
                        files += names.sorted().map { url.appendingPathComponent($0) }
                    } else {
                        files.append(url)
                    }
                }
                for f in files { fuzzOne(Array(try Data(contentsOf: f))) }
                print("replayed \(files.count) inputs: no failure")
            } else {
                print("usage: canvass-fuzz seed DIR | canvass-fuzz FILE|DIR...   (fuzzing itself: .ci/fuzz)")
            }
        }
    }
#endif
