import CanvassCore
import CanvassFixtures
import Testing

/// A scope page holds the first `limit` entering keys in key order, then the first leaving
/// ones: the planner picks them without sorting the whole scope, and must pick the same.
@Suite struct PullPlannerPageTests {
    @Test func scopePagesTakeTheSmallestKeysInOrder() {
        var rng = SplitMix64(seed: 42)
        for round in 0..<40 {
            let n = 1 + rng.below(3_000)
            let scope = Set(
                (0..<n).map { i in
                    RecordKey(
                        ["contacts", "households", "list_items", "é"][rng.below(4)], "k\(rng.next() % 100_000)-\(i)")
                })
            let delivered = Set(scope.filter { _ in rng.below(3) == 0 })
                .union((0..<rng.below(200)).map { RecordKey("interactions", "gone-\($0)") })
            let limit = 1 + rng.below(round % 2 == 0 ? 50 : 4_000)
            let position = FeedPosition(epoch: "e", seq: 7, scopeToken: 1)
            let plan = PullPlanner.plan(
                position: position, scope: scope, delivered: delivered, watermark: 9, limit: limit)
            let entering = scope.subtracting(delivered).sorted()
            let leaving = delivered.subtracting(scope).sorted()
            let backfill = Array(entering.prefix(limit))
            let evict = Array(leaving.prefix(max(0, limit - backfill.count)))
            if entering.isEmpty && leaving.isEmpty {
                #expect(plan == .feed(after: 7, keys: scope))
            } else {
                #expect(plan == .scopePage(backfill: backfill, evict: evict, seq: 7), "round \(round)")
            }
        }
    }
}
