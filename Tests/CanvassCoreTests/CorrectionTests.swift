import CanvassCore
import Testing

/// Correcting a saved result (a shift's `b`): which effect writes to undo and make, and which
/// interactions count as corrected.
struct CorrectionTests {
    static let contact = RecordKey("contacts", "c-1")
    static let household = RecordKey("households", "h-1")

    struct Case {
        let name: String
        let old: ResultEffect
        let new: ResultEffect
        var channel = Channel.call
        let before: [RecordKey: [String: Value]]
        let current: [RecordKey: [String: Value]]
        let writes: [RecordKey: [String: Value]]
    }

    static let cases: [Case] = [
        Case(
            name: "wrong number corrected to contacted: the phone is good again, as it was",
            old: .badNumber, new: .none, before: [contact: ["phone_bad": nil]], current: [contact: ["phone_bad": true]],
            writes: [contact: ["phone_bad": nil]]),
        Case(
            name: "a value held before comes back, not null",
            old: .badNumber, new: .none, before: [contact: ["phone_bad": false]],
            current: [contact: ["phone_bad": true]], writes: [contact: ["phone_bad": false]]),
        Case(
            name: "someone changed the field since: their edit stays",
            old: .badNumber, new: .none, before: [contact: ["phone_bad": nil]],
            current: [contact: ["phone_bad": false]], writes: [:]),
        Case(
            name: "wrong number to disconnected: the same effect, nothing to write",
            old: .badNumber, new: .badNumber, before: [contact: ["phone_bad": nil]],
            current: [contact: ["phone_bad": true]], writes: [:]),
        Case(
            name: "not home to moved at a door: the person moved and the address is bad",
            old: .none, new: .moved, channel: .door, before: [:],
            current: [contact: ["moved": nil], household: ["bad_address": nil]],
            writes: [contact: ["moved": true], household: ["bad_address": true]]),
        Case(
            name: "moved to contacted, the address was already bad before: only moved is undone",
            old: .moved, new: .none, channel: .door,
            before: [contact: ["moved": nil], household: ["bad_address": true]],
            current: [contact: ["moved": true], household: ["bad_address": true]],
            writes: [contact: ["moved": nil]]),
        Case(
            name: "do not contact on a call to refused: the channel is open again",
            old: .doNotContact, new: .none, before: [contact: ["do_not_call": nil]],
            current: [contact: ["do_not_call": true]], writes: [contact: ["do_not_call": nil]]),
    ]

    @Test(arguments: cases.indices) func correctionWrites(_ i: Int) {
        let c = Self.cases[i]
        let writes = Canvassing.correctionWrites(
            from: c.old, to: c.new, channel: c.channel, person: "c-1", household: "h-1", before: c.before,
            current: c.current)
        #expect(Dictionary(uniqueKeysWithValues: writes.map { ($0.key, $0.values) }) == c.writes, "\(c.name)")
    }

    @Test func correctionsAreOnlyTheSameUsersOwn() {
        let table: [(String, String?, String?)] = [
            ("i1", nil, "u-ana"),
            ("i2", "i1", "u-ana"),  // Ana corrects her own call
            ("i3", nil, "u-ben"),
            ("i4", "i3", "u-ana"),  // Ana cannot correct Ben's
            ("i5", "i5", "u-ana"),  // nor an interaction itself
            ("i6", "elsewhere", "u-ana"),  // nor one of another person
        ]
        #expect(Canvassing.corrections(table) == ["i1": "i2"])
        #expect(Canvassing.attempts(table) == 5)
    }
}
