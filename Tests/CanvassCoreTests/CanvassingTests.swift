import CanvassCore
import Testing

/// The rules of working a list, table-driven, with no database.
@Suite struct CanvassingTests {
    static func code(_ c: String) -> ResultCode? { Canvassing.resultCode(c, in: nil) }

    @Test func suppressionByChannel() {
        let cases: [([String: Value], Channel, String?)] = [
            ([:], .door, nil),
            (["phone": "614-555-0100"], .call, nil),
            ([:], .call, "no working phone"),
            (["phone": "614-555-0100", "phone_bad": true], .call, "no working phone"),
            (["deceased": true, "moved": true], .door, "deceased"),
            (["moved": true], .call, "moved"),
            (["do_not_contact": true, "phone": "1"], .call, "do not contact"),
            (["do_not_knock": true], .door, "do not knock"),
            (["do_not_knock": true, "phone": "1"], .call, nil),
            (["do_not_call": true, "phone": "1"], .call, "do not call"),
            (["do_not_call": true], .door, nil),
        ]
        for (contact, channel, expected) in cases {
            #expect(Canvassing.suppression(of: contact, channel: channel) == expected, "\(contact) on \(channel)")
        }
    }

    @Test func resultEffectsBecomeWrites() {
        func writes(_ e: ResultEffect, _ ch: Channel, household: String? = "h1") -> [String] {
            Canvassing.effectWrites(e, channel: ch, person: "p1", household: household)
                .flatMap { w in w.values.map { "\(w.key)/\($0.key)=\($0.value)" } }.sorted()
        }
        #expect(writes(.none, .door) == [])
        #expect(writes(.moved, .door) == ["contacts/p1/moved=true", "households/h1/bad_address=true"])
        #expect(writes(.moved, .door, household: nil) == ["contacts/p1/moved=true"])
        #expect(writes(.deceased, .call) == ["contacts/p1/deceased=true"])
        #expect(writes(.doNotContact, .door) == ["contacts/p1/do_not_knock=true"])
        #expect(writes(.doNotContact, .call) == ["contacts/p1/do_not_call=true"])
        #expect(writes(.badNumber, .call) == ["contacts/p1/phone_bad=true"])
    }

    /// A door needing a second knock stays to do: only reaching someone, an effect or
    /// suppression finishes a person; codes with a recontact interval make them due again.
    @Test func whenAPersonIsDone() {
        let day = Canvassing.dayMillis
        let cases: [(result: String?, suppressed: Bool, done: Bool, dueInDays: Int64?)] = [
            (nil, false, false, nil),
            (nil, true, true, nil),
            ("not_home", false, false, 2),
            ("not_home", true, true, 2),
            ("left_message", false, false, 3),
            ("come_back_later", false, false, 1),
            ("refused", false, false, 30),
            ("contacted", false, true, nil),
            ("moved", false, true, nil),
            ("deceased", false, true, nil),
            ("do_not_contact", false, true, nil),
            ("wrong_number", false, true, nil),
            ("no_such_code", false, false, nil),
        ]
        for c in cases {
            let code = c.result.flatMap(Self.code)
            #expect(
                Canvassing.isDone(suppressed: c.suppressed, lastResult: code, hasResult: c.result != nil) == c.done,
                "\(c)")
            #expect(Canvassing.dueAt(lastResult: code, at: 1_000) == c.dueInDays.map { 1_000 + $0 * day }, "\(c)")
        }
        // The list's own survey decides first.
        let survey = Survey(
            id: "s", title: "S", kind: .canvass, resultCodes: [ResultCode("not_home", "Out", contacted: true)],
            questions: [])
        #expect(
            Canvassing.isDone(
                suppressed: false, lastResult: Canvassing.resultCode("not_home", in: survey), hasResult: true))
        #expect(Canvassing.isDoorDone(badAddress: true, people: [false]))
        #expect(Canvassing.isDoorDone(badAddress: false, people: [true, true]))
        #expect(!Canvassing.isDoorDone(badAddress: false, people: [true, false]))
    }

    /// Up the odd side, back down the even side, units in natural order.
    @Test func walkOrderLoopsTheStreet() {
        let stops: [(String, Int64, String)] = [
            ("Elm St", 4, ""), ("Elm St", 1, ""), ("Elm St", 2, ""), ("Elm St", 3, ""), ("Oak Ave", 1, ""),
            ("Elm St", 5, "APT 10"), ("Elm St", 5, "APT 2"), ("Elm St", 5, "apt 3"), ("Ash Rd", 9, ""),
        ]
        let sorted = stops.enumerated()
            .map {
                Canvassing.WalkAddress(
                    streetName: $0.element.0, streetNumber: $0.element.1, unit: $0.element.2,
                    householdID: "h\($0.offset)")
            }
            .sorted(by: Canvassing.walksBefore)
            .map { "\($0.streetName) \($0.streetNumber)\($0.unit.isEmpty ? "" : " " + $0.unit)" }
        #expect(
            sorted == [
                "Ash Rd 9", "Elm St 1", "Elm St 3", "Elm St 5 APT 2", "Elm St 5 apt 3", "Elm St 5 APT 10", "Elm St 4",
                "Elm St 2", "Oak Ave 1",
            ])
        #expect(Canvassing.personBefore(("Lee", "Ann", "c2"), ("Lee", "Bob", "c1")))
        #expect(!Canvassing.personBefore(("Ng", "Ann", "c1"), ("Lee", "Zed", "c9")))
    }
}
