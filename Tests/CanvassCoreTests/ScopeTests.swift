import CanvassCore
import CanvassTestSupport
import Testing

/// The scope rule and the pull planner as pure values: no database, no `await`.
@Suite struct CanvasserScopeTests {
    static func rec(_ collection: String, _ id: String, _ values: [String: Value] = [:], deleted: Bool = false)
        -> RecordValues
    {
        var v = values
        if deleted { v[Record.deletedField] = .bool(true) }
        return RecordValues(key: RecordKey(collection, id), values: v)
    }

    /// Ann has list l-1 (survey s-1, campaign camp) with two items; Bob has l-2.
    static let campaign: [RecordValues] = [
        rec("campaigns", "camp"), rec("surveys", "s-1"), rec("surveys", "s-2"),
        rec("lists", "l-1", ["survey_id": "s-1", "campaign_id": "camp"]),
        rec("lists", "l-2", ["survey_id": "s-2", "campaign_id": "camp"]),
        rec("assignments", "l-1@ann", ["list_id": "l-1", "user_id": "ann"]),
        rec("assignments", "l-2@bob", ["list_id": "l-2", "user_id": "bob"]),
        rec("list_items", "i-1", ["list_id": "l-1", "contact_id": "c-1", "household_id": "h-1"]),
        rec("list_items", "i-2", ["list_id": "l-1", "contact_id": "c-2", "household_id": "h-2"]),
        rec("list_items", "i-3", ["list_id": "l-2", "contact_id": "c-3", "household_id": "h-3"]),
        rec("contacts", "c-1", ["household_id": "h-1"]), rec("contacts", "c-2", ["household_id": "h-2"]),
        rec("contacts", "c-3", ["household_id": "h-3"]),
        rec("households", "h-1"), rec("households", "h-2"), rec("households", "h-3"),
        rec("interactions", "x-ann", ["user_id": "ann", "person_id": "c-3"]),
        rec("interactions", "x-bob", ["user_id": "bob", "person_id": "c-1"]),
    ]

