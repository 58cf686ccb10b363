/// Writes the protocol's JSON for values and records directly into a byte buffer: the hot path of
/// the feed and of the store, where Foundation's encoder would dominate the cost of a sync.
/// The output is exactly what the `Codable` conformances in Wire.swift produce (field order
/// aside), and tests hold the two to each other.
public struct JSONText {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ s: String) {
        bytes.append(0x22)
        // Most strings need no escape: copy them whole.
        let plain = s.utf8.withContiguousStorageIfAvailable { u -> Bool in
            for b in u where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            bytes.append(contentsOf: u)
            return true
        }
        if plain == true {
            bytes.append(0x22)
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }

    public mutating func int<I: BinaryInteger>(_ i: I) {
        // Digits written in place: no String per number.
        guard let n = Int64(exactly: i), n != .min else {
            bytes.append(contentsOf: String(i).utf8)
            return
        }
        var m = n.magnitude
        if n < 0 { bytes.append(0x2D) }
        let start = bytes.count
        repeat {
            bytes.append(0x30 + UInt8(m % 10))
            m /= 10
        } while m > 0
        bytes[start...].reverse()
    }

    public mutating func value(_ v: Value) {
        switch v {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .int(let i): int(i)
        case .double(let d):
            if d.isFinite { bytes.append(contentsOf: d.description.utf8) } else { raw("null") }
        case .string(let s): string(s)
        case .array(let a):
            bytes.append(0x5B)
            for (i, x) in a.enumerated() {
                if i > 0 { bytes.append(0x2C) }
                value(x)
            }
            bytes.append(0x5D)
        case .object(let o):
            bytes.append(0x7B)
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { bytes.append(0x2C) }
                string(k)
                bytes.append(0x3A)
                value(o[k]!)
            }
            bytes.append(0x7D)
        }
    }

    public mutating func vector(_ v: VersionVector) {
        bytes.append(0x7B)
        for (i, e) in v.entries.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            string(e.replica.rawValue)
            bytes.append(0x3A)
            int(e.counter)
        }
        bytes.append(0x7D)
    }

    public mutating func register(_ r: Register) {
        raw("{\"siblings\":[")
        for (i, s) in r.siblings.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            bytes.append(0x5B)
            string(s.dot.replica.rawValue)
            bytes.append(0x2C)
            int(s.dot.counter)
            bytes.append(0x2C)
            int(s.wallclock)
            bytes.append(0x2C)
            value(s.value)
            bytes.append(0x5D)
        }
        bytes.append(0x5D)
        if !r.isEmpty, r.context != VersionVector(covering: r.siblings.map(\.dot)) {
            raw(",\"context\":")
            vector(r.context)
        }
        bytes.append(0x7D)
    }

    /// A record in compact form (see `Record`'s `Codable` conformance).
    public mutating func record(_ r: Record) {
        raw("{\"collection\":")
        string(r.key.collection)
        raw(",\"id\":")
        string(r.key.id)
        let compact = r.compactDot
        var rest: [(String, Register)] = []
        if let (dot, wallclock) = compact {
            raw(",\"dot\":[")
            string(dot.replica.rawValue)
            bytes.append(0x2C)
            int(dot.counter)
            bytes.append(0x2C)
            int(wallclock)
            raw("],\"values\":{")
            var first = true
            for name in r.fields.keys.sorted() {
                let reg = r.fields[name]!
                if reg.isSingleWrite, reg.siblings[0].dot == dot, reg.siblings[0].wallclock == wallclock {
                    if !first { bytes.append(0x2C) }
                    first = false
                    string(name)
                    bytes.append(0x3A)
                    value(reg.siblings[0].value)
                } else {
                    rest.append((name, reg))
                }
            }
            bytes.append(0x7D)
        } else {
            rest = r.fields.keys.sorted().map { ($0, r.fields[$0]!) }
        }
        if compact == nil || !rest.isEmpty {
            raw(",\"fields\":{")
            for (i, (name, reg)) in rest.enumerated() {
                if i > 0 { bytes.append(0x2C) }
                string(name)
                bytes.append(0x3A)
                register(reg)
            }
            bytes.append(0x7D)
        }
        bytes.append(0x7D)
    }

    /// `{"name": value, …}` of display values.
    public mutating func object(_ o: [String: Value]) { value(.object(o)) }

    /// The display values of a record's fields, `{"name": value, …}`, sorted by name.
    public mutating func display(_ r: Record) {
        bytes.append(0x7B)
        var first = true
        for name in r.fields.keys.sorted() {
            guard let v = r.fields[name]!.displayValue else { continue }
            if !first { bytes.append(0x2C) }
            first = false
            string(name)
            bytes.append(0x3A)
            value(v)
        }
        bytes.append(0x7D)
    }

    /// Appends JSON text someone else wrote (a stored state, say) verbatim.
    public mutating func append(raw text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func append(raw text: StaticString) { raw(text) }
}
