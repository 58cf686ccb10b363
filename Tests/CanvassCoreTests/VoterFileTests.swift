import CanvassCore
import Testing

/// Header mapping, the row rules and the import plan, without a file or a database.
struct VoterFileTests {
    /// Only ISO dates, so the rules' use of the injected reader is visible.
    static let isoOnly: @Sendable (String) -> String? = { $0.count == 10 && $0.dropFirst(4).first == "-" ? $0 : nil }

    static func rules(_ header: [String], _ maps: [String] = []) throws -> VoterFileRules {
        let (mapping, problems) = VoterFileMapping.resolve(header: header, overrides: maps)
        try #require(problems.isEmpty, "\(problems)")
        return VoterFileRules(mapping: mapping, readDate: isoOnly)
    }

    // MARK: headers

    @Test(arguments: [
        ("LASTNAME", "last_name"), ("Last Name", "last_name"), ("last_name", "last_name"), ("SURNAME", "last_name"),
        ("FIRSTNAME", "first_name"), ("First", "first_name"), ("MIDDLE_INITIAL", "middle_name"),
        ("SOS_VOTERID", "voter_id"), ("Voter ID", "voter_id"), ("LALVOTERID", "voter_id"), ("ncid", "voter_id"),
        ("RESADDRESS", "address"), ("RESIDENTIAL_ADDRESS1", "address"), ("res_street_address", "address"),
        ("Residence Address Line 1", "address"), ("HOUSE_NUMBER", "street_number"), ("STREET_NAME", "street_name"),
        ("STREET_TYPE", "street_suffix"), ("PRE_DIR", "pre_direction"), ("APT_NUM", "unit"),
        ("RESIDENTIAL_ADDRESS2", "unit"), ("RESCITY", "city"), ("Residence City", "city"), ("ZIP5", "zip"),
        ("Zip Code", "zip"), ("RESIDENTIAL_ZIP", "zip"), ("PHONE1", "phone"), ("Cell Phone", "phone"),
        ("E-mail", "email"), ("PARTY_CODE", "party"), ("PARTY_AFFILIATION", "party"), ("PRECINCT_NAME", "precinct"),
        ("WARD", "ward"), ("YOB", "birth_year"), ("DATE_OF_BIRTH", "birth_date"),
        ("REGISTRATION_DATE", "registration_date"),
        ("VOTER_HISTORY", "vote_history"), ("G2024", "voted:G2024"), ("P2022", "voted:P2022"),
        ("GENERAL-2020", "voted:G2020"), ("PP2024", "voted:PP2024"), ("2023 Special", "voted:S2023"),
        ("VOTED_G2018", "voted:G2018"), ("G22", "voted:G2022"),
    ])
    func recognisesCommonHeaders(_ c: (String, String)) {
        #expect(VoterFileMapping.defaultTarget(c.0)?.description == c.1, "\(c.0)")
    }

    @Test(arguments: ["NOTES", "COUNTY", "PARTY_X", "P1", "ZIP4", "FOO2024BAR"])
    func leavesOtherHeadersUnread(_ header: String) {
        #expect(VoterFileMapping.defaultTarget(header) == nil, "\(header)")
    }

    @Test func theBetterSynonymWinsAndTheOtherIsSaid() {
        let (m, problems) = VoterFileMapping.resolve(
            header: ["NAME_LAST", "PHONE2", "PHONE1", "ADDRESS"], overrides: [])
        #expect(problems.isEmpty)
        #expect(m.column(.field(.phone)) == 2)
        #expect(m.notes.contains { $0.contains("'PHONE2' ignored") })
    }

    @Test func overridesWin() throws {
        let (m, problems) = VoterFileMapping.resolve(
            header: ["SURNAME", "Where", "PHONE1", "Mobile"],
            overrides: ["Where=address", "Mobile=phone", "phone1=ignore"])
        #expect(problems.isEmpty, "\(problems)")
        #expect(m.column(.field(.address)) == 1)
        #expect(m.column(.field(.phone)) == 3)
        #expect(m.targets[2] == nil)
    }

