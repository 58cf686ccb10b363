import CanvassCore
import CanvassProtocol
import CanvassTestSupport
import Foundation
import NIOCore
import Testing

/// The server reads push bodies with `WireReader.pushRequest` when it takes them: it must give
/// exactly what `JSONDecoder` gives, or nothing, for every push vector's body and for the bodies
/// it must leave to `JSONDecoder`'s errors.
@Suite struct PushReaderTests {
    static func fast(_ bytes: [UInt8]) -> PushRequest? { bytes.withUnsafeBytes { WireReader.pushRequest($0) } }

    static func slow(_ bytes: [UInt8]) -> PushRequest? {
        try? JSONDecoder().decode(PushRequest.self, from: Data(bytes))
    }

    @Test func everyPushVectorBodyReadsAsJSONDecoderReadsIt() throws {
        var taken = 0
        for v in try PushVector.loadAll() {
            let body = try v.body()
            guard let fast = Self.fast(body) else { continue }
            taken += 1
            #expect(fast.changes == Self.slow(body)?.changes, "\(v.file)")
            // The server's decode path gives the same value.
            let decoded = try WireCodec.decode(PushRequest.self, from: ByteBuffer(bytes: body))
            #expect(decoded.changes == fast.changes, "\(v.file)")
        }
        #expect(taken > 10, "the reader must take the ordinary bodies")
        // The canonical form the client sends (JSONText) is always taken.
        for v in try PushVector.loadAll() {
            guard let push = v.push else { continue }
            let body = Array(try WireCodec.encode(PushRequest(changes: push)).readableBytesView)
            #expect(Self.fast(body)?.changes == push, "\(v.file)")
        }
    }

    /// A value nested far deeper than any record holds: the reader recurses per level, so it
    /// must give up (not overflow the stack and kill the server) and leave JSONDecoder to refuse.
    @Test func deepNestingIsLeftToJSONDecoder() throws {
        let push = try #require(try PushVector.loadAll().compactMap(\.push).first { !$0.records.isEmpty })
        var records = push.records
        records[0].fields["deep"] = Register(siblings: [
            Sibling(dot: Dot(ReplicaID("deep-1"), 1), wallclock: 1, value: .string("HERE"))
        ])
        let plain = String(
            decoding: try WireCodec.encode(PushRequest(changes: ChangeSet(records: records))).readableBytesView,
            as: UTF8.self)
        #expect(Self.fast(Array(plain.utf8)) != nil, "the ordinary body is taken")
        let depth = 100_000
        let deep = plain.replacingOccurrences(
            of: #""HERE""#, with: String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(Self.fast(Array(deep.utf8)) == nil)
        #expect(throws: ProtocolError.self) {
            try WireCodec.decode(PushRequest.self, from: ByteBuffer(bytes: Array(deep.utf8)))
        }
    }

    /// A key twice: which one counts is JSONDecoder's to say.
    @Test func aDuplicateKeyIsLeftToJSONDecoder() {
        #expect(Self.fast(Array(#"{"changes":{"records":[]},"changes":{"records":[]}}"#.utf8)) == nil)
    }

    @Test(arguments: [
        #"{"changes":{"records":[]},"extra":1}"#,
        #"{}"#,
        #"{"changes":null}"#,
        #"{"changes":{"records":[{"collection":"contacts","id":"c1","values":{"a":1}}]}}"#,
        #"{"changes":{"records":[{"collection":"contacts","id":"c1","dot":["bad id!",1,0],"values":{"a":1}}]}}"#,
        #"{"changes":{"records":[{"collection":"contacts","id":"c1","dot":["A",0,0],"values":{"a":1}}]}}"#,
        #"[]"#,
    ])
    func bodiesJSONDecoderMustJudgeAreLeftToIt(_ body: String) {
        let bytes = Array(body.utf8)
        #expect(Self.fast(bytes) == nil, "\(body)")
        #expect(throws: ProtocolError.self) { try WireCodec.decode(PushRequest.self, from: ByteBuffer(bytes: bytes)) }
    }
}