    static let annFull: Set<String> = [
        "assignments/l-1@ann", "lists/l-1", "list_items/i-1", "list_items/i-2", "contacts/c-1", "contacts/c-2",
        "households/h-1",
        "households/h-2", "surveys/s-1", "campaigns/camp", "interactions/x-ann",
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Records replacing (same key) or added to the campaign.
        let change: [RecordValues]
        let expected: Set<String>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "assigned list and everything behind it", change: [], expected: annFull),
        Case(
            name: "deleted assignment: nothing but her interactions",
            change: [rec("assignments", "l-1@ann", ["list_id": "l-1", "user_id": "ann"], deleted: true)],
            expected: ["interactions/x-ann"]),
        Case(
            name: "assignment naming another user",
            change: [rec("assignments", "l-1@ann", ["list_id": "l-1", "user_id": "bob"])],
            expected: ["interactions/x-ann"]),
        Case(
            name: "deleted list: the assignment stays, nothing behind the list",
            change: [rec("lists", "l-1", ["survey_id": "s-1", "campaign_id": "camp"], deleted: true)],
            expected: ["assignments/l-1@ann", "interactions/x-ann"]),
        Case(
            name: "deleted list item: its contact and household leave",
            change: [
                rec("list_items", "i-2", ["list_id": "l-1", "contact_id": "c-2", "household_id": "h-2"], deleted: true)
            ],
            expected: annFull.subtracting(["list_items/i-2", "contacts/c-2", "households/h-2"])),
        Case(
            name: "contact never imported: the item's household still counts",
            change: [rec("contacts", "c-2", ["household_id": "h-2"], deleted: true)],
            expected: annFull.subtracting(["contacts/c-2"])),
        Case(
            name: "a contact's own household counts besides the item's",
            change: [rec("contacts", "c-1", ["household_id": "h-3"])], expected: annFull.union(["households/h-3"])),
        Case(
            name: "a deleted contact does not bring its household",
            change: [
                rec("contacts", "c-1", ["household_id": "h-3"], deleted: true),
                rec("list_items", "i-1", ["list_id": "l-1", "contact_id": "c-1"]),
            ], expected: annFull.subtracting(["contacts/c-1", "households/h-1"])),
        Case(
            name: "deleted survey and household leave",
            change: [rec("surveys", "s-1", deleted: true), rec("households", "h-1", deleted: true)],
            expected: annFull.subtracting(["surveys/s-1", "households/h-1"])),
        Case(
            name: "deleted own interaction leaves",
            change: [rec("interactions", "x-ann", ["user_id": "ann"], deleted: true)],
            expected: annFull.subtracting(["interactions/x-ann"])),
        Case(
            name: "an item moved to another list follows it",
            change: [rec("list_items", "i-3", ["list_id": "l-1", "contact_id": "c-3", "household_id": "h-3"])],
            expected: annFull.union(["list_items/i-3", "contacts/c-3", "households/h-3"])),
    ]

    @Test(arguments: cases)
    func scope(_ c: Case) {
        var records = Dictionary(uniqueKeysWithValues: Self.campaign.map { ($0.key, $0) })
        for r in c.change { records[r.key] = r }
        let scope = CanvasserScope(userID: "ann", records: Array(records.values))
        #expect(Set(scope.keys.map(\.description)) == c.expected)
    }

    /// A backend that fetches exactly what is asked for derives the same scope as one that
    /// answers every question with all candidates: the rules, not the queries, decide.
    @Test func aNarrowSourceAgreesWithTheWideOne() throws {
        struct Narrow: ScopeSource {
            let all: [RecordValues]
            /// Only the string fields asked for and the tombstone, as a backend projecting its
            /// rows would.
            func project(_ rs: [RecordValues], _ fields: [String]) -> [RecordValues] {
                rs.map { r in
                    RecordValues(
                        key: r.key,
                        values: r.values.filter {
                            (fields.contains($0.key) && $0.value.stringValue != nil) || $0.key == Record.deletedField
                        })
                }
            }
            func assignments(of userID: String, fields: [String]) -> [RecordValues] {
                project(
                    all.filter { $0.key.collection == "assignments" && $0["user_id"]?.stringValue == userID }, fields)
            }
            func listItems(of lists: Set<String>, fields: [String]) -> [RecordValues] {
                project(
                    all.filter {
                        $0.key.collection == "list_items" && lists.contains($0["list_id"]?.stringValue ?? "")
                    }, fields)
            }
            func interactions(of userID: String, fields: [String]) -> [RecordValues] {
                project(
                    all.filter { $0.key.collection == "interactions" && $0["user_id"]?.stringValue == userID }, fields)
            }
            func records(_ keys: Set<RecordKey>, fields: [String]) -> [RecordValues] {
                project(all.filter { keys.contains($0.key) }, fields)
            }
        }
        for user in ["ann", "bob", "nobody"] {
            #expect(
                try CanvasserScope(userID: user, source: Narrow(all: Self.campaign))
                    == CanvasserScope(userID: user, records: Self.campaign))
        }
    }

    /// The push vectors state each canvasser's scope for their start state.
    @Test func theScopeOfEveryPushVector() throws {
        let vectors = try PushVector.loadAll().filter { $0.scope != nil }
        #expect(!vectors.isEmpty)
        for v in vectors {
            var state: [RecordKey: Record] = [:]
            for r in v.start.records { state[r.key, default: Record(key: r.key)].merge(r) }
            #expect(
                CanvasserScope(userID: v.device.userID, records: Array(state.values)).keys == v.scopeKeys, "\(v.file)")
        }
    }

    @Test func whatACanvasserMayWrite() {
        let scope = CanvasserScope(userID: "ann", records: Self.campaign)
        let left = RecordKey("contacts", "c-9")
        let staged = RecordKey("contacts", "c-8")
        let writable = scope.writable(delivered: [left], staged: [staged])
        #expect(writable == scope.keys.union([left, staged]))
    }
}

