import CanvassCore
import Testing

/// The door checkout rule (`CheckoutAllocator`) as a table: doors in walk order, done and waiting
/// doors, stored checkouts with expiry, the syncing device and the time, against the checkouts
/// that result. Synchronous, no store.
@Suite struct CheckoutTests {
    static let doors = (1...10).map { "h\($0)" }
    static let a = ReplicaID("dA")
    static let b = ReplicaID("dB")
    static let c = ReplicaID("dC")
    static let policy = CheckoutPolicy(batchSize: 3, holdMillis: 100)

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        var done: Set<String> = []
        var waiting: Set<String> = []
        var current: [Checkout] = []
        var sharedBy = 2
        var holders: Set<ReplicaID> = [CheckoutTests.a, CheckoutTests.b]
        var device = CheckoutTests.a
        var now: Int64 = 1_000
        /// The expected checkouts, as "door:replica:expiry".
        let expect: [String]

        var testDescription: String { name }
    }

    static func held(_ door: String, _ r: ReplicaID, _ until: Int64) -> Checkout {
        Checkout(householdID: door, replica: r, expiresAt: until)
    }

    static let cases: [Case] = [
        Case(
            name: "a first sync takes the first free doors in walk order",
            expect: ["h1:dA:1100", "h2:dA:1100", "h3:dA:1100"]),
        Case(
            name: "a second device gets the next doors, disjoint from the first",
            current: [held("h1", a, 1100), held("h2", a, 1100), held("h3", a, 1100)], device: b,
            expect: ["h1:dA:1100", "h2:dA:1100", "h3:dA:1100", "h4:dB:1100", "h5:dB:1100", "h6:dB:1100"]),
        Case(
            name: "done doors are released and the batch is topped up; the hold is renewed",
            done: ["h1", "h2"], current: [held("h1", a, 1050), held("h2", a, 1050), held("h3", a, 1050)],
            expect: ["h3:dA:1100", "h4:dA:1100", "h5:dA:1100"]),
        Case(
            name: "another device's done doors are released too, its live ones kept as they are",
            done: ["h4"], current: [held("h4", b, 1050), held("h5", b, 1050)],
            expect: ["h1:dA:1100", "h2:dA:1100", "h3:dA:1100", "h5:dB:1050"]),
        Case(
            name: "an expired batch is free again: the syncing device takes it",
            current: [held("h1", b, 1000), held("h2", b, 999), held("h3", b, 1001)],
            expect: ["h1:dA:1100", "h2:dA:1100", "h3:dB:1001", "h4:dA:1100"]),
        Case(
            name: "a list worked by one user has no checkouts", current: [held("h1", a, 2000)], sharedBy: 1, expect: []),
        Case(
            name: "done and waiting doors are never checked out",
            done: ["h1", "h3"], waiting: ["h2", "h4"], expect: ["h5:dA:1100", "h6:dA:1100", "h7:dA:1100"]),
        Case(
            name: "a waiting door already held stays held",
            waiting: ["h2"], current: [held("h2", a, 1050)], expect: ["h1:dA:1100", "h2:dA:1100", "h3:dA:1100"]),
        Case(
            name: "a revoked device (not a holder) loses its doors, and gets none",
            current: [held("h1", c, 2000), held("h2", a, 2000)], device: c,
            expect: ["h2:dA:2000"]),
        Case(
            name: "doors that left the list are released",
            current: [held("h99", a, 2000)], expect: ["h1:dA:1100", "h2:dA:1100", "h3:dA:1100"]),
        Case(
            name: "a smaller batch size keeps the first doors in walk order",
            current: (1...5).map { held("h\($0)", a, 2000) }, expect: ["h1:dA:1100", "h2:dA:1100", "h3:dA:1100"]),
        Case(
            name: "when every free door is taken, a device gets what is left",
            done: Set((1...6).map { "h\($0)" }),
            current: [held("h7", b, 2000), held("h8", b, 2000), held("h9", b, 2000)],
            expect: ["h7:dB:2000", "h8:dB:2000", "h9:dB:2000", "h10:dA:1100"]),
    ]

    @Test(arguments: cases)
    func allocation(_ c: Case) {
        let got = CheckoutAllocator.allocate(
            doors: Self.doors, done: c.done, waiting: c.waiting, current: c.current, sharedBy: c.sharedBy,
            holders: c.holders, device: c.device, now: c.now, policy: Self.policy)
        #expect(got.map { "\($0.householdID):\($0.replica):\($0.expiresAt)" } == c.expect, "\(c.name)")
        #expect(Set(got.map(\.householdID)).count == got.count, "one holder per door")
    }

    /// Two devices syncing in turn never hold the same door, whatever the order.
    @Test func devicesSyncingInTurnHoldDisjointBatches() {
        var current: [Checkout] = []
        for (step, device) in [Self.a, Self.b, Self.a, Self.b, Self.b, Self.a].enumerated() {
            current = CheckoutAllocator.allocate(
                doors: Self.doors, done: Set(Self.doors.prefix(step)), current: current, sharedBy: 2,
                holders: [Self.a, Self.b], device: device, now: 1_000 + Int64(step), policy: Self.policy)
            let byDevice = Dictionary(grouping: current, by: \.replica).mapValues { Set($0.map(\.householdID)) }
            #expect(byDevice[Self.a, default: []].isDisjoint(with: byDevice[Self.b, default: []]))
            #expect(byDevice[device]?.count == 3, "step \(step): a full batch")
        }
    }

    @Test func sharedMeansAWalkListOfTwoOrMoreUsers() {
        #expect(CheckoutAllocator.applies(kind: "walk", sharedBy: 2))
        #expect(CheckoutAllocator.applies(kind: nil, sharedBy: 3))
        #expect(!CheckoutAllocator.applies(kind: "walk", sharedBy: 1))
        #expect(!CheckoutAllocator.applies(kind: "call", sharedBy: 5))
    }

    @Test func aDeviceSeesItsDoorsTakenDoorsAndFreeOnesOnceExpired() {
        let checkouts = [
            ListCheckout(listID: "l", householdID: "h1", expiresAt: 100, mine: true),
            ListCheckout(listID: "l", householdID: "h2", expiresAt: 100, mine: false),
            ListCheckout(listID: "other", householdID: "h3", expiresAt: 100, mine: true),
        ]
        #expect(ListCheckout.holds(checkouts, list: "l", now: 99) == ["h1": .mine, "h2": .taken])
        #expect(ListCheckout.holds(checkouts, list: "l", now: 100) == [:], "past its period a hold is over")
        let view = ListCheckout.view(list: "l", [Self.held("h1", Self.a, 5), Self.held("h2", Self.b, 6)], for: Self.a)
        #expect(view.map(\.mine) == [true, false])
    }

    @Test func aShiftVisitsItsOwnBatchFirstThenFreeThenTakenDoors() {
        let holds: [String: DoorHold] = ["h2": .taken, "h3": .mine, "h5": .mine]
        let order = ListCheckout.visitOrder(Self.doors.prefix(6).map { $0 }) { holds[$0] }
        #expect(order == ["h3", "h5", "h1", "h4", "h6", "h2"])
    }
}
