/// One person read from a row of a voter or contact file: the values of their contact and
/// household records in the shapes of `CampaignSchema`, and what matching needs.
public struct VoterFilePerson: Sendable, Hashable {
    /// The row's line in the file (the header is line 1).
    public let line: Int
    public var voterID: String?
    /// The household id the file gives, if it has a column for it.
    public var householdID: String?
    public var address: Address
    /// Five digits, or empty.
    public var zip: String
    public var city: String
    /// Contact fields (no `household_id` or `campaign_id`: the plan sets those).
    public var contact: [String: Value]
    /// Household fields (no `campaign_id`).
    public var household: [String: Value]

    /// The person's name for matching: first name, last name and suffix in capitals, letters only.
    public var nameKey: String {
        ["first_name", "last_name", "suffix"].map { contact[$0]?.stringValue ?? "" }
            .map { VoterFileRules.letters($0) }.joined(separator: "|")
    }

    /// The address for households and matching: the address key and the zip (or the city
    /// when the file has no zip).
    public var householdKey: String { VoterFileRules.householdKey(address, zip: zip, city: city) }
}

/// The rules that turn a row of a voter or contact file into a person: how each column's text
/// becomes a field value (names, addresses, phones, parties, dates, vote history), and which
/// rows are refused. The client's `canvass import` and the server's admin import both use them.
///
/// A row is refused (an error) when it has no last name, an address that is not a door (no
/// house number, a PO box), more cells than the header, or a value the schema refuses (too
/// long). A value that cannot be read but is not needed (a phone without ten digits, an unknown
/// party code, an unreadable date) is left out with a warning, and the row is kept.
public struct VoterFileRules: Sendable {
    public let mapping: VoterFileMapping
    public let schema: Schema
    /// Reads a date as the file writes it ("2024-11-05", "11/05/2024", …) into `YYYY-MM-DD`.
    /// Given by a layer that has a calendar (Foundation's formatters); CanvassCore reads none.
    public let readDate: @Sendable (String) -> String?

    /// Column of each mapped field, and the yes/no election columns: looked up once, not per row.
    private let columns: [VoterField: Int]
    private let votedColumns: [(index: Int, code: String)]
    /// The fields of contacts and households, in schema order.
    private let specs: [String: [FieldSpec]]

    public init(
        mapping: VoterFileMapping, schema: Schema = CampaignSchema.standard,
        readDate: @escaping @Sendable (String) -> String?
    ) {
        self.mapping = mapping
        self.schema = schema
        self.readDate = readDate
        var columns: [VoterField: Int] = [:]
        var voted: [(Int, String)] = []
        for (i, t) in mapping.targets.enumerated() {
            switch t {
            case .field(let f)?: columns[f] = i
            case .voted(let code)?: voted.append((i, code))
            default: break
            }
        }
        self.columns = columns
        self.votedColumns = voted
        self.specs = ["contacts", "households"].reduce(into: [:]) { $0[$1] = schema.collections[$1]?.fields ?? [] }
    }

    /// Party codes and names as files write them, in capitals, to `CampaignSchema.parties`.
    public static let parties: [String: String] = {
        let table: [String: [String]] = [
            "DEM": ["DEM", "D", "DEMOCRAT", "DEMOCRATIC", "DEMOCRATIC PARTY", "DFL"],
            "REP": ["REP", "R", "REPUBLICAN", "REPUBLICAN PARTY", "GOP"],
            "IND": ["IND", "I", "INDEPENDENT", "AIP", "INDEPENDENCE"],
            "LIB": ["LIB", "L", "LBT", "LPF", "LIBERTARIAN"],
            "GRN": ["GRN", "G", "GRE", "GREEN", "GREEN PARTY"],
            "NPA": [
                "NPA", "U", "UN", "UNA", "UNAFFILIATED", "UNENROLLED", "NON", "NONE", "NP", "NPP", "NO PARTY",
                "NONPARTISAN", "UNDECLARED", "UND", "BLK", "DTS", "NOPARTY",
            ],
            "OTH": ["OTH", "O", "OTHER", "CON", "CONSTITUTION", "WF", "WFP", "WORKING FAMILIES", "REF", "SOC"],
        ]
        var out: [String: String] = [:]
        for (code, names) in table { for n in names { out[n] = code } }
        return out
    }()

