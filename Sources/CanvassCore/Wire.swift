// The JSON encoding of the replication types, as protocol/SYNC.md ("Encoding") specifies.
// Decoding checks shape (well-formed replica ids, counters ≥ 1) so that nothing malformed
// reaches a merge; schema checks come later, in Schema.validate.

/// Largest counter or wallclock the protocol carries: 2^53 - 1, exact in every JSON reader.
public let maxSafeInteger: UInt64 = 9_007_199_254_740_991

private func decodeReplica(_ raw: String, codingPath: [any CodingKey]) throws -> ReplicaID {
    let r = ReplicaID(raw)
    guard r.isWellFormed else {
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: codingPath,
                debugDescription: "replica id '\(raw.prefix(40))' must be 1–32 characters of A-Z a-z 0-9 _ -"))
    }
    return r
}

/// Decodes a counter (1…2^53−1) or a wallclock (0…2^53−1) with `exact`, throwing one shape
/// error at `codingPath` for every number out of that range. Foundation's JSON reader throws its
/// own internal error both for a number it cannot represent (negative, 2^64 or more, a fraction)
/// and for a malformed one (`-`, `01`), and both reach the caller as "not valid JSON" with no
/// location. A number that reads as a `Double` (`approx`), or that the reader calls not
/// representable, is valid JSON: it becomes the same error as 0 or 2^53, a shape problem that
/// names its place. Only malformed numbers stay JSON errors.
private func decodeSafeInteger(
    _ what: String, from: UInt64, codingPath: [any CodingKey], _ exact: () throws -> UInt64,
    _ approx: () throws -> Double
) throws -> UInt64 {
    let message = "\(what) must be a whole number from \(from) to 2^53-1"
    let n: UInt64
    do {
        n = try exact()
    } catch let error as DecodingError {
        throw error  // not a number at all: already located
    } catch {
        guard (try? approx()) != nil || String(describing: error).hasPrefix("numberIsNotRepresentable") else {
            throw error
        }
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: message))
    }
    guard n >= from, n <= maxSafeInteger else {
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(message), not \(n)"))
    }
    return n
}

private func decodeCounter(codingPath: [any CodingKey], _ c: inout some UnkeyedDecodingContainer) throws -> UInt64 {
    try decodeSafeInteger(
        "counter", from: 1, codingPath: codingPath, { try c.decode(UInt64.self) }, { try c.decode(Double.self) })
}

private func decodeWallclock(codingPath: [any CodingKey], _ c: inout some UnkeyedDecodingContainer) throws -> Int64 {
    Int64(
        try decodeSafeInteger(
            "wallclock (milliseconds since 1970)", from: 0, codingPath: codingPath, { try c.decode(UInt64.self) },
            { try c.decode(Double.self) }))
}
extension ReplicaID: Codable {
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        self = try decodeReplica(s, codingPath: decoder.codingPath)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// `["replica", counter]`
extension Dot: Codable {
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let r = try decodeReplica(try c.decode(String.self), codingPath: decoder.codingPath)
        let n = try decodeCounter(codingPath: decoder.codingPath, &c)
        if !c.isAtEnd { throw DecodingError.dataCorruptedError(in: c, debugDescription: "a dot is [replica, counter]") }
        self.init(r, n)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(replica.rawValue)
        try c.encode(counter)
    }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `{"replica": counter, …}`, keys sorted.
extension VersionVector: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: DynamicKey.self)
        self.init()
        for key in c.allKeys {
            let r = try decodeReplica(key.stringValue, codingPath: c.codingPath + [key])
            // 0 is allowed here: it means absent.
            let n = try decodeSafeInteger(
                "counter", from: 0, codingPath: c.codingPath + [key], { try c.decode(UInt64.self, forKey: key) },
                { try c.decode(Double.self, forKey: key) })
            advance(r, to: n)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        for e in entries { try c.encode(e.counter, forKey: DynamicKey(stringValue: e.replica.rawValue)) }
    }
}

/// `{"vector": {…}, "cloud": [[r, n], …]}`
extension CausalContext: Codable {
    enum CodingKeys: String, CodingKey { case vector, cloud }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            vector: try c.decodeIfPresent(VersionVector.self, forKey: .vector) ?? VersionVector(),
            cloud: Set(try c.decodeIfPresent([Dot].self, forKey: .cloud) ?? []))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vector, forKey: .vector)
        try c.encode(cloud.sorted(), forKey: .cloud)
    }
}

/// `["replica", counter, wallclock, value]`
extension Sibling: Codable {
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let r = try decodeReplica(try c.decode(String.self), codingPath: decoder.codingPath)
        let n = try decodeCounter(codingPath: decoder.codingPath, &c)
        let t = try decodeWallclock(codingPath: decoder.codingPath, &c)
        let v = try c.decode(Value.self)
        if !c.isAtEnd {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "a sibling is [replica, counter, wallclock, value]")
        }
        self.init(dot: Dot(r, n), wallclock: t, value: v)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(dot.replica.rawValue)
        try c.encode(dot.counter)
        try c.encode(wallclock)
        try c.encode(value)
    }
}

