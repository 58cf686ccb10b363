import CanvassCore
import Testing

/// GOTV's rules, table-driven: who has voted, who supports, who is left to chase, and what a
/// ballot file's rows mean and change.
@Suite struct GotvTests {
    @Test func hasVotedReadsTheMarkAndTheBallotStatus() {
        let cases: [([String: Value], Bool)] = [
            ([:], false),
            (["voted": true], true),
            (["voted": false], false),
            (["ballot_status": "returned"], true),
            (["ballot_status": "accepted"], true),
            (["ballot_status": "voted"], true),
            (["ballot_status": "requested"], false),
            (["ballot_status": "sent"], false),
            (["ballot_status": "rejected"], false),
            (["voted": false, "ballot_status": "accepted"], true),
            (["voted": true, "ballot_status": "rejected"], true),
        ]
        for (contact, voted) in cases {
            #expect(Gotv.hasVoted(contact) == voted, "\(contact)")
        }
    }

    @Test func supportersAnsweredFourOrFive() {
        let cases: [(Value?, Bool)] = [
            (nil, false), (1, false), (3, false), (4, true), (5, true), (6, false), ("4", true), (" 5 ", true),
            ("yes", false), (.double(4), true), (.null, false),
        ]
        for (answer, supporter) in cases {
            let answers: [String: Value] = answer.map { ["support": $0] } ?? [:]
            #expect(Gotv.isSupporter(answers) == supporter, "\(String(describing: answer))")
        }
        #expect(!Gotv.isSupporter(["other": 5]))
    }

    static func person(_ id: String, support: Value?, _ contact: [String: Value] = [:]) -> PersonFacts {
        var c: [String: Value] = ["first_name": .string(id), "last_name": "X", "phone": "555-0100"]
        c.merge(contact) { _, new in new }
        return PersonFacts(
            id: id, contact: c, household: ["street_name": "Main St", "street_number": 1],
            answers: support.map { ["support": $0] } ?? [:])
    }

