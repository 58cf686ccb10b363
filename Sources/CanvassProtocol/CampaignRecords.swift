import CanvassCore

/// The records a campaign's imports and admin commands write, in the shapes of
/// `CampaignSchema`: households and contacts from voter-file rows, and assignments.
public enum CampaignRecords {
    public typealias Write = (key: RecordKey, values: [String: Value])

    /// One household per address and one contact per voter.
    public static func people(_ voters: [Voter]) -> [Write] {
        var out: [Write] = []
        var seen: Set<String> = []
        for v in voters where seen.insert(v.householdId).inserted {
            var h: [String: Value] = [
                "street_number": .int(Int64(v.streetNumber)), "street_name": .string(v.streetName),
                "city": .string(v.city),
                "state": .string(v.state), "zip": .string(v.zip), "latitude": .double(v.latitude),
                "longitude": .double(v.longitude),
                "precinct": .string(v.precinct), "ward": .int(Int64(v.ward)),
            ]
            if !v.unit.isEmpty { h["unit"] = .string(v.unit) }
            out.append((RecordKey("households", v.householdId), h))
        }
        for v in voters {
            var c: [String: Value] = [
                "voter_id": .string(v.voterId), "household_id": .string(v.householdId),
                "first_name": .string(v.firstName),
                "last_name": .string(v.lastName), "party": .string(v.party), "precinct": .string(v.precinct),
                "ward": .int(Int64(v.ward)), "birth_year": .int(Int64(v.birthYear)),
                "registration_date": .string(v.registrationDate),
                "vote_history": .string(v.voteHistory),
            ]
            for (k, s) in [
                ("middle_name", v.middleName), ("suffix", v.suffix), ("phone", v.phone), ("email", v.email),
                ("gender", v.gender),
            ] where !s.isEmpty {
                c[k] = .string(s)
            }
            out.append((RecordKey("contacts", contactID(v)), c))
        }
        return out
    }

    /// The contact id of a voter: `c-` and the state voter id.
    public static func contactID(_ v: Voter) -> String { "c-\(v.voterId)" }

    /// Gives a list to a user: one assignment per list and user, so assigning twice is harmless.
    public static func assignment(list: String, user: String) -> Write {
        (RecordKey("assignments", "\(list)@\(user)"), ["list_id": .string(list), "user_id": .string(user)])
    }
}
