import CanvassCore
import Testing

/// `CanvasserScope.mayChange(after:)`: a scope kept across every change it calls harmless must
/// equal the scope derived again from scratch.
@Suite struct ScopeDependencyTests {
    /// Answers exactly what each question asks, as a database with indexes would: the rules then
    /// reach only what they need, which is what `mayChange` must account for.
    struct Exact: ScopeSource {
        let all: [RecordKey: RecordValues]
        func assignments(of userID: String, fields: [String]) -> [RecordValues] {
            all.values.filter { $0.key.collection == "assignments" && $0["user_id"]?.stringValue == userID }
        }
        func listItems(of lists: Set<String>, fields: [String]) -> [RecordValues] {
            all.values.filter { $0.key.collection == "list_items" && lists.contains($0["list_id"]?.stringValue ?? "") }
        }
        func interactions(of userID: String, fields: [String]) -> [RecordValues] {
            all.values.filter { $0.key.collection == "interactions" && $0["user_id"]?.stringValue == userID }
        }
        func records(_ keys: Set<RecordKey>, fields: [String]) -> [RecordValues] { keys.compactMap { all[$0] } }
    }

    /// A small deterministic generator, so a failure reproduces from its seed.
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        mutating func pick(_ options: [String]) -> String { options[next(options.count)] }
    }

    /// A random new state for a record of any collection the rules read, or of one they do not.
    static func change(_ g: inout Generator) -> RecordValues {
        let collection = g.pick([
            "assignments", "lists", "list_items", "contacts", "households", "surveys", "campaigns", "interactions",
            "donations",
        ])
        let id = "\(collection.prefix(2))-\(g.next(4))"
        var values: [String: Value] = [:]
        func maybe(_ field: String, _ options: [String]) {
            if g.next(4) > 0 { values[field] = .string(g.pick(options)) }
        }
        let lists = ["li-0", "li-1", "li-2", "li-3"]
        let contacts = ["co-0", "co-1", "co-2", "co-3"]
        let households = ["ho-0", "ho-1", "ho-2", "ho-3"]
        switch collection {
        case "assignments", "interactions":
            maybe("user_id", ["ann", "bob"])
            maybe("list_id", lists)
        case "lists":
            maybe("survey_id", ["su-0", "su-1", "su-2"])
            maybe("campaign_id", ["ca-0", "ca-1"])
        case "list_items":
            maybe("list_id", lists)
            maybe("contact_id", contacts)
            maybe("household_id", households)
        case "contacts": maybe("household_id", households)
        default: break
        }
        if g.next(5) == 0 { values[Record.deletedField] = .bool(true) }
        return RecordValues(key: RecordKey(collection, id), values: values)
    }

    @Test(arguments: 0..<40) func aScopeKeptAcrossHarmlessChangesIsTheScope(seed: Int) throws {
        var g = Generator(state: UInt64(seed) &+ 0x9E37_79B9)
        var state: [RecordKey: RecordValues] = [:]
        for _ in 0..<30 {
            let r = Self.change(&g)
            state[r.key] = r
        }
        for user in ["ann", "bob"] {
            var cached = try CanvasserScope(userID: user, source: Exact(all: state))
            var kept = 0
            for step in 0..<200 {
                let r = Self.change(&g)
                state[r.key] = r
                let fresh = try CanvasserScope(userID: user, source: Exact(all: state))
                if cached.mayChange(after: r) {
                    cached = fresh
                } else {
                    kept += 1
                    #expect(cached.keys == fresh.keys, "seed \(seed), \(user), step \(step): \(r.key) \(r.values)")
                    if cached.keys != fresh.keys { return }
                }
            }
            // The check must be able to keep a scope at all, or it protects nothing.
            #expect(kept > 0, "seed \(seed)")
        }
    }

    @Test func whatAScopeDependsOn() throws {
        func rec(_ c: String, _ id: String, _ v: [String: Value] = [:]) -> RecordValues {
            RecordValues(key: RecordKey(c, id), values: v)
        }
        let state = [
            rec("assignments", "a1", ["user_id": "ann", "list_id": "l1"]),
            rec("assignments", "a2", ["user_id": "ann", "list_id": "l-missing"]),
            rec("lists", "l1", ["survey_id": "s1"]),
            rec("list_items", "i1", ["list_id": "l1", "contact_id": "c1"]),
            rec("contacts", "c1", ["household_id": "h1"]),
            rec("interactions", "x1", ["user_id": "bob"]),
        ]
        let scope = try CanvasserScope(
            userID: "ann", source: Exact(all: Dictionary(uniqueKeysWithValues: state.map { ($0.key, $0) })))
        // Reached by key, found or not.
        #expect(scope.mayChange(after: rec("lists", "l-missing")))
        #expect(scope.mayChange(after: rec("households", "h1")))
        #expect(scope.mayChange(after: rec("surveys", "s1")))
        // Found by a field naming the user or their list.
        #expect(scope.mayChange(after: rec("interactions", "x2", ["user_id": "ann"])))
        #expect(scope.mayChange(after: rec("assignments", "a3", ["user_id": "ann"])))
        #expect(scope.mayChange(after: rec("list_items", "i2", ["list_id": "l1"])))
        // Neither.
        #expect(!scope.mayChange(after: rec("interactions", "x1", ["user_id": "bob"])))
        #expect(!scope.mayChange(after: rec("contacts", "c9", ["household_id": "h1"])))
        #expect(!scope.mayChange(after: rec("list_items", "i9", ["list_id": "l2"])))
        #expect(!scope.mayChange(after: rec("donations", "d1", ["user_id": "ann"])))
    }
}
