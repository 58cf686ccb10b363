import CanvassCore

/// The records a campaign's imports and admin commands write, in the shapes of
/// `CampaignSchema`: households and contacts from voter-file rows, and assignments.
public enum CampaignRecords {
    public typealias Write = (key: RecordKey, values: [String: Value])

    /// One household per address and one contact per voter, by the import rules every voter
    /// file goes through (`VoterFileRules`, `VoterFilePlan`), as if `voters` were a file in the
    /// layout of `fixtures/voters.csv` imported into an empty store.
    /// - Precondition: every voter is a valid row (the fixture generator makes only such).
    /// - Parameter campaign: the campaign the records belong to (`campaign_id`), if any.
    public static func people(_ voters: [Voter], campaign: String? = nil) -> [Write] {
        let (mapping, problems) = VoterFileMapping.resolve(header: Voter.columns, overrides: [])
        precondition(problems.isEmpty, "the voter layout maps: \(problems)")
        let rules = VoterFileRules(mapping: mapping, readDate: { VoterFileDates.shared.read($0) })
        let people = voters.enumerated().map { i, v in
            let (person, problems) = rules.person(v.cells, line: i + 2)
            guard let person else { preconditionFailure("voter \(v.voterId) is not a valid row: \(problems)") }
            return person
        }
        return VoterFilePlan(people: people, campaign: campaign, existing: VoterFileIndex()).writes
    }

    /// The contact id of a voter: `c-` and the state voter id (`VoterFilePlan`'s rule).
    public static func contactID(_ v: Voter) -> String { "c-\(v.voterId)" }

    /// Gives a list to a user: one assignment per list and user, so assigning twice is harmless.
    public static func assignment(list: String, user: String) -> Write {
        (RecordKey("assignments", "\(list)@\(user)"), ["list_id": .string(list), "user_id": .string(user)])
    }
}

extension Voter {
    /// The columns of `fixtures/voters.csv`, which `cells` fills.
    public static let columns = [
        "voter_id", "household_id", "first_name", "middle_name", "last_name", "suffix", "street_number",
        "street_name", "unit", "city", "state", "zip", "latitude", "longitude", "phone", "email", "party",
        "precinct", "ward", "birth_year", "gender", "registration_date", "vote_history",
    ]

    /// The row's cells in `columns` order, numbers as Swift prints them (they read back exactly).
    public var cells: [String] {
        [
            voterId, householdId, firstName, middleName, lastName, suffix, String(streetNumber), streetName, unit,
            city, state, zip, latitude.description, longitude.description, phone, email, party, precinct,
            String(ward), String(birthYear), gender, registrationDate, voteHistory,
        ]
    }
}
