import CanvassCore
import Testing

/// The criteria language, table-driven: what each term chooses, and where each problem is.
@Suite struct CriteriaTests {
    static let support = Question(id: "support", text: "Support?", kind: .scale, min: 1, max: 5)
    static let issue = Question(
        id: "top_issue", text: "Issue?", kind: .singleChoice, options: [.init("housing"), .init("schools")])
    static let vocabulary = Criteria.Vocabulary(
        groups: [(id: "grp-vol", name: "Volunteers")], resultCodes: ResultCode.standard.map(\.code),
        questions: [support, issue])

    /// A Democrat in precinct 1-A, support 2 on a 1–5 scale, refused last, not voted, a volunteer,
    /// who gave $30 and $20 and pledged $100 more.
    static let ana = {
        var ana = anaWithoutGifts
        ana.count([.init(cents: 3000, at: 1), .init(cents: 2000, at: 2), .init(cents: 10_000, at: 3, pledge: true)])
        return ana
    }()
    static let anaWithoutGifts = PersonFacts(
        id: "c-ana",
        contact: [
            "first_name": "Ana", "last_name": "Diaz", "party": "DEM", "precinct": "1-A", "ward": 1, "birth_year": 1990,
            "phone": "614-555-0101", "vote_history": "G2024 P2024", "engagement_level": 3,
        ],
        household: ["zip": "43205", "street_name": "Maple Ave", "city": "Columbus"],
        lastResult: "refused", attempts: 2, answers: ["support": 2, "top_issue": "housing"], groups: ["grp-vol"])
    /// An independent in 12, never contacted, voted, a bad phone, no household.
    static let ben = PersonFacts(
        id: "c-ben",
        contact: [
            "first_name": "Ben", "last_name": "Ng", "party": "IND", "precinct": "12", "ward": 3, "voted": true,
            "phone": "614-555-0102", "phone_bad": true,
        ])

