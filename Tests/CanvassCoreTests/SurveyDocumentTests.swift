import CanvassCore
import CanvassProtocol
import Testing

/// Survey documents: every question type, branching, result codes and their effects, petitions,
/// and every problem of a broken file in one run, each with its line and column.
@Suite struct SurveyDocumentTests {
    static let good = """
        id: full
        title: Every kind of question
        kind: petition
        petition:
          statement: We ask for a vote.
          signature: sign
          consent: keep_in_touch
        result_codes:
          - { code: contacted, contacted: true }
          - { code: not_home, recontact_days: 2 }
          - { code: moved, effect: moved }
          - { code: deceased, effect: deceased }
          - { code: do_not_contact, contacted: true, effect: do_not_contact }
          - { code: wrong_number, effect: bad_number }
          - { code: already_voted, contacted: true, effect: voted }
        questions:
          - { id: sign, text: Sign?, type: yes_no, required: true,
              options: [{ value: "yes", next: keep_in_touch }, { value: "no", next: why }] }
          - { id: why, text: Why not?, type: text, next: end }
          - { id: keep_in_touch, text: May we write?, type: yes_no }
          - { id: issue, text: Issue?, type: single_choice, options: [housing, schools] }
          - { id: days, text: Days?, type: multiple_choice, options: [sat, sun] }
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: adults, text: Adults?, type: number, min: 0, max: 10 }
          - { id: rally, text: Will you come to the rally?, type: rsvp, event: rally-2026 }
          - { id: voted_yet, text: Have you voted?, type: single_choice, options: [early, mail, not_yet],
              marks_voted: [early, mail] }
        """

