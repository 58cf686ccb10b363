import CanvassCore
import CanvassFixtures
import CanvassProtocol
import Foundation
import Testing

@Suite struct FixturesTests {
    static let voters = VoterFileGenerator().generate()

    // MARK: (a) determinism and the committed file

    @Test func generatorIsDeterministic() {
        let again = VoterFileGenerator().generate()
        #expect(again == Self.voters)
        #expect(VoterCSV.render(again) == VoterCSV.render(Self.voters))
        let other = VoterFileGenerator(seed: 7).generate()
        #expect(other != Self.voters)
        #expect(VoterFileGenerator(seed: 7).generate() == other)
    }

    @Test func committedVoterFileMatchesGenerator() throws {
        let path = Fixtures.votersPath()
        let onDisk = try #require(
            FileManager.default.contents(atPath: path),
            "missing \(path); run `swift run canvass-fixtures --out fixtures`")
        let rendered = VoterCSV.render(Self.voters)
        let difference = Fixtures.firstDifference(expected: rendered, actual: onDisk)
        #expect(
            difference == nil,
            "fixtures/voters.csv is stale; run `swift run canvass-fixtures --out fixtures`: \(difference ?? "")")
        #expect(Array(rendered.utf8) == [UInt8](onDisk))
        #expect(Fixtures.check(VoterFileGenerator(), in: Fixtures.directory()).isEmpty)
    }

    // MARK: (b) shape of the voter file

    @Test func countsAndIdentifiers() {
        let households = Dictionary(grouping: Self.voters, by: \.householdId)
        #expect(households.count == 2000)
        #expect((4_500...5_500).contains(Self.voters.count), "people: \(Self.voters.count)")
        #expect(households.values.allSatisfy { (1...5).contains($0.count) })

        let ids = Self.voters.map(\.voterId)
        #expect(Set(ids).count == ids.count, "voter ids must be unique")
        #expect(
            ids.allSatisfy {
                $0.hasPrefix("OH") && $0.count == 11 && $0.dropFirst(2).allSatisfy(\.isASCII)
                    && $0.dropFirst(2).allSatisfy(\.isNumber)
            })

        let streets = Set(Self.voters.map(\.streetName))
        #expect((20...30).contains(streets.count))
        let withUnit = households.values.filter { !$0[0].unit.isEmpty }.count
        #expect((200...400).contains(withUnit), "households with a unit: \(withUnit)")
        #expect(Self.voters.contains { $0.isOddSide } && Self.voters.contains { !$0.isOddSide })
    }

    @Test func everyHouseholdSharesOneAddress() {
        struct Address: Hashable {
            var number: Int, street: String, unit: String, city: String, state: String, zip: String
            var lat: Double, lon: Double, ward: Int, precinct: String
        }
        func address(_ v: Voter) -> Address {
            Address(
                number: v.streetNumber, street: v.streetName, unit: v.unit, city: v.city, state: v.state, zip: v.zip,
                lat: v.latitude, lon: v.longitude, ward: v.ward, precinct: v.precinct)
        }
        var seen: [Address: String] = [:]
        for (id, people) in Dictionary(grouping: Self.voters, by: \.householdId) {
            let addresses = Set(people.map(address))
            #expect(addresses.count == 1, "household \(id) has \(addresses.count) addresses")
            if let a = addresses.first {
                #expect(seen[a] == nil, "households \(seen[a] ?? "") and \(id) share \(a)")
                seen[a] = id
            }
        }
        // Mostly one family per household; some are roommates.
        let multi = Dictionary(grouping: Self.voters, by: \.householdId).values.filter { $0.count > 1 }
        let shared = multi.filter { people in
            Dictionary(grouping: people, by: \.lastName).values.contains { $0.count > 1 }
        }
        #expect(
            shared.count * 100 / multi.count >= 80, "\(shared.count) of \(multi.count) households share a last name")
    }

    @Test func fieldFormats() {
        let elections = Set(Voter.elections)
        for v in Self.voters {
            #expect(v.state == "OH" && v.zip.count == 5 && (1...8).contains(v.ward))
            #expect((1930...2006).contains(v.birthYear))
            #expect(CampaignSchema.parties.contains(v.party))
            #expect(["F", "M", "X", ""].contains(v.gender))
            #expect(v.phone.isEmpty || (v.phone.count == 12 && v.phone.dropFirst(3).hasPrefix("-555-01")), "\(v.phone)")
            #expect(
                v.email.isEmpty || ["@example.org", "@example.com", "@example.net"].contains { v.email.hasSuffix($0) },
                "\(v.email)")
            #expect(v.votedIn.allSatisfy(elections.contains))
            #expect(v.registrationDate.count == 10 && v.registrationDate <= "2024-10-07")
            #expect(VoterCSV.degrees(v.latitude).split(separator: ".")[1].count == 6)
        }
        let withPhone = Self.voters.filter { !$0.phone.isEmpty }.count * 100 / Self.voters.count
        #expect((60...80).contains(withPhone))
    }

    @Test func csvQuotingAndDegrees() {
        #expect(VoterCSV.escape("plain") == "plain")
        #expect(VoterCSV.escape("a,b") == "\"a,b\"")
        #expect(VoterCSV.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(VoterCSV.escape("two\nlines") == "\"two\nlines\"")
        #expect(VoterCSV.escape("cr\r") == "\"cr\r\"")
        #expect(VoterCSV.degrees(39.95) == "39.950000")
        #expect(VoterCSV.degrees(-83.02015) == "-83.020150")
        #expect(VoterCSV.degrees(-0.5) == "-0.500000")
        #expect(VoterCSV.degrees(0.000001) == "0.000001")
        let csv = VoterCSV.render(Array(Self.voters.prefix(2)))
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines.last == "")
        #expect(lines[0] == Substring(VoterCSV.header.joined(separator: ",")))
    }

    // MARK: (c) surveys

    @Test(arguments: Fixtures.surveyNames)
    func surveyDecodesAndChecks(name: String) throws {
        let survey = try Fixtures.survey(name)
        #expect(survey.check().isEmpty, "\(survey.check())")
        let expected: [String: Survey.Kind] = ["canvass": .canvass, "phonebank": .phone, "petition": .petition]
        #expect(survey.kind == expected[name])
        #expect(survey.questions.count >= 5)
        // Every survey branches somewhere and can stop early.
        #expect(survey.questions.contains { $0.options.contains { $0.next != nil } })
        #expect(survey.questions.contains { $0.next == "end" || $0.options.contains { $0.next == "end" } })
    }

    @Test func canvassBranches() throws {
        let s = try Fixtures.survey("canvass")
        let volunteer = try #require(s.question("volunteer"))
        #expect(s.next(after: volunteer, answer: .string("yes"))?.id == "availability")
        #expect(s.next(after: volunteer, answer: .string("no"))?.id == "yard_sign")
        let willing = try #require(s.question("willing"))
        #expect(s.next(after: willing, answer: .string("no")) == nil)
        #expect(s.resultCode("not_home")?.recontactDays == 2)
        let petition = try Fixtures.survey("petition")
        #expect(petition.resultCodes == ResultCode.standard)
    }

    // MARK: (d) broken documents

    @Test func unknownBranchTargetIsRejectedWithItsLocation() {
        let yaml = """
            id: broken
            title: Broken
            kind: canvass
            questions:
              - id: first
                text: First?
                type: yes_no
              - id: second
                text: Second?
                type: yes_no
                options:
                  - { value: "yes", next: third }
                  - { value: "no", next: end }
            """
        do {
            _ = try SurveyDocument.decode(yaml: yaml, file: "broken.yaml")
            Issue.record("a branch to a missing question must be rejected")
        } catch let error as ProtocolError {
            let problem = error.problems.first { $0.diagnostic.code == "bad_branch" }
            #expect(problem?.diagnostic.location == "survey.questions[1].options[0].next")
            #expect(problem?.line == 12)
            #expect(error.description.contains("broken.yaml:12:"))
            #expect(error.description.contains("'third'"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func syntaxErrorsAndTyposNameTheLine() {
        do {
            _ = try SurveyDocument.decode(yaml: "id: x\ntitle: [oops\nkind: canvass\n")
            Issue.record("bad YAML must be rejected")
        } catch let error as ProtocolError {
            #expect(error.diagnostics.first?.code == "yaml_syntax")
            #expect(error.problems.first?.line != nil)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        do {
            _ = try SurveyDocument.decode(
                yaml:
                    "id: x\ntitle: t\nkind: canvass\nquestions:\n  - id: q\n    text: Q\n    type: yes_no\n    nxt: end\n"
            )
            Issue.record("an unknown key must be rejected")
        } catch let error as ProtocolError {
            #expect(error.diagnostics.map(\.code) == ["unknown_key"])
            #expect(error.problems.first?.line == 8)
            #expect(error.description.contains("did you mean 'next'"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