    static func criteria(_ text: String) throws -> Criteria {
        switch Criteria.parse(text, vocabulary: vocabulary) {
        case .valid(let c): return c
        case .invalid(let problems): throw Failure(description: "\(text): \(problems)")
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    @Test func termsChooseTheRightPeople() throws {
        let cases: [(String, ana: Bool, ben: Bool)] = [
            ("", true, true),
            ("party=DEM", true, false),
            ("party=dem", true, false),
            ("party=DEM,IND", true, true),
            ("party!=DEM,IND", false, false),
            ("party!=REP", true, true),
            ("precinct=12", false, true),
            ("ward>=2", false, true),
            ("ward<3", true, false),
            ("ward=1,3", true, true),
            ("support<=2", true, false),
            ("support>2", false, false),
            ("support=none", false, true),
            ("support!=none", true, false),
            ("voted=no", true, false),
            ("voted=yes", false, true),
            ("last_result!=refused", false, true),
            ("last_result=none", false, true),
            ("last_result=refused,not_home", true, false),
            ("attempts=0", false, true),
            ("donated>=50", true, false),
            ("donated>50", false, false),
            ("donated=0", false, true),
            ("gifts=2", true, false),
            ("gifts>=1", true, false),
            ("attempts>=2", true, false),
            ("group=Volunteers", true, false),
            ("group=volunteers", true, false),
            ("group!=grp-vol", false, true),
            ("history=G2024", true, false),
            ("history=g2024", true, false),
            ("history!=P2022", true, true),
            ("phone=yes", true, false),
            ("email=no", true, true),
            ("zip=43205", true, false),
            ("zip!=43205", false, true),
            ("street=\"maple ave\"", true, false),
            ("city=Columbus", true, false),
            ("birth_year>1985", true, false),
            ("engagement>=3", true, false),
            ("answer.top_issue=housing", true, false),
            ("answer.top_issue!=housing", false, true),
            ("party=DEM,IND precinct=12 support<=2 voted=no last_result!=refused", false, false),
            ("party = DEM  support <= 2", true, false),
        ]
        for c in cases {
            let criteria = try Self.criteria(c.0)
            #expect(criteria.matches(Self.ana) == c.ana, "ana: \(c.0)")
            #expect(criteria.matches(Self.ben) == c.ben, "ben: \(c.0)")
        }
    }

    /// Every problem is found in one pass, each at the column of its token.
    @Test func problemsPointAtTheirTokens() {
        let cases: [(String, [(code: String, column: Int, length: Int)])] = [
            ("partyy=DEM", [("unknown_field", 1, 6)]),
            ("party=DEMS", [("unknown_option", 7, 4)]),
            ("party<DEM", [("bad_operator", 6, 1)]),
            ("support<=high", [("bad_value", 10, 4)]),
            ("support<=1,2", [("bad_list", 12, 1)]),
            ("voted=maybe", [("bad_value", 7, 5)]),
            ("ward=x", [("bad_value", 6, 1)]),
            ("last_result=refusd", [("unknown_result", 13, 6)]),
            ("group=Donors", [("unknown_group", 7, 6)]),
            ("answer.color=red", [("unknown_question", 1, 12)]),
            ("answer.top_issue=parks", [("unknown_option", 18, 5)]),
            ("party", [("expected_operator", 6, 1)]),
            ("party DEM voted=no", [("expected_operator", 7, 3)]),
            ("party=", [("expected_value", 7, 1)]),
            ("party= voted=no", [("expected_value", 8, 5)]),
            ("party=DEM,", [("expected_value", 11, 1)]),
            ("party==DEM", [("bad_operator", 6, 2)]),
            ("party!DEM", [("bad_operator", 6, 1)]),
            ("street=\"Maple Ave", [("unterminated_quote", 8, 10)]),
            ("=DEM", [("expected_field", 1, 1)]),
            ("party=DEM=REP", [("expected_space", 10, 1)]),
            (
                "party=DEMS suport<=2 voted=maybe last_result!=refused",
                [("unknown_option", 7, 4), ("unknown_field", 12, 6), ("bad_value", 28, 5)]
            ),
        ]
        for (text, expected) in cases {
            guard case .invalid(let problems) = Criteria.parse(text, vocabulary: Self.vocabulary) else {
                Issue.record("'\(text)' must be refused")
                continue
            }
            let got = problems.map { "\($0.code)@\($0.column)+\($0.length)" }
            #expect(got == expected.map { "\($0.code)@\($0.column)+\($0.length)" }, "\(text): \(problems)")
        }
    }

    @Test func messagesSayWhatWouldBeValid() {
        guard case .invalid(let problems) = Criteria.parse("suport<=2 last_result=refusd", vocabulary: Self.vocabulary)
        else { Issue.record("must be refused"); return }
        #expect(problems[0].message.contains("did you mean 'support'"))
        #expect(problems[1].message.contains("did you mean 'refused'"))
        let shown = Criteria.explain("suport<=2 last_result=refusd", problems)
        #expect(
            shown.split(separator: "\n").prefix(2).map(String.init) == [
                "  suport<=2 last_result=refusd",
                "  ^^^^^^                ^^^^^^",
            ])
        #expect(shown.contains("column 1: unknown field 'suport'"))
        #expect(shown.contains("column 23: 'refusd' is not a result code"))
    }

    /// Without a vocabulary, group names, result codes and questions are taken as given.
    @Test func anEmptyVocabularyAcceptsAnyName() {
        guard case .valid(let c) = Criteria.parse("group=grp-vol last_result=lit_drop answer.x=1") else {
            Issue.record("must parse"); return
        }
        #expect(c.terms.count == 3)
        #expect(!c.matches(Self.ana))
    }

    @Test func fieldHelpNamesEveryField() {
        for f in CriteriaField.all { #expect(Criteria.fieldHelp.contains(f.name)) }
        #expect(Criteria.fieldHelp.contains("answer.Q"))
    }

    /// The latest result and answers come from the newest interaction; answers can be limited to
    /// a campaign's own surveys.
    @Test func factsSumUpInteractions() {
        let old = PersonFacts.Interaction(
            id: "i1", result: "contacted", surveyID: "s1", recordedAt: 100,
            answers: ["support": 5, "top_issue": "schools"])
        let new = PersonFacts.Interaction(
            id: "i2", result: "not_home", surveyID: "s2", recordedAt: 200, answers: ["support": 1])
        let p = PersonFacts(id: "p", contact: [:], household: [:], interactions: [old, new])
        #expect(p.lastResult == "not_home" && p.lastSurvey == "s2" && p.lastAt == 200 && p.attempts == 2)
        #expect(p.answers == ["support": 1, "top_issue": "schools"])
        let own = PersonFacts(id: "p", contact: [:], household: [:], interactions: [old, new], answering: [old])
        #expect(own.answers["support"] == 5 && own.lastResult == "not_home")
        // A correction (same user) replaces what it corrects: its answers and its attempt.
        let first = PersonFacts.Interaction(
            id: "i3", result: "contacted", surveyID: "s1", recordedAt: 300, answers: ["support": 4, "color": "red"],
            userID: "u1")
        let fixed = PersonFacts.Interaction(
            id: "i4", result: "contacted", surveyID: "s1", recordedAt: 310, answers: ["support": 2], corrects: "i3",
            userID: "u1")
        let corrected = PersonFacts(id: "p", contact: [:], household: [:], interactions: [old, first, fixed])
        #expect(corrected.attempts == 2 && corrected.answers["color"] == nil && corrected.answers["support"] == 2)
        let notTheirs = PersonFacts.Interaction(
            id: "i5", result: "refused", surveyID: "s1", recordedAt: 320, answers: [:], corrects: "i3", userID: "u2")
        #expect(PersonFacts(id: "p", contact: [:], household: [:], interactions: [first, notTheirs]).attempts == 2)
    }
}
