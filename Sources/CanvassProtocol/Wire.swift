import CanvassCore
import CompressNIO
import Foundation
import NIOCore

/// Body compression as negotiated by `Content-Encoding` / `Accept-Encoding`.
public enum BodyEncoding: String, Sendable, CaseIterable {
    case identity, gzip, deflate

    /// Parses a `Content-Encoding` header; nil when the encoding is not supported.
    public init?(header: String?) {
        let value = (header ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "", "identity": self = .identity
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        default: return nil
        }
    }

    /// The best encoding an `Accept-Encoding` header allows (gzip, then deflate, then identity).
    public static func preferred(accepting header: String?) -> BodyEncoding {
        let offered = (header ?? "").lowercased().split(separator: ",").map { part -> (String, Double) in
            let bits = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let q = bits.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (bits.first ?? "", q)
        }
        for candidate in [BodyEncoding.gzip, .deflate]
        where offered.contains(where: { $0.0 == candidate.rawValue && $0.1 > 0 }) {
            return candidate
        }
        return .identity
    }

    var algorithm: CompressionAlgorithm? {
        switch self {
        case .identity: return nil
        case .gzip: return .gzip()
        // HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2).
        case .deflate: return .zlib()
        }
    }
}

/// JSON and compression for bodies on the wire.
public enum WireCodec {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }

    public static func compress(_ data: ByteBuffer, _ encoding: BodyEncoding) throws -> ByteBuffer {
        guard let algorithm = encoding.algorithm else { return data }
        var input = data
        return try input.compress(with: algorithm)
    }

    /// Decompresses a body, refusing to inflate past `limit` bytes (a zip bomb costs nothing).
    public static func decompress(
        _ data: ByteBuffer, _ encoding: BodyEncoding, limit: Int = ProtocolInfo.maxDecompressedBody
    ) throws -> ByteBuffer {
        guard let algorithm = encoding.algorithm else {
            if data.readableBytes > limit { throw ProtocolError.tooLarge(limit: limit) }
            return data
        }
        var input = data
        do {
            let out = try input.decompress(with: algorithm, maxSize: limit + 1)
            if out.readableBytes > limit { throw ProtocolError.tooLarge(limit: limit) }
            // zlib stops quietly at the end of its input; a cut-off body must not pass as a short one.
            if !trailerMatches(compressed: data, output: out, encoding) {
                throw ProtocolError.badCompression("the stream is truncated or its checksum does not match")
            }
            return out
        } catch let e as CompressNIOError where e == .bufferOverflow {
            throw ProtocolError.tooLarge(limit: limit)
        } catch let e as ProtocolError {
            throw e
        } catch {
            throw ProtocolError.badCompression("\(error)")
        }
    }

    /// Checks the stream's trailer against the output: gzip ends with the output size (mod 2^32),
    /// zlib with the Adler-32 of the output.
    static func trailerMatches(compressed: ByteBuffer, output: ByteBuffer, _ encoding: BodyEncoding) -> Bool {
        guard compressed.readableBytes >= 4,
            let tail = compressed.getBytes(at: compressed.readerIndex + compressed.readableBytes - 4, length: 4)
        else { return false }
        switch encoding {
        case .identity: return true
        case .gzip:
            let size = UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24
            return size == UInt32(truncatingIfNeeded: output.readableBytes)
        case .deflate:
            let sum = UInt32(tail[0]) << 24 | UInt32(tail[1]) << 16 | UInt32(tail[2]) << 8 | UInt32(tail[3])
            var a: UInt32 = 1
            var b: UInt32 = 0
            for byte in output.readableBytesView {
                a = (a + UInt32(byte)) % 65521
                b = (b + a) % 65521
            }
            return sum == (b << 16 | a)
        }
    }

    public static func encode<T: Encodable>(_ value: T, _ encoding: BodyEncoding = .identity) throws -> ByteBuffer {
        try compress(ByteBuffer(bytes: try encoder().encode(value)), encoding)
    }

    /// A pull page, written by `JSONText` (the hot path: pages of thousands of records).
    public static func encode(_ page: PullResponse, _ encoding: BodyEncoding = .identity) throws -> ByteBuffer {
        try compress(
            pullPage(
                count: page.records.count, evict: page.evict, checkpoint: page.checkpoint, more: page.more,
                checkouts: page.checkouts
            ) { out, i in
                out.record(page.records[i])
            }, encoding)
    }

    /// The body of a pull page; `writeRecord` writes record `i` (encoded, or spliced as stored).
    /// `checkouts` is written only when given (SYNC.md, "Door checkout").
    public static func pullPage(
        count: Int, evict: [KeyRef], checkpoint: String, more: Bool, checkouts: [ListCheckout]? = nil,
        writeRecord: (inout JSONText, Int) -> Void
    ) -> ByteBuffer {
        var out = JSONText(capacity: 256 * count + 64)
        out.append(raw: "{\"records\":[")
        for i in 0..<count {
            if i > 0 { out.append(raw: ",") }
            writeRecord(&out, i)
        }
        out.append(raw: "],\"evict\":[")
        for (i, k) in evict.enumerated() {
            if i > 0 { out.append(raw: ",") }
            out.append(raw: "{\"collection\":")
            out.string(k.collection)
            out.append(raw: ",\"id\":")
            out.string(k.id)
            out.append(raw: "}")
        }
        out.append(raw: "],\"checkpoint\":")
        out.string(checkpoint)
        out.append(raw: more ? ",\"more\":true" : ",\"more\":false")
        if let checkouts {
            out.append(raw: ",\"checkouts\":[")
            for (i, c) in checkouts.enumerated() {
                if i > 0 { out.append(raw: ",") }
                out.append(raw: "{\"list_id\":")
                out.string(c.listID)
                out.append(raw: ",\"household_id\":")
                out.string(c.householdID)
                out.append(raw: ",\"expires_at\":")
                out.int(c.expiresAt)
                out.append(raw: c.mine ? ",\"mine\":true}" : ",\"mine\":false}")
            }
            out.append(raw: "]")
        }
        out.append(raw: "}")
        return ByteBuffer(bytes: out.bytes)
    }

    /// A push page, written by `JSONText`.
    public static func encode(_ push: PushRequest, _ encoding: BodyEncoding = .identity) throws -> ByteBuffer {
        var out = JSONText(capacity: 256 * push.changes.records.count + 32)
        out.append(raw: "{\"changes\":{\"records\":[")
        for (i, r) in push.changes.records.enumerated() {
            if i > 0 { out.append(raw: ",") }
            out.record(r)
        }
        out.append(raw: "]}}")
        return try compress(ByteBuffer(bytes: out.bytes), encoding)
    }

    public static func decode<T: Decodable>(
        _ type: T.Type, from body: ByteBuffer, _ encoding: BodyEncoding = .identity,
        limit: Int = ProtocolInfo.maxDecompressedBody
    ) throws -> T {
        let plain = try decompress(body, encoding, limit: limit)
        // A push is the server's hottest body: read by `WireReader` when it takes it (the same
        // value `JSONDecoder` gives, or nothing), else by `JSONDecoder`, which also words errors.
        if T.self == PushRequest.self, let push = plain.withUnsafeReadableBytes({ WireReader.pushRequest($0) }) {
            return push as! T
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(plain.readableBytesView))
        } catch let error as DecodingError {
            if case .dataCorrupted(let c) = error, c.codingPath.isEmpty {
                throw ProtocolError.badJSON(describe(error))
            }
            throw ProtocolError.badShape(location: location(error), message: message(error))
        } catch {
            throw ProtocolError.badJSON("\(error)")
        }
    }

    /// Where in the body a decoding error is, as a path like `changes.records[3].fields.phone`.
    public static func location(_ error: DecodingError) -> String {
        let ctx: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): ctx = c
        @unknown default: return "body"
        }
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "body" : String(p.drop { $0 == "." })
    }

    /// What a decoding error says, without the location.
    public static func message(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let c): return "expected \(type); \(c.debugDescription)"
        case .valueNotFound(_, let c): return c.debugDescription
        case .keyNotFound(let k, _): return "missing key '\(k.stringValue)'"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "\(error)"
        }
    }

    /// A decoding error as one line that names where the problem is.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "body" : String(p.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let k, let c): return "\(path(c)): missing key '\(k.stringValue)'"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
