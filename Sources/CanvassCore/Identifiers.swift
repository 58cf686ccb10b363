/// The identity of a replica: the server or one enrolled device.
///
/// Assigned once at enrollment and never reused: reusing an ID would reuse dot counters and
/// silently lose writes. Valid IDs are 1–32 characters of `A-Z a-z 0-9 _ -`.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Whether the ID has the shape the protocol allows.
    public var isWellFormed: Bool {
        let bytes = rawValue.utf8
        guard (1...32).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
    }

    @inlinable
    public static func < (a: ReplicaID, b: ReplicaID) -> Bool {
        a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8)
    }
}

/// One event: the `counter`-th write minted by `replica`. Counters start at 1.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let replica: ReplicaID
    public let counter: UInt64

    public init(_ replica: ReplicaID, _ counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    public var description: String { "\(replica.rawValue):\(counter)" }

    @inlinable
    public static func < (a: Dot, b: Dot) -> Bool {
        a.replica == b.replica ? a.counter < b.counter : a.replica < b.replica
    }
}

/// Which of two things causally precedes the other.
public enum CausalOrder: String, Sendable, Codable {
    case before, after, equal, concurrent
}

/// Record ids made from names people type (a campaign, a cut's list prefix): lower-case ASCII
/// letters and digits, every other run as one hyphen, at most 60 characters, so the same name
/// typed on two laptops offline gives the same id. Empty when the name has no letter or digit.
public enum Slug {
    public static func of(_ name: String) -> String {
        var out = ""
        for ch in name.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                out.append(ch)
            } else if !out.isEmpty && out.last != "-" {
                out.append("-")
            }
        }
        while out.last == "-" { out.removeLast() }
        return String(out.prefix(60))
    }
}
