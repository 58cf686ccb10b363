import CanvassCore
import Testing

@testable import CanvassStore

/// Lists read each interaction's fields projected by SQLite (no JSON decoder); that projection
/// must read exactly what decoding the display reads, answers aside, for every shape a field may
/// have.
@Suite struct WalkHistoryReadTests {
    @Test func projectedHistoryEqualsDecodedHistory() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("A"))
        let shapes: [[String: Value]] = [
            ["result": "contacted", "recorded_at": .int(1_760_000_000_000), "channel": "door", "user_id": "u1"],
            ["result": "not_home", "recorded_at": .double(1_760_000_000_500), "note": "dog", "list_id": "l1"],
            ["result": .int(3), "recorded_at": "yesterday", "corrects": "x0", "user_id": .bool(true)],
            ["result": .null, "recorded_at": .double(1.5), "channel": .object(["a": 1]), "note": ""],
            ["answers": .object(["willing": "yes"]), "note": "caf\u{e9} \"quoted\" \\ line\nbreak"],
            [:],
        ]
        for (i, shape) in shapes.enumerated() {
            var values = shape
            values["person_id"] = .string(i % 2 == 0 ? "p1" : "p2")
            try store.write(RecordKey("interactions", "x\(i)"), values, wallclock: 1_760_000_000_000 + Int64(i))
        }
        try store.write(
            RecordKey("interactions", "gone"), ["person_id": "p1", "result": "contacted", Record.deletedField: true],
            wallclock: 1_760_000_000_100)
        func strip(_ h: [String: [InteractionSummary]]) -> [String: [InteractionSummary]] {
            h.mapValues {
                $0.map {
                    InteractionSummary(
                        id: $0.id, channel: $0.channel, result: $0.result, answers: [:], note: $0.note,
                        recordedAt: $0.recordedAt, listID: $0.listID, userID: $0.userID, corrects: $0.corrects)
                }
            }
        }
        let projected = try store.interactions(of: ["p1", "p2", "p3"], answers: false)
        let decoded = try store.interactions(of: ["p1", "p2", "p3"], answers: true)
        #expect(decoded["p1"]?.count == 3 && decoded["p2"]?.count == 3)
        #expect(projected == strip(decoded))
    }
}