    /// Every problem at once, each where it is, before anything is read.
    @Test func badMapsAndMissingMappingsAreAllReported() {
        let (_, problems) = VoterFileMapping.resolve(
            header: ["ID", "FIRST", "CITY"], overrides: ["NOPE=last_name", "CITY=town", "FIRST", "ID=voted:X"])
        let codes = problems.map(\.code)
        #expect(codes.filter { $0 == "unknown_column" }.count == 1)
        #expect(codes.filter { $0 == "unknown_field" }.count == 2)
        #expect(codes.contains("bad_map"))
        let missing = problems.first { $0.code == "missing_mapping" }
        #expect(missing?.message.contains("a name") == true && missing?.message.contains("an address") == true)
        #expect(missing?.message.contains("--map COLUMN=FIELD") == true)
    }

    // MARK: rows

    static let vendor = [
        "LALVOTERID", "LASTNAME", "FIRSTNAME", "RESADDRESS", "RESCITY", "ZIP5", "PHONE1", "PARTY_CODE", "PRECINCT",
        "WARD", "YOB", "G2024", "P2024", "G2022",
    ]

    @Test func readsAVendorRow() throws {
        let r = try Self.rules(Self.vendor)
        let (p, problems) = r.person(
            [
                "LAL123", "O'NEIL", "MARY", "12 1/2 N HIGH ST APT 4B", "COLUMBUS", "43215-1234", "(614) 555-0142",
                "D", "3-B", "Ward 3", "1971", "Y", "", "A",
            ], line: 7)
        #expect(problems.isEmpty, "\(problems)")
        let person = try #require(p)
        #expect(person.voterID == "LAL123")
        #expect(person.contact["phone"] == "614-555-0142")
        #expect(person.contact["party"] == "DEM")
        #expect(person.contact["ward"] == 3)
        #expect(person.contact["birth_year"] == 1971)
        #expect(person.contact["vote_history"] == "G2024 G2022")
        #expect(person.household["street_number"] == 12)
        #expect(person.household["number_suffix"] == "1/2")
        #expect(person.household["street_name"] == "N High St")
        #expect(person.household["unit"] == "Apt 4B")
        #expect(person.household["city"] == "Columbus")
        #expect(person.household["zip"] == "43215")
    }

    @Test func aBadRowSaysWhyAndWhere() throws {
        let r = try Self.rules(Self.vendor)
        let (p, problems) = r.person(["LAL9", "", "ANN", "PO BOX 12", "", "", "", "", "", "", "", "", "", ""], line: 9)
        #expect(p == nil)
        #expect(problems.contains { $0.location == "line 9, LASTNAME" && $0.message.contains("no last name") })
        #expect(problems.contains { $0.location == "line 9, RESADDRESS" && $0.message.contains("PO box") })
        let (p2, shifted) = r.person(Array(repeating: "x", count: Self.vendor.count + 1), line: 10)
        #expect(p2 == nil && shifted.first?.code == "too_many_cells")
    }