@Suite struct PullPlannerTests {
    static func keys(_ ids: String...) -> Set<RecordKey> { Set(ids.map { RecordKey("contacts", $0) }) }
    static func sorted(_ ids: String...) -> [RecordKey] { ids.map { RecordKey("contacts", $0) } }
    static func at(_ seq: Int64, token: Int64 = 0) -> FeedPosition {
        FeedPosition(epoch: "e", seq: seq, scopeToken: token)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let position: FeedPosition
        let scope: Set<RecordKey>?
        let delivered: Set<RecordKey>
        let limit: Int
        let plan: PullPlan
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "coordinator reads the whole feed", position: at(7), scope: nil, delivered: [], limit: 10,
            plan: .feed(after: 7, keys: nil)),
        Case(
            name: "nothing entered or left: the feed by key", position: at(7, token: 2), scope: keys("a", "b"),
            delivered: keys("a", "b"),
            limit: 10, plan: .feed(after: 7, keys: keys("a", "b"))),
        Case(
            name: "fresh device: backfill, checkpoint at the watermark", position: at(0), scope: keys("b", "a"),
            delivered: [], limit: 10,
            plan: .scopePage(backfill: sorted("a", "b"), evict: [], seq: 40)),
        Case(
            name: "a device that has records keeps its sequence", position: at(12), scope: keys("a", "b", "c"),
            delivered: keys("a"),
            limit: 10, plan: .scopePage(backfill: sorted("b", "c"), evict: [], seq: 12)),
        Case(
            name: "nothing delivered but past sequence 0 is not fresh", position: at(5), scope: keys("a"),
            delivered: [], limit: 10,
            plan: .scopePage(backfill: sorted("a"), evict: [], seq: 5)),
        Case(
            name: "backfill fills the page first", position: at(3), scope: keys("a", "b", "c"), delivered: keys("z"),
            limit: 2,
            plan: .scopePage(backfill: sorted("a", "b"), evict: [], seq: 3)),
        Case(
            name: "evictions take the rest of the page", position: at(3), scope: keys("a", "m"),
            delivered: keys("m", "x", "y", "z"),
            limit: 2, plan: .scopePage(backfill: sorted("a"), evict: sorted("x"), seq: 3)),
        Case(
            name: "only evictions", position: at(3), scope: keys("a"), delivered: keys("a", "y", "x"), limit: 10,
            plan: .scopePage(backfill: [], evict: sorted("x", "y"), seq: 3)),
        Case(
            name: "empty scope and nothing delivered: the feed by key, which is empty", position: at(0), scope: [],
            delivered: [],
            limit: 10, plan: .feed(after: 0, keys: [])),
    ]

    @Test(arguments: cases)
    func plan(_ c: Case) {
        #expect(
            PullPlanner.plan(
                position: c.position, scope: c.scope, delivered: c.delivered, watermark: 40, limit: c.limit) == c.plan)
    }

    @Test func confirmingAScopeToken() {
        let staged = [
            StagedScopeChange(token: 3, key: RecordKey("contacts", "b"), added: true),
            StagedScopeChange(token: 3, key: RecordKey("contacts", "a"), added: true),
            StagedScopeChange(token: 3, key: RecordKey("lists", "l-9"), added: false),
            StagedScopeChange(token: 4, key: RecordKey("contacts", "c"), added: true),
            StagedScopeChange(token: 4, key: RecordKey("lists", "l-8"), added: false),
        ]
        // Asking with token 4's checkpoint proves the page of token 3 stored, not that of 4 (a
        // client may ask for the next page before storing this one): 4 stays staged, held.
        let four = PullPlanner.confirm(staged, upTo: 4)
        #expect(four.deliver == Self.sorted("a", "b") && four.forget == [RecordKey("lists", "l-9")])
        #expect(four.pending == staged.filter { $0.token == 4 }.sorted { $0.key < $1.key } && four.writes)
        #expect(
            four.holding([RecordKey("lists", "l-9"), RecordKey("lists", "l-8"), RecordKey("contacts", "z")])
                == Set(Self.sorted("a", "b", "c", "z")))
        // Token 3 again: nothing earlier to move; 3 stays held; 4's page was lost and goes.
        let three = PullPlanner.confirm(staged, upTo: 3)
        #expect(three.deliver.isEmpty && three.forget.isEmpty && three.pending.count == 3 && three.writes)
        #expect(three.holding([RecordKey("lists", "l-9")]) == Set(Self.sorted("a", "b")))
        #expect(
            PullPlanner.confirm(staged, upTo: 2) == ScopeConfirmation(deliver: [], forget: [], writes: true),
            "a lost page confirms nothing and is forgotten")
        #expect(PullPlanner.confirm(staged, upTo: 5).deliver == Self.sorted("a", "b", "c"))
        #expect(!PullPlanner.confirm(staged.filter { $0.token == 4 }, upTo: 4).writes, "only the held token: no write")
        #expect(PullPlanner.confirm([], upTo: 9) == ScopeConfirmation(deliver: [], forget: []))
    }

    @Test func whereAPullStarts() {
        #expect(PullPlanner.position(checkpoint: nil, epoch: "e", watermark: 9) == .at(Self.at(0)))
        #expect(PullPlanner.position(checkpoint: "e.9.4", epoch: "e", watermark: 9) == .at(Self.at(9, token: 4)))
        #expect(
            PullPlanner.position(checkpoint: "old.99.4", epoch: "e", watermark: 9) == .at(Self.at(0)),
            "another epoch is absent")
        #expect(PullPlanner.position(checkpoint: "e.10.4", epoch: "e", watermark: 9) == .refused(.ahead))
        for bad in ["", "e.9", "e.-1.0", "e.x.0", ".1.1", "e.1.1.1"] {
            #expect(PullPlanner.position(checkpoint: bad, epoch: "e", watermark: 9) == .refused(.unreadable), "\(bad)")
        }
    }
}
