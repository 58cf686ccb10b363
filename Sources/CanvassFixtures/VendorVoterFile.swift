import CanvassProtocol

/// A voter file in a list vendor's layout, unlike `fixtures/voters.csv`: upper-case vendor
/// headers (`LALVOTERID, LASTNAME, FIRSTNAME, RESADDRESS, RESCITY, ZIP5, PHONE1, PARTY_CODE`, …),
/// the address on one line with units and fractions, party letters, yes/no election columns,
/// one bad row (a PO box) and one duplicate (a row repeated). For import tests.
///
/// Its people: the first `overlap` voters of the fixture campaign, written the vendor's way
/// (same voter ids, capitals, street suffixes spelled out, so an import matches them), and
/// `fresh` new people in apartments, half-numbered houses and suites on streets of their own,
/// two to a household.
public struct VendorVoterFile: Sendable {
    public static let header = [
        "LALVOTERID", "LASTNAME", "FIRSTNAME", "MIDDLENAME", "RESADDRESS", "RESCITY", "RESSTATE", "ZIP5", "PHONE1",
        "PARTY_CODE", "PRECINCT_NAME", "WARD", "YOB", "G2024", "P2024", "G2022",
    ]

    /// The file's text.
    public let csv: String
    /// People the file holds once each (good rows, duplicates not counted).
    public let people: Int
    /// New people (not in the fixture campaign) and their new households.
    public let freshPeople: Int
    public let freshHouseholds: Int
    /// Line of the bad row and of the duplicate (the header is line 1).
    public let badLine: Int
    public let duplicateLine: Int

    public init(fixture voters: [Voter], overlap: Int = 20, fresh: Int = 30) {
        var rows: [[String]] = []
        let spelled = ["St": "STREET", "Ave": "AVENUE", "Rd": "ROAD", "Pl": "PLACE"]
        for v in voters.prefix(overlap) {
            let parts = v.streetName.split(separator: " ")
            let street =
                parts.dropLast().joined(separator: " ").uppercased() + " "
                + (spelled[String(parts.last ?? "")] ?? String(parts.last ?? "").uppercased())
            let unit = v.unit.isEmpty ? "" : " " + v.unit.uppercased()
            rows.append(
                Self.row(
                    id: v.voterId, last: v.lastName, first: v.firstName, middle: v.middleName,
                    address: "\(v.streetNumber) \(street)\(unit)", city: v.city, zip: v.zip, phone: v.phone,
                    party: Self.partyLetters[v.party] ?? "O", precinct: v.precinct, ward: v.ward, yob: v.birthYear,
                    voted: v.votedIn))
        }
        let streets = ["N HIGH ST", "E 5TH AVENUE", "W BROAD STREET", "SOUTH PARK PLACE NW", "KING AVE"]
        let units = ["", " APT 4B", " #3", " UNIT 2", " STE 100", " APT 1A"]
        let last = ["NGUYEN", "OKAFOR", "HALVORSEN", "MBEKI", "ROSSI", "TANAKA", "SILVA", "KOWALSKI"]
        let first = ["ANA", "BEN", "CHLOE", "DMITRI", "EBUKA", "FATIMA", "GRETA", "HIRO", "IVAN", "JOY"]
        var households = 0
        for i in 0..<fresh {
            let h = i / 2
            if i % 2 == 0 { households += 1 }
            let number = 100 + 4 * h
            let half = h % 3 == 1 ? " 1/2" : ""
            let address = "\(number)\(half) \(streets[h % streets.count])\(units[h % units.count])"
            rows.append(
                Self.row(
                    id: "LAL" + String(900_000 + i), last: last[h % last.count], first: first[i % first.count],
                    middle: "", address: address, city: "COLUMBUS", zip: "43215",
                    phone: i % 3 == 0 ? "" : "(614) 555-01\(10 + i % 90)",
                    party: ["D", "R", "U", "L", "G"][i % 5], precinct: "9-\(["A", "B", "C"][h % 3])", ward: 9,
                    yob: 1950 + i,
                    voted: i % 2 == 0 ? ["G2024", "G2022"] : ["P2024"]))
        }
        // The bad row: a PO box is nobody's door. The duplicate: the first fresh person again.
        let badAt = overlap + fresh / 2
        rows.insert(
            Self.row(
                id: "LAL999999", last: "BOXLEY", first: "PAT", middle: "", address: "PO BOX 4471", city: "COLUMBUS",
                zip: "43215", phone: "", party: "U", precinct: "9-A", ward: 9, yob: 1970, voted: []), at: badAt)
        rows.append(rows[overlap])
        var text = Self.header.joined(separator: ",") + "\r\n"
        for r in rows { text += r.map(Self.quoted).joined(separator: ",") + "\r\n" }
        csv = text
        people = min(overlap, voters.count) + fresh
        freshPeople = fresh
        freshHouseholds = households
        badLine = badAt + 2
        duplicateLine = rows.count + 1
    }

    static let partyLetters = ["DEM": "D", "REP": "R", "IND": "I", "LIB": "L", "GRN": "G", "NPA": "U"]

    static func row(
        id: String, last: String, first: String, middle: String, address: String, city: String, zip: String,
        phone: String, party: String, precinct: String, ward: Int, yob: Int, voted: [String]
    ) -> [String] {
        [
            id, last.uppercased(), first.uppercased(), middle.uppercased(), address, city.uppercased(), "OH", zip,
            phone,
            party, precinct, String(ward), String(yob),
        ] + ["G2024", "P2024", "G2022"].map { voted.contains($0) ? "Y" : "N" }
    }

    /// Quotes a cell holding a comma or a quote (RFC 4180).
    static func quoted(_ cell: String) -> String {
        guard cell.contains(",") || cell.contains("\"") else { return cell }
        var out = "\""
        for ch in cell { out += ch == "\"" ? "\"\"" : String(ch) }
        return out + "\""
    }
}