    @Test func everyQuestionTypeBranchEffectAndThePetitionDecode() throws {
        let s = try SurveyDocument.decode(yaml: Self.good)
        #expect(Set(s.questions.map(\.kind)) == Set(Question.Kind.allCases))
        #expect(s.resultCodes.map(\.effect) == [.none, .none, .moved, .deceased, .doNotContact, .badNumber, .voted])
        #expect(s.check().isEmpty)
        #expect(
            s.question("rally")?.event == "rally-2026"
                && s.question("rally")?.options.map(\.value) == ["yes", "no", "maybe"])
        #expect(s.validate(result: "contacted", answers: ["rally": "maybe"]).isEmpty)
        #expect(s.validate(result: "contacted", answers: ["rally": "perhaps"]).map(\.code) == ["unknown_option"])
        // GOTV marks: the effect and the answers a question marks voted with, and nothing else.
        #expect(
            Canvassing.effectWrites(.voted, channel: .call, person: "p", household: nil).map(\.values) == [
                ["voted": true]
            ])
        #expect(
            Canvassing.answerWrites(["voted_yet": "mail"], survey: s, person: "p").map(\.key) == [
                RecordKey("contacts", "p")
            ])
        #expect(Canvassing.answerWrites(["voted_yet": "not_yet", "rally": "yes"], survey: s, person: "p").isEmpty)
        #expect(s.resultCode("not_home")?.recontactDays == 2)
        #expect(s.petition == Petition(statement: "We ask for a vote.", signature: "sign", consent: "keep_in_touch"))
        #expect(s.next(after: s.question("sign")!, answer: "no")?.id == "why")
        #expect(s.next(after: s.question("why")!, answer: "x") == nil)
        #expect(s.isSignature(["sign": "yes"]) && !s.isSignature(["sign": "no"]))
        // A survey round-trips through its stored JSON definition.
        #expect(try Value.encoding(s).decode(as: Survey.self) == s)
    }

    /// One run lists every problem, decoding errors and checks alike, in document order.
    @Test func aBrokenFileListsEveryProblemWithItsPlace() {
        let yaml = """
            id: broken
            title: Broken
            kind: petition
            petition:
              statement: ""
              signature: issue
              consnt: sign
            result_codes:
              - { code: not_home, recontact_days: -1 }
              - { code: gone, effect: vanished }
            questions:
              - { id: issue, text: Issue?, type: single_choice }
              - { id: support, text: Support?, type: scael }
              - { id: loop, text: Loop?, type: yes_no, options: [{ value: "yes", next: back }, { value: "no", next: nowhere }] }
              - { id: back, text: Back?, type: text, next: loop }
            """
        do {
            _ = try SurveyDocument.decode(yaml: yaml, file: "broken.yaml")
            Issue.record("must be refused")
        } catch let e as ProtocolError {
            let got = e.problems.map { "\($0.line ?? 0):\($0.column ?? 0) \($0.diagnostic.code)" }
            #expect(
                got == [
                    "5:14 empty", "6:14 bad_reference", "7:3 unknown_key", "9:39 bad_range", "10:27 bad_value",
                    "12:5 empty", "13:42 bad_value", "14:105 bad_branch", "15:48 loop",
                ], "\(e)")
            #expect(e.description.contains("broken.yaml:7:3"))
            #expect(e.description.contains("did you mean 'consent'"))
            #expect(e.description.contains("valid types: single_choice"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// An rsvp question names its event and keeps yes/no/maybe; only an rsvp question names an
    /// event; `marks_voted` names answers the question can have.
    @Test func rsvpAndVotedMarkRules() {
        let noEvent = Question(id: "r", text: "Come?", kind: .rsvp)
        let ownOptions = Question(id: "r2", text: "Come?", kind: .rsvp, options: [.init("sure")], event: "e")
        let strayEvent = Question(id: "t", text: "Why?", kind: .text, event: "e")
        let badMark = Question(
            id: "v", text: "Voted?", kind: .yesNo, options: [.init("yes"), .init("no")], marksVoted: ["yes", "maybe"])
        let textMark = Question(id: "w", text: "How?", kind: .text, marksVoted: ["mail"])
        let scaleMark = Question(id: "s", text: "Sure?", kind: .scale, marksVoted: ["5", "9"])
        let s = Survey(
            id: "x", title: "X", kind: .phone,
            questions: [noEvent, ownOptions, strayEvent, badMark, textMark, scaleMark])
        #expect(
            s.check().map { "\($0.location) \($0.code)" } == [
                "survey.questions[0].event missing", "survey.questions[1].options bad_value",
                "survey.questions[2].event bad_value", "survey.questions[3].marks_voted[1] bad_value",
                "survey.questions[4].marks_voted[0] bad_value", "survey.questions[5].marks_voted[1] bad_value",
            ])
        #expect(scaleMark.marksVoted(.int(5)) && !scaleMark.marksVoted(.int(4)))
    }

    @Test func petitionRules() {
        func codes(_ s: Survey) -> [String] { s.check().map(\.code) }
        let yes = Question(id: "sign", text: "Sign?", kind: .yesNo, options: [.init("yes"), .init("no")])
        let ok = Question(id: "ok", text: "Contact?", kind: .yesNo, options: [.init("yes"), .init("no")])
        let text = Question(id: "why", text: "Why?", kind: .text)
        let base = Survey(id: "p", title: "P", kind: .petition, questions: [yes, ok, text])
        var s = base
        #expect(codes(s) == ["missing"], "a petition needs its block")
        s.petition = Petition(statement: "We ask.", signature: "sign", consent: "ok")
        #expect(codes(s) == [])
        s.petition = Petition(statement: " ", signature: "why", consent: "sign")
        #expect(codes(s) == ["empty", "bad_reference"])
        s.petition = Petition(statement: "We ask.", signature: "sign", consent: "sign")
        #expect(codes(s) == ["duplicate"])
        s.kind = .canvass
        s.petition = Petition(statement: "We ask.", signature: "sign")
        #expect(codes(s) == ["not_a_petition"])
    }

    @Test func scriptsMustEnd() {
        func q(_ id: String, next: String? = nil, options: [Question.Option] = []) -> Question {
            Question(id: id, text: id, kind: options.isEmpty ? .text : .singleChoice, options: options, next: next)
        }
        let loops = Survey(id: "s", title: "S", kind: .canvass, questions: [q("a"), q("b", next: "a")])
        #expect(loops.check().map(\.code) == ["loop"])
        let forward = Survey(
            id: "s", title: "S", kind: .canvass,
            questions: [q("a", options: [.init("x", next: "c"), .init("y")]), q("b"), q("c", next: "end")])
        #expect(forward.check().isEmpty)
        // Back to an earlier question is fine when it cannot come round again.
        let back = Survey(
            id: "s", title: "S", kind: .canvass, questions: [q("a", next: "c"), q("b", next: "end"), q("c", next: "b")])
        #expect(back.check().isEmpty)
    }
}
