import CanvassCore
import CanvassProtocol
import CanvassTestSupport
import Foundation
import NIOCore
import Testing

/// The hand-written writer must say exactly what the Codable conformances say.
@Suite struct JSONTextTests {
    @Test func writerAndCodableAgreeOnEveryVectorRecord() throws {
        for v in try MergeVector.loadAll() where v.kind == "merge" {
            for cs in (v.deliver ?? []) + [v.start ?? ChangeSet()] + [ChangeSet(records: v.expect?.records ?? [])] {
                for r in cs.records {
                    var w = JSONText()
                    w.record(r)
                    let back = try JSONDecoder().decode(Record.self, from: Data(w.bytes))
                    #expect(back == r, "\(v.file): \(w.string)")
                    let viaCodable = try JSONDecoder().decode(Record.self, from: try JSONEncoder().encode(r))
                    #expect(viaCodable == r, "\(v.file): Codable round trip")
                }
            }
        }
    }

    @Test func stringsWithEveryEscapeRoundTrip() throws {
        let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é 🗳️ </script>"
        var w = JSONText()
        w.value(
            .object(["k\"ey": .string(nasty), "n": .double(-0.000123), "a": .array([.null, .bool(true), .int(-9)])]))
        let back = try JSONDecoder().decode(Value.self, from: Data(w.bytes))
        #expect(
            back
                == .object([
                    "k\"ey": .string(nasty), "n": .double(-0.000123), "a": .array([.null, .bool(true), .int(-9)]),
                ]))
    }

    @Test func pullPagesDecodeAsWritten() throws {
        var s = ReplicaState(id: ReplicaID("S"))
        let a = s.write(RecordKey("contacts", "p1"), ["first_name": "Ann", "ward": 3, "lat": 39.961176], wallclock: 5)
        var b = s.write(RecordKey("contacts", "p2"), ["first_name": "Bo"], wallclock: 6)
        b.merge(s.write(RecordKey("contacts", "p2"), ["first_name": "Bob", "phone": "614-555-0100"], wallclock: 7))
        let page = PullResponse(
            records: [a, s[RecordKey("contacts", "p2")]!], evict: [KeyRef(RecordKey("lists", "l\"1"))],
            checkpoint: "e.7", more: true)
        for encoding in BodyEncoding.allCases {
            let body = try WireCodec.encode(page, encoding)
            let back = try WireCodec.decode(PullResponse.self, from: body, encoding)
            #expect(back.records == page.records && back.evict == page.evict && back.checkpoint == "e.7" && back.more)
        }
    }

    @Test func decompressionIsCappedAndCorruptionNamed() throws {
        let big = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "a"), count: 200_000))
        let zipped = try WireCodec.compress(big, .gzip)
        #expect(zipped.readableBytes < 2_000)
        #expect(throws: ProtocolError.self) { try WireCodec.decompress(zipped, .gzip, limit: 100_000) }
        #expect(try WireCodec.decompress(zipped, .gzip, limit: 200_000).readableBytes == 200_000)
        let garbage = ByteBuffer(bytes: [0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03])
        #expect(throws: ProtocolError.self) { try WireCodec.decompress(garbage, .gzip) }
        for encoding in [BodyEncoding.gzip, .deflate] {
            let text = ByteBuffer(bytes: Array("{\"records\":[]} and some more text to compress".utf8))
            let whole = try WireCodec.compress(text, encoding)
            #expect(try WireCodec.decompress(whole, encoding) == text)
            let cut = whole.getSlice(at: whole.readerIndex, length: whole.readableBytes - 3)!
            #expect(throws: ProtocolError.self, "\(encoding): a truncated body must not decode") {
                try WireCodec.decompress(cut, encoding)
            }
        }
    }
}
