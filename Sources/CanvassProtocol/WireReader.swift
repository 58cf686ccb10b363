import CanvassCore
import NIOCore

/// A reader for the protocol's largest bodies (pull pages, change sets) straight from UTF-8
/// bytes, without Foundation's `JSONDecoder` and its `Codable` boxes, which made decoding most
/// of a first sync's client time.
///
/// It reads only the canonical shapes SYNC.md describes ("Encoding") and applies the same shape
/// checks as the `Codable` conformances (well-formed replica ids, counters 1…2^53−1, wallclocks
/// 0…2^53−1, no empty register, collection 1–64 bytes, no field in both `values` and `fields`).
/// Whenever a body is anything else — malformed, a duplicate key, a `null` where an optional
/// member is expected, a number written unusually — it gives up (`nil`), and the caller decodes
/// the body with `JSONDecoder`, which has the last word on the value or the error. So the two can
/// never disagree on what a body means; tests hold them to the same results on the vectors and on
/// random records.
public enum WireReader {
    /// A pull page, or nil when the body is not one this reader takes.
    public static func pullResponse(_ bytes: UnsafeRawBufferPointer) -> PullResponse? {
        var c = Cursor(bytes)
        return try? c.whole { try $0.pullResponse() }
    }

    /// A record in either form, or nil.
    public static func record(_ bytes: UnsafeRawBufferPointer) -> Record? {
        var c = Cursor(bytes)
        return try? c.whole { try $0.record() }
    }

    /// `{"records": [...]}`, or nil.
    public static func changeSet(_ bytes: UnsafeRawBufferPointer) -> ChangeSet? {
        var c = Cursor(bytes)
        return try? c.whole { try $0.changeSet() }
    }

    /// A push body, `{"changes": {"records": [...]}}`, or nil. Any other top-level key gives up,
    /// so that `JSONDecoder` refuses it with its own error, as `PushRequest` does.
    public static func pushRequest(_ bytes: UnsafeRawBufferPointer) -> PushRequest? {
        var c = Cursor(bytes)
        return try? c.whole { c in
            var changes: ChangeSet?
            try c.object { c, key in
                guard key == "changes", changes == nil else { throw GiveUp() }
                changes = try c.changeSet()
            }
            guard let changes else { throw GiveUp() }
            return PushRequest(changes: changes)
        }
    }

    /// The same for a string (a stored state).
    public static func record(_ text: String) -> Record? {
        var text = text
        return text.withUTF8 { record(UnsafeRawBufferPointer($0)) }
    }
}

/// Not a shape this reader takes: the caller falls back to `JSONDecoder`.
private struct GiveUp: Error {}

