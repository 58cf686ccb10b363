/// A field value: any JSON value.
///
/// Strings compare by their UTF-8 bytes, with no Unicode normalization: what a canvasser typed
/// is what every replica keeps.
///
/// Numbers keep their exact text round trip: integers as `Int64`, other numbers as `Double` (Swift
/// prints the shortest text that reads back to the same bits, so latitudes survive exactly). A
/// double with an integral value equals the integer with that value, because JSON cannot tell
/// `1.0` from `1`.
public enum Value: Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([Value])
    case object([String: Value])

    /// An integral double within Int64's range, as the integer JSON would read back.
    public var normalized: Value {
        if case .double(let d) = self, d.isFinite, d == d.rounded(), abs(d) < 9.0e18 {
            return .int(Int64(d))
        }
        return self
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.description
        case .string(let s): return s
        case .array(let a): return "[" + a.map(\.jsonText).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\($0): \(o[$0]!.jsonText)" }.joined(separator: ", ") + "}"
        }
    }

    /// The value as it would look in JSON (strings quoted and escaped by the one JSON writer).
    public var jsonText: String {
        guard case .string = self else { return description }
        var text = JSONText(capacity: 16)
        text.value(self)
        return text.string
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var intValue: Int64? {
        switch normalized {
        case .int(let i): return i
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A rank for the total order across kinds.
    private var kindRank: Int {
        switch normalized {
        case .null: return 0
        case .bool: return 1
        case .int, .double: return 2
        case .string: return 3
        case .array: return 4
        case .object: return 5
        }
    }
}

extension Value: Hashable {
    public static func == (a: Value, b: Value) -> Bool {
        switch (a.normalized, b.normalized) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x == y
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch normalized {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .string(let s):
            hasher.combine(s.utf8.count)
            for b in s.utf8 { hasher.combine(b) }
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        }
    }
}

extension Value: Comparable {
    /// A total order, used only to break ties deterministically (never for causality).
    public static func < (a: Value, b: Value) -> Bool {
        let (ra, rb) = (a.kindRank, b.kindRank)
        if ra != rb { return ra < rb }
        switch (a.normalized, b.normalized) {
        case (.bool(let x), .bool(let y)): return !x && y
        case (.int(let x), .int(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.array(let x), .array(let y)): return x.lexicographicallyPrecedes(y)
        case (.object(let x), .object(let y)):
            let kx = x.keys.sorted()
            let ky = y.keys.sorted()
            if kx != ky { return kx.lexicographicallyPrecedes(ky) }
            return kx.map { x[$0]! }.lexicographicallyPrecedes(ky.map { y[$0]! })
        default:
            return (a.doubleValue ?? 0) < (b.doubleValue ?? 0)
        }
    }
}

extension Value: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Most field values are strings, so try that first: every failed attempt costs an error.
        if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if c.decodeNil() {
            self = .null
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = Value.double(d).normalized
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let a = try? c.decode([Value].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: Value].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
}
