/// One row of a voter file, in the layout most US state and county voter files share (the
/// columns of `fixtures/voters.csv`). The server's voter import reads it and the fixture
/// generator writes it; `CampaignRecords.people` turns rows into households and contacts.
public struct Voter: Sendable, Hashable {
    /// State voter id: "OH" and nine digits, unique.
    public var voterId: String
    /// "HH" and six digits; household ids run in walk order.
    public var householdId: String
    public var firstName: String
    /// May be empty, a full name or an initial.
    public var middleName: String
    public var lastName: String
    /// "Jr", "Sr", "II", … or empty.
    public var suffix: String
    public var streetNumber: Int
    public var streetName: String
    /// "Apt 2B" and the like, or empty.
    public var unit: String
    public var city: String
    public var state: String
    /// Five digits.
    public var zip: String
    /// Degrees, always a whole number of millionths.
    public var latitude: Double
    /// Degrees, always a whole number of millionths.
    public var longitude: Double
    /// "614-555-0123" style, from the fictional 555-0100…0199 block only; or empty.
    public var phone: String
    /// At example.org, example.com or example.net only; or empty.
    public var email: String
    /// DEM, REP, IND, LIB, GRN or NPA.
    public var party: String
    /// "<ward>-<letter>", e.g. "3-B".
    public var precinct: String
    /// 1…8.
    public var ward: Int
    /// 1930…2006.
    public var birthYear: Int
    /// "F", "M", "X" or empty.
    public var gender: String
    /// YYYY-MM-DD.
    public var registrationDate: String
    /// Space-separated codes of the elections this person voted in, newest first, e.g. "G2024 P2024 G2022".
    public var voteHistory: String

    public init(
        voterId: String, householdId: String, firstName: String, middleName: String, lastName: String,
        suffix: String, streetNumber: Int, streetName: String, unit: String, city: String, state: String,
        zip: String, latitude: Double, longitude: Double, phone: String, email: String, party: String,
        precinct: String, ward: Int, birthYear: Int, gender: String, registrationDate: String, voteHistory: String
    ) {
        self.voterId = voterId
        self.householdId = householdId
        self.firstName = firstName
        self.middleName = middleName
        self.lastName = lastName
        self.suffix = suffix
        self.streetNumber = streetNumber
        self.streetName = streetName
        self.unit = unit
        self.city = city
        self.state = state
        self.zip = zip
        self.latitude = latitude
        self.longitude = longitude
        self.phone = phone
        self.email = email
        self.party = party
        self.precinct = precinct
        self.ward = ward
        self.birthYear = birthYear
        self.gender = gender
        self.registrationDate = registrationDate
        self.voteHistory = voteHistory
    }

    /// Odd-numbered houses are on one side of the street, even on the other.
    public var isOddSide: Bool { streetNumber % 2 == 1 }

    /// "1234 Maple Ave Apt 2B".
    public var addressLine: String {
        unit.isEmpty ? "\(streetNumber) \(streetName)" : "\(streetNumber) \(streetName) \(unit)"
    }

    /// The election codes in `voteHistory`.
    public var votedIn: [String] { voteHistory.split(separator: " ").map(String.init) }
}