    @Test func standingAndTheChaseList() {
        let cases: [(PersonFacts, Gotv.Standing)] = [
            (Self.person("a", support: 5), .toChase),
            (Self.person("b", support: 4, ["voted": true]), .voted),
            (Self.person("c", support: 4, ["ballot_status": "accepted"]), .voted),
            (Self.person("d", support: 4, ["ballot_status": "rejected"]), .toChase),
            (Self.person("e", support: 3), .notSupporter),
            (Self.person("f", support: nil), .notSupporter),
            (Self.person("g", support: 5, ["deceased": true]), .unreachable),
            (Self.person("h", support: 5, ["do_not_contact": true]), .unreachable),
            // Reachable by door only (no phone), or by phone only (do not knock).
            (Self.person("i", support: 5, ["phone": ""]), .toChase),
            (Self.person("j", support: 5, ["do_not_knock": true]), .toChase),
            (Self.person("k", support: 5, ["do_not_knock": true, "phone_bad": true]), .unreachable),
        ]
        for (p, standing) in cases {
            #expect(Gotv.standing(p) == standing, "\(p.id)")
        }
        let people = cases.map(\.0)
        #expect(Gotv.chase(people).map(\.id) == ["a", "d", "i", "j"])
        #expect(Gotv.reachable(Self.person("j", support: 5, ["do_not_knock": true]).contact) == [.call])
        let s = Gotv.summary(people)
        #expect(
            s
                == GotvSummary(
                    people: 11, voted: 2, supporters: 9, supportersVoted: 2, leftToChase: 4, unreachable: 3))
    }

    /// One question's latest answer for many people at once is what the facts of each person say.
    @Test func latestSupportAnswerIsThePersonFactsAnswer() {
        func i(_ id: String, _ support: Int64?, at: Int64, by user: String = "u1", corrects: String? = nil)
            -> PersonFacts.Interaction
        {
            PersonFacts.Interaction(
                id: id, result: "contacted", surveyID: "s", recordedAt: at,
                answers: support.map { ["support": .int($0)] } ?? [:], corrects: corrects, userID: user)
        }
        // Each person's interactions, and whether each counts (on the campaign's surveys).
        let people: [String: [(PersonFacts.Interaction, Bool)]] = [
            "one": [(i("a1", 5, at: 1), true)],
            "elsewhere": [(i("b1", 5, at: 1), false)],
            "later": [(i("c1", 2, at: 1), true), (i("c2", 4, at: 2), true)],
            "corrected": [(i("d1", 5, at: 1), true), (i("d2", nil, at: 2, corrects: "d1"), true)],
            "notByOthers": [(i("e1", 5, at: 1), true), (i("e2", nil, at: 2, by: "u2", corrects: "e1"), true)],
            "laterElsewhere": [(i("f1", 4, at: 1), true), (i("f2", 1, at: 2), false)],
            "none": [(i("g1", nil, at: 1), true)],
        ]
        let candidates = people.flatMap { p in
            p.value.map { i, counts in
                PersonFacts.Candidate(
                    person: p.key, id: i.id, recordedAt: i.recordedAt, answer: i.answers["support"], counts: counts,
                    corrects: i.corrects, userID: i.userID)
            }
        }
        let latest = PersonFacts.latestAnswer(to: "support", candidates)
        for (id, history) in people {
            let facts = PersonFacts(
                id: id, contact: [:], household: [:], interactions: history.map(\.0),
                answering: history.filter(\.1).map(\.0))
            #expect(latest[id] == facts.answers["support"], "\(id)")
        }
        #expect(latest == ["one": 5, "later": 4, "notByOthers": 5, "laterElsewhere": 4])
    }

    @Test func votedCriteriaUseTheSameRule() throws {
        guard case .valid(let c) = Criteria.parse("support>=4 voted=no") else {
            Issue.record("criteria did not parse")
            return
        }
        let people = [
            Self.person("a", support: 5), Self.person("b", support: 4, ["ballot_status": "returned"]),
            Self.person("c", support: 4, ["voted": true]), Self.person("d", support: 2),
        ]
        #expect(people.filter(c.matches).map(\.id) == people.filter { Gotv.standing($0) == .toChase }.map(\.id))
    }

    // MARK: ballot files

    static func file(_ header: [String], maps: [String] = [], statuses: [String] = []) -> (
        GotvBallotFile, [Diagnostic]
    ) {
        GotvBallotFile.resolve(header: header, maps: maps, statuses: statuses)
    }

    @Test func statusTable() {
        let (f, problems) = Self.file(["VOTER_ID", "BALLOT_STATUS"], statuses: ["R=rejected", "zz=none"])
        #expect(problems.isEmpty)
        let cases: [(String, GotvBallotFile.Status)] = [
            ("A", .ballot("accepted")), ("accepted", .ballot("accepted")), ("Accepted ", .ballot("accepted")),
            ("returned", .ballot("returned")), ("Received", .ballot("returned")), ("V", .ballot("voted")),
            ("voted", .ballot("voted")), ("Y", .ballot("voted")), ("1", .ballot("voted")), ("sent", .ballot("sent")),
            ("Mailed", .ballot("sent")), ("requested", .ballot("requested")), ("Rejected", .ballot("rejected")),
            ("N", .notVoted), ("", .notVoted), ("no", .notVoted), ("R", .ballot("rejected")), ("ZZ", .notVoted),
            ("maybe", .unknown),
        ]
        for (text, status) in cases {
            #expect(f.status(text) == status, "\(text)")
        }
        // R is not in the table: states disagree on it.
        #expect(Self.file(["VOTER_ID", "STATUS"]).0.status("R") == .unknown)
    }

    @Test func columnsAndTheirProblems() {
        let (f, p) = Self.file(["SOS Voter ID", "Name", "Ballot Status"])
        #expect(p.isEmpty)
        #expect(f.voterIDColumn == 0 && f.statusColumn == 2)
        let (g, q) = Self.file(["id", "state"], maps: ["id=voter_id", "state=status"])
        #expect(q.isEmpty && g.voterIDColumn == 0 && g.statusColumn == 1)
        let (_, missing) = Self.file(["name", "town"])
        #expect(missing.map(\.code) == ["missing_column", "missing_column"])
        let (_, bad) = Self.file(
            ["VOTER_ID", "STATUS"], maps: ["nope=status", "VOTER_ID=colour", "junk"], statuses: ["X=maybe"])
        #expect(bad.map(\.location) == ["--map[1]", "--map[2]", "--map[3]", "--status[1]"])
        #expect(bad.map(\.code) == ["unknown_column", "unknown_field", "bad_value", "bad_value"])
    }

    @Test func rowsAreReadOrRefusedWithTheirLine() {
        let (f, _) = Self.file(["VOTER_ID", "STATUS"])
        let good = f.read(["OH123", "A"], line: 2)
        #expect(good.problems.isEmpty)
        #expect(good.row?.voterID == "OH123" && good.row?.status == .ballot("accepted"))
        let bad = f.read(["", "R"], line: 7)
        #expect(bad.row == nil)
        #expect(bad.problems.map(\.location) == ["line 7, VOTER_ID", "line 7, STATUS"])
        #expect(bad.problems.map(\.code) == ["missing", "unknown_status"])
        #expect(bad.problems[1].message.contains("--status R=returned"))
        #expect(f.read(["OH9"], line: 3).row?.status == .notVoted)
    }

    @Test func importPlanWritesOnlyWhatChanged() {
        let rows: [(line: Int, voterID: String, status: GotvBallotFile.Status)] = [
            (2, "V1", .ballot("accepted")),  // changes
            (3, "V2", .ballot("returned")),  // already returned
            (4, "V3", .notVoted),  // nothing written, earlier status kept
            (5, "V9", .ballot("voted")),  // nobody here
            (6, "V4", .ballot("sent")),
            (7, "V4", .ballot("returned")),  // repeated: the last row counts
        ]
        let contacts: [(id: String, voterID: String, ballotStatus: String?)] = [
            ("c1", "V1", nil), ("c2", "V2", "returned"), ("c3", "V3", "sent"), ("c4", "V4", nil),
        ]
        let plan = GotvImportPlan(rows: rows, contacts: contacts)
        #expect(plan.writes.map(\.key.id) == ["c1", "c4"])
        #expect(plan.writes.map { $0.values["ballot_status"] } == ["accepted", "returned"])
        var expected = GotvImportPlan.Counts()
        expected.matched = 4
        expected.unknownVoterIDs = 1
        expected.updated = 2
        expected.unchanged = 1
        expected.notVoted = 1
        expected.duplicates = 1
        expected.byStatus = ["accepted": 1, "returned": 2]
        #expect(plan.counts == expected)
        #expect(plan.problems.map(\.location) == ["line 7"])
        // The same file again, over what the first import wrote, writes nothing.
        let after = contacts.map { c in
            (
                c.id, c.voterID,
                plan.writes.first { $0.key.id == c.id }?.values["ballot_status"]?.stringValue ?? c.ballotStatus
            )
        }
        #expect(GotvImportPlan(rows: rows, contacts: after).writes.isEmpty)
    }
}