/// `{"siblings": [...], "context": {...}}`; `context` is left out when it is exactly the vector
/// covering the siblings' dots, the common case after a single write.
extension Register: Codable {
    enum CodingKeys: String, CodingKey { case siblings, context }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let siblings = try c.decode([Sibling].self, forKey: .siblings)
        // Every write leaves a sibling (a delete leaves null), so an empty register can only be
        // malformed; refusing it keeps records without content out of every store.
        guard !siblings.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .siblings, in: c, debugDescription: "a register holds at least one sibling")
        }
        let context = try c.decodeIfPresent(VersionVector.self, forKey: .context)
        self.init(siblings: siblings, context: context)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(siblings, forKey: .siblings)
        if context != VersionVector(covering: siblings.map(\.dot)) {
            try c.encode(context, forKey: .context)
        }
    }
}

/// `{"collection": "...", "id": "...", "fields": {"name": register, …}}`, or in compact form
/// `{"collection", "id", "dot": [replica, counter, wallclock], "values": {"name": value, …}, "fields": {…}}`.
///
/// The compact form is how single-writer fields travel: every field in `values` is a register
/// with one sibling at the record-level `dot` and a context of exactly that dot. A fresh import
/// or a new interaction is nothing but such fields, so pages shrink about threefold. Encoders use
/// it for the dot most such fields share; decoders accept both forms and any mix.
extension Record: Codable {
    enum CodingKeys: String, CodingKey { case collection, id, dot, values, fields }

    /// The (dot, wallclock) most single-writer registers share, if any register qualifies.
    public var compactDot: (Dot, Int64)? {
        // Common case: every single-write register shares one dot (an import, a new record).
        var first: Sibling?
        var uniform = true
        for reg in fields.values where reg.isSingleWrite {
            let s = reg.siblings[0]
            if let f = first {
                if f.dot != s.dot || f.wallclock != s.wallclock {
                    uniform = false
                    break
                }
            } else {
                first = s
            }
        }
        guard let f = first else { return nil }
        if uniform { return (f.dot, f.wallclock) }
        var counts: [Dot: (Int, Int64)] = [:]
        for reg in fields.values where reg.isSingleWrite {
            let s = reg.siblings[0]
            counts[s.dot, default: (0, s.wallclock)].0 += 1
        }
        guard let best = counts.max(by: { $0.value.0 != $1.value.0 ? $0.value.0 < $1.value.0 : $1.key < $0.key }) else {
            return nil
        }
        return (best.key, best.value.1)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let collection = try c.decode(String.self, forKey: .collection)
        guard !collection.isEmpty, collection.utf8.count <= 64 else {
            throw DecodingError.dataCorruptedError(
                forKey: .collection, in: c, debugDescription: "collection must be 1–64 bytes")
        }
        let id = try c.decode(String.self, forKey: .id)
        var fields = try c.decodeIfPresent([String: Register].self, forKey: .fields) ?? [:]
        if let values = try c.decodeIfPresent([String: Value].self, forKey: .values), !values.isEmpty {
            var dc = try c.nestedUnkeyedContainer(forKey: .dot)
            let r = ReplicaID(try dc.decode(String.self))
            let at = c.codingPath + [CodingKeys.dot]
            let n = try decodeCounter(codingPath: at, &dc)
            let t = try decodeWallclock(codingPath: at, &dc)
            guard r.isWellFormed, dc.isAtEnd else {
                throw DecodingError.dataCorruptedError(
                    forKey: .dot, in: c, debugDescription: "dot must be [replica, counter ≥ 1, wallclock ≥ 0]")
            }
            let dot = Dot(r, n)
            for (name, value) in values {
                guard fields[name] == nil else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .values, in: c, debugDescription: "field '\(name)' is in both values and fields")
                }
                fields[name] = Register(siblings: [Sibling(dot: dot, wallclock: t, value: value)])
            }
        }
        self.init(key: RecordKey(collection, id), fields: fields)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key.collection, forKey: .collection)
        try c.encode(key.id, forKey: .id)
        guard let (dot, wallclock) = compactDot else {
            try c.encode(fields, forKey: .fields)
            return
        }
        var values: [String: Value] = [:]
        var rest: [String: Register] = [:]
        for (name, reg) in fields {
            if reg.isSingleWrite, reg.siblings[0].dot == dot, reg.siblings[0].wallclock == wallclock {
                values[name] = reg.siblings[0].value
            } else {
                rest[name] = reg
            }
        }
        var dc = c.nestedUnkeyedContainer(forKey: .dot)
        try dc.encode(dot.replica.rawValue)
        try dc.encode(dot.counter)
        try dc.encode(wallclock)
        try c.encode(values, forKey: .values)
        if !rest.isEmpty { try c.encode(rest, forKey: .fields) }
    }
}

/// `{"records": [...]}`
extension ChangeSet: Codable {
    enum CodingKeys: String, CodingKey { case records }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(records: try c.decodeIfPresent([Record].self, forKey: .records) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(records, forKey: .records)
    }
}

extension Diagnostic.Severity {}