private struct Cursor {
    let base: UnsafePointer<UInt8>?
    let end: Int
    var i = 0
    /// Arrays and objects open around the value being read. The reader recurses per level, so a
    /// hostile body nested thousands deep would overflow the stack: past `maxDepth` it gives up,
    /// and JSONDecoder (which refuses nesting past its own limit) answers instead.
    var depth = 0
    static let maxDepth = 64

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = bytes.count
    }

    mutating func whole<T>(_ body: (inout Cursor) throws -> T) throws -> T {
        guard base != nil else { throw GiveUp() }
        let v = try body(&self)
        skipSpace()
        guard i == end else { throw GiveUp() }
        return v
    }

    // MARK: tokens

    @inline(__always) func peek() -> UInt8 { i < end ? base![i] : 0 }

    @inline(__always) mutating func skipSpace() {
        while i < end {
            let b = base![i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    /// The next non-space byte, consumed.
    @inline(__always) mutating func next() -> UInt8 {
        skipSpace()
        guard i < end else { return 0 }
        defer { i += 1 }
        return base![i]
    }

    @inline(__always) mutating func expect(_ b: UInt8) throws {
        guard next() == b else { throw GiveUp() }
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard end - i >= n else { throw GiveUp() }
        for k in 0..<n where base![i + k] != word.utf8Start[k] { throw GiveUp() }
        i += n
    }

    /// Visits each member of an object. Each caller refuses a key it meets twice: which of the
    /// two counts is JSONDecoder's to decide.
    mutating func object(_ member: (inout Cursor, String) throws -> Void) throws {
        try expect(0x7B)
        if peekNonSpace() == 0x7D {
            i += 1
            return
        }
        while true {
            try expect(0x22)
            let key = try stringBody()
            try expect(0x3A)
            try member(&self, key)
            switch next() {
            case 0x2C: continue
            case 0x7D: return
            default: throw GiveUp()
            }
        }
    }

    /// Visits each element of an array.
    mutating func array(_ element: (inout Cursor) throws -> Void) throws {
        try expect(0x5B)
        if peekNonSpace() == 0x5D {
            i += 1
            return
        }
        while true {
            try element(&self)
            switch next() {
            case 0x2C: continue
            case 0x5D: return
            default: throw GiveUp()
            }
        }
    }

    mutating func peekNonSpace() -> UInt8 {
        skipSpace()
        return peek()
    }

    mutating func string() throws -> String {
        try expect(0x22)
        return try stringBody()
    }

    /// The rest of a string after its opening quote.
    mutating func stringBody() throws -> String {
        let start = i
        var ascii = true
        while i < end {
            let b = base![i]
            if b == 0x22 {
                let s = UnsafeBufferPointer(start: base! + start, count: i - start)
                i += 1
                if ascii { return String(decoding: s, as: UTF8.self) }
                guard let v = String(validating: s, as: UTF8.self) else { throw GiveUp() }
                return v
            }
            if b == 0x5C { return try escapedString(from: start) }
            if b < 0x20 { throw GiveUp() }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        throw GiveUp()
    }

    /// A string with escapes, from its first byte.
    mutating func escapedString(from start: Int) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(i - start + 16)
        out.append(contentsOf: UnsafeBufferPointer(start: base! + start, count: i - start))
        while i < end {
            let b = base![i]
            i += 1
            switch b {
            case 0x22:
                guard let v = String(validating: out, as: UTF8.self) else { throw GiveUp() }
                return v
            case 0x5C:
                guard i < end else { throw GiveUp() }
                let e = base![i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard end - i >= 6, base![i] == 0x5C, base![i + 1] == 0x75 else { throw GiveUp() }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw GiveUp() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw GiveUp()
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw GiveUp() }
                    out.append(contentsOf: UTF8.encode(u)!)
                default: throw GiveUp()
                }
            default:
                if b < 0x20 { throw GiveUp() }
                out.append(b)
            }
        }
        throw GiveUp()
    }

    mutating func hex4() throws -> UInt32 {
        guard end - i >= 4 else { throw GiveUp() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = base![i]
            i += 1
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw GiveUp()
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// A JSON number: an integer literal that fits `Int64` as `.int`, any other finite number as
    /// `JSONDecoder` reads it into `Value` (a double, normalized). Malformed numbers give up.
    mutating func number() throws -> Value {
        skipSpace()
        let start = i
        var integral = true
        if peek() == 0x2D { i += 1 }
        guard i < end else { throw GiveUp() }
        if base![i] == 0x30 {
            i += 1
        } else if (0x31...0x39).contains(base![i]) {
            while i < end, (0x30...0x39).contains(base![i]) { i += 1 }
        } else {
            throw GiveUp()
        }
        if peek() == 0x2E {
            integral = false
            i += 1
            let d = i
            while i < end, (0x30...0x39).contains(base![i]) { i += 1 }
            guard i > d else { throw GiveUp() }
        }
        if peek() == 0x65 || peek() == 0x45 {
            integral = false
            i += 1
            if peek() == 0x2B || peek() == 0x2D { i += 1 }
            let d = i
            while i < end, (0x30...0x39).contains(base![i]) { i += 1 }
            guard i > d else { throw GiveUp() }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base! + start, count: i - start), as: UTF8.self)
        if integral, let n = Int64(text) { return .int(n) }
        // Near Int64's limits JSONDecoder may still read an integral number as Int64: leave
        // those to it. Beyond them it reads a double, as here.
        guard let d = Double(text), d.isFinite, abs(d) < 9.0e18 || abs(d) > 9.3e18 else { throw GiveUp() }
        return Value.double(d).normalized
    }

    /// A number written as a plain integer (no fraction, no exponent) that fits `Int64`.
    mutating func plainInteger() throws -> Int64 {
        skipSpace()
        let start = i
        if peek() == 0x2D { i += 1 }
        let digits = i
        while i < end, (0x30...0x39).contains(base![i]) { i += 1 }
        guard i > digits, i - digits == 1 || base![digits] != 0x30 else { throw GiveUp() }
        let b = peek()
        guard b != 0x2E, b != 0x65, b != 0x45,
            let n = Int64(String(decoding: UnsafeBufferPointer(start: base! + start, count: i - start), as: UTF8.self))
        else { throw GiveUp() }
        return n
    }

    /// A whole number `from`…2^53−1 written as a plain integer.
    mutating func safeInteger(from: UInt64) throws -> UInt64 {
        let n = try plainInteger()
        guard n >= 0, UInt64(n) >= from, UInt64(n) <= maxSafeInteger else { throw GiveUp() }
        return UInt64(n)
    }

    mutating func bool() throws -> Bool {
        switch peekNonSpace() {
        case 0x74:
            try literal("true")
            return true
        case 0x66:
            try literal("false")
            return false
        default: throw GiveUp()
        }
    }

    // MARK: values

    mutating func value() throws -> Value {
        switch peekNonSpace() {
        case 0x22:
            i += 1
            return .string(try stringBody())
        case 0x6E:
            try literal("null")
            return .null
        case 0x74, 0x66: return .bool(try bool())
        case 0x5B:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw GiveUp() }
            var a: [Value] = []
            try array { a.append(try $0.value()) }
            return .array(a)
        case 0x7B:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw GiveUp() }
            var o: [String: Value] = [:]
            try object { c, k in if o.updateValue(try c.value(), forKey: k) != nil { throw GiveUp() } }
            return .object(o)
        default: return try number()
        }
    }

    mutating func replica() throws -> ReplicaID {
        let r = ReplicaID(try string())
        guard r.isWellFormed else { throw GiveUp() }
        return r
    }

    // MARK: protocol types

    /// `["replica", counter, wallclock, value]`
    mutating func sibling() throws -> Sibling {
        try expect(0x5B)
        let r = try replica()
        try expect(0x2C)
        let n = try safeInteger(from: 1)
        try expect(0x2C)
        let t = try safeInteger(from: 0)
        try expect(0x2C)
        let v = try value()
        try expect(0x5D)
        return Sibling(dot: Dot(r, n), wallclock: Int64(t), value: v)
    }

    mutating func vector() throws -> VersionVector {
        var v = VersionVector()
        var seen: [String] = []
        try object { c, key in
            let r = ReplicaID(key)
            guard r.isWellFormed, !seen.contains(key) else { throw GiveUp() }
            seen.append(key)
            v.advance(r, to: try c.safeInteger(from: 0))
        }
        return v
    }

    mutating func register() throws -> Register {
        var siblings: [Sibling]?
        var context: VersionVector?
        try object { c, key in
            switch key {
            case "siblings":
                guard siblings == nil else { throw GiveUp() }
                var s: [Sibling] = []
                try c.array { s.append(try $0.sibling()) }
                siblings = s
            case "context":
                guard context == nil else { throw GiveUp() }
                context = try c.vector()
            default: try c.skipValue()
            }
        }
        guard let siblings, !siblings.isEmpty else { throw GiveUp() }
        return Register(siblings: siblings, context: context)
    }

    mutating func record() throws -> Record {
        var collection: String?
        var id: String?
        var dot: (Dot, Int64)?
        var values: [String: Value]?
        var fields: [String: Register]?
        try object { c, key in
            switch key {
            case "collection":
                guard collection == nil else { throw GiveUp() }
                collection = try c.string()
            case "id":
                guard id == nil else { throw GiveUp() }
                id = try c.string()
            case "dot":
                guard dot == nil else { throw GiveUp() }
                try c.expect(0x5B)
                let r = try c.replica()
                try c.expect(0x2C)
                let n = try c.safeInteger(from: 1)
                try c.expect(0x2C)
                let t = try c.safeInteger(from: 0)
                try c.expect(0x5D)
                dot = (Dot(r, n), Int64(t))
            case "values":
                guard values == nil else { throw GiveUp() }
                var v: [String: Value] = [:]
                v.reserveCapacity(32)
                try c.object { c, k in if v.updateValue(try c.value(), forKey: k) != nil { throw GiveUp() } }
                values = v
            case "fields":
                guard fields == nil else { throw GiveUp() }
                var f: [String: Register] = [:]
                try c.object { c, k in if f.updateValue(try c.register(), forKey: k) != nil { throw GiveUp() } }
                fields = f
            default: try c.skipValue()
            }
        }
        guard let collection, !collection.isEmpty, collection.utf8.count <= 64, let id else { throw GiveUp() }
        var all = fields ?? [:]
        if let values, !values.isEmpty {
            guard let (d, t) = dot else { throw GiveUp() }
            all.reserveCapacity(all.count + values.count)
            for (name, v) in values {
                guard all[name] == nil else { throw GiveUp() }
                all[name] = Register(siblings: [Sibling(dot: d, wallclock: t, value: v)])
            }
        }
        return Record(key: RecordKey(collection, id), fields: all)
    }

    mutating func records() throws -> [Record] {
        var out: [Record] = []
        try array { out.append(try $0.record()) }
        return out
    }

    mutating func changeSet() throws -> ChangeSet {
        var records: [Record]?
        try object { c, key in
            if key == "records" {
                guard records == nil else { throw GiveUp() }
                records = try c.records()
            } else {
                try c.skipValue()
            }
        }
        return ChangeSet(records: records ?? [])
    }

    mutating func pullResponse() throws -> PullResponse {
        var records: [Record]?
        var evict: [KeyRef]?
        var checkpoint: String?
        var more: Bool?
        var checkouts: [ListCheckout]?
        try object { c, key in
            switch key {
            case "records":
                guard records == nil else { throw GiveUp() }
                records = try c.records()
            case "evict":
                guard evict == nil else { throw GiveUp() }
                var e: [KeyRef] = []
                try c.array { c in
                    var collection: String?
                    var id: String?
                    try c.object { c, k in
                        switch k {
                        case "collection" where collection == nil: collection = try c.string()
                        case "id" where id == nil: id = try c.string()
                        case "collection", "id": throw GiveUp()
                        default: try c.skipValue()
                        }
                    }
                    guard let collection, let id else { throw GiveUp() }
                    e.append(KeyRef(RecordKey(collection, id)))
                }
                evict = e
            case "checkpoint":
                guard checkpoint == nil else { throw GiveUp() }
                checkpoint = try c.string()
            case "more":
                guard more == nil else { throw GiveUp() }
                more = try c.bool()
            case "checkouts":
                guard checkouts == nil else { throw GiveUp() }
                var out: [ListCheckout] = []
                try c.array { c in
                    var list: String?
                    var household: String?
                    var expires: Int64?
                    var mine: Bool?
                    try c.object { c, k in
                        switch k {
                        case "list_id" where list == nil: list = try c.string()
                        case "household_id" where household == nil: household = try c.string()
                        case "expires_at" where expires == nil: expires = try c.plainInteger()
                        case "mine" where mine == nil: mine = try c.bool()
                        case "list_id", "household_id", "expires_at", "mine": throw GiveUp()
                        default: try c.skipValue()
                        }
                    }
                    guard let list, let household, let expires, let mine else { throw GiveUp() }
                    out.append(ListCheckout(listID: list, householdID: household, expiresAt: expires, mine: mine))
                }
                checkouts = out
            default: try c.skipValue()
            }
        }
        guard let records, let evict, let checkpoint, let more else { throw GiveUp() }
        return PullResponse(records: records, evict: evict, checkpoint: checkpoint, more: more, checkouts: checkouts)
    }

    /// Skips a member this reader does not use (JSONDecoder ignores unknown keys too), checking
    /// that it is well-formed JSON.
    mutating func skipValue() throws { _ = try value() }
}

extension WireCodec {
    /// A pull page: decompressed (capped), read by `WireReader`, and by `JSONDecoder` only when
    /// the reader gives up, so a bad body gets the same error as `decode(_:from:_:limit:)` gives.
    public static func decodePull(
        _ body: ByteBuffer, _ encoding: BodyEncoding = .identity, limit: Int = ProtocolInfo.maxDecompressedBody
    ) throws -> PullResponse {
        let plain = try decompress(body, encoding, limit: limit)
        if let page = plain.withUnsafeReadableBytes({ WireReader.pullResponse($0) }) { return page }
        return try decode(PullResponse.self, from: plain, .identity, limit: limit)
    }
}
