import CanvassCore
import CanvassStore
import Testing

/// The server store only fetches what the scope rules ask for: the scope it derives through its
/// SQL source is the pure `CanvasserScope` of the same records.
@Suite struct ServerStoreTests {
    static func write(_ collection: String, _ id: String, _ values: [String: Value], deleted: Bool = false)
        -> LocalWrite
    {
        var v = values
        if deleted { v[Record.deletedField] = .bool(true) }
        return LocalWrite(RecordKey(collection, id), v)
    }

    static let writes: [LocalWrite] = [
        write("campaigns", "camp", ["name": "c"]), write("surveys", "s-1", ["title": "door"]),
        write("surveys", "s-2", ["title": "gone"], deleted: true),
        write("lists", "l-1", ["survey_id": "s-1", "campaign_id": "camp"]),
        write("lists", "l-2", ["survey_id": "s-2", "campaign_id": "camp"]),
        write("lists", "l-3", ["survey_id": "s-1"], deleted: true),
        write("assignments", "l-1@ann", ["list_id": "l-1", "user_id": "ann"]),
        write("assignments", "l-2@ann", ["list_id": "l-2", "user_id": "ann"]),
        write("assignments", "l-3@ann", ["list_id": "l-3", "user_id": "ann"]),
        write("assignments", "l-2@bob", ["list_id": "l-2", "user_id": "bob"], deleted: true),
        write("list_items", "i-1", ["list_id": "l-1", "contact_id": "c-1", "household_id": "h-1"]),
        write("list_items", "i-2", ["list_id": "l-1", "contact_id": "c-2", "household_id": "h-2"]),
        write("list_items", "i-3", ["list_id": "l-2", "contact_id": "c-missing", "household_id": "h-3"]),
        write("list_items", "i-4", ["list_id": "l-2", "contact_id": "c-4"], deleted: true),
        write("list_items", "i-5", ["list_id": "l-3", "contact_id": "c-5"]),
        write("contacts", "c-1", ["household_id": "h-9", "first_name": "Ada"]),
        write("contacts", "c-2", ["household_id": "h-8"], deleted: true),
        write("contacts", "c-4", ["household_id": "h-4"]), write("contacts", "c-5", ["household_id": "h-5"]),
        write("households", "h-1", ["street_name": "Elm"]), write("households", "h-2", ["street_name": "Elm"]),
        write("households", "h-3", ["street_name": "Oak"], deleted: true),
        write("households", "h-4", ["street_name": "Oak"]),
        write("households", "h-8", ["street_name": "Ash"]), write("households", "h-9", ["street_name": "Ash"]),
        write("interactions", "x-1", ["user_id": "ann", "person_id": "c-9"]),
        write("interactions", "x-2", ["user_id": "ann"], deleted: true),
        write("interactions", "x-3", ["user_id": "bob"]),
    ]

    @Test func theStoresScopeIsThePureRule() async throws {
        let store = try ServerStore.inMemory()
        _ = try store.replicaID { ReplicaID("srv") }
        let records = try await store.write(Self.writes, wallclock: 1)
        var state: [RecordKey: Record] = [:]
        for r in records { state[r.key, default: Record(key: r.key)].merge(r) }
        for user in ["ann", "bob", "kim"] {
            let fromStore = try await store.canvasserScope(userID: user)
            #expect(fromStore == CanvasserScope(userID: user, records: Array(state.values)).keys, "\(user)")
        }
        let ann = try await store.canvasserScope(userID: "ann")
        #expect(ann.contains(RecordKey("households", "h-9")) && !ann.contains(RecordKey("households", "h-8")))
        #expect(!ann.contains(RecordKey("surveys", "s-2")) && ann.contains(RecordKey("lists", "l-2")))
    }
}
