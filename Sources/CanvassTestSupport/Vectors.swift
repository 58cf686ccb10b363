import CanvassCore
import CanvassFixtures
import Foundation

/// The repository root, found by walking up from a source file to the folder holding Package.swift.
public func repositoryRoot(from file: String = #filePath) -> URL {
    var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
    while dir.path != "/" {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    fatalError("no Package.swift above \(file)")
}

/// One file of protocol/vectors: a merge scenario or a causal-context scenario.
public struct MergeVector: Decodable, Sendable {
    public struct ExpectedConflict: Decodable, Hashable, Sendable {
        public let collection: String
        public let id: String
        public let field: String
        public let values: [Value]

        public init(collection: String, id: String, field: String, values: [Value]) {
            self.collection = collection
            self.id = id
            self.field = field
            self.values = values
        }
    }

    public struct Expectation: Decodable, Sendable {
        public let records: [Record]?
        public let conflicts: [ExpectedConflict]?
        /// "collection/id" → field → display value.
        public let display: [String: [String: Value]]?
    }

    public enum ContextStep: Decodable, Sendable {
        case insert([Dot])
        case union(CausalContext)
        case expect(CausalContext)

        enum CodingKeys: String, CodingKey { case insert, union, expect }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let dots = try c.decodeIfPresent([Dot].self, forKey: .insert) {
                self = .insert(dots)
            } else if let ctx = try c.decodeIfPresent(CausalContext.self, forKey: .union) {
                self = .union(ctx)
            } else {
                self = .expect(try c.decode(CausalContext.self, forKey: .expect))
            }
        }
    }

    public let file: String
    public let name: String
    public let description: String
    public let kind: String
    public let start: ChangeSet?
    public let deliver: [ChangeSet]?
    public let expect: Expectation?
    public let steps: [ContextStep]?
    public let expectContext: CausalContext?

    enum CodingKeys: String, CodingKey { case name, description, kind, start, deliver, expect, steps }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = ""
        name = try c.decode(String.self, forKey: .name)
        description = try c.decode(String.self, forKey: .description)
        kind = try c.decode(String.self, forKey: .kind)
        start = try c.decodeIfPresent(ChangeSet.self, forKey: .start)
        deliver = try c.decodeIfPresent([ChangeSet].self, forKey: .deliver)
        steps = try c.decodeIfPresent([ContextStep].self, forKey: .steps)
        if kind == "context" {
            expectContext = try c.decode(CausalContext.self, forKey: .expect)
            expect = nil
        } else {
            expect = try c.decode(Expectation.self, forKey: .expect)
            expectContext = nil
        }
    }

    private init(copy v: MergeVector, file: String) {
        self.file = file
        name = v.name
        description = v.description
        kind = v.kind
        start = v.start
        deliver = v.deliver
        expect = v.expect
        steps = v.steps
        expectContext = v.expectContext
    }

    /// Every vector in protocol/vectors, sorted by file name.
    public static func loadAll() throws -> [MergeVector] {
        let dir = repositoryRoot().appendingPathComponent("protocol/vectors")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
            .sorted()
        return try files.map { name in
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            do {
                return MergeVector(copy: try JSONDecoder().decode(MergeVector.self, from: data), file: name)
            } catch {
                throw VectorError(file: name, underlying: "\(error)")
            }
        }
    }

    /// The conflicts of a set of records in the vectors' shape, for comparison.
    public static func conflicts(of records: [Record]) -> Set<ExpectedConflict> {
        Set(
            records.flatMap(\.conflicts).map {
                ExpectedConflict(
                    collection: $0.key.collection, id: $0.key.id, field: $0.field, values: $0.siblings.map(\.value))
            })
    }
}

public struct VectorError: Error, CustomStringConvertible {
    public let file: String
    public let underlying: String
    public var description: String { "protocol/vectors/\(file): \(underlying)" }
}

/// All orderings of a small array, or `limit` seeded shuffles of a larger one.
public func orderings<T>(_ items: [T], limit: Int = 120, seed: UInt64 = 7) -> [[T]] {
    if items.count <= 5 {
        var out: [[T]] = []
        func permute(_ prefix: [T], _ rest: [T]) {
            if rest.isEmpty { out.append(prefix); return }
            for i in rest.indices {
                var r = rest
                let x = r.remove(at: i)
                permute(prefix + [x], r)
            }
        }
        permute([], items)
        return out
    }
    var rng = SplitMix64(seed: seed)
    return (0..<limit).map { _ in
        var copy = items
        rng.shuffle(&copy)
        return copy
    }
}
