import CanvassCore
import Testing

/// The one-line address parser: real-looking lines from state voter files and vendor exports,
/// each with the parts a walk list needs.
struct AddressTests {
    /// (line, house, pre-direction, name, suffix, post-direction, unit)
    static let cases: [(String, String, String, String, String, String, String)] = [
        ("12 Main St", "12", "", "Main", "St", "", ""),
        ("12B Main St", "12B", "", "Main", "St", "", ""),
        ("12 1/2 Main St", "12 1/2", "", "Main", "St", "", ""),
        ("12½ Main St", "12 1/2", "", "Main", "St", "", ""),
        ("12-14 Main St", "12-14", "", "Main", "St", "", ""),
        ("12-B Main St", "12B", "", "Main", "St", "", ""),
        ("135 ADAMS STREET", "135", "", "Adams", "St", "", ""),
        ("135 Adams St.", "135", "", "Adams", "St", "", ""),
        ("1600 N HIGH ST APT 4B", "1600", "N", "High", "St", "", "Apt 4B"),
        ("1600 North High Street, Apartment 4B", "1600", "N", "High", "St", "", "Apt 4B"),
        ("1600 N. High St., Apt. 4B", "1600", "N", "High", "St", "", "Apt 4B"),
        ("77 E 5TH AVE UNIT 2", "77", "E", "5th", "Ave", "", "Unit 2"),
        ("77 EAST 5TH AVENUE #3", "77", "E", "5th", "Ave", "", "#3"),
        ("77 E 5th Ave # 3", "77", "E", "5th", "Ave", "", "#3"),
        ("500 W BROAD ST STE 100", "500", "W", "Broad", "St", "", "Ste 100"),
        ("500 W Broad St Suite 100", "500", "W", "Broad", "St", "", "Ste 100"),
        ("2200 MAIN ST NW", "2200", "", "Main", "St", "NW", ""),
        ("2200 Main Street Northwest Apt 1", "2200", "", "Main", "St", "NW", "Apt 1"),
        ("40 NORTH ST", "40", "", "North", "St", "", ""),
        ("40 N BROADWAY", "40", "N", "Broadway", "", "", ""),
        ("40 BROADWAY", "40", "", "Broadway", "", "", ""),
        ("9 SOUTH WEST ST", "9", "S", "West", "St", "", ""),
        ("315 AVENUE OF THE AMERICAS", "315", "", "Avenue Of The Americas", "", "", ""),
        ("18 ST CLAIR AVE", "18", "", "St Clair", "Ave", "", ""),
        ("18 E AVENUE B", "18", "E", "Avenue B", "", "", ""),
        ("18 AVENUE B", "18", "", "Avenue B", "", "", ""),
        ("88 MAPLE AVE 4B", "88", "", "Maple", "Ave", "", "#4B"),
        ("88 MAPLE AVE APT#4B", "88", "", "Maple", "Ave", "", "Apt 4B"),
        ("88 MAPLE AVE APT4B", "88", "", "Maple", "Ave", "", "Apt 4B"),
        ("88 MAPLE AVE REAR", "88", "", "Maple", "Ave", "", "Rear"),
        ("88 Maple Ave Lot 12", "88", "", "Maple", "Ave", "", "Lot 12"),
        ("88 LOT RD", "88", "", "Lot", "Rd", "", ""),
        ("88 UPPER FRONT ST", "88", "", "Upper Front", "St", "", ""),
        ("1021 KENMORE RD UNIT NO 7", "1021", "", "Kenmore", "Rd", "", "Unit 7"),
        ("4 MARTIN LUTHER KING JR BLVD", "4", "", "Martin Luther King Jr", "Blvd", "", ""),
        ("4 o'neil ln", "4", "", "O'Neil", "Ln", "", ""),
        ("4 McKinley Pkwy", "4", "", "McKinley", "Pkwy", "", ""),
        ("10 Indiana Street Southeast Unit 3C", "10", "", "Indiana", "St", "SE", "Unit 3C"),
        ("  301   Clinton   St  ", "301", "", "Clinton", "St", "", ""),
        ("7 Oak Park", "7", "", "Oak", "Park", "", ""),
        ("7 Park", "7", "", "Park", "", "", ""),
        ("1 Dennison Place Fl 2", "1", "", "Dennison", "Pl", "", "Fl 2"),
    ]

