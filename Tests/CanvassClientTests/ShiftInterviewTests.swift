import CanvassClient
import CanvassCore
import CanvassFixtures
import Testing

/// The shift interview as a pure state machine: prompts, answers, the next prompt and the writes
/// to make, with no terminal and no store.
struct ShiftInterviewTests {
    let survey: Survey
    let phone: Survey
    let doors = [
        ShiftInterview.Door(address: "1 Elm St", people: [.init(id: "c-a", name: "Ann A")]),
        ShiftInterview.Door(
            address: "3 Elm St", people: [.init(id: "c-b", name: "Bob B"), .init(id: "c-c", name: "Cy C")]),
    ]
    let calls: [ShiftInterview.Person] = [
        .init(id: "c-a", name: "Ann A", phone: "614-555-0101", firstName: "Ann"),
        .init(id: "c-b", name: "Bob B", phone: "614-555-0102", firstName: "Bob"),
        .init(id: "c-c", name: "Cy C", phone: "614-555-0103", firstName: "Cy"),
    ]

    init() throws {
        survey = try Fixtures.survey("canvass")
        phone = try Fixtures.survey("phonebank")
    }

    func prompts(_ actions: [ShiftInterview.Action]) -> [ShiftInterview.Prompt] {
        actions.compactMap { if case .ask(let p, _) = $0 { return p } else { return nil } }
    }

    func saves(_ actions: [ShiftInterview.Action]) -> [ShiftInterview.Interaction] {
        actions.compactMap { if case .save(let i) = $0 { return i } else { return nil } }
    }

    func corrections(_ actions: [ShiftInterview.Action]) -> [ShiftInterview.Interaction] {
        actions.compactMap { if case .correct(let i) = $0 { return i } else { return nil } }
    }

    func lines(_ actions: [ShiftInterview.Action]) -> [String] {
        actions.compactMap { if case .say(let l) = $0 { return l } else { return nil } }
    }

    @Test func doorByDoorWithATypoABranchAndAQuit() {
        var shift = ShiftInterview(list: "turf-01", survey: survey, doors: doors)
        let first = shift.start()
        #expect(first.prefix(2) == [.say("\n== door 1 of 2: 1 Elm St"), .say("-- Ann A  (c-a)")])
        #expect(lines(first).contains { $0.hasPrefix("   script: Hi, my name is ___") }, "the survey's intro")
        #expect(lines(first).contains { $0.hasPrefix("   1 contacted · 2 not_home · 3 refused") }, "numbered codes")
        #expect(prompts(first) == [.result])

        let typo = shift.answer("nothome")
        #expect(
            typo.first
                == .say(
                    "'nothome' is not a result code; valid: \(survey.resultCodes.map(\.code).joined(separator: ", "))"))
        #expect(prompts(typo) == [.result], "a typo is explained and asked again")
        #expect(prompts(shift.answer(" ")) == [.result] && lines(shift.answer("")).isEmpty, "Enter asks again")

        // Not home reaches nobody: no questions, straight to the note.
        #expect(prompts(shift.answer(" not_home ")) == [.note])
        let door1 = shift.answer("")
        #expect(saves(door1) == [.init(person: "c-a", result: "not_home", answers: [:], note: nil)])
        #expect(door1.contains(.say("\n== door 2 of 2: 3 Elm St")) && door1.contains(.say("-- Bob B  (c-b)")))
        #expect(shift.saved == 1)

