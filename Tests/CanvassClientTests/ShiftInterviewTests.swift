import CanvassClient
import CanvassCore
import CanvassFixtures
import Testing

/// The shift interview as a pure state machine: prompts, answers, the next prompt and the writes
/// to make, with no terminal and no store.
struct ShiftInterviewTests {
    let survey: Survey
    let doors = [
        ShiftInterview.Door(address: "1 Elm St", people: [.init(id: "c-a", name: "Ann A")]),
        ShiftInterview.Door(
            address: "3 Elm St", people: [.init(id: "c-b", name: "Bob B"), .init(id: "c-c", name: "Cy C")]),
    ]

    init() throws {
        survey = try Fixtures.survey("canvass")
    }

    func prompts(_ actions: [ShiftInterview.Action]) -> [ShiftInterview.Prompt] {
        actions.compactMap { if case .ask(let p, _) = $0 { return p } else { return nil } }
    }

    func saves(_ actions: [ShiftInterview.Action]) -> [ShiftInterview.Interaction] {
        actions.compactMap { if case .save(let i) = $0 { return i } else { return nil } }
    }

    @Test func doorByDoorWithATypoABranchAndAQuit() {
        var shift = ShiftInterview(list: "turf-01", survey: survey, doors: doors)
        let first = shift.start()
        #expect(first.prefix(2) == [.say("\n== 1 Elm St"), .say("-- Ann A  (c-a)")])
        #expect(prompts(first) == [.result])

        let typo = shift.answer("nothome")
        #expect(
            typo.first
                == .say(
                    "'nothome' is not a result code; valid: \(survey.resultCodes.map(\.code).joined(separator: ", "))"))
        #expect(prompts(typo) == [.result], "a typo is explained and asked again")

        // Not home reaches nobody: no questions, straight to the note.
        #expect(prompts(shift.answer(" not_home ")) == [.note])
        let door1 = shift.answer("")
        #expect(saves(door1) == [.init(person: "c-a", result: "not_home", answers: [:], note: nil)])
        #expect(door1.contains(.say("\n== 3 Elm St")) && door1.contains(.say("-- Bob B  (c-b)")))
        #expect(shift.saved == 1)

        // Contacted: the survey starts; "no" to the first question branches to the end.
        #expect(prompts(shift.answer("contacted")) == [.question("willing")])
        #expect(prompts(shift.answer("no")) == [.note])
        let door2 = shift.answer("dog, friendly")
        #expect(
            saves(door2) == [
                .init(person: "c-b", result: "contacted", answers: ["willing": "no"], note: "dog, friendly")
            ])
        #expect(
            door2.contains(.say("-- Cy C  (c-c)")) && !door2.contains(.say("\n== 3 Elm St")), "same door, next person")

        let quit = shift.answer("q")
        #expect(quit.last == .stopped(saved: 2))
        #expect(shift.prompt == nil)
        #expect(shift.answer("contacted").isEmpty, "nothing after a quit")
    }

    @Test func answersAreTypedValidatedAndFollowTheBranches() {
        var shift = ShiftInterview(list: "turf-01", survey: survey, doors: Array(doors.prefix(1)))
        _ = shift.start()
        _ = shift.answer("contacted")
        #expect(prompts(shift.answer("yes")) == [.question("support")])
        let outOfRange = shift.answer("9")
        #expect(prompts(outOfRange) == [.question("support")], "an invalid answer is asked again")
        #expect(outOfRange.count == 2, "with the reason first: \(outOfRange)")
        #expect(prompts(shift.answer("4")) == [.question("top_issue")])
        // Enter skips a question and follows its own next (top_issue → vote_plan).
        #expect(prompts(shift.answer("")) == [.question("vote_plan")])
        #expect(prompts(shift.answer("not_voting")) == [.question("volunteer")], "an option's branch")
        #expect(prompts(shift.answer("yes")) == [.question("availability")])
        _ = shift.answer("saturdays, sundays")
        var actions: [ShiftInterview.Action] = []
        while shift.prompt != .note { actions = shift.answer("") }
        #expect(prompts(actions) == [.note])
        let done = shift.answer("")
        #expect(
            saves(done) == [
                .init(
                    person: "c-a", result: "contacted",
                    answers: [
                        "willing": "yes", "support": .int(4), "vote_plan": "not_voting", "volunteer": "yes",
                        "availability": .array(["saturdays", "sundays"]),
                    ],
                    note: nil)
            ])
        #expect(
            done.suffix(2) == [
                .say("\nlist turf-01 is done: 1 door(s) saved this shift. `canvass sync` when online."),
                .finished(saved: 1),
            ])
    }

    @Test func skippingNothingToDoAndTheEndOfInput() {
        var skip = ShiftInterview(list: "l", survey: survey, doors: Array(doors.prefix(1)))
        _ = skip.start()
        #expect(skip.answer("s").last == .finished(saved: 0))

        var empty = ShiftInterview(list: "l", survey: survey, doors: [])
        #expect(
            empty.start() == [
                .say("\nlist l is done: 0 door(s) saved this shift. `canvass sync` when online."), .finished(saved: 0),
            ])

        var eof = ShiftInterview(list: "l", survey: survey, doors: doors)
        _ = eof.start()
        #expect(
            eof.quit() == [
                .say("\nstopped; 0 door(s) saved this shift and kept. `canvass sync` when online."), .stopped(saved: 0),
            ])
    }
}