    @Test(arguments: cases)
    func parsesOneLine(_ c: (String, String, String, String, String, String, String)) throws {
        let a = try #require(Address.parse(c.0).address, "\(c.0): \(Address.parse(c.0))")
        #expect(a.house == c.1, "\(c.0)")
        #expect(a.preDirection == c.2, "\(c.0)")
        #expect(a.name == c.3, "\(c.0)")
        #expect(a.suffix == c.4, "\(c.0)")
        #expect(a.postDirection == c.5, "\(c.0)")
        #expect(a.unit == c.6, "\(c.0)")
    }

    @Test(arguments: [
        ("", "empty"), ("PO BOX 4471", "PO box"), ("P.O. Box 12", "PO box"), ("Post Office Box 9", "PO box"),
        ("RR 2 BOX 15", "rural route"), ("Rural Route 4", "rural route"), ("MAIN ST", "house number"),
        ("ONE MAIN ST", "house number"), ("12", "no street name"), ("12 1/2", "no street name"),
    ])
    func refusesWhatIsNotADoor(_ c: (String, String)) {
        let problem = Address.parse(c.0).problem
        #expect(problem?.contains(c.1) == true, "\(c.0): \(String(describing: problem))")
    }

    /// The same place, however it was written, has one key; a different unit or number does not.
    @Test func theSamePlaceHasOneKey() throws {
        let same = [
            "1600 N HIGH ST APT 4B", "1600 North High Street #4B", "1600 n. high st., unit 4b", "1600 N High St 4B",
        ]
        let keys = Set(same.compactMap { Address.parse($0).address?.key })
        #expect(keys.count == 1, "\(keys)")
        let other = [
            "1600 N HIGH ST APT 4C", "1600 S HIGH ST APT 4B", "1600 1/2 N HIGH ST APT 4B", "1602 N HIGH ST APT 4B",
        ]
        for o in other { #expect(!keys.contains(try #require(Address.parse(o).address).key), "\(o)") }
    }

    @Test func readsSeparateColumnsByTheSameRules() throws {
        let a = try #require(
            Address.parse(
                number: "12", numberSuffix: "1/2", preDirection: "N", street: "MAIN", streetSuffix: "STREET", unit: "4B"
            )
            .address)
        #expect(a.line == "12 1/2 N Main St #4B")
        #expect(a.key == Address.parse("12 1/2 North Main St Apt 4B").address?.key)
        let typed = try #require(Address.parse(number: "12", street: "Main St", unitType: "APT", unit: "4B").address)
        #expect(typed.unit == "Apt 4B")
    }

    /// Walk lists and a person's view show the number with its suffix: 12 and 12 1/2 are two doors.
    @Test func viewsShowTheHouseNumberWithItsSuffix() {
        let stop = WalkStop(
            householdID: "h", streetNumber: 12, numberSuffix: "1/2", streetName: "N High St", unit: "Apt 4B",
            badAddress: false, people: [])
        #expect(stop.address == "12 1/2 N High St, Apt 4B")
        #expect(
            HouseholdView.addressLine(["street_number": 12, "number_suffix": "B", "street_name": "Elm St"])
                == "12B Elm St")
    }

    @Test func printsTheNormalisedLine() {
        #expect(Address.parse("77 EAST 5TH AVENUE #3").address?.line == "77 E 5th Ave #3")
        #expect(Address.parse("12 1/2 n main street apartment 4b").address?.line == "12 1/2 N Main St Apt 4B")
        #expect(Address.parse("12 1/2 n main street apartment 4b").address?.street == "N Main St")
    }
}

struct MoneyTests {
    @Test(
        arguments: [
            ("1250", 125_000), ("1,250.50", 125_050), ("$1250", 125_000), ("$1,250", 125_000), ("1250.5", 125_050),
            ("0.99", 99), (".5", 50), ("0", 0), ("$0.01", 1), ("1,000,000", 100_000_000), (" 12.30 ", 1230),
        ] as [(String, Int64)])
    func readsDollars(_ c: (String, Int64)) { #expect(Money.cents(c.0) == c.1, "\(c.0)") }

    @Test(arguments: ["", "$", "-5", "12.345", "1,25", "12,50.00", "1.250,50", "abc", "1e3", "$ 12x", "1..2"])
    func refusesWhatIsNotAnAmount(_ text: String) { #expect(Money.cents(text) == nil, "\(text)") }

    @Test func formatsCents() {
        #expect(Money.format(cents: 125_050) == "$1,250.50")
        #expect(Money.format(cents: 5) == "$0.05")
        #expect(Money.format(cents: 100_000_000) == "$1,000,000.00")
    }
}