        // Contacted: the survey starts; "no" to the first question branches to the end.
        #expect(prompts(shift.answer("contacted")) == [.question("willing")])
        #expect(prompts(shift.answer("no")) == [.note])
        let door2 = shift.answer("dog, friendly")
        #expect(
            saves(door2) == [
                .init(person: "c-b", result: "contacted", answers: ["willing": "no"], note: "dog, friendly")
            ])
        #expect(door2.contains(.say("-- Cy C  (c-c)")) && !lines(door2).contains { $0.hasPrefix("\n== ") })

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
        #expect(prompts(shift.answer("4")) == [.question("top_issue")], "a scale takes the number itself")
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

    // MARK: fast answers

    /// Options as the door survey's result codes: what each typed text picks.
    @Test(arguments: [
        ("1", ShiftInterview.Pick.one(0)),  // a number
        ("11", .one(10)),
        ("12", .none),  // past the end
        ("0", .none),
        ("contacted", .one(0)),  // the value
        ("Not home", .one(1)),  // the label, case-blind
        ("c", .one(0)),  // the initials of contacted (come_back_later's are cbl)
        ("cbl", .one(8)),
        ("nh", .one(1)),
        ("n", .one(1)),  // a unique start
        ("wr", .one(5)),
        ("do", .one(10)),
        ("co", .ambiguous([0, 8])),  // contacted, come_back_later
        ("l", .ambiguous([7, 9])),  // language_barrier, lit_drop
        ("d", .one(4)),  // deceased's initials win over do_not_contact's start
        ("x", .none),
    ])
    func picksAResultCode(_ typed: String, _ expected: ShiftInterview.Pick) {
        let options = survey.resultCodes.map { ($0.code, $0.label) }
        #expect(ShiftInterview.pick(typed, among: options) == expected, "'\(typed)'")
    }

    @Test func fastAnswersPickOptionsAndAnAmbiguousStartIsAskedAgain() {
        var shift = ShiftInterview(list: "turf-01", survey: survey, doors: Array(doors.prefix(1)))
        _ = shift.start()
        let ambiguous = shift.answer("co")
        #expect(lines(ambiguous).first == "'co' fits 1 contacted, 9 come_back_later; type more letters or the number")
        #expect(prompts(ambiguous) == [.result], "asked again")
        let picked = shift.answer("c")
        #expect(lines(picked).contains("  → contacted"), "the pick is echoed")
        #expect(prompts(picked) == [.question("willing")])
        #expect(prompts(shift.answer("y")) == [.question("support")], "y for yes")
        _ = shift.answer("5")
        #expect(prompts(shift.answer("he")) == [.question("vote_plan")], "health_care")
        let plan = shift.answer("n")
        #expect(lines(plan).first == "'n' fits 4 not_sure, 5 not_voting; type more letters or the number")
        #expect(prompts(plan) == [.question("vote_plan")], "asked again")
        #expect(prompts(shift.answer("3")) == [.question("needs_ride")], "the third option: mail")
        _ = shift.answer("n")
        #expect(prompts(shift.answer("1")) == [.question("availability")], "1 for yes: volunteer")
        _ = shift.answer("3,sun")
        while shift.prompt != .note { _ = shift.answer("") }
        let saved = saves(shift.answer(""))
        #expect(
            saved.first?.answers == [
                "willing": "yes", "support": .int(5), "top_issue": "health_care", "vote_plan": "mail",
                "needs_ride": "no",
                "volunteer": "yes", "availability": .array(["saturdays", "sundays"]),
            ])
    }

    // MARK: call lists

    @Test func aCallListCallByCallWithTheNumberToDialAndTheScript() {
        var shift = ShiftInterview(list: "calls-1", survey: phone, calls: calls)
        let first = shift.start()
        #expect(
            lines(first).prefix(3) == [
                "\n== call 1 of 3: Ann A  (c-a)", "   dial 614-555-0101",
                "   script: Hi, may I speak with Ann? My name is ___ and I'm a volunteer calling for Dana Rivera, who's running for State House. Election Day is Tuesday, November 3rd.",
            ])
        // Wrong number: an effect, nobody reached, no questions.
        #expect(prompts(shift.answer("w")) == [.note])
        #expect(saves(shift.answer("")) == [.init(person: "c-a", result: "wrong_number", answers: [:], note: nil)])
        // Contacted; the script's question text is filled in too.
        let second = shift.answer("1")
        guard case .ask(.question("right_person"), let text)? = second.last else {
            Issue.record("expected right_person: \(second)")
            return
        }
        #expect(text.hasPrefix("Am I speaking with Bob? [1 yes, 2 household_member, 3 not_available, 4 wrong_person]"))
        #expect(prompts(shift.answer("na")) == [.note], "not_available branches to the end")
        let call2 = shift.answer("")
        #expect(saves(call2).first?.answers == ["right_person": "not_available"])
        #expect(lines(call2).contains("\n== call 3 of 3: Cy C  (c-c)"))
        #expect(lines(shift.answer("bu")).contains("  → busy"), "two letters for busy: b alone is back")
        let end = shift.answer("")
        #expect(saves(end).first?.result == "busy")
        #expect(
            end.suffix(2).first
                == .say("\nlist calls-1 is done: 3 call(s) saved this shift. `canvass sync` when online."))
    }

    @Test func aPetitionShowsTheStatementPeopleSign() {
        let petition = Survey(
            id: "p", title: "P", kind: .petition, intro: "Hi [first name], a minute for a petition?",
            questions: [
                Question(id: "sign", text: "Will you sign?", kind: .yesNo, options: [.init("yes"), .init("no")])
            ],
            petition: Petition(statement: "We ask for earned sick days.\n", signature: "sign"))
        var shift = ShiftInterview(list: "l", survey: petition, doors: Array(doors.prefix(1)))
        let said = lines(shift.start())
        #expect(said.contains("   script: Hi Ann, a minute for a petition?"), "the first name from the name")
        #expect(said.contains("   petition: We ask for earned sick days."))
    }

    // MARK: going back

    @Test func backCorrectsTheLastDoorThenResumes() {
        var shift = ShiftInterview(list: "turf-01", survey: survey, doors: doors)
        let start = shift.start()
        #expect(prompts(start) == [.result])
        let nothing = shift.answer("b")
        #expect(lines(nothing).first == "nothing to go back to: this is the first door of the shift")
        #expect(prompts(nothing) == [.result])

        _ = shift.answer("nh")
        _ = shift.answer("")  // Ann saved not_home
        _ = shift.answer("c")  // Bob: contacted, then b in the middle of his questions
        let back = shift.answer("b")
        #expect(lines(back).contains("\n== door 1 of 2: 1 Elm St") && lines(back).contains("-- Ann A  (c-a)"))
        #expect(lines(back).contains("   saved: not_home; answer again to correct it, s to keep it"))
        #expect(prompts(back) == [.result])
        _ = shift.answer("c")
        _ = shift.answer("n")
        let fixed = shift.answer("she was home after all")
        #expect(
            corrections(fixed) == [
                .init(person: "c-a", result: "contacted", answers: ["willing": "no"], note: "she was home after all")
            ])
        #expect(saves(fixed).isEmpty, "a correction is not a new door")
        #expect(lines(fixed).contains("-- Bob B  (c-b)"), "back to where the shift was: Bob, asked afresh")
        #expect(shift.saved == 1 && shift.corrected == 1)

        // b twice walks further back; s at a saved door keeps it as it was.
        _ = shift.answer("s")  // Bob skipped
        _ = shift.answer("b")  // to Bob (skipped: answered afresh)
        let again = shift.answer("b")  // to Ann
        #expect(lines(again).contains("-- Ann A  (c-a)"))
        let kept = shift.answer("s")
        #expect(lines(kept).contains("kept as saved") && corrections(kept).isEmpty)
        #expect(lines(kept).contains("-- Cy C  (c-c)"), "resumes at the first person never reached")
        _ = shift.answer("b")  // to Bob, skipped before: now answered, a new save
        _ = shift.answer("i")
        let bob = shift.answer("")
        #expect(saves(bob) == [.init(person: "c-b", result: "inaccessible", answers: [:], note: nil)])
        #expect(lines(bob).contains("-- Cy C  (c-c)"))
        #expect(
            shift.answer("q").first
                == .say("\nstopped; 2 door(s) saved this shift (1 corrected) and kept. `canvass sync` when online."))
    }
}