    static let nameSuffixes: Set<String> = ["JR", "SR", "II", "III", "IV", "V", "VI", "2ND", "3RD", "4TH"]

    /// Letters and digits in capitals: how names compare.
    public static func letters(_ s: String) -> String {
        String(s.uppercased().filter { $0.isLetter || $0.isNumber })
    }

    /// See `VoterFilePerson.householdKey`.
    public static func householdKey(_ address: Address, zip: String, city: String) -> String {
        address.key + "|" + (zip.isEmpty ? letters(city) : zip)
    }

    /// Reads one row.
    /// - Parameters:
    ///   - cells: the row's cells, in header order.
    ///   - line: where the row starts in the file, for the diagnostics.
    /// - Returns: the person, unless the row has errors; and every problem, errors and warnings,
    ///   each at `line N, COLUMN`.
    public func person(_ cells: [String], line: Int) -> (person: VoterFilePerson?, problems: [Diagnostic]) {
        var problems: [Diagnostic] = []
        let rowAt = "line \(line)"
        if cells.count > mapping.header.count {
            problems.append(
                Diagnostic(
                    at: rowAt, code: "too_many_cells",
                    "\(cells.count) cells but the header has \(mapping.header.count) columns (an unquoted comma?)"))
            return (nil, problems)
        }
        let columns = self.columns
        func column(_ field: VoterField) -> String {
            columns[field].map { "\(rowAt), \(mapping.header[$0])" } ?? rowAt
        }
        func cell(_ field: VoterField) -> String {
            guard let i = columns[field], i < cells.count else { return "" }
            return Self.collapse(cells[i])
        }
        func warn(_ field: VoterField, _ code: String, _ message: String) {
            problems.append(Diagnostic(.warning, at: column(field), code: code, message))
        }
        func fail(_ field: VoterField, _ code: String, _ message: String) {
            problems.append(Diagnostic(at: column(field), code: code, message))
        }

        // Names.
        var first = cell(.firstName)
        var middle = cell(.middleName)
        var last = cell(.lastName)
        var suffix = cell(.suffix)
        let full = last.isEmpty && first.isEmpty ? cell(.fullName) : ""
        if !full.isEmpty { (first, middle, last, suffix) = Self.splitName(full, suffix: suffix) }
        if last.isEmpty { fail(columns[.lastName] != nil ? .lastName : .fullName, "missing", "no last name") }

        // The address.
        let zipText = cell(.zip)
        var zip = String(zipText.filter(\.isNumber).prefix(5))
        if !zipText.isEmpty && (zip.count != 5 || zipText.filter(\.isNumber).count < 5) {
            warn(.zip, "bad_value", "zip '\(zipText)' is not a 5-digit zip code; left out")
            zip = ""
        }
        let city = cell(.city).split(separator: " ").map { AddressTokens.display(String($0)) }.joined(separator: " ")
        let parsed: AddressParse
        let oneLine = cell(.address)
        let addressField: VoterField
        if !oneLine.isEmpty || columns[.streetNumber] == nil {
            addressField = .address
            let second = cell(.unit)
            var line = oneLine
            if !second.isEmpty {
                let designated = AddressTokens.unitDesignator(AddressTokens.split(second).first ?? "") != nil
                line += " " + (cell(.unitType).isEmpty ? "" : cell(.unitType) + " ") + (designated ? "" : "# ") + second
            }
            parsed = line.isEmpty ? .problem("no address") : Address.parse(line)
        } else {
            addressField = .streetNumber
            parsed = Address.parse(
                number: cell(.streetNumber), numberSuffix: cell(.numberSuffix), preDirection: cell(.preDirection),
                street: cell(.streetName), streetSuffix: cell(.streetSuffix), postDirection: cell(.postDirection),
                unitType: cell(.unitType), unit: cell(.unit))
        }
        if let p = parsed.problem { fail(addressField, "bad_address", p) }

        // Contact fields.
        var contact: [String: Value] = [:]
        let voterID = cell(.voterID)
        for (name, text) in [
            ("voter_id", voterID), ("first_name", first), ("middle_name", middle), ("last_name", last),
            ("suffix", suffix),
        ] where !text.isEmpty {
            contact[name] = .string(text)
        }
        let phone = cell(.phone)
        if !phone.isEmpty {
            if let p = Self.phone(phone) {
                contact["phone"] = .string(p)
            } else {
                warn(.phone, "bad_value", "phone '\(phone)' does not have 10 digits; left out")
            }
        }
        let email = cell(.email)
        if !email.isEmpty {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") {
                contact["email"] = .string(email)
            } else {
                warn(.email, "bad_value", "email '\(email)' is not an address; left out")
            }
        }
        let partyText = cell(.party)
        if !partyText.isEmpty {
            if let p = Self.parties[partyText.uppercased()] {
                contact["party"] = .string(p)
            } else {
                contact["party"] = .string("OTH")
                warn(
                    .party, "unknown_option",
                    "party '\(partyText)' is not a code this import knows; stored as OTH (known: \(CampaignSchema.parties.joined(separator: ", ")))"
                )
            }
        }
        let precinct = cell(.precinct)
        if !precinct.isEmpty { contact["precinct"] = .string(precinct) }
        let wardText = cell(.ward)
        var ward: Int64?
        if !wardText.isEmpty {
            let digits = wardText.filter(\.isNumber)
            if !digits.isEmpty, digits.count <= 6, let w = Int64(digits) {
                ward = w
                contact["ward"] = .int(w)
            } else {
                warn(.ward, "bad_value", "ward '\(wardText)' has no number; left out")
            }
        }
        let yearText = cell(.birthYear)
        let dobText = cell(.birthDate)
        if !yearText.isEmpty {
            if let y = Int64(yearText), (1880...2100).contains(y) {
                contact["birth_year"] = .int(y)
            } else {
                warn(.birthYear, "bad_value", "birth year '\(yearText)' is not a year; left out")
            }
        } else if !dobText.isEmpty {
            if let iso = readDate(dobText), let y = Int64(iso.prefix(4)), (1880...2100).contains(y) {
                contact["birth_year"] = .int(y)
            } else {
                warn(.birthDate, "bad_value", "birth date '\(dobText)' is not a date; left out")
            }
        }
        let gender = cell(.gender)
        if !gender.isEmpty {
            let g = gender.uppercased()
            contact["gender"] = .string(g == "MALE" ? "M" : g == "FEMALE" ? "F" : g.count <= 2 ? g : gender)
        }
        let registered = cell(.registrationDate)
        if !registered.isEmpty {
            if let iso = readDate(registered) {
                contact["registration_date"] = .string(iso)
            } else {
                warn(.registrationDate, "bad_value", "registration date '\(registered)' is not a date; left out")
            }
        }
        var elections: [String] = []
        let history = cell(.voteHistory)
        for token in history.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "|" }) {
            elections.append(ElectionCode.normalize(String(token)) ?? String(token).uppercased())
        }
        for (i, code) in votedColumns where i < cells.count {
            let v = Self.collapse(cells[i]).uppercased()
            if !v.isEmpty && !["N", "NO", "0", "FALSE", "F", "-"].contains(v) { elections.append(code) }
        }
        if !elections.isEmpty {
            contact["vote_history"] = .string(ElectionCode.merged(elections.joined(separator: " "), ""))
        }

        // Household fields.
        var household: [String: Value] = [:]
        if let a = parsed.address {
            household["street_number"] = .int(Int64(a.number))
            if !a.numberSuffix.isEmpty { household["number_suffix"] = .string(a.numberSuffix) }
            household["street_name"] = .string(a.street)
            if !a.unit.isEmpty { household["unit"] = .string(a.unit) }
        }
        if !city.isEmpty { household["city"] = .string(city) }
        let state = cell(.state).uppercased()
        if !state.isEmpty {
            if state.count == 2 && state.allSatisfy(\.isLetter) {
                household["state"] = .string(state)
            } else {
                warn(.state, "bad_value", "state '\(state)' is not a two-letter code; left out")
            }
        }
        if !zip.isEmpty { household["zip"] = .string(zip) }
        for (field, name, range) in [
            (VoterField.latitude, "latitude", -90.0...90.0), (.longitude, "longitude", -180.0...180.0),
        ] {
            let text = cell(field)
            guard !text.isEmpty else { continue }
            if let d = Double(text), range.contains(d) {
                household[name] = .double(d)
            } else {
                warn(field, "bad_value", "\(name) '\(text)' is not a number in \(range); left out")
            }
        }
        if !precinct.isEmpty { household["precinct"] = .string(precinct) }
        if let ward { household["ward"] = .int(ward) }

        // Whatever the schema refuses (too long, say) refuses the row.
        for (collection, values) in [("contacts", contact), ("households", household)] {
            for f in specs[collection] ?? [] {
                guard let value = values[f.name] else { continue }
                for d in f.check(value, at: rowAt) {
                    problems.append(Diagnostic(at: rowAt, code: d.code, d.message))
                }
            }
        }
        let householdID = cell(.householdID)
        if householdID.utf8.count > Schema.maxIDBytes - 2 || voterID.utf8.count > Schema.maxIDBytes - 2 {
            fail(.voterID, "too_long", "an id is longer than \(Schema.maxIDBytes - 2) bytes")
        }
        guard !problems.hasErrors, let address = parsed.address else { return (nil, problems) }
        return (
            VoterFilePerson(
                line: line, voterID: voterID.isEmpty ? nil : voterID,
                householdID: householdID.isEmpty ? nil : householdID, address: address, zip: zip, city: city,
                contact: contact, household: household),
            problems
        )
    }

    /// Trims and collapses runs of spaces (and tabs, line ends, no-break spaces) to one space.
    static func collapse(_ s: String) -> String {
        // Most cells are clean: no space at either end, no two in a row, no other blank.
        var clean = true
        var previousSpace = true
        for b in s.utf8 {
            let space = b == 0x20
            if (space && previousSpace) || b == 0x09 || b == 0x0A || b == 0x0D || b == 0xC2 {
                clean = false
                break
            }
            previousSpace = space
        }
        if clean && !previousSpace { return s }
        if clean && s.isEmpty { return s }
        return s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{A0}" })
            .joined(separator: " ")
    }

    /// "LAST, FIRST MIDDLE SUFFIX" or "First Middle Last Suffix".
    static func splitName(_ full: String, suffix given: String) -> (String, String, String, String) {
        var suffix = given
        if let comma = full.firstIndex(of: ",") {
            let last = AddressTokens.trim(String(full[..<comma]))
            var rest = full[full.index(after: comma)...].split(separator: " ").map(String.init).filter {
                $0 != ","
            }
            if let s = rest.last, nameSuffixes.contains(letters(s)), rest.count > 1 {
                suffix = s
                rest.removeLast()
            }
            return (rest.first ?? "", rest.dropFirst().joined(separator: " "), last, suffix)
        }
        var words = full.split(separator: " ").map(String.init)
        if let s = words.last, nameSuffixes.contains(letters(s)), words.count > 2 {
            suffix = s
            words.removeLast()
        }
        guard words.count > 1 else { return ("", "", words.first ?? "", suffix) }
        return (words[0], words.dropFirst().dropLast().joined(separator: " "), words.last!, suffix)
    }

    /// "(614) 555-0123", "614.555.0123", "+1 614 555 0123" → "614-555-0123"; nil without ten digits.
    public static func phone(_ text: String) -> String? {
        let main = text.split(whereSeparator: { $0 == "x" || $0 == "X" }).first.map(String.init) ?? text
        var digits = main.filter { $0.isASCII && $0.isNumber }
        if digits.count == 11 && digits.hasPrefix("1") { digits.removeFirst() }
        guard digits.count == 10 else { return nil }
        let d = Array(digits)
        return String(d[0..<3]) + "-" + String(d[3..<6]) + "-" + String(d[6..<10])
    }
}