    /// Unreadable values that are not needed are left out with a warning; the row is kept.
    @Test func unreadableExtrasAreWarnings() throws {
        let r = try Self.rules(Self.vendor + ["REGISTRATION_DATE", "EMAIL"])
        let (p, problems) = r.person(
            [
                "L1", "SMITH", "JO", "5 ELM AVE", "", "4321", "555-01", "ZZZ", "", "north", "19x1", "", "", "",
                "13/45/2020", "jo@",
            ],
            line: 3)
        let person = try #require(p)
        #expect(!problems.hasErrors)
        #expect(
            Set(problems.map(\.location)).isSuperset(of: [
                "line 3, ZIP5", "line 3, PHONE1", "line 3, PARTY_CODE", "line 3, WARD", "line 3, YOB",
                "line 3, REGISTRATION_DATE",
                "line 3, EMAIL",
            ]))
        #expect(person.contact["party"] == "OTH")
        #expect(person.contact["phone"] == nil && person.household["zip"] == nil)
    }

    @Test func aFullNameAndAddressPartsWork() throws {
        let r = try Self.rules([
            "NAME", "HOUSE_NUM", "PRE_DIR", "STREET_NAME", "STREET_TYPE", "UNIT_TYPE", "UNIT_NUM", "ZIP",
        ])
        let (p, problems) = r.person(["GARCIA, JOSE A JR", "220", "W", "LANE", "AVENUE", "APT", "3", "43201"], line: 2)
        #expect(problems.isEmpty, "\(problems)")
        #expect(p?.contact["last_name"] == "GARCIA" && p?.contact["first_name"] == "JOSE")
        #expect(p?.contact["middle_name"] == "A" && p?.contact["suffix"] == "JR")
        #expect(p?.household["street_name"] == "W Lane Ave" && p?.household["unit"] == "Apt 3")
    }

    // MARK: the plan

    static func people(_ rows: [[String]], header: [String] = vendor) throws -> [VoterFilePerson] {
        let r = try rules(header)
        return try rows.enumerated().map { i, row in try #require(r.person(row, line: i + 2).person) }
    }

    static let rows = [
        ["V1", "LOPEZ", "MARIA", "10 ELM ST", "COLUMBUS", "43205", "", "D", "", "", "", "", "", ""],
        ["V2", "LOPEZ", "JUAN", "10 Elm Street", "COLUMBUS", "43205", "", "D", "", "", "", "", "", ""],
        ["", "CHEN", "AMY", "12 1/2 ELM ST #2", "COLUMBUS", "43205", "614-555-0100", "", "", "", "", "", "", ""],
    ]

    /// Applies a plan's writes to an in-memory "store" of display values.
    static func apply(_ plan: VoterFilePlan, to store: inout [RecordKey: [String: Value]]) {
        for w in plan.writes { store[w.key, default: [:]].merge(w.values) { _, new in new } }
    }

    static func index(_ store: [RecordKey: [String: Value]]) -> VoterFileIndex {
        VoterFileIndex(
            contacts: store.filter { $0.key.collection == "contacts" }.map { ($0.key.id, $0.value) },
            households: store.filter { $0.key.collection == "households" }.map { ($0.key.id, $0.value) })
    }

    @Test func importingTwiceChangesNothingTheSecondTime() throws {
        let people = try Self.people(Self.rows)
        var store: [RecordKey: [String: Value]] = [:]
        let first = VoterFilePlan(people: people, campaign: "c1", existing: VoterFileIndex())
        #expect(first.people.created == 3 && first.households.created == 2)
        #expect(first.placed[0].householdID == first.placed[1].householdID, "same normalised address, one household")
        Self.apply(first, to: &store)
        let second = VoterFilePlan(people: people, campaign: "c1", existing: Self.index(store))
        #expect(second.people.created == 0 && second.people.unchanged == 3 && second.households.unchanged == 2)
        #expect(second.writes.isEmpty)
        #expect(second.placed.map(\.contactID) == first.placed.map(\.contactID))
    }

    @Test func matchesByVoterIDElseNameAndAddress() throws {
        var store: [RecordKey: [String: Value]] = [:]
        Self.apply(
            VoterFilePlan(people: try Self.people(Self.rows), campaign: "c1", existing: VoterFileIndex()), to: &store)
        // A vendor file a year later: Maria moved (same voter id), Amy got a voter id, a new person.
        let later = try Self.people([
            ["V1", "Lopez", "Maria", "99 OAK AVE", "COLUMBUS", "43205", "", "D", "", "", "", "", "", ""],
            ["V3", "Chen", "Amy", "12 1/2 Elm St Apt 2", "Columbus", "43205", "", "", "", "", "", "", "", ""],
            ["V4", "Chen", "Bo", "12 1/2 Elm St Apt 2", "Columbus", "43205", "", "", "", "", "", "", "", ""],
        ])
        let plan = VoterFilePlan(people: later, campaign: "c1", existing: Self.index(store))
        #expect(plan.people.created == 1 && plan.people.updated == 2)
        #expect(plan.placed[0].contactID == "c-V1")
        let amy = try #require(store.keys.first { $0.collection == "contacts" && store[$0]?["first_name"] == "AMY" })
        #expect(plan.placed[1].contactID == amy.id, "no voter id before: matched by name and address")
        #expect(plan.placed[2].householdID == plan.placed[1].householdID)
        #expect(plan.households.created == 1, "only 99 Oak Ave is new")
        let maria = plan.writes.first { $0.key.id == "c-V1" }
        #expect(maria?.values.keys.sorted() == ["household_id"], "case-only differences are not changes")
    }

    /// A phone a canvasser corrected at the door is not undone by an old file; an empty one is filled.
    @Test func fieldCorrectionsWinOverTheFile() throws {
        var store: [RecordKey: [String: Value]] = [:]
        let people = try Self.people(Self.rows)
        Self.apply(VoterFilePlan(people: people, campaign: "c1", existing: VoterFileIndex()), to: &store)
        let amy = try #require(store.keys.first { $0.collection == "contacts" && store[$0]?["first_name"] == "AMY" })
        store[amy]?["phone"] = "614-555-0199"
        store[RecordKey("contacts", "c-V1")]?["phone"] = nil
        let again = try Self.people(
            Self.rows.map { r in
                var r = r; r[6] = "614-555-0111"; return r
            })
        let plan = VoterFilePlan(people: again, campaign: "c1", existing: Self.index(store))
        #expect(plan.writes.first { $0.key == amy } == nil)
        #expect(plan.writes.first { $0.key.id == "c-V1" }?.values["phone"] == "614-555-0111")
    }

    /// A file with this year's election columns adds to the history; it does not erase it.
    @Test func voteHistoryOnlyGrows() throws {
        var store: [RecordKey: [String: Value]] = [:]
        let people = try Self.people(Self.rows)
        Self.apply(VoterFilePlan(people: people, campaign: "c1", existing: VoterFileIndex()), to: &store)
        store[RecordKey("contacts", "c-V1")]?["vote_history"] = "G2020 P2020"
        let voted = try Self.people([Self.rows[0].enumerated().map { $0.offset == 11 ? "Y" : $0.element }])
        let plan = VoterFilePlan(people: voted, campaign: "c1", existing: Self.index(store))
        #expect(plan.writes.first?.values["vote_history"] == "G2024 G2020 P2020")
    }

    @Test func aRepeatedPersonIsADuplicateNamingTheFirstLine() throws {
        let people = try Self.people(Self.rows + [Self.rows[0], Self.rows[2]])
        let plan = VoterFilePlan(people: people, campaign: "c1", existing: VoterFileIndex())
        #expect(plan.people.created == 3)
        #expect(plan.duplicates.map(\.location) == ["line 5", "line 6"])
        #expect(plan.duplicates[0].message.contains("line 2") && plan.duplicates[1].message.contains("line 4"))
    }

    /// Ids come from what identifies a person, so two laptops importing one file agree.
    @Test func idsAreStable() throws {
        let a = VoterFilePlan(people: try Self.people(Self.rows), campaign: "c1", existing: VoterFileIndex())
        let b = VoterFilePlan(people: try Self.people(Self.rows), campaign: "c1", existing: VoterFileIndex())
        #expect(a.placed.map(\.contactID) == b.placed.map(\.contactID))
        #expect(a.placed.map(\.householdID) == b.placed.map(\.householdID))
        #expect(VoterFilePlan.hash("") == "cbf29ce484222325")
    }
}
